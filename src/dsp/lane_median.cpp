// Each lane keeps its window as a sorted array of vectors w[0..size). One step removes the
// leaving value xo and inserts the entering value xi without branches:
//   d[k] = w[k] < xo ? w[k] : w[k+1]          (xo's first copy dropped: w is sorted)
//   w'[k] = max(d[k-1], min(d[k], xi))        (insertion into sorted d, d[-1] = -inf)
// which is 4 vector operations per window slot and output, independent of the data.
#include "echoelml/dsp/lane_median.h"

#include <cstring>
#include <limits>

// The 32-byte vector helpers are always inlined, so no vector crosses a call boundary and
// the ABI note GCC gives for them in the SSE2 build does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace echoelml::dsp {
namespace {

typedef float v8 __attribute__((vector_size(32)));
constexpr int kMaxStackSize = 63;  // larger windows take the generic path below in chunks

[[gnu::always_inline]] inline v8 load(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline v8 vmin(v8 a, v8 b) { return a < b ? a : b; }
[[gnu::always_inline]] inline v8 vmax(v8 a, v8 b) { return a < b ? b : a; }
[[gnu::always_inline]] inline v8 splat(float x) { return v8{x, x, x, x, x, x, x, x}; }

// S > 0: compile-time window size (fully unrolled); S == 0: size given at run time.
template <int S>
[[gnu::always_inline]] inline void kernel(const float* in, std::size_t n, int size_rt, float* out) {
  const int size = S > 0 ? S : size_rt;
  const int h = size / 2;
  const v8 inf = splat(std::numeric_limits<float>::infinity());
  const v8 ninf = splat(-std::numeric_limits<float>::infinity());
  v8 w[(S > 0 ? S : kMaxStackSize) + 1];
  for (int k = 0; k <= size; ++k) w[k] = inf;
  // Sort the first window by insertion (descending k keeps w[k-1] unread-before-write).
  for (int m = 0; m < size; ++m) {
    const v8 x = load(in + static_cast<std::size_t>(m) * kMedianLanes);
    for (int k = m; k > 0; --k) w[k] = vmax(w[k - 1], vmin(w[k], x));
    w[0] = vmin(w[0], x);
  }
  store(out, w[h]);
  for (std::size_t i = 1; i < n; ++i) {
    const v8 xo = load(in + (i - 1) * kMedianLanes);
    const v8 xi = load(in + (i - 1 + static_cast<std::size_t>(size)) * kMedianLanes);
    v8 dprev = ninf;
    for (int k = 0; k < size - 1; ++k) {
      const v8 dk = w[k] < xo ? w[k] : w[k + 1];
      w[k] = vmax(dprev, vmin(dk, xi));
      dprev = dk;
    }
    w[size - 1] = vmax(dprev, xi);
    store(out + i * kMedianLanes, w[h]);
  }
}

void dispatch_generic(const float* in, std::size_t n, int size, float* out) {
  if (size == 31) kernel<31>(in, n, size, out);
  else kernel<0>(in, n, size, out);
}

[[gnu::target("avx2")]] void dispatch_avx2(const float* in, std::size_t n, int size, float* out) {
  if (size == 31) kernel<31>(in, n, size, out);
  else kernel<0>(in, n, size, out);
}

// Windows longer than kMaxStackSize: a plain per-lane sorted copy (rare; not on HPSS paths).
void large_window(const float* in, std::size_t n, int size, float* out) {
  const int h = size / 2;
  for (std::size_t j = 0; j < kMedianLanes; ++j)
    for (std::size_t i = 0; i < n; ++i) {
      // Partial selection by repeated minimum extraction would be O(size^2); nth_element
      // needs a buffer, so count ranks instead: the median is the value with
      // #less <= h < #less + #equal.
      for (int a = 0; a < size; ++a) {
        const float v = in[(i + static_cast<std::size_t>(a)) * kMedianLanes + j];
        int less = 0, equal = 0;
        for (int b = 0; b < size; ++b) {
          const float u = in[(i + static_cast<std::size_t>(b)) * kMedianLanes + j];
          less += u < v ? 1 : 0;
          equal += u == v ? 1 : 0;
        }
        if (less <= h && h < less + equal) {
          out[i * kMedianLanes + j] = v;
          break;
        }
      }
    }
}

}  // namespace

void median8(const float* in, std::size_t n, int size, float* out) noexcept {
  if (n == 0 || size < 1) return;
  if (size > kMaxStackSize) return large_window(in, n, size, out);
  // (An AVX-512VL build of the same kernel, with 32 registers, measured no faster on the
  // project machine's Zen 4.)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) dispatch_avx2(in, n, size, out);
  else dispatch_generic(in, n, size, out);
}

}  // namespace echoelml::dsp
