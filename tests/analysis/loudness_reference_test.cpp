// Our EBU R128 implementation (src/io/loudness.cpp) against libebur128 1.2.6, the independent
// reference: integrated loudness and LRA within 0.01 LU, true and sample peak within 0.01 dB.
#include <ebur128.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "echoelml/io/audio.h"
#include "echoelml/io/loudness.h"
#include "support/shared_data.h"

namespace echoelml::io {
namespace {

// The reference: libebur128 fed in 100 ms hops, short-term loudness read after every complete
// 3 s window (EBU Tech 3342's 10 Hz rate), LRA with the same percentile rule as ours.
double reference_lra(std::vector<double> st) {
  std::vector<double> v;
  for (double x : st)
    if (x > -70.0) v.push_back(x);
  if (v.size() < 2) return 0.0;
  double e = 0;
  for (double x : v) e += std::pow(10.0, x / 10.0);
  const double gate = 10.0 * std::log10(e / static_cast<double>(v.size())) - 20.0;
  std::vector<double> g;
  for (double x : v)
    if (x > gate) g.push_back(x);
  if (g.size() < 2) return 0.0;
  std::sort(g.begin(), g.end());
  auto rank = [&](double q) {
    return g[std::max<std::size_t>(static_cast<std::size_t>(q * static_cast<double>(g.size()) + 0.5), 1) - 1];
  };
  return rank(0.95) - rank(0.10);
}

Loudness reference(const AudioBuffer& a) {
  const int mode = EBUR128_MODE_I | EBUR128_MODE_S | EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_TRUE_PEAK;
  ebur128_state* st = ebur128_init(static_cast<unsigned>(a.channels), static_cast<unsigned long>(a.sr), mode);
  EXPECT_NE(st, nullptr);
  const std::size_t C = a.channels, hop = (static_cast<std::size_t>(a.sr) + 5) / 10;
  std::vector<float> block(hop * C);
  std::vector<double> short_term;
  for (std::size_t pos = 0; pos < a.frames; pos += hop) {
    const std::size_t n = std::min(hop, a.frames - pos);
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < n; ++i) block[i * C + c] = a.data[c * a.frames + pos + i];
    ebur128_add_frames_float(st, block.data(), n);
    if (n == hop && pos + n >= 30 * hop) {
      double s = 0;
      ebur128_loudness_shortterm(st, &s);
      short_term.push_back(s);
    }
  }
  Loudness out;
  ebur128_loudness_global(st, &out.integrated_lufs);
  out.range_lu = reference_lra(short_term);
  double tp = 0, sp = 0;
  for (unsigned c = 0; c < C; ++c) {
    double v = 0;
    ebur128_true_peak(st, c, &v);
    tp = std::max(tp, v);
    ebur128_sample_peak(st, c, &v);
    sp = std::max(sp, v);
  }
  ebur128_destroy(&st);
  auto db = [](double x) { return x > 0 ? 20.0 * std::log10(x) : -std::numeric_limits<double>::infinity(); };
  out.true_peak_dbtp = db(tp);
  out.sample_peak_dbfs = db(sp);
  return out;
}

void expect_same(double ours, double ref, double tol, const std::string& what) {
  if (std::isinf(ref)) {
    EXPECT_TRUE(std::isinf(ours) && (ours < 0) == (ref < 0)) << what << ": ours " << ours << ", libebur128 " << ref;
  } else {
    EXPECT_NEAR(ours, ref, tol) << what;
  }
}

void expect_matches_reference(const AudioBuffer& a, const std::string& label) {
  const Loudness ours = measure_loudness(a);
  const Loudness ref = reference(a);
  expect_same(ours.integrated_lufs, ref.integrated_lufs, 0.01, label + " integrated");
  expect_same(ours.range_lu, ref.range_lu, 0.01, label + " LRA");
  expect_same(ours.true_peak_dbtp, ref.true_peak_dbtp, 0.01, label + " true peak");
  expect_same(ours.sample_peak_dbfs, ref.sample_peak_dbfs, 0.01, label + " sample peak");
}

AudioBuffer noise_bursts(std::size_t channels, double sr, double seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const auto n = static_cast<std::size_t>(seconds * sr);
  AudioBuffer a{.sr = sr, .channels = channels, .frames = n, .data = std::vector<float>(channels * n)};
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < n; ++i) {
      // Level steps every 1.3 s between -40 and -6 dBFS, plus a tone near Nyquist/4 whose
      // inter-sample peaks exceed the samples.
      const double level = std::pow(10.0, (-40.0 + 34.0 * std::fmod(std::floor(i / (1.3 * sr)) * 0.37, 1.0)) / 20.0);
      const double tone = 0.5 * std::sin(2.0 * std::numbers::pi * (sr / 4.0 - 7.0) * i / sr + c);
      a.data[c * n + i] = static_cast<float>(level * (0.3 * g(rng) + tone));
    }
  return a;
}

