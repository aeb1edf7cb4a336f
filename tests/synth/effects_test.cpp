// The effects and flaws do what their labels claim, measured on synthetic signals.
#include <gtest/gtest.h>

#include <cmath>

#include "echoelml/core/error.h"
#include "echoelml/synth/effects.h"
#include "echoelml/synth/synth.h"
#include "synth/synth_test_util.h"

namespace echoelml::synth {
namespace {

using namespace test;
constexpr double kSr = 44100.0;

TEST(Saturate, AddsOddHarmonicsToASine) {
  const std::size_t n = 44100;
  auto dry = stereo(sine(500, 0.8, n), sine(500, 0.8, n));
  auto wet = dry;
  saturate(wet, 4.0);
  const auto d = mono_of(dry), w = mono_of(wet);
  // 4410 samples hold whole periods of 500, 1500 and 2500 Hz: no leakage between them.
  const double fd = tone_power(d, 0, 4410, 500), fw = tone_power(w, 0, 4410, 500);
  const double odd_d = tone_power(d, 0, 4410, 1500) + tone_power(d, 0, 4410, 2500);
  const double odd_w = tone_power(w, 0, 4410, 1500) + tone_power(w, 0, 4410, 2500);
  EXPECT_LT(odd_d / fd, 1e-8);   // a pure sine has no 3rd/5th harmonic
  EXPECT_GT(odd_w / fw, 1e-3);   // tanh drive 4 gives a clearly audible 3rd harmonic
}

TEST(Reverb, TailOutlastsTheDrySignal) {
  const std::size_t n = 2 * 44100, burst = 4410;
  auto y = noise(n, 0.5, 3);
  std::fill(y.begin() + burst, y.end(), 0.0f);
  auto x = stereo(y, y);
  ReverbParams p;
  reverb(x, p);
  const auto m = mono_of(x);
  // Energy 0.3..0.6 s after the burst ended: zero dry; the reverb still rings.
  const double tail = energy(m, burst + 13230, burst + 26460);
  const double during = energy(m, 0, burst);
  EXPECT_EQ(energy(y, burst + 13230, burst + 26460), 0.0);
  EXPECT_GT(tail / during, 1e-3);
}

TEST(TempoDelay, EchoAppearsAtTheTempoSyncedLag) {
  const double bpm = 120, lag_s = 60.0 / bpm * 0.75;  // dotted eighth
  const std::size_t n = 44100 * 2;
  auto y = noise(n, 0.5, 5);
  std::fill(y.begin() + 2205, y.end(), 0.0f);  // 50 ms burst
  auto x = stereo(y, y);
  tempo_delay(x, lag_s, 0.4, 0.6);
  const auto m = mono_of(x);
  std::size_t best = 0;
  double best_v = -1;
  for (std::size_t lag = 4410; lag < 44100; ++lag) {
    const double v = autocorr(m, lag);
    if (v > best_v) { best_v = v; best = lag; }
  }
  EXPECT_NEAR(double(best), lag_s * kSr, 2.0);
  EXPECT_GT(best_v, 0.2);
}

TEST(WidenStereo, LowersLeftRightCorrelation) {
  const std::size_t n = 44100;
  auto common = noise(n, 0.4, 7);
  auto l = common, r = common;
  auto extra = noise(n, 0.1, 8);
  for (std::size_t i = 0; i < n; ++i) { l[i] += extra[i]; r[i] -= extra[i]; }
  auto x = stereo(l, r);
  const double before = lr_correlation(x);
  widen_stereo(x, 2.0, 12.0, 0.5);
  EXPECT_LT(lr_correlation(x), before - 0.1);
  auto mono = stereo(common, common);  // a centred source is widened by the delayed-mid term
  widen_stereo(mono, 2.0, 12.0, 0.5);
  EXPECT_LT(lr_correlation(mono), 0.9);
}

TEST(SidechainCompress, PadDipsAfterEachKick) {
  const std::size_t n = 44100 * 2;
  const std::size_t period = 22050;  // 120 BPM
  auto pad = stereo(sine(220, 0.3, n), sine(220, 0.3, n));
  std::vector<float> k(n, 0.0f);
  for (std::size_t t = 0; t < n; t += period)
    for (std::size_t i = 0; i < 2000 && t + i < n; ++i) k[t + i] = float(0.9 * std::exp(-double(i) / 400.0) * std::sin(0.02 * i));
  auto key = stereo(k, k);
  CompressorParams c;
  c.threshold_db = -30;
  c.ratio = 8;
  c.attack_s = 0.002;
  c.release_s = 0.15;
  sidechain_compress(pad, key, c);
  const auto m = mono_of(pad);
  for (std::size_t t = period; t + period <= n; t += period) {
    const double after = energy(m, t + 220, t + 1764);         // 5..40 ms after the kick
    const double before = energy(m, t - 2646 - 1544, t - 2646);  // 95..60 ms before it
    EXPECT_LT(after, 0.25 * before) << "kick at " << t;
  }
}

TEST(ParallelCompress, RaisesQuietPartsMoreThanPeaks) {
  auto y = sine(300, 0.9, 44100);
  for (std::size_t i = 22050; i < y.size(); ++i) y[i] *= 0.05f;  // a loud then a quiet half
  auto x = stereo(y, y);
  CompressorParams c;
  c.threshold_db = -40;
  c.ratio = 10;
  c.makeup_db = 12;
  parallel_compress(x, c, 0.6);
  const auto m = mono_of(x);
  const double loud = energy(m, 4410, 22050) / energy(y, 4410, 22050);
  const double quiet = energy(m, 26460, 44100) / energy(y, 26460, 44100);
  EXPECT_GT(quiet, 1.5 * loud);
}

TEST(FilterSweep, OpensTheHighsOverTime) {
  const std::size_t n = 44100 * 2;
  auto y = noise(n, 0.5, 9);
  auto x = stereo(y, y);
  filter_sweep(x, 200, 12000, 0.0, 2.0, 2.0);
  const auto m = mono_of(x);
  const double early_high = 1 - low_band_share(std::vector<float>(m.begin(), m.begin() + 8820), 1000);
  const double late_high = 1 - low_band_share(std::vector<float>(m.end() - 8820, m.end()), 1000);
  EXPECT_LT(early_high, 0.2);
  EXPECT_GT(late_high, 0.6);
}

TEST(AutoPan, MovesEnergyBetweenChannelsAtTheRate) {
  auto y = sine(500, 0.5, 44100);
  auto x = stereo(y, y);
  auto_pan(x, 1.0, 1.0);  // left..right over one second
  const std::vector<float> l(x.data.begin(), x.data.begin() + 44100), r(x.data.begin() + 44100, x.data.end());
  // sin LFO: first half leans right (theta > pi/4), second half leans left.
  EXPECT_GT(energy(r, 0, 22050), 3 * energy(l, 0, 22050));
  EXPECT_GT(energy(l, 22050, 44100), 3 * energy(r, 22050, 44100));
}

class FlawTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::size_t n = 44100;
    auto l = sine(80, 0.3, n), r = sine(80, 0.3, n);
    const auto hi = sine(3000, 0.2, n);
    const auto nz = noise(n, 0.2, 11), nz2 = noise(n, 0.2, 12);
    for (std::size_t i = 0; i < n; ++i) {
      // Loud and quiet 100 ms sections, as music has (the compressor flaw needs dynamics).
      const float env = (i / 4410) % 2 == 0 ? 1.0f : 0.1f;
      l[i] = env * (l[i] + hi[i] + nz[i]);
      r[i] = env * (r[i] + hi[i] + 0.5f * nz[i] + nz2[i]);
    }
    clean = stereo(l, r);
    normalize_peak(clean, -1.0);
  }
  AudioBuffer flawed(MixFlaw f) { auto x = clean; apply_flaw(x, f); return x; }
  AudioBuffer clean;
};

