// The genre set's post-STFT kernels against the paths they replace, bit for bit:
// clip_stats_fused (both builds) against zero_crossing_rate_checked / rms_checked, and the
// chroma means from power tiles against the means of chroma_stft_unchecked's (n_chroma, T)
// matrix.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/beat.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/spectral.h"
#include "features/spectral_common.h"
#include "support/row_means.h"

using namespace echoelml;
using namespace echoelml::features;
using echoelml::test::row_means;

namespace {

// Equal bits (NaN payloads included), element by element.
template <typename T>
void expect_same_bits(const std::vector<T>& a, const std::vector<T>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(T)), 0) << what << " at " << i << ": " << a[i] << " vs " << b[i];
}

// Noise with runs of exact zeros, values at +-threshold scale (1e-10 counts as 0 for the
// crossing rate) and loud stretches, so every branch of the sign test and the sums is taken.
std::vector<float> test_signal(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 0.3f);
  std::uniform_int_distribution<int> kind(0, 9);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (kind(rng)) {
      case 0: y[i] = 0.0f; break;
      case 1: y[i] = g(rng) > 0 ? 1e-10f : -1e-10f; break;
      case 2: y[i] = g(rng) * 1e-11f; break;
      case 3: y[i] = -0.0f; break;
      default: y[i] = g(rng);
    }
  }
  return y;
}

TEST(ClipStats, MatchesZeroCrossingRateAndRmsOnBothBuilds) {
  // Lengths: shorter than a block, than a hop, than a frame; not multiples of 128 or 512.
  for (std::size_t n : {1u, 7u, 127u, 128u, 129u, 511u, 2047u, 2048u, 5000u, 44100u, 96001u}) {
    const auto y = test_signal(n, static_cast<unsigned>(n));
    const auto zcr = detail::zero_crossing_rate_checked(y);
    const auto rms = detail::rms_checked(y);
    for (bool avx2 : {true, false}) {
      if (avx2 && !core::use_avx2()) continue;
      const auto s = detail::clip_stats_fused(y, "test", avx2);
      const std::string what = "n=" + std::to_string(n) + (avx2 ? " avx2" : " sse2");
      expect_same_bits(s.zcr, zcr, what + " zcr");
      expect_same_bits(s.rms, rms, what + " rms");
    }
  }
}

TEST(ClipStats, NonFiniteAudioAnywhereIsRejectedLikeCheckAudio) {
  const std::size_t n = 10000;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()})
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{127}, std::size_t{128},
                           std::size_t{5000}, n - 17, n - 1})
      for (bool avx2 : {true, false}) {
        if (avx2 && !core::use_avx2()) continue;
        auto y = test_signal(n, 3);
        y[at] = bad;
        try {
          detail::clip_stats_fused(y, "clip", avx2);
          FAIL() << "no error for " << bad << " at " << at;
        } catch (const ParameterError& e) {
          EXPECT_NE(std::string(e.what()).find("clip: audio buffer is not finite"), std::string::npos);
        }
      }
  // Finite extremes are accepted (their squares overflow to inf, as in rms).
  auto y = test_signal(n, 4);
  y[300] = std::numeric_limits<float>::max();
  y[301] = -std::numeric_limits<float>::max();
  expect_same_bits(detail::clip_stats(y, "clip").rms, detail::rms_checked(y), "max");
  EXPECT_THROW(detail::clip_stats(std::vector<float>{}, "clip"), ParameterError);
  EXPECT_THROW(detail::clip_stats_fused(std::vector<float>{}, "clip", false), ParameterError);
  y[9000] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(detail::clip_stats(y, "clip"), ParameterError);
}

// A power spectrogram (K, T) with silent frames, a frame of near-denormal power and a strong
// partial per frame, in both layouts: the matrix and the genre set's tiles.
struct Power {
  Matrix m;
  std::vector<float> tiles;
};
Power test_power(std::size_t K, std::size_t T, unsigned seed) {
  std::mt19937 rng(seed);
  std::exponential_distribution<float> e(1.0f);
  std::uniform_int_distribution<std::size_t> bin(1, K - 2);
  Power p{Matrix(K, T), {}};
  for (std::size_t t = 0; t < T; ++t) {
    const float scale = t % 37 == 5 ? 0.0f : (t % 41 == 7 ? 1e-30f : 1.0f);
    for (std::size_t k = 0; k < K; ++k) p.m(k, t) = scale * e(rng) * 1e-3f;
    p.m(bin(rng), t) += scale * 50.0f;
  }
  constexpr std::size_t L = detail::kTileLanes;
  p.tiles.assign((T + L - 1) / L * K * L, 0.0f);
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t t = 0; t < T; ++t) p.tiles[(t / L) * K * L + k * L + t % L] = p.m(k, t);
  return p;
}

