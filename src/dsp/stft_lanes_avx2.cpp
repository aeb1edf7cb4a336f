// The AVX2 build of the STFT kernel (stft_lanes_kernel.inc, four lanes). The whole translation
// unit targets AVX2 (without FMA, so nothing is contracted): GCC then lowers the kernel's
// generic vectors to full-width instructions, which the function-level target attribute did
// not do for the conversions. It includes no library code, so no inline function compiled here
// with AVX2 instructions can be shared with callers on other CPUs.
#pragma GCC target("avx2")
#define ECHOELML_LANES_AVX2 1
#include "dsp/stft_lanes_kernel.inc"

namespace echoelml::dsp::detail::lanes {
void kernel_avx2(const KernelArgs& k) { kernel_body(k); }
}  // namespace echoelml::dsp::detail::lanes