TEST_F(FlawTest, TooQuietHasLowerRms) { EXPECT_NEAR(rms(flawed(MixFlaw::TooQuiet)) / rms(clean), 0.1, 1e-3); }

TEST_F(FlawTest, TooMuchLowEndHasMoreEnergyBelow250Hz) {
  EXPECT_GT(low_band_share(mono_of(flawed(MixFlaw::TooMuchLowEnd)), 250), low_band_share(mono_of(clean), 250) + 0.2);
}

TEST_F(FlawTest, HarshHighsHaveMoreEnergyAbove2kHz) {
  const double c = 1 - low_band_share(mono_of(clean), 2000), h = 1 - low_band_share(mono_of(flawed(MixFlaw::HarshHighs)), 2000);
  EXPECT_GT(h, c + 0.2);
}

TEST_F(FlawTest, ClippingReachesFullScale) {
  const auto x = flawed(MixFlaw::Clipping);
  EXPECT_FLOAT_EQ(static_cast<float>(peak_abs(x)), 1.0f);
  std::size_t at_rail = 0;
  for (float v : x.data) at_rail += std::abs(v) >= 1.0f;
  EXPECT_GT(at_rail, x.data.size() / 100);  // many samples flattened, not one touch
  EXPECT_LT(peak_abs(clean), 0.9);
}

