// The multi-lane STFT kernel's arguments and its three builds (stft_lanes.h explains the
// transform). The body, stft_lanes_kernel.inc, is compiled three times: in stft_lanes.cpp for
// SSE2 and in stft_lanes_avx2.cpp for AVX2, four frames per call, and in stft_lanes_avx512.cpp
// for AVX-512, eight frames per call in 512-bit vectors. All do the same double operations per
// lane in the same order, so all give the same bits; the only FMAs are the AVX-512 build's
// exact additions fma(a, 1, b).
#pragma once

#include <cstddef>

namespace echoelml::dsp::detail::lanes {

struct Twiddle3 {
  double c1, s1, c2, s2, c3, s3;  // W^p, W^2p, W^3p of one radix-4 butterfly
};

struct Twiddle7 {
  double c[8], s[8];  // W^jp for j = 1..7 of one radix-8 butterfly (index 0 unused)
};

/// One pass over a quarter's sub-transforms of size n: radix 4 (Twiddle3) or 8 (Twiddle7),
/// n / radix twiddle entries.
struct MiddlePass {
  int radix, n;
  const void* twiddles;
};

struct KernelArgs {
  const float* const* frame;  // W (4 or 8) frames of n = 2M samples
  const double* window;       // n values
  const Twiddle3* first;          // the first pass's M / 4 twiddles (size M, radix 4)
  const MiddlePass* middle;       // then these on each quarter (size M / 4 downwards)
  int n_middle;
  const int* group_of;            // natural c < M/4 -> storage of the last pass's group c
  const double* split_c;          // W_n^k, k <= M/2
  const double* split_s;
  void* work;  // M points of W lanes: M * 16 W bytes, 64-byte aligned
  int M;       // M = n/2 = 4^L, L >= 2
  float* out;  // |X_j[k]| at out[k * stride + j]
  std::size_t stride;
};

void kernel_sse2(const KernelArgs& k);
void kernel_avx2(const KernelArgs& k);
void kernel_avx512(const KernelArgs& k);  // AVX-512: eight lanes

}  // namespace echoelml::dsp::detail::lanes
