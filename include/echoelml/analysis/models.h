// The trained models, loaded for use: from a training folder (<Name>.espec, evaluated by
// runtime::evaluate) or from an export folder (<Name>.mlmodel, run by exporter::predict_coreml).
// Torch-free. See docs/analysis.md.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "echoelml/core/music.h"
#include "echoelml/features/sets.h"
#include "echoelml/runtime/model_spec.h"

namespace echoelml::analysis {

enum class ModelFormat { Espec, CoreML };

/// Which features a TechniqueRecognizer reads: the 4 the app computes (TechniqueRecognizerApp,
/// and every exported TechniqueRecognizer.mlmodel) or the guide's 6 (TechniqueRecognizer.espec).
enum class TechniqueInputs { App, Guide };

/// One model file ready to run.
struct LoadedModel {
  std::string name;               // file stem, e.g. "TechniqueRecognizerApp"
  ModelFormat format = ModelFormat::Espec;
  std::filesystem::path path;
  runtime::ModelSpec spec;        // Espec only
};

struct GenrePrediction {
  MusicGenre genre = MusicGenre::Experimental;
  double confidence = 0;                     // the model's confidence output (else top probability)
  std::array<double, kNumGenres> probabilities{};  // MusicGenre order
};

/// MixAnalyzer outputs in the units of features::MixFeatures.
struct MixPrediction {
  std::array<double, 6> band_balance{};  // sub, bass, low-mid, mid, high-mid, high (0-1)
  double dynamic_range_db = 0;
  double stereo_width = 0;
  double peak_level = 0;
  double rms_level = 0;
};

/// PatternGenerator inputs: genre one-hot, technique multi-hot (the app sends one), tempo (BPM),
/// bars, complexity 0-1. Output: 64 rows of MIDI pitch, MIDI velocity, start and duration (beats).
struct PatternInputs {
  MusicGenre genre = MusicGenre::Edm;
  std::vector<ProductionTechnique> techniques;
  double tempo_bpm = 120;
  double bars = 4;
  double complexity = 0.5;
};
using PatternRows = std::vector<std::array<float, 4>>;

/// Which models ModelSet::load reads. A command loads only what it runs: the PatternGenerator
/// file is ~15 MB and parsing it was ~10 % of a fresh `analyze` process.
struct ModelChoice {
  bool genre = true;
  bool technique = true;
  bool mix = true;
  bool pattern = true;
};

class ModelSet {
 public:
  /// Loads every model `dir` holds. Per model, <Name>.espec wins over <Name>.mlmodel; the
  /// technique model is TechniqueRecognizerApp.espec, else TechniqueRecognizer.espec (4 or 6
  /// inputs), else TechniqueRecognizer.mlmodel (app inputs). A missing model is not an error
  /// (missing() says which); a corrupt or wrongly shaped one is. Models left out of `which`
  /// are neither read nor reported missing.
  /// Throws IoError if dir is not a readable folder, FormatError naming the bad model file.
  static ModelSet load(const std::filesystem::path& dir, ModelChoice which = {});

  const std::filesystem::path& dir() const { return dir_; }
  const std::optional<LoadedModel>& genre_model() const { return genre_; }
  const std::optional<LoadedModel>& technique_model() const { return technique_; }
  const std::optional<LoadedModel>& mix_model() const { return mix_; }
  const std::optional<LoadedModel>& pattern_model() const { return pattern_; }
  TechniqueInputs technique_inputs() const { return technique_inputs_; }
  /// One line per model that was not found, e.g. "GenreClassifier: no GenreClassifier.espec or
  /// GenreClassifier.mlmodel in models/".
  const std::vector<std::string>& missing() const { return missing_; }

  /// Each throws ParameterError when its model is absent, FormatError when the model file
  /// does not accept the inputs or gives outputs of unexpected shapes.
  GenrePrediction predict_genre(const features::GenreFeatures& f) const;
  /// `inputs` are AppTechniqueFeatures::to_vector() (4) or TechniqueFeatures::to_vector() (6)
  /// as technique_inputs() says. Returns the 20 scores in ProductionTechnique order.
  std::array<double, kNumTechniques> predict_techniques(std::span<const float> inputs) const;
  MixPrediction predict_mix(const features::MixFeatures& f) const;
  PatternRows predict_pattern(const PatternInputs& in) const;

 private:
  std::filesystem::path dir_;
  std::optional<LoadedModel> genre_, technique_, mix_, pattern_;
  TechniqueInputs technique_inputs_ = TechniqueInputs::App;
  std::vector<std::string> missing_;
};

}  // namespace echoelml::analysis