TEST_F(FlawTest, OverCompressedHasALowerCrestFactor) {
  const auto x = flawed(MixFlaw::OverCompressed);
  EXPECT_LT(peak_abs(x) / rms(x), 0.8 * peak_abs(clean) / rms(clean));
}

TEST_F(FlawTest, StereoFlawsMoveTheCorrelation) {
  const double c = lr_correlation(clean);
  EXPECT_GT(lr_correlation(flawed(MixFlaw::TooNarrow)), 0.99);
  EXPECT_LT(lr_correlation(flawed(MixFlaw::TooWide)), c - 0.2);
}

TEST_F(FlawTest, CleanIsUntouchedAndNamesAreStable) {
  EXPECT_TRUE(flawed(MixFlaw::Clean).data == clean.data);
  EXPECT_EQ(flaw_name(MixFlaw::TooMuchLowEnd), "too_much_low_end");
  EXPECT_EQ(flaw_name(MixFlaw::Clipping), "clipping");
}

TEST(Effects, InvalidParametersThrow) {
  auto x = stereo(sine(100, 0.5, 1000), sine(100, 0.5, 1000));
  auto mono = x;
  mono.channels = 1;
  mono.data.resize(1000);
  mono.frames = 1000;
  EXPECT_THROW(apply_filter(x, FilterType::LowPass, 30000), ParameterError);
  EXPECT_THROW(saturate(x, 0.0), ParameterError);
  EXPECT_THROW(tempo_delay(x, 0.1, 1.0, 0.5), ParameterError);
  EXPECT_THROW(widen_stereo(mono, 2.0), ParameterError);
  CompressorParams c;
  c.ratio = 0.5;
  EXPECT_THROW(compress(x, c), ParameterError);
  EXPECT_THROW(mix_into(x, mono), ParameterError);
}

TEST(Effects, ParamsDefaultsArePinned) {
  CompressorParams c;
  EXPECT_EQ(c.ratio, 4.0);
  EXPECT_EQ(c.threshold_db, -20.0);
  ReverbParams r;
  EXPECT_EQ(r.room_size, 0.8);
  SynthParams p;
  EXPECT_EQ(p.per_genre, 10);
  EXPECT_EQ(p.clip_seconds, 30.0);
  EXPECT_EQ(kShortClipSeconds, 5.0);
}

}  // namespace
}  // namespace echoelml::synth
