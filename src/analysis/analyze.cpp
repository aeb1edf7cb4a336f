// One song through the models: decode once (plus the genre clip when the file is not at
// 44.1 kHz), compute each model's features as training did, run the models, compare the mix.
// 44.1 kHz files read with the app's technique inputs are streamed: each decoded block feeds
// the genre clip, the app technique sums, the mix set and R128 while it is in cache, and the
// whole song is never held.
#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "echoelml/analysis/analyze.h"
#include "echoelml/core/error.h"
#include "echoelml/features/mix_stream.h"
#include "echoelml/io/audio.h"
#include "echoelml/io/reader.h"

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

constexpr std::size_t kStreamFrames = 16384;  // decode block: 128 KB of stereo, L2-resident

// What the streamed pass gives: the first 30 s downmixed for the genre set, the app technique
// and mix sets of the whole (capped) song, and the facts the notes need.
struct Streamed {
  std::size_t frames = 0;
  bool silent = true;
  std::vector<float> clip;
  std::optional<std::pair<features::AppTechniqueFeatures, features::MixFeatures>> sets;
};

Streamed stream_song(const fs::path& song, std::size_t channels, std::optional<double> cap) {
  io::AudioReader reader(song, cap);
  features::MixStream sets(channels);
  Streamed s;
  const auto clip_frames = static_cast<std::size_t>(kGenreClipSeconds * kAnalysisSr);
  s.clip.reserve(std::min(clip_frames, reader.info().frames + kStreamFrames));  // MP3 counts are estimates
  std::vector<float> block(kStreamFrames * channels);
  const auto C = static_cast<float>(channels);
  while (const std::size_t n = reader.read(block.data(), kStreamFrames)) {
    // io::load's downmix ((c0 + (c1 + ...)) / C in float32) of the frames the clip still needs.
    const std::size_t take = std::min(n, clip_frames - s.clip.size()), at = s.clip.size();
    s.clip.resize(at + take);
    for (std::size_t i = 0; i < take; ++i) {
      const float* f = block.data() + i * channels;
      float rest = 0.0f;
      for (std::size_t c = 1; c < channels; ++c) rest += f[c];
      s.clip[at + i] = channels == 1 ? f[0] : (f[0] + rest) / C;
    }
    if (s.silent)
      s.silent = std::all_of(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * channels),
                             [](float v) { return v == 0.0f; });
    sets.add_interleaved(block.data(), n);
  }
  s.frames = reader.frames_read();
  if (s.frames > 0) s.sets = sets.finish();
  return s;
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
  // 44.1 kHz with no need for a whole buffer (the guide's technique set needs one): streamed.
  const bool stream = info.sr == kAnalysisSr &&
                      (!models.technique_model() || models.technique_inputs() == TechniqueInputs::App);
  std::optional<Streamed> streamed;
  std::optional<io::AudioBuffer> native_buf;
  if (stream)
    streamed = stream_song(song, info.channels, cap);
  else
    native_buf = io::load(song, {.sr = 0.0, .mono = false, .duration = cap});
  const std::size_t frames = stream ? streamed->frames : native_buf->frames;
  const std::size_t channels = stream ? info.channels : native_buf->channels;
  if (frames == 0) throw FormatError(song, "the file holds no audio frames");
  r.analysed_s = static_cast<double>(frames) / info.sr;
  if (r.analysed_s < kShortSeconds)
    r.notes.push_back(fmt::format("very short input ({:.3f} s): the features (tempo, loudness, width) are "
                                  "unreliable below 1 s", r.analysed_s));
  if (channels == 1)
    r.notes.push_back("mono file: stereo width is 0 (the app omits stereo_width for mono buffers; 0 is sent here)");
  const bool silent = stream ? streamed->silent : all_zero(*native_buf);
  if (silent) r.notes.push_back("digital silence: every sample is 0, so there is no genre or technique to recognise");

  // 44.1 kHz material is used as decoded; other rates get the loads training used.
  std::optional<io::AudioBuffer> resampled;
  if (!stream && native_buf->sr != kAnalysisSr)
    resampled = io::load(song, {.sr = kAnalysisSr, .mono = false, .duration = cap});
  const io::AudioBuffer* stereo44 = stream ? nullptr : resampled ? &*resampled : &*native_buf;

  // The streamed pass computed the app technique and mix sets; otherwise they are computed below.
  std::optional<features::AppTechniqueFeatures> app_shared;
  std::optional<features::MixFeatures> mix_shared;
  if (stream) {
    app_shared = streamed->sets->first;
    mix_shared = std::move(streamed->sets->second);
  }

  // Genre: librosa.load(sr=44100, duration=30), mono.
  if (!models.genre_model()) {
    r.genre_note = models.missing().empty() ? "no GenreClassifier" : "no GenreClassifier model in " + models.dir().string();
  } else if (silent) {
    r.genre_note = "skipped: the input is silent";
  } else {
    try {
      std::vector<float> clip;
      if (stream) {
        clip = std::move(streamed->clip);
      } else if (!resampled) {
        clip = downmix(*native_buf, std::min(frames, static_cast<std::size_t>(kGenreClipSeconds * kAnalysisSr)));
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
        const auto v = (app_shared ? *app_shared : features::app_technique_features(*native_buf)).to_vector();
        scores = models.predict_techniques(v);
      } else {
        io::AudioBuffer mono{.sr = kAnalysisSr, .channels = 1, .frames = stereo44->frames,
                             .data = downmix(*stereo44, stereo44->frames)};
        const auto v = features::technique_features(mono, stereo44->channels >= 2 ? stereo44 : nullptr).to_vector();
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
    mix.measured = mix_shared ? std::move(*mix_shared) : features::mix_features(*stereo44);
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
