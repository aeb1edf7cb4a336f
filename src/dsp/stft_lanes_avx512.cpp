// The AVX-512 build of the STFT kernel (stft_lanes_kernel.inc): eight frames per call, one per
// lane of 512-bit vectors. On Zen 4 these are double-pumped, so they do not add arithmetic
// throughput, but they halve the instructions, the twiddle broadcasts and the transposes per
// frame (bench_fft BM_StftMagnitudeTiles30s: -6 %), and the 32 registers hold a radix-8
// butterfly. Contraction is off, so a * b + c stays two roundings as in the other builds; the
// only FMAs are the exact additions fma(a, 1, b) of the kernel's fadd/fsub. No library code is
// included (see stft_lanes_avx2.cpp).
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw")
#pragma GCC optimize("fp-contract=off")
#define ECHOELML_LANES_AVX2 1
#define ECHOELML_LANES_W 8
#include "dsp/stft_lanes_kernel.inc"

namespace echoelml::dsp::detail::lanes {
void kernel_avx512(const KernelArgs& k) { kernel_body(k); }
}  // namespace echoelml::dsp::detail::lanes
