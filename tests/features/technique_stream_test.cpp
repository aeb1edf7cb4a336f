// The streaming technique pass against the whole-signal functions it replaces (stft + np.var,
// onset_strength, hpss + istft in double), for lengths with one frame, fewer frames than the
// median's reach, and several chunks of frames.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "echoelml/core/error.h"
#include "echoelml/dsp/complex_abs.h"
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

// The pass's inverse FFT runs in float32 (the whole-signal istft's in double). Its error per
// sample is bounded by about log2(2048) = 11 float32 roundings (unit 6e-8) of the frame's rms,
// ~7e-7, and the sum of |h| over a signal can be off by no more in relative terms; measured
// here: 1.5e-8 to 3.1e-8. 1e-6 holds that bound and is still 3x inside the 3e-6 parity budget.
constexpr double kFloatInverseTol = 1e-6;

struct Reference {
  double variance, transient, harmonic_sum;
};

Reference whole_signal(const std::vector<float>& y) {
  Reference r{};
  const ComplexMatrix D = dsp::stft(y);
  double sum = 0;
  std::vector<double> mag(D.data.size());
  for (std::size_t i = 0; i < D.data.size(); ++i) {
    mag[i] = dsp::abs_complex64(D.data[i].real(), D.data[i].imag());
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
  // 1 frame, 10 frames (< the 15-frame median reach), 128/129 and 256/257 frames (chunk
  // edges), 700 frames.
  for (std::size_t n : {300u, 5000u, 127u * 512u, 128u * 512u + 1u, 255u * 512u, 256u * 512u + 7u, 700u * 512u}) {
    const auto y = test_signal(n, static_cast<unsigned>(n));
    const auto got = detail::technique_spectral_pass(y, 44100.0);
    const auto want = whole_signal(y);
    EXPECT_NEAR(got.spectrum_variance, want.variance, 1e-9 * want.variance) << n;
    EXPECT_NEAR(got.transient_strength, want.transient, 1e-6 * std::abs(want.transient) + 1e-9) << n;
    EXPECT_NEAR(got.harmonic_sum, want.harmonic_sum, kFloatInverseTol * want.harmonic_sum) << n;
    EXPECT_NE(got.harmonic_sum, 0.0) << n;
  }
}

// Other median lengths take the other kernels (15: the 8-output blocks; 9 and 17: the
// running window); the harmonic sum must still equal the whole-signal HPSS with those kernels.
TEST(TechniqueSpectralPass, OtherKernelSizesEqualWholeSignalHpss) {
  const auto y = test_signal(300u * 512u + 11u, 77u);
  for (auto [kh, kp] : {std::pair{15, 15}, std::pair{9, 17}, std::pair{17, 9}}) {
    HpssParams p;
    p.kernel_harmonic = kh;
    p.kernel_percussive = kp;
    const auto got = detail::technique_spectral_pass(y, 44100.0, p);
    double want = 0;
    for (float v : hpss_harmonic(y, p)) want += std::abs(v);
    EXPECT_NEAR(got.harmonic_sum, want, kFloatInverseTol * want) << kh << " " << kp;
  }
}

// The overlap-add stores where no earlier frame reached and sums each frame's completed
// samples at once: other hops (not dividing n_fft, equal to it, longer than it) and uncentred
// frames must still give the whole-signal HPSS's harmonic sum.
TEST(TechniqueSpectralPass, OtherStftGeometriesEqualWholeSignalHpss) {
  struct Geometry {
    int n_fft, hop;
    bool center;
  };
  const auto y = test_signal(90000u + 13u, 78u);
  for (const Geometry g : {Geometry{2048, 500, true}, Geometry{1024, 256, false}, Geometry{512, 512, true},
                           Geometry{256, 300, true}, Geometry{256, 300, false}}) {
    HpssParams p;
    p.stft.n_fft = g.n_fft;
    p.stft.hop_length = g.hop;
    p.stft.center = g.center;
    const auto got = detail::technique_spectral_pass(y, 44100.0, p);
    double want = 0;
    for (float v : hpss_harmonic(y, p)) want += std::abs(v);
    EXPECT_NEAR(got.harmonic_sum, want, kFloatInverseTol * want) << g.n_fft << " " << g.hop << " " << g.center;
    EXPECT_NE(got.harmonic_sum, 0.0);
  }
}

// The pass reuses per-thread buffers: a call after longer and shorter ones on the same thread
// gives exactly what it gave first.
TEST(TechniqueSpectralPass, RepeatedCallsOnOneThreadAreIdentical) {
  const auto a = test_signal(400u * 512u, 3u), b = test_signal(20u * 512u + 5u, 4u);
  const auto first = detail::technique_spectral_pass(a, 44100.0);
  const auto other = detail::technique_spectral_pass(b, 44100.0);
  const auto again = detail::technique_spectral_pass(a, 44100.0);
  EXPECT_EQ(first.spectrum_variance, again.spectrum_variance);
  EXPECT_EQ(first.transient_strength, again.transient_strength);
  EXPECT_EQ(first.harmonic_sum, again.harmonic_sum);
  const auto other_again = detail::technique_spectral_pass(b, 44100.0);
  EXPECT_EQ(other.harmonic_sum, other_again.harmonic_sum);
  EXPECT_EQ(other.transient_strength, other_again.transient_strength);
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
