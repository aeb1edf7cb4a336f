// EBU R128 loudness: EBU test signals with known answers, and the real files against ffmpeg's
// ebur128 measurements in shared/data/real-audio/manifest.csv.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "echoelml/io/loudness.h"
#include "support/shared_data.h"

namespace echoelml::io {
namespace {

// Stereo 1 kHz sine segments: (seconds, peak level in dBFS) each, same signal in L and R.
AudioBuffer stereo_sine(const std::vector<std::pair<double, double>>& segments, double sr = 48000.0) {
  std::vector<float> mono;
  for (auto [sec, db] : segments) {
    const double amp = std::pow(10.0, db / 20.0);
    const auto n = static_cast<std::size_t>(sec * sr);
    for (std::size_t i = 0; i < n; ++i)
      mono.push_back(static_cast<float>(amp * std::sin(2.0 * std::numbers::pi * 1000.0 * i / sr)));
  }
  AudioBuffer a{.sr = sr, .channels = 2, .frames = mono.size(), .data = mono};
  a.data.insert(a.data.end(), mono.begin(), mono.end());
  return a;
}

// EBU Tech 3341 case 1: stereo 1 kHz at -23 dBFS reads -23.0 +- 0.1 LUFS.
TEST(Loudness, StereoSineAtMinus23DbfsReadsMinus23Lufs) {
  const Loudness l = measure_loudness(stereo_sine({{20.0, -23.0}}));
  EXPECT_NEAR(l.integrated_lufs, -23.0, 0.1);
  EXPECT_NEAR(l.sample_peak_dbfs, -23.0, 0.01);
  EXPECT_NEAR(l.true_peak_dbtp, -23.0, 0.1);
  EXPECT_NEAR(l.range_lu, 0.0, 0.1);  // constant level
}

// EBU Tech 3342 case 1: 20 s at -20 dBFS then 20 s at -30 dBFS has LRA 10 +- 1 LU.
TEST(Loudness, TwoLevelSineHasTenLuLoudnessRange) {
  const Loudness l = measure_loudness(stereo_sine({{20.0, -20.0}, {20.0, -30.0}}));
  EXPECT_NEAR(l.range_lu, 10.0, 1.0);
}

TEST(Loudness, DigitalSilenceIsFullyGated) {
  AudioBuffer a{.sr = 44100.0, .channels = 1, .frames = 44100 * 5, .data = std::vector<float>(44100 * 5)};
  const Loudness l = measure_loudness(a);
  EXPECT_TRUE(std::isinf(l.integrated_lufs) && l.integrated_lufs < 0);
  EXPECT_TRUE(std::isinf(l.true_peak_dbtp) && l.true_peak_dbtp < 0);
  EXPECT_EQ(l.range_lu, 0.0);
}

TEST(Loudness, SkippedMeasurementsAreNanAndTheRestIsUnchanged) {
  const AudioBuffer a = stereo_sine({{5.0, -23.0}});
  const Loudness full = measure_loudness(a);
  const Loudness quick = measure_loudness(a, {.range = false, .true_peak = false});
  // libebur128 sizes its ring buffer by mode, so the block sums differ in the last bits.
  EXPECT_NEAR(quick.integrated_lufs, full.integrated_lufs, 1e-9);
  EXPECT_EQ(quick.sample_peak_dbfs, full.sample_peak_dbfs);
  EXPECT_TRUE(std::isnan(quick.range_lu));
  EXPECT_TRUE(std::isnan(quick.true_peak_dbtp));
}

TEST(LoudnessParams, DefaultsMeasureEverything) {
  LoudnessParams p;
  EXPECT_TRUE(p.range);
  EXPECT_TRUE(p.true_peak);
}

TEST(Loudness, InvalidBuffersThrowParameterError) {
  EXPECT_THROW(measure_loudness(AudioBuffer{.sr = 44100.0, .channels = 1, .frames = 0, .data = {}}), ParameterError);
  EXPECT_THROW(measure_loudness(AudioBuffer{.sr = 44100.5, .channels = 1, .frames = 1, .data = {0.0f}}), ParameterError);
  EXPECT_THROW(measure_loudness(AudioBuffer{.sr = 44100.0, .channels = 2, .frames = 2, .data = {0.0f}}), ParameterError);
}

// Splits one CSV line, honouring double-quoted fields with commas.
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') quoted = !quoted;
    else if (ch == ',' && !quoted) out.emplace_back();
    else out.back() += ch;
  }
  return out;
}

// Tolerances observed (manifest values are ffmpeg 5.1, rounded to 0.1): integrated <= 0.053 LU,
// LRA <= 0.05 LU, true peak <= 0.06 dB (ffmpeg oversamples to 192 kHz, libebur128 4x).
TEST(Loudness, RealFilesMatchFfmpegEbur128Measurements) {
  const auto root = test::shared_dir() / "data" / "real-audio";
  std::ifstream in(root / "manifest.csv");
  std::string line;
  std::getline(in, line);
  const auto header = csv_fields(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    const auto f = csv_fields(line);
    if (f.size() != header.size()) continue;
    const auto path = root / f[col["file"]];
    const Loudness l = measure_loudness(load(path, {.sr = 0.0, .mono = false}));
    const double lufs = std::stod(f[col["lufs_integrated"]]);
    if (lufs <= kLufsFloor)  // ffmpeg prints -70 when every block is gated
      EXPECT_TRUE(std::isinf(l.integrated_lufs) && l.integrated_lufs < 0) << path << " " << l.integrated_lufs;
    else
      EXPECT_NEAR(l.integrated_lufs, lufs, 0.1) << path;
    EXPECT_NEAR(l.range_lu, std::stod(f[col["lra_lu"]]), 0.1) << path;
    const std::string tp = f[col["true_peak_dbtp"]];
    if (tp.empty())  // ffmpeg leaves it empty for all-zero audio
      EXPECT_TRUE(std::isinf(l.true_peak_dbtp)) << path;
    else
      EXPECT_NEAR(l.true_peak_dbtp, std::stod(tp), 0.1) << path;
    ++n;
  }
  EXPECT_GE(n, 13u);
}

}  // namespace
}  // namespace echoelml::io
