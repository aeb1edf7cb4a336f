// The streaming technique pass against the whole-signal functions it replaces (stft + np.var,
// onset_strength, hpss + istft), for lengths with one frame, fewer frames than the median's
// reach, and several chunks of frames.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/hpss.h"
#include "echoelml/features/onset.h"
#include "features/technique_stream.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {

std::vector<float> test_signal(std::size_t n, unsigned seed) {
  // Tone + clicks + noise, so both medians and both masks matter.
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 0.05f);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = 0.4f * static_cast<float>(std::sin(2 * 3.14159265358979 * 440.0 * i / 44100.0)) + g(rng);
    if (i % 11025 == 100) y[i] += 0.9f;
  }
  return y;
}

struct Reference {
  double variance, transient, harmonic_sum;
};

Reference whole_signal(const std::vector<float>& y) {
  Reference r{};
  const ComplexMatrix D = dsp::stft(y);
  double sum = 0;
  std::vector<double> mag(D.data.size());
  for (std::size_t i = 0; i < D.data.size(); ++i) {
    mag[i] = static_cast<float>(std::hypot(D.data[i].real(), D.data[i].imag()));
    sum += mag[i];
  }
  const double mean = sum / static_cast<double>(mag.size());
  double var = 0;
  for (double v : mag) var += (v - mean) * (v - mean);
  r.variance = var / static_cast<double>(mag.size());
  OnsetStrengthParams op{};
  op.mel.mel.sr = 44100.0;
  op.aggregate = OnsetAggregate::Mean;
  const auto env = onset_strength(y, op);
  double acc = 0;
  for (float v : env) acc += v;
  r.transient = acc / static_cast<double>(env.size());
  for (float v : hpss_harmonic(y)) r.harmonic_sum += std::abs(v);
  return r;
}

}  // namespace

TEST(TechniqueSpectralPass, EqualsWholeSignalComputation) {
  // 1 frame, 10 frames (< the 15-frame median reach), 256/257 frames (chunk edge), 700 frames.
  for (std::size_t n : {300u, 5000u, 255u * 512u, 256u * 512u + 7u, 700u * 512u}) {
    const auto y = test_signal(n, static_cast<unsigned>(n));
    const auto got = detail::technique_spectral_pass(y, 44100.0);
    const auto want = whole_signal(y);
    EXPECT_NEAR(got.spectrum_variance, want.variance, 1e-9 * want.variance) << n;
    EXPECT_NEAR(got.transient_strength, want.transient, 1e-6 * std::abs(want.transient) + 1e-9) << n;
    EXPECT_NEAR(got.harmonic_sum, want.harmonic_sum, 1e-12 * want.harmonic_sum) << n;
  }
}

TEST(TechniqueSpectralPass, SilenceGivesHalfMasksAndZeroSums) {
  const std::vector<float> y(20000, 0.0f);
  const auto got = detail::technique_spectral_pass(y, 44100.0);
  EXPECT_EQ(got.spectrum_variance, 0.0);
  EXPECT_EQ(got.transient_strength, 0.0);
  EXPECT_EQ(got.harmonic_sum, 0.0);
}

TEST(TechniqueSpectralPass, RejectsEmptyInputAndBadParams) {
  EXPECT_THROW(detail::technique_spectral_pass(std::vector<float>{}, 44100.0), ParameterError);
  HpssParams p;
  p.kernel_harmonic = 30;
  EXPECT_THROW(detail::technique_spectral_pass(std::vector<float>(4096, 0.1f), 44100.0, p), ParameterError);
}
