// Internal: the app technique set's whole-buffer sums, fed block by block, so the standalone set
// (app_technique_features) and analyze's shared pass with the mix set (app_and_mix_features)
// run the same code and give the same numbers.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "echoelml/features/sets.h"

namespace echoelml::features::detail {

// Two SSE2 registers of two doubles each: four independent chains instead of one latency-bound
// one. Feeding a buffer in blocks whose sizes are multiples of 4 gives each lane the same
// samples in the same order as one call over the whole buffer.
typedef double Double2 __attribute__((vector_size(16)));

struct Sum4 {
  Double2 a{}, b{};
  void add(const float* x) { a += Double2{x[0], x[1]}, b += Double2{x[2], x[3]}; }
  void add_products(const float* x, const float* y) {
    a += Double2{x[0], x[1]} * Double2{y[0], y[1]};
    b += Double2{x[2], x[3]} * Double2{y[2], y[3]};
  }
  void add_squares(const float* x, double mean) {
    const Double2 d0 = Double2{x[0], x[1]} - mean, d1 = Double2{x[2], x[3]} - mean;
    a += d0 * d0, b += d1 * d1;
  }
  double total() const { return (a[0] + a[1]) + (b[0] + b[1]); }
};

// Eight independent double partial sums (four SSE2 registers): twice the chains of Sum4, for
// loops that would otherwise wait on the add latency. Lane k takes samples i = k (mod 8).
struct Sum8 {
  Double2 v[4] = {};
  double total() const {
    return ((v[0][0] + v[0][1]) + (v[1][0] + v[1][1])) + ((v[2][0] + v[2][1]) + (v[3][0] + v[3][1]));
  }
};

// Lanes 4h..4h+3 of a Sum8 as one AVX register and back (for [[gnu::target("avx2")]] loops).
[[gnu::target("avx2")]] inline __m256d lanes_load(const Sum8& s, int h) {
  double t[4];
  std::memcpy(t, &s.v[2 * h], sizeof t);
  return _mm256_loadu_pd(t);
}
[[gnu::target("avx2")]] inline void lanes_store(Sum8& s, int h, __m256d v) {
  double t[4];
  _mm256_storeu_pd(t, v);
  std::memcpy(&s.v[2 * h], t, sizeof t);
}

class AppTechniqueSums {
 public:
  /// The next n frames of channel 0 (x0) and channel 1 (x1, nullptr for mono). Every call but
  /// the last must pass a multiple of 8 frames (then the lanes see the same samples in the same
  /// order however the signal is cut).
  void add(const float* x0, const float* x1, std::size_t n);
  /// The features of everything added (`stereo`: channel 1 was given). Nothing is read again:
  /// the variance comes from sums of x - x[0] (shifted so a DC offset cannot cancel digits) and
  /// the lag products from the kept first kPrefix samples.
  AppTechniqueFeatures finish(bool stereo) const;

  static constexpr std::size_t kWindow = 4096;             // products per lag
  static constexpr std::size_t kMaxLag = 39690;            // 0.9 s at 44.1 kHz
  static constexpr std::size_t kPrefix = kWindow + kMaxLag;  // samples the lags can read

 private:
  float lo_ = 0.0f, hi_ = 0.0f;
  bool any_ = false;
  double shift_ = 0.0;
  std::size_t n_ = 0;
  Sum8 sum_, sq_, dot_;
  double sum_tail_ = 0.0, sq_tail_ = 0.0, dot_tail_ = 0.0;
  std::vector<float> prefix_;  // the first kPrefix samples of channel 0
};

}  // namespace echoelml::features::detail
