// genre_features' fused pass against the public per-feature functions on the same |STFT|:
// spectral contrast (its peaks and valleys kept in tiles, their dB floor applied as the values
// are summed, the selector kept between calls), the tuning estimate and the MFCC means (the
// DCT basis kept between calls). Signals of different lengths are run one after another and
// again, so the per-thread workspace and caches are reused with other shapes; every value must
// be the same bits as for a fresh computation (the MFCC means: within the documented shortcut).
// pitch_tuning's histogram is checked against np.mod / np.histogram's definition (std::fmod,
// std::upper_bound) on residuals placed on and next to every bin edge.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "echoelml/dsp/stft.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/sets.h"
#include "echoelml/features/spectral.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {

// Tones with vibrato, a decaying noise burst every 0.3 s and a silent stretch (the dB floor):
// deterministic for a seed.
std::vector<float> test_signal(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> y(n);
  const double sr = kAnalysisSr;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / sr;
    const double f0 = 220.0 * (1.0 + 0.01 * std::sin(2 * M_PI * 5.0 * t)) * (1 + seed % 3);
    double v = 0.3 * std::sin(2 * M_PI * f0 * t) + 0.1 * std::sin(2 * M_PI * 3.0 * f0 * t);
    const double burst = std::fmod(t, 0.3);
    v += 0.2 * std::exp(-burst * 40.0) * noise(rng);
    if (i > n / 2 && i < n / 2 + n / 10) v = 0.0;
    y[i] = static_cast<float>(v);
  }
  return y;
}

struct Reference {
  std::array<double, 7> contrast_bands{};
  double contrast = 0, tuning = 0;
  std::array<double, 13> mfcc{};
};

// |STFT| as the genre set sees it: its tiles of 16 frames (the lane kernel; stft_magnitude's
// one-frame FFT differs in the last bits), gathered into a (bins, frames) matrix.
Matrix tiled_magnitude(const std::vector<float>& y) {
  const dsp::StftParams p{};
  const std::size_t K = static_cast<std::size_t>(p.n_fft / 2 + 1);
  Matrix S(K, dsp::n_frames(y.size(), p));
  dsp::stft_magnitude_tiles(y, p, 16, [&](std::size_t t0, std::size_t count, const float* tile) {
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t j = 0; j < count; ++j) S(k, t0 + j) = tile[k * 16 + j];
  });
  return S;
}

Reference per_feature(const std::vector<float>& y) {
  Reference r;
  const Matrix S = tiled_magnitude(y);
  const MatrixD c = spectral_contrast(S, ContrastParams{.sr = kAnalysisSr});
  double total = 0;
  for (std::size_t b = 0; b < c.rows && b < 7; ++b) {
    double band = 0;
    for (std::size_t t = 0; t < c.cols; ++t) band += c(b, t);
    r.contrast_bands[b] = band / static_cast<double>(c.cols);
    total += band;
  }
  r.contrast = total / static_cast<double>(c.rows * c.cols);
  const Matrix P = dsp::square(S);
  r.tuning = estimate_tuning(P, kAnalysisSr);
  const Matrix mfcc = mfcc_from_mel_db(power_to_db(melspectrogram(P, dsp::MelParams{.sr = kAnalysisSr})),
                                       MfccParams{.n_mfcc = 13});
  for (int k = 0; k < 13; ++k) {
    double acc = 0;
    for (std::size_t t = 0; t < mfcc.cols; ++t) acc += mfcc(static_cast<std::size_t>(k), t);
    r.mfcc[static_cast<std::size_t>(k)] = acc / static_cast<double>(mfcc.cols);
  }
  return r;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(GenreSet, ContrastTuningAndMfccMatchPerFeatureFunctionsAcrossReusedWorkspaces) {
  // Lengths with a partial last tile, a full one and a few frames; then the first again.
  const std::vector<std::size_t> lengths = {3 * 44100 + 777, 2 * 44100, 7000, 3 * 44100 + 777};
  std::vector<GenreFeatures> first;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    const auto y = test_signal(lengths[i], static_cast<unsigned>(i % 3));
    const GenreFeatures f = genre_features(y);
    const Reference r = per_feature(y);
    for (std::size_t b = 0; b < 7; ++b)
      EXPECT_TRUE(same_bits(f.spectral_contrast_bands[b], r.contrast_bands[b]))
          << "length " << lengths[i] << " band " << b << ": " << f.spectral_contrast_bands[b]
          << " vs " << r.contrast_bands[b];
    EXPECT_TRUE(same_bits(f.spectral_contrast, r.contrast)) << "length " << lengths[i];
    EXPECT_TRUE(same_bits(f.chroma_tuning, r.tuning))
        << "length " << lengths[i] << ": " << f.chroma_tuning << " vs " << r.tuning;
    for (std::size_t k = 0; k < 13; ++k)  // the DCT of the band means (documented shortcut)
      EXPECT_NEAR(f.mfcc[k], r.mfcc[k], 1e-4 * std::max(1.0, std::fabs(r.mfcc[k])))
          << "length " << lengths[i] << " coefficient " << k;
    first.push_back(f);
  }
  // The repeated first signal gives the first call's bits (caches and buffers reused).
  const GenreFeatures& a = first.front();
  const GenreFeatures& b = first.back();
  const auto va = a.to_vector(), vb = b.to_vector();
  for (std::size_t i = 0; i < va.size(); ++i) EXPECT_EQ(va[i], vb[i]) << "model input " << i;
  for (std::size_t k = 0; k < 7; ++k)
    EXPECT_TRUE(same_bits(a.spectral_contrast_bands[k], b.spectral_contrast_bands[k]));
}

