// detail::tuning_peaks (piptrack's peak picking and parabolic interpolation; its peak test
// runs on all bins of a tile of <= 16 frames in one AVX2 / AVX-512 call, else 4 frames per SSE2
// step) against a plain per-frame loop written from librosa's piptrack formulas, on tiles of 16
// and 37 lanes with full and partial frame counts (37: the SSE2 and scalar steps), with each
// instruction set the CPU has (SSE2, AVX2, AVX-512: the 16-lane tiles' mask builds), over the
// default band and over every bin, from power tiles and from magnitude tiles (square_tile).
// Pitches and magnitudes must match bit for bit and in order. Run it with ECHOELML_NO_AVX2=1 too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "echoelml/features/chroma.h"
#include "features/spectral_common.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {

struct Peaks {
  std::vector<float> pitches, mags;
};

// k-major, frames ascending: x = S * (S > threshold * frame max); a peak has x[k] > x[k-1] and
// x[k] >= x[k+1] for fmin <= k sr / n_fft < min(fmax, sr / 2).
Peaks reference(const std::vector<float>& tile, std::size_t lanes, std::size_t count,
                const std::vector<float>& frame_max, std::size_t K, double sr, const TuningParams& p) {
  Peaks out;
  const int n_fft = static_cast<int>(2 * (K - 1));
  const double fmax = std::min(p.fmax, sr / 2.0);
  for (std::size_t k = 1; k + 1 < K; ++k) {
    const double fk = static_cast<double>(k) * (1.0 / (n_fft * (1.0 / sr)));
    if (!(fk >= p.fmin && fk < fmax)) continue;
    for (std::size_t t = 0; t < count; ++t) {
      const float ref = static_cast<float>(p.threshold) * frame_max[t];
      const float l = tile[(k - 1) * lanes + t], m = tile[k * lanes + t], h = tile[(k + 1) * lanes + t];
      const float xl = l > ref ? l : 0.0f, xm = m > ref ? m : 0.0f, xh = h > ref ? h : 0.0f;
      if (!(xm > xl && xm >= xh)) continue;
      const double a = static_cast<double>(h + l) - 2.0 * static_cast<double>(m);
      const double b = static_cast<double>(h - l) / 2.0;
      const float shift = std::fabs(b) >= std::fabs(a) ? 0.0f : static_cast<float>(-b / a);
      out.pitches.push_back(static_cast<float>((static_cast<double>(k) + shift) * sr / n_fft));
      out.mags.push_back(m + (0.5f * ((h - l) / 2.0f)) * shift);
    }
  }
  return out;
}

void expect_same(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(float)), 0) << what << " at " << i;
}

}  // namespace

TEST(TuningPeaks, MatchesPerFrameLoopForTilesAndPartialCounts) {
  const std::size_t K = 1025;
  const double sr = 22050.0;
  std::mt19937 rng(5);
  std::exponential_distribution<float> e(1.0f);
  std::uniform_int_distribution<int> kind(0, 9);
  for (std::size_t lanes : {16u, 37u}) {
    for (std::size_t count : {lanes, std::size_t{13}, std::size_t{8}, std::size_t{5}, std::size_t{1}}) {
      if (count > lanes) continue;
      // Spectra with plateaus (ties for the >= test), zeros and values below the threshold.
      std::vector<float> tile(K * lanes);
      for (auto& v : tile) {
        const int c = kind(rng);
        v = c == 0 ? 0.0f : c == 1 ? 1.0f : c == 2 ? 1e-6f : e(rng);
      }
      // Magnitudes m and the power m * m (float32) the reference sees.
      std::vector<float> magnitude(tile.size());
      for (std::size_t i = 0; i < tile.size(); ++i) {
        magnitude[i] = std::sqrt(tile[i]);  // 0 and 1 stay: the ties are kept
        tile[i] = magnitude[i] * magnitude[i];
      }
      std::vector<float> frame_max(count, 0.0f);
      for (std::size_t k = 0; k < K; ++k)
        for (std::size_t t = 0; t < count; ++t) frame_max[t] = std::max(frame_max[t], tile[k * lanes + t]);
      for (double threshold : {0.1, 0.0})
        for (bool full_range : {false, true})
          for (int isa : {0, 1, 2}) {
            TuningParams p;
            p.threshold = threshold;
            if (full_range) p.fmin = 0.0, p.fmax = sr;  // bins 1 .. K - 2: the tile's edges
            const Peaks want = reference(tile, lanes, count, frame_max, K, sr, p);
            ASSERT_GT(want.pitches.size(), 20 * count);  // the test sees many peaks
            Peaks got;
            detail::tuning_peaks(tile.data(), lanes, count, frame_max.data(), K, sr, p, got.pitches,
                                 got.mags, /*square_tile=*/false, isa);
            expect_same(got.pitches, want.pitches, "pitches");
            expect_same(got.mags, want.mags, "mags");
            // The same power given as magnitudes whose float32 squares it is.
            Peaks from_mag;
            detail::tuning_peaks(magnitude.data(), lanes, count, frame_max.data(), K, sr, p,
                                 from_mag.pitches, from_mag.mags, /*square_tile=*/true, isa);
            expect_same(from_mag.pitches, want.pitches, "pitches from magnitudes");
            expect_same(from_mag.mags, want.mags, "mags from magnitudes");
          }
    }
  }
}
