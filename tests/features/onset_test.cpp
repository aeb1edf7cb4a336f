// onset_strength on hand-built mel spectrograms with answers derived by hand, and the median
// aggregate against a sorted median.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/onset.h"
#include "features/spectral_common.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {
// 4 bands x 6 frames of powers 10^(dB/10), no top_db clamp for exact dB values.
Matrix from_db(const std::vector<std::vector<float>>& db) {
  Matrix m(db.size(), db[0].size());
  for (std::size_t b = 0; b < m.rows; ++b)
    for (std::size_t t = 0; t < m.cols; ++t) m(b, t) = std::pow(10.0f, db[b][t] / 10.0f);
  return m;
}
}  // namespace

TEST(OnsetStrength, PositiveDifferencesAveragedAndShiftedByThreeFrames) {
  const Matrix M = from_db({{0, 10, 10, 5, 20, 20},
                            {0, 0, 30, 30, 10, 10},
                            {0, 20, 0, 0, 0, 40},
                            {0, 2, 4, 6, 8, 10}});
  OnsetStrengthParams p;
  p.db.top_db = std::nullopt;
  const auto env = onset_strength_from_mel(M, p);
  ASSERT_EQ(env.size(), 6u);
  // Differences per transition t->t+1 (negatives clipped), mean over 4 bands:
  // 0->1: (10+0+20+2)/4 = 8; 1->2: (0+30+0+2)/4 = 8; 2->3: (0+0+0+2)/4 = 0.5; then cut.
  const std::vector<float> expect{0, 0, 0, 8.0f, 8.0f, 0.5f};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(env[i], expect[i], 1e-4) << i;
  p.aggregate = OnsetAggregate::Median;
  const auto med = onset_strength_from_mel(M, p);
  // medians of {10,0,20,2} = 6, {0,30,0,2} = 1, {0,0,0,2} = 0
  const std::vector<float> expect_med{0, 0, 0, 6.0f, 1.0f, 0.0f};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(med[i], expect_med[i], 1e-4) << i;
  const auto both = onset_strength_both(M, p);
  EXPECT_EQ(both.mean, env);
  EXPECT_EQ(both.median, med);
}

TEST(OnsetStrength, TopDbFloorSilencesQuietBands) {
  // Band 1 moves between -100 and -90 dB, far below max - 80 = -60: clamped flat, so only band
  // 0 contributes.
  const Matrix M = from_db({{0, 20, 20, 20}, {-100, -90, -100, -90}});
  const auto env = onset_strength_from_mel(M);
  ASSERT_EQ(env.size(), 4u);
  EXPECT_NEAR(env[3], 10.0f, 1e-4);
}

TEST(OnsetStrength, SilenceGivesZeros) {
  std::vector<float> y(44100, 0.0f);
  OnsetStrengthParams p;
  p.mel.mel.sr = 44100.0;
  const auto env = onset_strength(y, p);
  EXPECT_EQ(env.size(), 1 + y.size() / 512);
  for (float v : env) EXPECT_EQ(v, 0.0f);
}

TEST(OnsetStrength, InvalidParamsThrow) {
  OnsetStrengthParams p;
  p.mel.stft.hop_length = 0;
  EXPECT_THROW(onset_strength_from_mel(Matrix(4, 4, 1.0f), p), ParameterError);
  EXPECT_THROW(onset_strength_from_mel(Matrix(0, 4), {}), ParameterError);
}

TEST(OnsetStrengthParams, DefaultsMatchLibrosa) {
  OnsetStrengthParams p;
  EXPECT_EQ(p.aggregate, OnsetAggregate::Mean);
  EXPECT_EQ(p.mel.stft.n_fft, 2048);
  EXPECT_EQ(p.mel.stft.hop_length, 512);
  EXPECT_EQ(p.mel.mel.n_mels, 128);
  EXPECT_EQ(p.db.top_db, 80.0);
}