namespace {

// librosa.pitch_tuning as numpy computes it (float32 residuals, np.histogram on the edges
// linspace(-0.5, 0.5, n + 1), left edge of the first fullest bin).
double reference_pitch_tuning(const std::vector<float>& freqs, const TuningParams& p) {
  const auto n = static_cast<std::size_t>(std::ceil(1.0 / p.resolution));
  std::vector<double> edges(n + 1);
  for (std::size_t i = 0; i < n; ++i)
    edges[i] = static_cast<double>(i) * (1.0 / static_cast<double>(n)) + -0.5;
  edges[n] = 0.5;
  std::vector<std::size_t> counts(n, 0);
  bool any = false;
  for (float f : freqs) {
    if (!(f > 0.0f)) continue;
    any = true;
    float r = std::fmod(static_cast<float>(p.bins_per_octave) * std::log2(f / 27.5f), 1.0f);
    if (r < 0.0f) r += 1.0f;
    if (r >= 0.5f) r -= 1.0f;
    const double rd = r;
    if (rd < edges[0] || rd > edges[n]) continue;
    const auto it = std::upper_bound(edges.begin(), edges.end(), rd);
    const auto bin = static_cast<std::size_t>(it - edges.begin()) - 1;
    counts[std::min(bin, n - 1)]++;
  }
  if (!any) return 0.0;
  return edges[static_cast<std::size_t>(std::max_element(counts.begin(), counts.end()) - counts.begin())];
}

}  // namespace

TEST(PitchTuning, HistogramMatchesFmodAndUpperBoundOnEveryEdge) {
  std::mt19937 rng(5);
  for (double resolution : {0.01, 0.03, 0.25}) {
    const TuningParams p{.resolution = resolution};
    const auto n = static_cast<std::size_t>(std::ceil(1.0 / resolution));
    // For every edge: frequencies whose residual lands on it, one float step either side,
    // plus a spread of random frequencies so that the chosen bin wins by a few counts.
    for (std::size_t e = 0; e <= n; ++e) {
      const double edge = static_cast<double>(e) / static_cast<double>(n) - 0.5;
      std::vector<float> freqs;
      for (int octave : {0, 3, 6})
        for (int semis : {-2, 0, 7}) {
          const float f = static_cast<float>(27.5 * std::exp2((12.0 * octave + semis + edge) / 12.0));
          for (float g : {f, std::nextafter(f, 0.0f), std::nextafter(f, 1e9f)})
            for (int rep = 0; rep < 3; ++rep) freqs.push_back(g);
        }
      std::uniform_real_distribution<float> u(30.0f, 4000.0f);
      for (int i = 0; i < 40; ++i) freqs.push_back(u(rng));
      freqs.push_back(0.0f);  // trimmed
      EXPECT_EQ(pitch_tuning(freqs, p), reference_pitch_tuning(freqs, p))
          << "resolution " << resolution << " edge " << e;
    }
    // Whole-octave frequencies (integer 12 log2(f / 27.5): residual zero, fmod's -0 case
    // included through the rounding of f / 27.5) and random sets.
    std::vector<float> octaves;
    for (int k = -3; k < 10; ++k) octaves.push_back(static_cast<float>(27.5 * std::exp2(k)));
    EXPECT_EQ(pitch_tuning(octaves, p), reference_pitch_tuning(octaves, p));
    std::uniform_real_distribution<float> u(1.0f, 20000.0f);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> freqs(200 + static_cast<std::size_t>(trial) * 37);
      for (auto& f : freqs) f = u(rng);
      EXPECT_EQ(pitch_tuning(freqs, p), reference_pitch_tuning(freqs, p)) << "trial " << trial;
    }
  }
}
