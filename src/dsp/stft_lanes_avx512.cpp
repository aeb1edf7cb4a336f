// The AVX-512VL build of the four-lane STFT kernel (stft_lanes_kernel.inc): the same 256-bit
// operations as the AVX2 build, but with 32 vector registers, so a radix-8 butterfly's 16
// values stay in registers. AVX-512F implies FMA, so contraction is switched off: a * b + c must
// stay two roundings, as in the SSE2 and AVX2 builds. No library code is included (see
// stft_lanes_avx2.cpp).
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw")
#pragma GCC optimize("fp-contract=off")
#define ECHOELML_LANES_AVX2 1
#include "dsp/stft_lanes_kernel.inc"

namespace echoelml::dsp::detail::lanes {
void kernel_avx512(const KernelArgs& k) { kernel_body(k); }
}  // namespace echoelml::dsp::detail::lanes
