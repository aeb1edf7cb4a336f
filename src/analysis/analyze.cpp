// One song through the models: decode once (plus the genre clip when the file is not at
// 44.1 kHz), compute each model's features as training did, run the models, compare the mix.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "echoelml/analysis/analyze.h"
#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;
using features::kAnalysisSr;
using features::kGenreClipSeconds;

constexpr double kShortSeconds = 1.0;  // below this every feature is a guess: say so

// io::load's downmix ((c0 + (c1 + ...)) / C in float32), for the first n frames.
std::vector<float> downmix(const io::AudioBuffer& a, std::size_t n) {
  std::vector<float> y(n);
  const auto C = static_cast<float>(a.channels);
  for (std::size_t i = 0; i < n; ++i) {
    float rest = 0.0f;
    for (std::size_t c = 1; c < a.channels; ++c) rest += a.data[c * a.frames + i];
    y[i] = a.channels == 1 ? a.data[i] : (a.data[i] + rest) / C;
  }
  return y;
}

// True when every sample is exactly 0 (stops at the first non-zero sample).
bool all_zero(const io::AudioBuffer& a) {
  return std::all_of(a.data.begin(), a.data.end(), [](float v) { return v == 0.0f; });
}

}  // namespace

SongAnalysis analyze_song(const fs::path& song, const ModelSet& models, const MixProfiles* profiles,
                          const AnalyzeParams& p) {
  if (!(p.max_seconds > 0)) throw ParameterError("analyze: max_seconds must be > 0");
  SongAnalysis r;
  r.path = song;
  const io::AudioInfo info = io::probe(song);
  r.duration_s = info.duration_s;
  r.native_sr = info.sr;
  r.channels = static_cast<int>(info.channels);

  std::optional<double> cap;
  if (info.duration_s > p.max_seconds) {
    cap = p.max_seconds;
    r.notes.push_back(fmt::format("the file is {:.1f} min long: techniques and mix cover its first {:.1f} min "
                                  "(--max-seconds)", info.duration_s / 60.0, p.max_seconds / 60.0));
  }
  const io::AudioBuffer native = io::load(song, {.sr = 0.0, .mono = false, .duration = cap});
  if (native.frames == 0) throw FormatError(song, "the file holds no audio frames");
  r.analysed_s = native.duration_s();
  if (r.analysed_s < kShortSeconds)
    r.notes.push_back(fmt::format("very short input ({:.3f} s): the features (tempo, loudness, width) are "
                                  "unreliable below 1 s", r.analysed_s));
  if (native.channels == 1)
    r.notes.push_back("mono file: stereo width is 0 (the app omits stereo_width for mono buffers; 0 is sent here)");
  const bool silent = all_zero(native);
  if (silent) r.notes.push_back("digital silence: every sample is 0, so there is no genre or technique to recognise");

  // 44.1 kHz material is used as decoded; other rates get the loads training used.
  std::optional<io::AudioBuffer> resampled;
  if (native.sr != kAnalysisSr) resampled = io::load(song, {.sr = kAnalysisSr, .mono = false, .duration = cap});
  const io::AudioBuffer& stereo44 = resampled ? *resampled : native;

  // Genre: librosa.load(sr=44100, duration=30), mono.
  if (!models.genre_model()) {
    r.genre_note = models.missing().empty() ? "no GenreClassifier" : "no GenreClassifier model in " + models.dir().string();
  } else if (silent) {
    r.genre_note = "skipped: the input is silent";
  } else {
    try {
      std::vector<float> clip;
      if (!resampled) {
        clip = downmix(native, std::min(native.frames, static_cast<std::size_t>(kGenreClipSeconds * kAnalysisSr)));
      } else {
        clip = io::load(song, {.sr = kAnalysisSr, .mono = true, .duration = kGenreClipSeconds}).data;
      }
      r.genre = models.predict_genre(features::genre_features(clip));
    } catch (const ParameterError& e) {
      r.genre_note = std::string("genre features unavailable: ") + e.what();
    }
  }

  // Techniques: the app's 4 features on the native buffer, or the guide's 6 at 44.1 kHz.
  if (!models.technique_model()) {
    r.technique_note = "no TechniqueRecognizer model in " + models.dir().string();
  } else if (silent) {
    r.technique_note = "skipped: the input is silent";
  } else {
    try {
      std::array<double, kNumTechniques> scores{};
      r.technique_inputs = models.technique_inputs();
      if (models.technique_inputs() == TechniqueInputs::App) {
        const auto v = features::app_technique_features(native).to_vector();
        scores = models.predict_techniques(v);
      } else {
        io::AudioBuffer mono{.sr = kAnalysisSr, .channels = 1, .frames = stereo44.frames,
                             .data = downmix(stereo44, stereo44.frames)};
        const auto v = features::technique_features(mono, stereo44.channels >= 2 ? &stereo44 : nullptr).to_vector();
        scores = models.predict_techniques(v);
      }
      for (ProductionTechnique t : all_techniques()) {
        const double s = scores[static_cast<std::size_t>(t)];
        r.techniques.push_back({t, s, s > p.technique_threshold});
      }
      std::stable_sort(r.techniques.begin(), r.techniques.end(),
                       [](const TechniqueScore& a, const TechniqueScore& b) { return a.score > b.score; });
    } catch (const ParameterError& e) {
      r.technique_note = std::string("technique features unavailable: ") + e.what();
    }
  }

  // Mix: measured always; MixAnalyzer when loaded; comparison when a profile exists.
  try {
    MixReport mix;
    mix.measured = features::mix_features(stereo44);
    if (models.mix_model()) mix.predicted = models.predict_mix(mix.measured);
    const std::optional<MusicGenre> g = p.compare_genre ? p.compare_genre
                                        : r.genre       ? std::optional<MusicGenre>(r.genre->genre)
                                                        : std::nullopt;
    const GenreMixProfile* prof = nullptr;
    if (profiles == nullptr) {
      mix.comparison_note = "genre comparison unavailable: no usable " + std::string(kMixProfileFile) + " in " +
                            models.dir().string() + " (training with a data folder writes it)";
    } else if (!g) {
      mix.comparison_note = "genre comparison unavailable: no genre predicted (give one with --genre)";
    } else if (auto it = profiles->genres.find(*g); it == profiles->genres.end()) {
      mix.comparison_note = "genre comparison unavailable: the training data had no " + std::string(raw_value(*g)) + " mixes";
    } else {
      prof = &it->second;
      mix.compared_with = g;
    }
    mix.comparisons = compare_mix(mix.measured, prof);
    if (prof && !silent) mix.suggestions = profile_suggestions(mix.comparisons, *g);
    for (auto& s : app_suggestions(mix.measured.peak_level, mix.measured.rms_level)) mix.suggestions.push_back(s);
    r.mix = std::move(mix);
  } catch (const ParameterError& e) {
    r.mix_note = std::string("mix analysis unavailable: ") + e.what();
  }
  return r;
}

}  // namespace echoelml::analysis
