// Run-time choice of the AVX2 kernels. Every kernel with an AVX2 build also has an SSE2 build
// that gives the same bits; ECHOELML_NO_AVX2=1 in the environment selects the SSE2 builds, so
// tests can compare the two paths on a machine that has AVX2 (tests/cli/simd_paths_cli_test.sh).
#pragma once

namespace echoelml::core {

/// True when the CPU has AVX2 (and POPCNT, which the AVX2 kernels may use) and
/// ECHOELML_NO_AVX2 is unset or "0". Decided once per process.
bool use_avx2();

/// use_avx2() and the CPU has FMA: for the kernels whose formula has a fused multiply-add
/// (numpy's |z|, dsp/complex_abs.h). Decided once per process.
bool use_avx2_fma();

}  // namespace echoelml::core