// The median over bands runs as a selection network on 8 frames at once; compare it with a
// full sort per frame for band counts around powers of two, frame counts that leave a
// remainder, and data with many ties.
TEST(OnsetStrength, MedianNetworkMatchesSortedMedianForManyShapes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (std::size_t B : {1u, 2u, 3u, 7u, 8u, 9u, 40u, 64u, 127u, 128u, 129u}) {
    for (bool ties : {false, true}) {
      const std::size_t T = 37;
      Matrix M(B, T);
      for (auto& v : M.data)
        v = ties ? std::pow(10.0f, std::floor(u(rng) * 4.0f)) : u(rng) * 100.0f;
      OnsetStrengthParams p;
      p.aggregate = OnsetAggregate::Median;
      const auto env = onset_strength_from_mel(M, p);
      ASSERT_EQ(env.size(), T);
      const Matrix db = power_to_db(M, p.db);
      for (std::size_t t = 0; t + 1 < T; ++t) {
        std::vector<float> col(B);
        for (std::size_t b = 0; b < B; ++b) col[b] = std::max(0.0f, db(b, t + 1) - db(b, t));
        std::sort(col.begin(), col.end());
        const float med = B % 2 ? col[B / 2] : (col[B / 2 - 1] + col[B / 2]) / 2.0f;
        if (t + 3 < T) {
          EXPECT_EQ(env[t + 3], med) << "B=" << B << " t=" << t << " ties=" << ties;
        }
      }
    }
  }
}

// Frames with at least B / 2 zero rises take a shortcut (no sorting: 0, the smallest positive
// rise, or their float32 mean); build dB columns whose rises have chosen zero counts around
// B / 2 (and 0, B), in 8-frame groups that are all shortcut frames, mixed, or none, with and
// without ties, and compare every frame's bits with a sorted median.
TEST(OnsetStrength, MedianWithManyZeroRisesMatchesSortedMedian) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.5f, 10.0f);
  for (std::size_t B : {2u, 3u, 8u, 9u, 127u, 128u, 129u}) {
    const std::size_t mid = B / 2;
    auto clampz = [&](std::size_t z) { return std::min(z, B); };
    std::vector<std::size_t> schedule = {mid, mid + 1, B, mid, mid, B, mid + 1, mid,  // all shortcut
                                         mid - 1, mid, 0, mid + 1, 63, 64, 65, 128,    // mixed
                                         0, 1, mid - 1, 63, 64, 0, 1, mid - 1};         // none for B >= 128
    for (bool ties : {false, true}) {
      const std::size_t T = 3 * 8 * 4 + 5;  // a remainder for the scalar frames
      Matrix db(B, T);
      for (std::size_t b = 0; b < B; ++b) db(b, 0) = ties ? 0.0f : -u(rng);
      std::vector<std::size_t> order(B);
      std::iota(order.begin(), order.end(), 0);
      for (std::size_t t = 0; t + 1 < T; ++t) {
        const std::size_t z = clampz(schedule[t % schedule.size()]);
        std::shuffle(order.begin(), order.end(), rng);
        for (std::size_t i = 0; i < B; ++i) {
          const std::size_t b = order[i];
          const float step = ties ? static_cast<float>(1 << (rng() % 3)) : u(rng);
          // Zero rises: equal or falling values; positive rises: rising values.
          db(b, t + 1) = i < z ? db(b, t) - (i % 2 == 0 ? 0.0f : step) : db(b, t) + step;
        }
      }
      const auto env = detail::onset_strength_from_mel_db(db, OnsetAggregate::Median, dsp::StftParams{});
      ASSERT_EQ(env.size(), T);
      for (std::size_t t = 0; t + 4 < T; ++t) {
        std::vector<float> col(B);
        std::size_t zeros = 0;
        for (std::size_t b = 0; b < B; ++b) {
          col[b] = std::max(0.0f, db(b, t + 1) - db(b, t));
          zeros += col[b] == 0.0f;
        }
        ASSERT_EQ(zeros, clampz(schedule[t % schedule.size()])) << "B=" << B << " t=" << t;
        std::sort(col.begin(), col.end());
        const float med = B % 2 ? col[B / 2] : (col[B / 2 - 1] + col[B / 2]) / 2.0f;
        EXPECT_EQ(std::bit_cast<std::uint32_t>(env[t + 3]), std::bit_cast<std::uint32_t>(med))
            << "B=" << B << " t=" << t << " zeros=" << zeros << " ties=" << ties;
      }
    }
  }
}
