// Loading the trained models and running them on one song's features, from .espec files
// (runtime::evaluate) or exported .mlmodel files (exporter::predict_coreml, either layout).
#include "echoelml/analysis/models.h"

#include <algorithm>
#include <cmath>
#include <system_error>

#include "echoelml/core/error.h"
#include "echoelml/export/coreml.h"
#include "echoelml/runtime/evaluate.h"
#include "echoelml/runtime/model_file.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;
using exporter::FeatureMap;
using exporter::FeatureValue;

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string o = "[";
  for (std::size_t i = 0; i < s.size(); ++i) o += (i ? "," : "") + std::to_string(s[i]);
  return o + "]";
}

// Checks a spec's single input and output sizes so a wrong file fails at load, not mid-song.
void check_spec(const runtime::ModelSpec& s, const fs::path& path, std::vector<std::int64_t> inputs_ok,
                std::int64_t min_outputs_total) {
  if (s.inputs.size() != 1)
    throw FormatError(path, "expected one input, the model has " + std::to_string(s.inputs.size()));
  const auto n = runtime::element_count(s.inputs[0].shape);
  if (std::find(inputs_ok.begin(), inputs_ok.end(), n) == inputs_ok.end())
    throw FormatError(path, "input '" + s.inputs[0].name + "' has shape " + shape_text(s.inputs[0].shape) +
                                ", which is not what " + s.name + " reads");
  std::int64_t total = 0;
  for (const auto& o : s.outputs) total += runtime::element_count(o.shape);
  if (total < min_outputs_total)
    throw FormatError(path, "outputs hold " + std::to_string(total) + " values, expected at least " +
                                std::to_string(min_outputs_total));
}

std::optional<LoadedModel> load_one(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  const fs::path espec = dir / (name + ".espec"), ml = dir / (name + ".mlmodel");
  if (fs::is_regular_file(espec, ec)) {
    LoadedModel m{name, ModelFormat::Espec, espec, runtime::load_model_spec(espec)};
    return m;
  }
  if (fs::is_regular_file(ml, ec)) {
    // Parsing now turns a corrupt file into a FormatError at load time; the validation
    // findings themselves are the exporter's business (echoelml inspect).
    (void)exporter::validate_coreml(ml);
    return LoadedModel{name, ModelFormat::CoreML, ml, {}};
  }
  return std::nullopt;
}

// Runs an espec on one input vector; returns its outputs concatenated in declaration order.
std::vector<float> run_espec(const LoadedModel& m, std::vector<float> x) {
  const auto& in = m.spec.inputs.at(0);
  std::map<std::string, runtime::Tensor> inputs{{in.name, runtime::Tensor{in.shape, std::move(x)}}};
  const auto out = runtime::evaluate(m.spec, inputs);
  std::vector<float> all;
  for (const auto& o : m.spec.outputs) {
    const auto& t = out.at(o.name);
    all.insert(all.end(), t.values.begin(), t.values.end());
  }
  for (float v : all)
    if (!std::isfinite(v)) throw FormatError(m.path, "the model produced a non-finite output");
  return all;
}

// Core ML: the app layout first (Double scalars), then the guide layout (every input a
// MultiArray, scalars as [1]), then the guide's single `features` array (TechniqueRecognizer).
// The error of the app attempt is the one reported.
FeatureMap run_coreml(const LoadedModel& m, const std::vector<std::pair<std::string, std::vector<double>>>& ins,
                      const std::vector<bool>& is_scalar) {
  FeatureMap app, guide;
  std::vector<double> all;
  for (std::size_t i = 0; i < ins.size(); ++i) {
    const auto& [name, v] = ins[i];
    guide[name] = FeatureValue::of_array({static_cast<std::int64_t>(v.size())}, v);
    app[name] = is_scalar[i] ? FeatureValue::of_double(v[0]) : guide[name];
    all.insert(all.end(), v.begin(), v.end());
  }
  const FeatureMap joined{{"features", FeatureValue::of_array({static_cast<std::int64_t>(all.size())}, all)}};
  try {
    return exporter::predict_coreml(m.path, app);
  } catch (const ParameterError& first) {
    for (const FeatureMap* alt : std::array<const FeatureMap*, 2>{&guide, &joined}) {
      try {
        return exporter::predict_coreml(m.path, *alt);
      } catch (const ParameterError&) {
      }
    }
    throw FormatError(m.path, std::string("the Core ML model does not take the app's inputs: ") + first.what());
  }
}

// A named output as numbers: a Double, a MultiArray, or (for genre_probs) a dictionary by label.
std::vector<double> values_of(const FeatureMap& out, const std::string& name, const LoadedModel& m) {
  auto it = out.find(name);
  if (it == out.end()) throw FormatError(m.path, "the model has no output '" + name + "'");
  const FeatureValue& f = it->second;
  switch (f.type) {
    case FeatureValue::Type::Double: return {f.d};
    case FeatureValue::Type::MultiArray: return f.array;
    case FeatureValue::Type::Int64: return {static_cast<double>(f.i)};
    default: throw FormatError(m.path, "output '" + name + "' is not numeric");
  }
}

