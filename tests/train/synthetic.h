// Small synthetic, learnable data sets for the trainer tests. Features are in "raw units" with
// large offsets and scales so the standardisation matters; targets are simple functions of the
// features, so a working network must beat the trivial baselines clearly.
#pragma once

#include <cmath>
#include <random>

#include "echoelml/core/music.h"
#include "echoelml/train/dataset.h"

namespace echoelml::test {

inline float normal(std::mt19937& rng, float mean = 0, float sd = 1) {
  return std::normal_distribution<float>(mean, sd)(rng);
}

/// 4 genres (0, 1, 3, 4) separable by tempo, centroid and a few MFCCs, plus noise columns.
inline train::Dataset genre_data(std::size_t n, unsigned seed = 7) {
  std::mt19937 rng(seed);
  const int classes[4] = {0, 1, 3, 4};
  train::Dataset d;
  d.features = Matrix(n, 32);
  for (std::size_t i = 0; i < n; ++i) {
    int k = static_cast<int>(i % 4);
    d.labels.push_back(classes[k]);
    auto r = d.features.row(i);
    for (int c = 0; c < 32; ++c) r[c] = normal(rng);
    r[0] = normal(rng, 80.0f + 20.0f * k, 6.0f);     // tempo BPM
    r[1] = normal(rng, 1500.0f + 600.0f * (k % 2), 200.0f);  // centroid Hz
    r[7] = normal(rng, -300.0f + 60.0f * (k / 2), 15.0f);    // mfcc_0
    r[20] = normal(rng, 0.5f, 0.1f);                  // chroma_0, uninformative
  }
  return d;
}

/// 6 technique features; 4 techniques are deterministic functions of them, one is frequent.
inline train::Dataset technique_data(std::size_t n, int n_in = 6, unsigned seed = 11) {
  std::mt19937 rng(seed);
  train::Dataset d;
  d.features = Matrix(n, static_cast<std::size_t>(n_in));
  d.targets = Matrix(n, kNumTechniques, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    auto r = d.features.row(i);
    for (int c = 0; c < n_in; ++c) r[c] = normal(rng);
    r[0] = 1.0f + 0.5f * r[0];       // dynamic_range 0-2
    r[2] = 50.0f + 20.0f * r[2];     // spectrum_variance
    r[3] = 2000.0f + 800.0f * r[3];  // temporal_modulation
    d.targets(i, 11) = r[0] < 1.0f;                      // side-chain: low dynamic range
    d.targets(i, 13) = r[1] > 0.3f;                      // stereo widening
    d.targets(i, 15) = r[2] > 55.0f;                     // creative filtering
    d.targets(i, 16) = r[3] > 1800.0f;                   // rhythmic delay (frequent)
  }
  return d;
}

/// Patterns whose pitch register follows the genre and whose velocity follows complexity.
inline train::Dataset pattern_data(std::size_t n, unsigned seed = 5) {
  std::mt19937 rng(seed);
  train::Dataset d;
  d.features = Matrix(n, 31, 0.0f);
  d.targets = Matrix(n, train::kPatternSteps * train::kNoteFields);
  for (std::size_t i = 0; i < n; ++i) {
    const int genre = static_cast<int>(i % 2) * 3;  // EDM or Hip-Hop
    const float bars = (i / 2) % 2 ? 2.0f : 1.0f, cx = std::uniform_real_distribution<float>(0, 1)(rng);
    auto r = d.features.row(i);
    r[genre] = 1.0f;
    r[8 + static_cast<int>(i % 5)] = 1.0f;
    r[28] = 90.0f + 40.0f * cx;
    r[29] = bars;
    r[30] = cx;
    std::vector<train::PatternNote> notes;
    const int count = 4 + static_cast<int>(4 * cx);
    for (int k = 0; k < count; ++k) {
      float start = bars * 4.0f * static_cast<float>(k) / static_cast<float>(count);
      notes.push_back({(genre == 0 ? 40.0f : 76.0f) + static_cast<float>(k % 3), 50.0f + 60.0f * cx, start, 0.5f});
    }
    auto row = train::pattern_target(notes, bars * 4.0f);
    std::copy(row.begin(), row.end(), d.targets.row(i).begin());
  }
  return d;
}

/// Spectra of 1024 bins whose band energies, peak and rms define the 10 mix targets.
inline train::Dataset mix_data(std::size_t n, unsigned seed = 3) {
  std::mt19937 rng(seed);
  train::Dataset d;
  d.features = Matrix(n, train::kMixSpectrumSize);
  d.targets = Matrix(n, train::kMixTargetSize);
  const int edges[7] = {0, 16, 64, 128, 384, 640, 1024};
  for (std::size_t i = 0; i < n; ++i) {
    float level[6];
    for (float& l : level) l = std::uniform_real_distribution<float>(0.1f, 0.9f)(rng);
    auto r = d.features.row(i);
    for (int b = 0; b < 6; ++b)
      for (int k = edges[b]; k < edges[b + 1]; ++k) r[k] = -60.0f + 50.0f * level[b] + normal(rng, 0, 1);  // dB
    const float peak = std::uniform_real_distribution<float>(0.3f, 1.0f)(rng);
    const float rms = peak * std::uniform_real_distribution<float>(0.1f, 0.7f)(rng);
    for (int k = 1000; k < 1024; ++k) r[k] = 20.0f * std::log10(rms) + normal(rng, 0, 1);   // a loudness cue
    for (int k = 980; k < 1000; ++k) r[k] = 20.0f * std::log10(peak) + normal(rng, 0, 1);   // a peak cue
    for (int b = 0; b < 6; ++b) d.targets(i, b) = level[b];
    d.targets(i, 6) = 20.0f * std::log10(peak / (rms + 1e-4f));
    d.targets(i, 7) = level[2];  // "stereo width" follows the low-mid band
    d.targets(i, 8) = peak;
    d.targets(i, 9) = rms;
  }
  return d;
}

}  // namespace echoelml::test
