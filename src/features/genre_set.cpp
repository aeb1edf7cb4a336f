// The guide's GenreClassifier features from one shared STFT of the 30 s clip.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "echoelml/core/error.h"
#include "echoelml/features/beat.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/onset.h"
#include "echoelml/features/sets.h"
#include "echoelml/features/spectral.h"

namespace echoelml::features {
namespace {

template <typename T>
double mean_of(std::span<const T> v) {
  if (v.empty()) return 0.0;
  double acc = 0;
  for (T x : v) acc += static_cast<double>(x);
  return acc / static_cast<double>(v.size());
}

}  // namespace

GenreFeatures genre_features(std::span<const float> y) {
  if (y.empty()) throw ParameterError("genre features: the signal is empty");
  GenreFeatures f;
  const double sr = kAnalysisSr;

  // One magnitude STFT feeds everything librosa recomputes per feature with the same params.
  const Matrix S = dsp::stft_magnitude(y);
  const Matrix P = dsp::square(S);
  const Matrix mel = melspectrogram(P, dsp::MelParams{.sr = sr});

  const auto mfcc = mfcc_from_mel_db(power_to_db(mel), {.n_mfcc = 13});
  for (int c = 0; c < 13; ++c) f.mfcc[c] = mean_of(mfcc.row(c));

  OnsetStrengthParams onset{};
  onset.mel.mel.sr = sr;
  onset.aggregate = OnsetAggregate::Median;
  const auto envelope = onset_strength_from_mel(mel, onset);
  BeatTrackParams beat{};
  beat.tempo.sr = sr;
  const auto beats = beat_track(envelope, beat);
  f.tempo = beats.tempo;
  f.n_beats = static_cast<int>(beats.beats.size());

  const auto centroid = spectral_centroid(S, sr);
  f.spectral_centroid = mean_of(std::span<const double>(centroid));
  // mean(diff(c)) telescopes; numpy gives NaN for a single frame, we give 0 (documented).
  f.spectral_flux = centroid.size() > 1
                        ? (centroid.back() - centroid.front()) / static_cast<double>(centroid.size() - 1)
                        : 0.0;
  const auto rolloff = spectral_rolloff(S, {.sr = sr});
  f.spectral_rolloff = mean_of(std::span<const double>(rolloff));
  const auto zcr = zero_crossing_rate(y);
  f.zero_crossing_rate = mean_of(std::span<const double>(zcr));
  const auto rms_frames = rms(y);
  f.rms = mean_of(std::span<const float>(rms_frames));

  f.chroma_tuning = estimate_tuning(P, sr);
  const auto chroma = chroma_stft(P, ChromaParams{.sr = sr, .tuning = f.chroma_tuning});
  for (int c = 0; c < 12; ++c) f.chroma[c] = mean_of(chroma.row(c));

  const auto contrast = spectral_contrast(S, ContrastParams{.sr = sr});
  double total = 0;
  for (std::size_t b = 0; b < contrast.rows && b < 7; ++b) {
    f.spectral_contrast_bands[b] = mean_of(contrast.row(b));
    total += std::accumulate(contrast.row(b).begin(), contrast.row(b).end(), 0.0);
  }
  f.spectral_contrast = contrast.empty() ? 0.0 : total / static_cast<double>(contrast.size());
  return f;
}

}  // namespace echoelml::features