TEST(LoudnessReference, RealFilesMatchLibebur128) {
  const auto dir = test::shared_dir() / "data" / "real-audio" / "audio";
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const AudioBuffer a = load(e.path(), {.sr = 0.0, .mono = false});
    if (a.frames == 0) continue;
    expect_matches_reference(a, e.path().filename().string());
    ++n;
  }
  EXPECT_GE(n, 13u);
}

TEST(LoudnessReference, SyntheticStereoMonoAndSurroundMatchLibebur128) {
  expect_matches_reference(noise_bursts(2, 44100.0, 12.0, 1), "stereo 44.1k");
  expect_matches_reference(noise_bursts(1, 48000.0, 7.5, 2), "mono 48k");
  expect_matches_reference(noise_bursts(5, 44100.0, 4.0, 3), "5.0 44.1k");
  expect_matches_reference(noise_bursts(6, 32000.0, 4.0, 4), "5.1 32k (LFE ignored)");
  expect_matches_reference(noise_bursts(2, 96000.0, 4.0, 5), "stereo 96k (2x true peak)");
  expect_matches_reference(noise_bursts(2, 22050.0, 3.05, 6), "just over 3 s");
  // Long enough that the K-weighting runs in stretches side by side (4 for mono, 2 for stereo),
  // each warmed up from zero state; and 3 channels, which leave one of four lanes unused.
  expect_matches_reference(noise_bursts(1, 44100.0, 20.0, 9), "mono 44.1k, 20 s");
  expect_matches_reference(noise_bursts(3, 44100.0, 14.0, 10), "3.0 44.1k, 14 s");
  AudioBuffer dc = noise_bursts(1, 48000.0, 30.0, 11);
  for (float& v : dc.data) v = 0.5f * v + 0.25f;  // a DC offset the 38 Hz high-pass must settle on
  expect_matches_reference(dc, "mono 48k with DC offset, 30 s");
}

TEST(LoudnessReference, ShortClipsAndSilenceMatchLibebur128) {
  expect_matches_reference(noise_bursts(2, 44100.0, 0.3, 7), "300 ms (no gating block)");
  expect_matches_reference(noise_bursts(2, 44100.0, 0.45, 8), "450 ms (one block)");
  expect_matches_reference(noise_bursts(1, 44100.0, 2.0, 9), "2 s (no short-term window)");
  AudioBuffer silence{.sr = 44100.0, .channels = 2, .frames = 44100, .data = std::vector<float>(88200, 0.0f)};
  expect_matches_reference(silence, "digital silence");
  AudioBuffer one{.sr = 44100.0, .channels = 1, .frames = 1, .data = {0.5f}};
  expect_matches_reference(one, "one sample");
}

// A sine at fs/4 with a 45 degree phase has samples at 0.707 of its true peak: the true peak
// must see the 3 dB that the samples miss (both implementations, same number).
TEST(LoudnessReference, InterSamplePeakOfQuarterRateSineIsFound) {
  const double sr = 44100.0;
  const std::size_t n = 44100;
  AudioBuffer a{.sr = sr, .channels = 1, .frames = n, .data = std::vector<float>(n)};
  for (std::size_t i = 0; i < n; ++i)
    a.data[i] = static_cast<float>(0.5 * std::sin(std::numbers::pi / 2.0 * i + std::numbers::pi / 4.0));
  const Loudness l = measure_loudness(a);
  EXPECT_NEAR(l.sample_peak_dbfs, 20 * std::log10(0.5 * std::sqrt(0.5)), 1e-4);
  EXPECT_GT(l.true_peak_dbtp, l.sample_peak_dbfs + 2.5);
  expect_matches_reference(a, "fs/4 sine");
}

}  // namespace
}  // namespace echoelml::io
