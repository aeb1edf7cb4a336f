// Per-file orchestration of the feature sets: one decode per load flavour, then each set.
#include "echoelml/features/sets.h"

#include <algorithm>
#include <cmath>

#include "echoelml/core/error.h"

namespace echoelml::features {

std::array<float, 32> GenreFeatures::to_vector() const {
  std::array<float, 32> v{};
  v[0] = static_cast<float>(tempo);
  v[1] = static_cast<float>(spectral_centroid);
  v[2] = static_cast<float>(spectral_rolloff);
  v[3] = static_cast<float>(zero_crossing_rate);
  v[4] = static_cast<float>(rms);
  v[5] = static_cast<float>(spectral_flux);
  v[6] = static_cast<float>(spectral_contrast);
  for (int i = 0; i < 13; ++i) v[7 + i] = static_cast<float>(mfcc[i]);
  for (int i = 0; i < 12; ++i) v[20 + i] = static_cast<float>(chroma[i]);
  return v;
}

const std::array<std::string_view, 32>& GenreFeatures::vector_names() {
  static const std::array<std::string_view, 32> kNames{
      "tempo",    "spectral_centroid", "spectral_rolloff", "zero_crossing_rate", "rms",
      "spectral_flux", "spectral_contrast", "mfcc_0", "mfcc_1", "mfcc_2", "mfcc_3", "mfcc_4",
      "mfcc_5",   "mfcc_6",  "mfcc_7",  "mfcc_8",   "mfcc_9",  "mfcc_10", "mfcc_11", "mfcc_12",
      "chroma_C", "chroma_C#", "chroma_D", "chroma_D#", "chroma_E", "chroma_F", "chroma_F#",
      "chroma_G", "chroma_G#", "chroma_A", "chroma_A#", "chroma_B"};
  return kNames;
}

std::array<float, 6> TechniqueFeatures::to_vector() const {
  return {static_cast<float>(dynamic_range), static_cast<float>(stereo_width.value_or(0.0)),
          static_cast<float>(spectrum_variance), static_cast<float>(temporal_modulation.value_or(0.0)),
          static_cast<float>(transient_strength), static_cast<float>(harmonic_ratio)};
}

const std::array<std::string_view, 6>& TechniqueFeatures::vector_names() {
  static const std::array<std::string_view, 6> kNames{
      "dynamic_range", "stereo_width", "spectrum_variance", "temporal_modulation",
      "transient_strength", "harmonic_ratio"};
  return kNames;
}

namespace {

void require_finite(const io::AudioBuffer& a, const std::filesystem::path& path) {
  // The loader already rejects NaN/inf; resampling cannot create them. Guard anyway so a
  // feature vector never carries a non-finite value silently.
  for (float v : a.data)
    if (!std::isfinite(v)) throw FormatError(path, "non-finite sample after loading");
}

}  // namespace

FileFeatures compute_file_features(const std::filesystem::path& path, unsigned sets) {
  if ((sets & kAllSets) == 0) throw ParameterError("compute_file_features: no feature set selected");
  FileFeatures out;
  const auto info = io::probe(path);
  out.native_sr = info.sr;
  out.channels = static_cast<int>(info.channels);

  std::optional<io::AudioBuffer> mono;    // mono, 44.1 kHz, full length
  std::optional<io::AudioBuffer> stereo;  // channels kept, 44.1 kHz, full length
  auto get_mono = [&]() -> const io::AudioBuffer& {
    if (!mono) {
      mono = io::load(path, {.sr = kAnalysisSr, .mono = true});
      require_finite(*mono, path);
    }
    return *mono;
  };
  auto get_stereo = [&]() -> const io::AudioBuffer& {
    if (!stereo) {
      stereo = io::load(path, {.sr = kAnalysisSr, .mono = false});
      require_finite(*stereo, path);
    }
    return *stereo;
  };

  if (sets & kGenreSet) {
    const auto& y = get_mono();
    // librosa.load(duration=30) cuts int(30 * sr_native) frames at the native rate and then
    // resamples; a separate load reproduces that exactly when the file is not at 44.1 kHz.
    if (info.sr == kAnalysisSr) {
      const std::size_t n = std::min<std::size_t>(y.frames, static_cast<std::size_t>(kGenreClipSeconds * kAnalysisSr));
      out.genre = genre_features(std::span<const float>(y.data.data(), n));
    } else {
      auto clip = io::load(path, {.sr = kAnalysisSr, .mono = true, .duration = kGenreClipSeconds});
      require_finite(clip, path);
      out.genre = genre_features(clip.data);
    }
  }
  if (sets & kTechniqueSet)
    out.technique = technique_features(get_mono(), info.channels >= 2 ? &get_stereo() : nullptr);
  // Peak memory: the mono signal is no longer needed by the sets below, so drop it before
  // the native-rate load and the mix set's spectra are allocated.
  std::optional<std::size_t> mono_frames;
  if (mono) {
    mono_frames = mono->frames;
    mono.reset();
  }
  if (sets & kAppTechniqueSet) {
    // The app reads the buffer it was handed at its own rate: use the native-rate samples.
    auto native = io::load(path, {.sr = 0, .mono = false});
    require_finite(native, path);
    out.app_technique = app_technique_features(native);
  }
  if (sets & kMixSet) out.mix = mix_features(get_stereo());
  const bool resampled = mono_frames || stereo;
  out.duration_s = info.sr > 0 ? static_cast<double>(mono_frames ? *mono_frames : stereo ? stereo->frames : info.frames) /
                                     (resampled ? kAnalysisSr : info.sr)
                               : 0.0;
  return out;
}

}  // namespace echoelml::features
