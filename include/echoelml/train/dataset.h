// The in-memory training data of the four models and the facts that fix their shapes: input
// feature order, target layout, output names. Torch-free; see docs/training.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/core/matrix.h"

namespace echoelml::train {

/// The trained networks. Technique and TechniqueApp share the architecture and differ only in
/// their inputs (the guide's 6 features or the 4 the app really sends, app contract §4).
enum class ModelKind { Genre, Technique, TechniqueApp, Pattern, Mix };

/// "GenreClassifier", "TechniqueRecognizer", "TechniqueRecognizerApp", "PatternGenerator",
/// "MixAnalyzer": the file stem of the checkpoint, spec and metrics.
std::string_view model_name(ModelKind kind);
/// "genre", "technique", "technique-app", "pattern", "mix".
std::string_view kind_key(ModelKind kind);
/// Parses kind_key() or model_name() (case-insensitive); throws ParameterError listing them.
ModelKind parse_model_kind(std::string_view s);

/// GenreClassifier input order (32): the guide's Concatenate order = the app's input names.
/// mfcc and chroma expand to mfcc_0..mfcc_12 and chroma_0..chroma_11.
inline constexpr std::array<std::string_view, 9> kGenreInputGroups = {
    "tempo", "spectral_centroid", "spectral_rolloff", "zero_crossing_rate", "rms",
    "spectral_flux", "spectral_contrast", "mfcc", "chroma"};
inline constexpr std::array<int, 9> kGenreInputGroupSizes = {1, 1, 1, 1, 1, 1, 1, 13, 12};
/// TechniqueRecognizer inputs in the guide's extract_technique_features order (6); the app
/// variant uses the first four, which are exactly the app's inputs (§4).
inline constexpr std::array<std::string_view, 6> kTechniqueInputs = {
    "dynamic_range", "stereo_width",       "spectrum_variance",
    "temporal_modulation", "transient_strength", "harmonic_ratio"};
/// PatternGenerator input groups: genre one-hot 8 (MusicGenre order), technique multi-hot 20
/// (ProductionTechnique order), tempo (BPM), bars, complexity (0-1).
inline constexpr std::array<std::string_view, 5> kPatternInputGroups = {
    "genre", "technique", "tempo", "bars", "complexity"};
inline constexpr std::array<int, 5> kPatternInputGroupSizes = {8, 20, 1, 1, 1};
inline constexpr int kPatternSteps = 64;     // notes per generated pattern (RepeatVector(64))
inline constexpr int kNoteFields = 4;        // pitch (MIDI), velocity (MIDI), start, duration (beats)
inline constexpr int kMixSpectrumSize = 1024;
/// MixAnalyzer target columns (10) in output order: freq_balance 6 (sub, bass, low-mid, mid,
/// high-mid, high), dynamic_range (dB), stereo_width, peak_level, rms_level (0-1).
inline constexpr std::array<std::string_view, 5> kMixOutputs = {
    "freq_balance", "dynamic_range", "stereo_width", "peak_level", "rms_level"};
inline constexpr std::array<int, 5> kMixOutputSizes = {6, 1, 1, 1, 1};
inline constexpr int kMixTargetSize = 10;

/// Number of input features of a model (32, 6, 4, 31, 1024).
int input_size(ModelKind kind);
/// Expanded per-column input names, e.g. "tempo", ..., "mfcc_0", ..., "chroma_11".
std::vector<std::string> input_names(ModelKind kind);
/// Columns of Dataset::targets (0 for Genre, 20, 20, 64*4, 10).
int target_size(ModelKind kind);

/// Training data in raw units (the units the app sends). One row per example.
struct Dataset {
  Matrix features;          // [n, input_size(kind)]
  std::vector<int> labels;  // Genre: class index in MusicGenre order, [n]; unused otherwise
  // Technique*: multi-hot [n, 20] of 0/1 in ProductionTechnique order.
  // Pattern: [n, 64*4] notes row-major (step, field): pitch 0-127, velocity 0-127, start and
  //          duration in beats from the pattern start (build rows with pattern_target()).
  // Mix:     [n, 10] as kMixOutputs.
  Matrix targets;
  // Pattern: length of each pattern in beats (bars * beats per bar); empty = bars * 4.
  std::vector<float> pattern_beats;
  // Optional stratum per row for the validation split (e.g. a genre or a source id). Empty =
  // the labels (Genre), the rarest positive technique (Technique*), the genre one-hot argmax
  // (Pattern), none (Mix).
  std::vector<int> strata;
  // Optional source of each row (a path relative to the data folder), for reports and the
  // <Name>.validation.json file; empty = unknown.
  std::vector<std::string> rel;

  std::size_t size() const { return features.rows; }
};

/// Checks a data set before training; throws ParameterError naming the model, the row/column and
/// the reason: empty data, shape mismatch, non-finite value, label out of vocabulary, a single
/// genre class, technique targets that are not 0/1 or never positive, pattern notes out of range.
void validate_dataset(ModelKind kind, const Dataset& data);

/// A note of a source pattern, times in beats from the pattern start.
struct PatternNote {
  float pitch = 60;     // MIDI 0-127
  float velocity = 100; // MIDI 1-127
  float start = 0;      // beats, >= 0
  float duration = 1;   // beats, > 0
};

/// How a pattern with fewer than 64 notes fills the 64 output steps. Every step is a real,
/// playable note; there are no all-zero padding rows (app contract §5).
enum class PatternPadding {
  // Note i of n (sorted by start) fills steps [i*64/n, (i+1)*64/n): each note is repeated in
  // place, so every step stays inside the bars, but the app plays the copies as stacked voices.
  RepeatInPlace,
  // Steps n.. cycle through the notes again, shifted by k * pattern_beats (the loop played
  // again): a continuation without doubled notes; steps past the first cycle lie beyond the
  // bars. What `echoelml train` uses (docs/training.md, "Why echoelml train pads with LoopShift").
  LoopShift,
};

/// One Dataset::targets row [64*4] from a pattern's notes (sorted by start, then pitch; the
/// first 64 kept). Throws ParameterError for no notes, pattern_beats <= 0, or a note out of range.
std::vector<float> pattern_target(std::vector<PatternNote> notes, float pattern_beats,
                                  PatternPadding padding = PatternPadding::RepeatInPlace);

}  // namespace echoelml::train