// chroma_means_from_tiles (the genre set's chroma, kernel dispatched on the CPU; run the
// binary with ECHOELML_NO_AVX2=1 for the SSE2 build) against the means of the matrix path.
TEST(ChromaTiles, MeansEqualTheMatrixPathsMeans) {
  const std::size_t K = 1025;
  // T: one partial tile, a partial 128-frame chroma tile, several of them.
  for (std::size_t T : {3u, 16u, 130u, 300u}) {
    const auto P = test_power(K, T, static_cast<unsigned>(T));
    for (double tuning : {0.0, -0.23, 0.41})
      for (ChromaNorm norm : {ChromaNorm::Max, ChromaNorm::None}) {
        ChromaParams cp{.sr = 44100.0};
        cp.norm = norm;
        expect_same_bits(detail::chroma_means_from_tiles(P.tiles.data(), K, T, cp, tuning),
                         row_means(detail::chroma_stft_unchecked(P.m, cp, tuning)),
                         "T=" + std::to_string(T) + " tuning=" + std::to_string(tuning));
      }
  }
}

}  // namespace

namespace {

// beat_track's local score (the onsets over their ddof=1 std, convolved with the Gaussian of
// its period, "same"), summed term by term in float64 as scipy's direct convolution: the
// vectorised interior frames must give the same bits as this scalar loop.
TEST(BeatLocalScore, EqualsTheScalarConvolution) {
  std::mt19937 rng(11);
  std::exponential_distribution<float> e(1.0f);
  for (std::size_t n : {60u, 97u, 1000u, 2584u}) {
    std::vector<float> env(n);
    // Beats every 43 frames over noise, and a silent stretch (equal sums: argmax ties).
    for (std::size_t i = 0; i < n; ++i)
      env[i] = i > n / 2 && i < n / 2 + 200 ? 0.0f : (i % 43 == 0 ? 5.0f + e(rng) : (i % 7 ? e(rng) * 0.3f : 0.0f));
    BeatTrackParams p;
    p.tempo.sr = 44100.0;
    const auto r = beat_track(env, p);
    ASSERT_GT(r.period, 0);
    double mean = 0.0;
    for (float v : env) mean += v;
    mean /= static_cast<double>(n);
    double ss = 0.0;
    for (float v : env) ss += (v - mean) * (v - mean);
    const float norm = static_cast<float>(std::sqrt(ss / static_cast<double>(n - 1)));
    std::vector<float> x(env);
    for (auto& v : x) v /= norm;
    const int P = r.period;
    std::vector<double> expected(n);
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (int j = -P; j <= P; ++j) {
        const auto at = static_cast<std::ptrdiff_t>(i) + j;
        if (at < 0 || at >= static_cast<std::ptrdiff_t>(n)) continue;
        const double z = (j * 32.0) / P;
        s += static_cast<double>(x[static_cast<std::size_t>(at)]) * std::exp(-0.5 * z * z);
      }
      expected[i] = s;
    }
    expect_same_bits(r.localscore, expected, "n=" + std::to_string(n));

    // The dynamic program by its definition: predecessors at offsets -2P .. -round(P/2),
    // weighted by -tightness * log(-offset / P)^2, the first maximum (np.argmax) wins;
    // candidates before frame 0 count with the weight alone.
    const auto last = -static_cast<std::ptrdiff_t>(std::nearbyint(P / 2.0));
    std::vector<double> cum(n);
    for (std::size_t i = 0; i < n; ++i) {
      double best_v = 0.0;
      bool first = true;
      for (std::ptrdiff_t off = -2 * P; off <= last; ++off) {
        const double lr = std::log(static_cast<double>(-off) / P);
        const double w = -p.tightness * (lr * lr);
        const std::ptrdiff_t src = static_cast<std::ptrdiff_t>(i) + off;
        const double v = src >= 0 ? w + cum[static_cast<std::size_t>(src)] : w;
        if (first || v > best_v) best_v = v;
        first = false;
      }
      cum[i] = r.localscore[i] + best_v;
    }
    expect_same_bits(r.cumscore, cum, "cumscore n=" + std::to_string(n));
  }
}

}  // namespace
