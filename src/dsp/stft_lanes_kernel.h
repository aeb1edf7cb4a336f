// The four-lane STFT kernel's arguments and its two builds (stft_lanes.h explains the
// transform). The body, stft_lanes_kernel.inc, is compiled twice: in stft_lanes.cpp for SSE2
// and in stft_lanes_avx2.cpp for AVX2. Both do the same double operations per lane in the same
// order and no FMA, so both give the same bits.
#pragma once

#include <cstddef>

namespace echoelml::dsp::detail::lanes {

struct Twiddle3 {
  double c1, s1, c2, s2, c3, s3;  // W^p, W^2p, W^3p of one radix-4 butterfly
};

struct KernelArgs {
  const float* const* frame;  // four frames of n = 2M samples
  const double* window;       // n values
  const Twiddle3* const* passes;  // pass s: the (M >> 2s) / 4 twiddles of its butterflies
  const int* digit_reversed;      // base-4 digit reversal over L digits
  const double* split_c;          // W_n^k, k <= M/2
  const double* split_s;
  void* work;  // M points of four lanes: M * 64 bytes, 64-byte aligned
  int M, L;    // M = n/2 = 4^L, L >= 2
  float* out;  // |X_j[k]| at out[k * stride + j]
  std::size_t stride;
};

void kernel_sse2(const KernelArgs& k);
void kernel_avx2(const KernelArgs& k);

}  // namespace echoelml::dsp::detail::lanes
