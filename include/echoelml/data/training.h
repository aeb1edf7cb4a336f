// Training tables: row-major float matrices and labels per model, read from a FeatureStore
// (audio models) or straight from MIDI (PatternGenerator), plus the CSV export.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "echoelml/core/matrix.h"
#include "echoelml/data/dataset.h"
#include "echoelml/data/feature_store.h"

namespace echoelml::data {

struct SkippedFile {
  std::string rel;
  std::string reason;  // "not extracted", the stored error, an unreadable MIDI file ...
};

/// One model's examples. Rows follow the index order (sections sorted by rel path).
struct TrainingTable {
  std::vector<std::string> feature_names;  // features.cols names
  std::vector<std::string> target_names;   // targets.cols names (empty for Genre)
  Matrix features;                         // [n, inputs]
  std::vector<int> labels;                 // Genre: MusicGenre index; else empty
  Matrix targets;                          // Technique*: multi-hot [n, 20]; Mix: [n, 10];
                                           // Pattern: raw notes [n, max_notes*4] (see below)
  std::vector<std::string> rel;            // the file of each row
  // Pattern only: window length in beats and real notes per row (rows past it are padding).
  std::vector<float> pattern_beats;
  std::vector<int> pattern_notes;
  std::vector<SkippedFile> skipped;        // files of the section left out, with the reason

  std::size_t size() const { return features.rows; }
};

/// GenreClassifier: the 32 GenreFeatures::to_vector() inputs and the genre index.
TrainingTable load_genre_table(const DatasetIndex& index, const FeatureStore& store);
/// TechniqueRecognizer: the guide's 6 inputs (app_inputs = false) or the app's 4, and the
/// 20-column multi-hot in ProductionTechnique order.
TrainingTable load_technique_table(const DatasetIndex& index, const FeatureStore& store,
                                   bool app_inputs);
/// MixAnalyzer: spectrum (1024 dB values) and the 10 measured targets (vector_names(Mix)).
TrainingTable load_mix_table(const DatasetIndex& index, const FeatureStore& store);
/// PatternGenerator from patterns/ MIDI: inputs genre one-hot 8, technique multi-hot 20,
/// tempo (BPM), bars, complexity (labels.csv values, else midi::estimate_pattern_stats);
/// targets are midi::prepare_pattern's raw [max_notes, 4] rows (pitch, velocity, start and
/// duration in beats from the window start), zero rows past pattern_notes. Files without notes
/// or unreadable MIDI are skipped with the reason.
TrainingTable load_pattern_table(const DatasetIndex& index, int max_notes = 64);

/// One CSV with a row per (file, kind) of the store: path (rel), label, model (kind key),
/// error (empty when ok), then the union of vector_names() of the kinds present (Genre,
/// Technique, AppTechnique, Mix order; cells of other kinds empty). Files not yet extracted
/// are left out. Written atomically. Throws IoError.
void export_csv(const DatasetIndex& index, const FeatureStore& store,
                const std::filesystem::path& out);

}  // namespace echoelml::data
