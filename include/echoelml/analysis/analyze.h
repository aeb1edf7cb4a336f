// Analysing one song with the trained models: genre, techniques, and a mix report compared
// with the typical mixes of its genre and turned into concrete suggestions. See docs/analysis.md.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/analysis/mix_profile.h"
#include "echoelml/analysis/models.h"

namespace echoelml::analysis {

struct AnalyzeParams {
  /// Songs longer than this are analysed over their first max_seconds (a note says so); keeps
  /// time and, for files that are not streamed (not 44.1 kHz, or the guide's technique set),
  /// memory bounded (~40 MB per minute of stereo audio). The genre always reads the first 30 s.
  double max_seconds = 600.0;
  double technique_threshold = 0.5;  // the app's rule: a score > 0.5 means "detected"
  /// Compare the mix with this genre's profile instead of the predicted genre.
  std::optional<MusicGenre> compare_genre{};
};

struct TechniqueScore {
  ProductionTechnique technique{};
  double score = 0;
  bool detected = false;
};

struct MixComparison {
  MixValue value{};
  double measured = 0;
  std::optional<ValueStats> typical;  // of the compared genre, when a profile exists
  double delta = 0;                   // measured - typical median (0 without a profile)
  bool outside = false;               // beyond the typical quartiles by more than a tolerance
};

struct Suggestion {
  std::string source;  // "genre-profile" (compared with typical mixes) or "app" (the app's own rules)
  std::string text;
};

struct MixReport {
  features::MixFeatures measured;          // spectrum included (the MixAnalyzer input)
  std::optional<MixPrediction> predicted;  // MixAnalyzer, when loaded
  std::optional<MusicGenre> compared_with;  // the genre whose profile was used
  std::string comparison_note;              // why there is no comparison, when there is none
  std::vector<MixComparison> comparisons;   // all_mix_values() order
  std::vector<Suggestion> suggestions;
};

struct SongAnalysis {
  std::filesystem::path path;
  double duration_s = 0;   // of the file (header; MP3 estimate)
  double analysed_s = 0;   // what the technique and mix sections read
  double native_sr = 0;
  int channels = 0;
  std::vector<std::string> notes;  // input caveats: mono, silence, very short, truncated ...
  std::optional<GenrePrediction> genre;
  std::string genre_note;           // why genre is absent
  std::vector<TechniqueScore> techniques;  // by score, highest first
  std::optional<TechniqueInputs> technique_inputs;
  std::string technique_note;
  std::optional<MixReport> mix;
  std::string mix_note;
};

/// Analyses one audio file. Missing models leave their section empty with a note; so does a
/// section whose features cannot be computed (e.g. too short). Throws IoError / FormatError
/// (naming the file) when the file cannot be read or holds no audio, FormatError when a model
/// file misbehaves. `profiles` may be null (no comparison, said in mix.comparison_note).
SongAnalysis analyze_song(const std::filesystem::path& song, const ModelSet& models, const MixProfiles* profiles,
                          const AnalyzeParams& p = {});

/// Compares measured mix values with a genre profile and phrases the suggestions (exposed for
/// tests and for `echoelml report`).
std::vector<MixComparison> compare_mix(const features::MixFeatures& m, const GenreMixProfile* profile);
std::vector<Suggestion> profile_suggestions(const std::vector<MixComparison>& c, MusicGenre genre);
/// The app's RuleBasedMixAnalyzer suggestions (exact strings): "Increase overall level" when
/// rms < 0.3, "Reduce peaks to avoid clipping" when peak > 0.95 (linear, channel 0).
std::vector<Suggestion> app_suggestions(double peak_level, double rms_level);

nlohmann::json to_json(const SongAnalysis& a);
std::string format_text(const SongAnalysis& a);

}  // namespace echoelml::analysis
