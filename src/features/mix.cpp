// MixAnalyzer input (a 1024-value mean log-power spectrum) and the measured mix targets.
#include <algorithm>
#include <array>
#include <cmath>

#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/sets.h"
#include "echoelml/io/loudness.h"

namespace echoelml::features {
namespace {

constexpr int kSpectrumBins = 1024;  // 2048-point STFT without the Nyquist bin
// The app's MixAnalysisResult bands (Hz): sub, bass, low-mid, mid, high-mid, high.
constexpr std::array<double, 7> kBandEdges{20, 60, 250, 500, 2000, 6000, 20000};

std::vector<float> mono_mix(const io::AudioBuffer& a) {
  std::vector<float> y(a.frames, 0.0f);
  for (std::size_t c = 0; c < a.channels; ++c) {
    auto ch = a.channel(c);
    for (std::size_t i = 0; i < a.frames; ++i) y[i] += ch[i];
  }
  if (a.channels > 1)
    for (auto& v : y) v /= static_cast<float>(a.channels);
  return y;
}

}  // namespace

MixFeatures mix_features(const io::AudioBuffer& audio) {
  if (audio.channels == 0 || audio.frames == 0)
    throw ParameterError("mix features: the buffer is empty");
  if (audio.sr != kAnalysisSr)
    throw ParameterError("mix features: expected a 44100 Hz buffer, got " + std::to_string(audio.sr));
  MixFeatures f;

  // Mean power per bin over all frames, then dB. Frames are the librosa STFT defaults.
  const auto y = mono_mix(audio);
  const auto S = dsp::stft_magnitude(y);
  std::vector<double> mean_power(S.rows, 0.0);
  for (std::size_t k = 0; k < S.rows; ++k) {
    double acc = 0;
    for (float v : S.row(k)) acc += static_cast<double>(v) * v;
    mean_power[k] = acc / static_cast<double>(S.cols);
  }
  f.spectrum.resize(kSpectrumBins);
  for (int k = 0; k < kSpectrumBins; ++k)
    f.spectrum[k] = static_cast<float>(10.0 * std::log10(mean_power[k] + 1e-10));

  const auto freqs = dsp::fft_frequencies(kAnalysisSr, 2048);
  double total = 0;
  for (std::size_t k = 0; k < freqs.size(); ++k) {
    for (std::size_t b = 0; b < 6; ++b) {
      if (freqs[k] >= kBandEdges[b] && freqs[k] < kBandEdges[b + 1]) {
        f.band_balance[b] += mean_power[k];
        total += mean_power[k];
      }
    }
  }
  if (total > 0)
    for (auto& v : f.band_balance) v /= total;

  // Peak, RMS and crest in dB on channel 0, as the app's RuleBasedMixAnalyzer measures them.
  auto ch0 = audio.channel(0);
  double peak = 0, sq = 0;
  for (float v : ch0) {
    peak = std::max(peak, static_cast<double>(std::abs(v)));
    sq += static_cast<double>(v) * v;
  }
  f.peak_level = std::min(1.0, peak);
  f.rms_level = std::min(1.0, std::sqrt(sq / static_cast<double>(ch0.size())));
  f.dynamic_range_db = 20.0 * std::log10(std::max(peak, 1e-12) / (f.rms_level + 1e-4));
  f.dynamic_range_db = std::max(0.0, f.dynamic_range_db);

  // Width as the side share of mid+side energy: 0 for mono or L = R, 1 for L = -R.
  if (audio.channels >= 2) {
    auto l = audio.channel(0), r = audio.channel(1);
    double mid = 0, side = 0;
    for (std::size_t i = 0; i < audio.frames; ++i) {
      const double m = 0.5 * (static_cast<double>(l[i]) + r[i]);
      const double s = 0.5 * (static_cast<double>(l[i]) - r[i]);
      mid += m * m;
      side += s * s;
    }
    f.stereo_width = mid + side > 0 ? side / (mid + side) : 0.0;
  }

  const auto loud = io::measure_loudness(audio);
  f.loudness_lufs = std::max(loud.integrated_lufs, io::kLufsFloor);
  f.loudness_range_lu = loud.range_lu;
  f.true_peak_dbtp = std::isfinite(loud.true_peak_dbtp) ? loud.true_peak_dbtp : -120.0;
  return f;
}

}  // namespace echoelml::features