std::vector<double> expect_size(std::vector<double> v, std::size_t n, const std::string& what, const LoadedModel& m) {
  if (v.size() != n)
    throw FormatError(m.path, what + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
  for (double x : v)
    if (!std::isfinite(x)) throw FormatError(m.path, what + " holds a non-finite value");
  return v;
}

const LoadedModel& need(const std::optional<LoadedModel>& m, const char* name, const fs::path& dir) {
  if (!m) throw ParameterError(std::string("no ") + name + " model (" + name + ".espec or " + name + ".mlmodel) in " + dir.string());
  return *m;
}

}  // namespace

ModelSet ModelSet::load(const fs::path& dir, ModelChoice which) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw IoError(dir, "models folder does not exist");
  if (!fs::is_directory(dir, ec)) throw IoError(dir, "not a folder (expected a training or export folder)");
  ModelSet s;
  s.dir_ = dir;
  // Loads `name` when chosen; an espec's shapes are checked, an absent model is noted.
  auto load_checked = [&](bool chosen, const std::string& name, std::vector<std::int64_t> inputs_ok,
                          std::int64_t min_outputs) -> std::optional<LoadedModel> {
    if (!chosen) return std::nullopt;
    auto m = load_one(dir, name);
    if (!m)
      s.missing_.push_back(name + ": no " + name + ".espec or " + name + ".mlmodel in " + dir.string());
    else if (m->format == ModelFormat::Espec)
      check_spec(m->spec, m->path, std::move(inputs_ok), min_outputs);
    return m;
  };
  s.genre_ = load_checked(which.genre, "GenreClassifier", {32}, kNumGenres);
  if (which.technique) {
    if ((s.technique_ = load_one(dir, "TechniqueRecognizerApp")) && s.technique_->format == ModelFormat::CoreML)
      s.technique_.reset();  // the export folder names the app variant TechniqueRecognizer
    if (!s.technique_) s.technique_ = load_one(dir, "TechniqueRecognizer");
    if (!s.technique_) {
      s.missing_.push_back("TechniqueRecognizer: no TechniqueRecognizerApp.espec, TechniqueRecognizer.espec or "
                           "TechniqueRecognizer.mlmodel in " + dir.string());
    } else if (s.technique_->format == ModelFormat::Espec) {
      check_spec(s.technique_->spec, s.technique_->path, {4, 6}, kNumTechniques);
      if (runtime::element_count(s.technique_->spec.inputs[0].shape) == 6) s.technique_inputs_ = TechniqueInputs::Guide;
    }
  }
  s.mix_ = load_checked(which.mix, "MixAnalyzer", {1024}, 10);
  s.pattern_ = load_checked(which.pattern, "PatternGenerator", {31}, 4);
  return s;
}

GenrePrediction ModelSet::predict_genre(const features::GenreFeatures& f) const {
  const LoadedModel& m = need(genre_, "GenreClassifier", dir_);
  const auto x = f.to_vector();
  GenrePrediction p;
  std::vector<double> probs, conf;
  if (m.format == ModelFormat::Espec) {
    const auto y = run_espec(m, std::vector<float>(x.begin(), x.end()));
    probs.assign(y.begin(), y.begin() + kNumGenres);
    if (y.size() > static_cast<std::size_t>(kNumGenres)) conf = {y[kNumGenres]};
  } else {
    std::vector<std::pair<std::string, std::vector<double>>> ins;
    std::vector<bool> scalar;
    const auto& names = features::GenreFeatures::vector_names();
    for (int i = 0; i < 7; ++i) ins.push_back({std::string(names[i]), {x[i]}}), scalar.push_back(true);
    ins.push_back({"mfcc", std::vector<double>(x.begin() + 7, x.begin() + 20)}), scalar.push_back(false);
    ins.push_back({"chroma", std::vector<double>(x.begin() + 20, x.end())}), scalar.push_back(false);
    const FeatureMap out = run_coreml(m, ins, scalar);
    auto dict = out.find("genre_probs");
    if (dict != out.end() && dict->second.type == FeatureValue::Type::Dictionary) {
      for (MusicGenre g : all_genres()) {
        auto it = dict->second.dict.find(std::string(raw_value(g)));
        if (it == dict->second.dict.end())
          throw FormatError(m.path, "genre_probs has no entry for '" + std::string(raw_value(g)) + "'");
        probs.push_back(it->second);
      }
    } else {
      probs = values_of(out, "genre", m);
    }
    if (out.count("confidence")) conf = values_of(out, "confidence", m);
  }
  probs = expect_size(probs, kNumGenres, "the genre probabilities", m);
  const auto best = std::max_element(probs.begin(), probs.end()) - probs.begin();
  p.genre = all_genres()[static_cast<std::size_t>(best)];
  std::copy(probs.begin(), probs.end(), p.probabilities.begin());
  p.confidence = conf.empty() ? probs[static_cast<std::size_t>(best)] : expect_size(conf, 1, "confidence", m)[0];
  return p;
}

std::array<double, kNumTechniques> ModelSet::predict_techniques(std::span<const float> inputs) const {
  const LoadedModel& m = need(technique_, "TechniqueRecognizer", dir_);
  const std::size_t want = technique_inputs_ == TechniqueInputs::App ? 4 : 6;
  if (inputs.size() != want)
    throw ParameterError("predict_techniques: " + m.name + " reads " + std::to_string(want) + " features, got " +
                         std::to_string(inputs.size()));
  std::vector<double> scores;
  if (m.format == ModelFormat::Espec) {
    const auto y = run_espec(m, std::vector<float>(inputs.begin(), inputs.end()));
    scores.assign(y.begin(), y.begin() + std::min<std::size_t>(y.size(), kNumTechniques));
  } else {
    std::vector<std::pair<std::string, std::vector<double>>> ins;
    const auto& names = features::AppTechniqueFeatures::vector_names();
    for (std::size_t i = 0; i < 4; ++i) ins.push_back({std::string(names[i]), {inputs[i]}});
    const FeatureMap out = run_coreml(m, ins, std::vector<bool>(4, true));
    if (out.count("techniques")) {
      scores = values_of(out, "techniques", m);
    } else {
      for (ProductionTechnique t : all_techniques()) scores.push_back(values_of(out, std::string(raw_value(t)), m).at(0));
    }
  }
  scores = expect_size(scores, kNumTechniques, "the technique scores", m);
  std::array<double, kNumTechniques> r{};
  std::copy(scores.begin(), scores.end(), r.begin());
  return r;
}

MixPrediction ModelSet::predict_mix(const features::MixFeatures& f) const {
  const LoadedModel& m = need(mix_, "MixAnalyzer", dir_);
  if (f.spectrum.size() != 1024)
    throw ParameterError("predict_mix: the spectrum has " + std::to_string(f.spectrum.size()) + " bins, expected 1024");
  std::vector<double> v;
  if (m.format == ModelFormat::Espec) {
    const auto y = run_espec(m, f.spectrum);
    v.assign(y.begin(), y.end());
  } else {
    const FeatureMap out = run_coreml(m, {{"spectrum", std::vector<double>(f.spectrum.begin(), f.spectrum.end())}}, {false});
    v = values_of(out, "freq_balance", m);
    if (out.count("levels")) {
      const auto l = values_of(out, "levels", m);
      v.insert(v.end(), l.begin(), l.end());
    } else {
      for (const char* n : {"dynamic_range", "stereo_width", "peak_level", "rms_level"}) v.push_back(values_of(out, n, m).at(0));
    }
  }
  v = expect_size(v, 10, "the MixAnalyzer outputs", m);
  MixPrediction p;
  std::copy(v.begin(), v.begin() + 6, p.band_balance.begin());
  p.dynamic_range_db = v[6], p.stereo_width = v[7], p.peak_level = v[8], p.rms_level = v[9];
  return p;
}

PatternRows ModelSet::predict_pattern(const PatternInputs& in) const {
  const LoadedModel& m = need(pattern_, "PatternGenerator", dir_);
  std::vector<double> genre(kNumGenres, 0.0), tech(kNumTechniques, 0.0);
  genre[static_cast<std::size_t>(in.genre)] = 1.0;
  for (ProductionTechnique t : in.techniques) tech[static_cast<std::size_t>(t)] = 1.0;
  std::vector<double> v;
  if (m.format == ModelFormat::Espec) {
    std::vector<float> x(genre.begin(), genre.end());
    x.insert(x.end(), tech.begin(), tech.end());
    x.push_back(static_cast<float>(in.tempo_bpm));
    x.push_back(static_cast<float>(in.bars));
    x.push_back(static_cast<float>(in.complexity));
    const auto y = run_espec(m, std::move(x));
    v.assign(y.begin(), y.end());
  } else {
    const FeatureMap out = run_coreml(
        m, {{"genre", genre}, {"technique", tech}, {"tempo", {in.tempo_bpm}}, {"bars", {in.bars}}, {"complexity", {in.complexity}}},
        {false, false, true, true, true});
    v = values_of(out, "notes", m);
  }
  if (v.empty() || v.size() % 4 != 0)
    throw FormatError(m.path, "notes output has " + std::to_string(v.size()) + " values, not a multiple of 4");
  PatternRows rows(v.size() / 4);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (int k = 0; k < 4; ++k) {
      if (!std::isfinite(v[i * 4 + k])) throw FormatError(m.path, "the model produced a non-finite note value");
      rows[i][static_cast<std::size_t>(k)] = static_cast<float>(v[i * 4 + k]);
    }
  return rows;
}

}  // namespace echoelml::analysis
