// check.json documents and exported-vs-trained comparisons (include/echoelml/export/check.h).
#include "echoelml/export/check.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>

#include "coreml_internal.h"
#include "echoelml/core/error.h"
#include "echoelml/core/music.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A Core ML output value the trained model gives, with the unit each element is judged in.
struct Expected {
  FeatureValue value;
  std::vector<double> units;  // per element (MultiArray), or one (Double / each dict entry)
};
using ExpectedMap = std::map<std::string, Expected>;

// Per-element unit of a spec output: |scale| of a trailing Scale layer (MIDI 127, beats ...), else 1.
std::vector<double> output_units(const runtime::ModelSpec& spec, const runtime::IoSpec& out) {
  std::vector<double> u(static_cast<std::size_t>(runtime::element_count(out.shape)), 1.0);
  for (const auto& l : spec.layers)
    if (l.output == out.name && l.kind == runtime::LayerKind::Scale && !l.params.empty()) {
      const auto& s = l.params[0].values;
      for (std::size_t i = 0; i < u.size(); ++i) u[i] = std::max(1.0, std::abs(double(s[i % s.size()])));
    }
  return u;
}

Expected scalar(double v, double unit = 1.0) { return {FeatureValue::of_double(v), {unit}}; }
Expected array(std::vector<std::int64_t> shape, std::vector<double> v, std::vector<double> units) {
  return {FeatureValue::of_array(std::move(shape), std::move(v)), std::move(units)};
}

// The Core ML outputs export_coreml's layout gives for one row of trained outputs.
ExpectedMap expected_outputs(const runtime::ModelSpec& spec, AppModel am, CoreMLLayout layout, const std::vector<double>& row) {
  std::vector<std::vector<double>> parts;
  std::vector<std::vector<double>> units;
  std::size_t at = 0;
  for (const auto& o : spec.outputs) {
    auto n = static_cast<std::size_t>(runtime::element_count(o.shape));
    if (at + n > row.size()) throw ParameterError("validation outputs have " + std::to_string(row.size()) + " values, model '" + spec.name + "' more");
    parts.emplace_back(row.begin() + at, row.begin() + at + n);
    units.push_back(output_units(spec, o));
    at += n;
  }
  if (at != row.size())
    throw ParameterError("validation outputs have " + std::to_string(row.size()) + " values, model '" + spec.name + "' " + std::to_string(at));
  const bool app = layout == CoreMLLayout::App;
  ExpectedMap e;
  switch (am) {
    case AppModel::GenreClassifier: {
      const auto& p = parts.at(0);
      std::size_t arg = std::max_element(p.begin(), p.end()) - p.begin();
      double conf = parts.size() > 1 ? parts[1].at(0) : p[arg];
      if (app) {
        FeatureValue label;
        label.type = FeatureValue::Type::String;
        label.s = std::string(raw_value(all_genres().at(arg)));
        e["genre"] = {label, {1.0}};
        FeatureValue probs;
        probs.type = FeatureValue::Type::Dictionary;
        for (std::size_t g = 0; g < p.size(); ++g) probs.dict[std::string(raw_value(all_genres().at(g)))] = p[g];
        e["genre_probs"] = {probs, {1.0}};
        e["confidence"] = scalar(conf);
      } else {
        e["genre"] = array({8}, p, units[0]);
        e["confidence"] = array({1}, {conf}, {1.0});
      }
      break;
    }
    case AppModel::TechniqueRecognizer:
      if (app)
        for (int i = 0; i < kNumTechniques; ++i) e[std::string(raw_value(all_techniques()[i]))] = scalar(parts[0].at(i), units[0][i]);
      else
        e["techniques"] = array({20}, parts[0], units[0]);
      break;
    case AppModel::PatternGenerator: e["notes"] = array(spec.outputs[0].shape, parts[0], units[0]); break;
    case AppModel::MixAnalyzer: {
      static const char* kLevels[4] = {"dynamic_range", "stereo_width", "peak_level", "rms_level"};
      e["freq_balance"] = array({6}, parts[0], units[0]);
      std::vector<double> lv, lu;
      for (std::size_t i = 1; i < parts.size(); ++i) {
        lv.insert(lv.end(), parts[i].begin(), parts[i].end());
        lu.insert(lu.end(), units[i].begin(), units[i].end());
      }
      if (app || parts.size() == 5) {
        for (int i = 0; i < 4; ++i)
          e[kLevels[i]] = app ? scalar(lv.at(i), lu.at(i)) : array({1}, {lv.at(i)}, {lu.at(i)});
      } else {
        e["levels"] = array({4}, lv, lu);
      }
      break;
    }
  }
  return e;
}

// An ML Program has tensor outputs only: a scalar the .mlmodel gives as Double is an array [1]
// there (same value), so the expectation follows the file's declared type.
void conform(ExpectedMap& want, const detail::cml::Model& m) {
  for (const auto& f : m.description().output()) {
    auto it = want.find(f.name());
    if (it != want.end() && f.type().has_multiarraytype() && it->second.value.type == FeatureValue::Type::Double)
      it->second.value = FeatureValue::of_array({1}, {it->second.value.d});
  }
}

// Largest |got - want| / unit over one output; infinity for a different label or missing key.
struct Diff {
  double abs = 0, rel = 0;
};
Diff difference(const FeatureValue& got, const Expected& want) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto& w = want.value;
  if (got.type != w.type) return {inf, inf};
  Diff d;
  auto take = [&](double a, double b, double unit) {
    double ad = std::abs(a - b);
    if (!std::isfinite(a)) ad = inf;
    d.abs = std::max(d.abs, ad);
    d.rel = std::max(d.rel, ad / std::max({1.0, std::abs(b), unit}));
  };
  switch (w.type) {
    case FeatureValue::Type::String: return got.s == w.s ? Diff{} : Diff{inf, inf};
    case FeatureValue::Type::Double: take(got.d, w.d, want.units.at(0)); break;
    case FeatureValue::Type::Int64: return got.i == w.i ? Diff{} : Diff{inf, inf};
    case FeatureValue::Type::MultiArray:
      if (got.array.size() != w.array.size()) return {inf, inf};
      for (std::size_t i = 0; i < w.array.size(); ++i) take(got.array[i], w.array[i], want.units.at(i));
      break;
    case FeatureValue::Type::Dictionary:
      for (const auto& [k, v] : w.dict) {
        auto it = got.dict.find(k);
        if (it == got.dict.end()) return {inf, inf};
        take(it->second, v, 1.0);
      }
      break;
  }
  return d;
}

json to_json(const FeatureValue& v) {
  switch (v.type) {
    case FeatureValue::Type::Double: return v.d;
    case FeatureValue::Type::Int64: return v.i;
    case FeatureValue::Type::String: return v.s;
    case FeatureValue::Type::Dictionary: return json(v.dict);
    case FeatureValue::Type::MultiArray: {
      if (v.shape.size() != 2) return json(v.array);
      json rows = json::array();
      const auto cols = static_cast<std::size_t>(v.shape[1]);
      for (std::size_t r = 0; r < static_cast<std::size_t>(v.shape[0]); ++r)
        rows.push_back(std::vector<double>(v.array.begin() + r * cols, v.array.begin() + (r + 1) * cols));
      return rows;
    }
  }
  return nullptr;
}

std::string check_type(const detail::cml::FeatureType& t) {
  using detail::cml::ArrayFeatureType;
  switch (t.Type_case()) {
    case detail::cml::FeatureType::kDoubleType: return "Double";
    case detail::cml::FeatureType::kInt64Type: return "Int64";
    case detail::cml::FeatureType::kStringType: return "String";
    case detail::cml::FeatureType::kDictionaryType:
      return t.dictionarytype().has_stringkeytype() ? "Dictionary<String>" : "Dictionary<Int64>";
    case detail::cml::FeatureType::kMultiArrayType: {
      const auto& a = t.multiarraytype();
      std::string dt = a.datatype() == ArrayFeatureType::DOUBLE    ? ""
                       : a.datatype() == ArrayFeatureType::FLOAT32 ? "<FLOAT32>"
                       : a.datatype() == ArrayFeatureType::INT32   ? "<INT32>"
                       : a.datatype() == ArrayFeatureType::FLOAT16 ? "<FLOAT16>"
                                                                   : "<?>";
      return "MultiArray" + dt + detail::shape_text(runtime::Shape(a.shape().begin(), a.shape().end()));
    }
    default: return "?";
  }
}

// Class labels of a classifier (inside a pipeline too), keyed by its predicted feature name.
void classifier_labels(const detail::cml::Model& m, json& out) {
  const detail::cml::Pipeline* p = m.has_pipeline()             ? &m.pipeline()
                                   : m.has_pipelineclassifier() ? &m.pipelineclassifier().pipeline()
                                                                : nullptr;
  if (p) {
    for (const auto& st : p->models()) classifier_labels(st, out);
  } else if (m.has_neuralnetworkclassifier() && m.neuralnetworkclassifier().has_stringclasslabels()) {
    const auto& v = m.neuralnetworkclassifier().stringclasslabels().vector();
    out[m.description().predictedfeaturename()] = std::vector<std::string>(v.begin(), v.end());
  }
}

std::string str(const json& j, const char* key, const fs::path& path) {
  if (!j.contains(key) || !j[key].is_string()) throw FormatError(path, std::string("\"") + key + "\" missing or not a string");
  return j[key].get<std::string>();
}

std::vector<std::vector<double>> rows(const json& j, const char* key, const fs::path& path) {
  if (!j.contains(key) || !j[key].is_array()) throw FormatError(path, std::string("\"") + key + "\" missing or not a list");
  std::vector<std::vector<double>> r;
  for (const auto& row : j[key]) {
    if (!row.is_array()) throw FormatError(path, std::string("\"") + key + "\" row " + std::to_string(r.size()) + " is not a list");
    std::vector<double> v;
    for (const auto& x : row) {
      if (!x.is_number())
        throw FormatError(path, std::string("\"") + key + "\" row " + std::to_string(r.size()) + " holds a non-number");
      v.push_back(x.get<double>());
    }
    if (!r.empty() && v.size() != r.front().size())
      throw FormatError(path, std::string("\"") + key + "\" row " + std::to_string(r.size()) + " has " + std::to_string(v.size()) +
                                  " values, row 0 has " + std::to_string(r.front().size()));
    r.push_back(std::move(v));
  }
  return r;
}

AppModel model_of(const runtime::ModelSpec& spec, const CoreMLOptions& opt) {
  return opt.model ? *opt.model : parse_app_model(spec.name);
}

void check_fit(const runtime::ModelSpec& spec, const ValidationSet& val) {
  std::int64_t n_in = 0;
  for (const auto& i : spec.inputs) n_in += runtime::element_count(i.shape);
  if (!val.features.empty() && static_cast<std::int64_t>(val.features[0].size()) != n_in)
    throw ParameterError("validation set of '" + val.model + "' has " + std::to_string(val.features[0].size()) +
                         " inputs per row, model '" + spec.name + "' takes " + std::to_string(n_in));
}

}  // namespace

ValidationSet load_validation_set(const fs::path& path) {
  std::ifstream f(path);
  if (!f) throw IoError(path, "cannot open validation set");
  json j;
  try {
    j = json::parse(f);
  } catch (const json::exception& e) {
    throw FormatError(path, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) throw FormatError(path, "not a validation set (top level is not an object)");
  ValidationSet v;
  v.model = str(j, "model", path);
  v.kind = str(j, "kind", path);
  for (const char* k : {"input_names", "output_names"}) {
    if (!j.contains(k) || !j[k].is_array()) throw FormatError(path, std::string("\"") + k + "\" missing or not a list");
    auto& dst = std::string(k) == "input_names" ? v.input_names : v.output_names;
    for (const auto& s : j[k]) dst.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  }
  v.features = rows(j, "features", path);
  v.outputs = rows(j, "outputs", path);
  if (v.features.size() != v.outputs.size())
    throw FormatError(path, std::to_string(v.features.size()) + " feature rows but " + std::to_string(v.outputs.size()) + " output rows");
  if (!v.features.empty() && v.features[0].size() != v.input_names.size())
    throw FormatError(path, "rows have " + std::to_string(v.features[0].size()) + " features, input_names lists " +
                                std::to_string(v.input_names.size()));
  if (j.contains("rel") && j["rel"].is_array())
    for (const auto& r : j["rel"]) v.rel.push_back(r.is_string() ? r.get<std::string>() : "");
  return v;
}

json make_check(const fs::path& model_file, const runtime::ModelSpec& spec, const CoreMLOptions& opt, const ValidationSet& val,
                const CheckOptions& check) {
  const AppModel am = model_of(spec, opt);
  check_fit(spec, val);
  const auto model = detail::read_model(model_file);
  json doc;
  doc["interface"]["inputs"] = json::object();
  doc["interface"]["outputs"] = json::object();
  for (const auto& f : model.description().input()) doc["interface"]["inputs"][f.name()] = check_type(f.type());
  for (const auto& f : model.description().output()) doc["interface"]["outputs"][f.name()] = check_type(f.type());
  json labels = json::object();
  classifier_labels(model, labels);
  // Guide arrays carry no labels in the file; the index order is the app's enum order.
  if (opt.layout == CoreMLLayout::Guide && am == AppModel::GenreClassifier) {
    std::vector<std::string> g;
    for (auto x : all_genres()) g.emplace_back(raw_value(x));
    labels["genre"] = g;
  }
  if (opt.layout == CoreMLLayout::Guide && am == AppModel::TechniqueRecognizer) {
    std::vector<std::string> t;
    for (auto x : all_techniques()) t.emplace_back(raw_value(x));
    labels["techniques"] = t;
  }
  doc["class_labels"] = labels;

  const auto slots = coreml_input_slots(spec, opt);
  // Rows in split order. GenreClassifier: a near-tie between the two top genres cannot be
  // checked by label elsewhere (other runtimes differ by ~1e-3), so rows whose margin is at
  // least 10x the tolerance come first, then the others by decreasing margin.
  std::vector<std::size_t> order(val.features.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  const double clear = 10 * check.tolerance;
  std::vector<double> margin(order.size(), clear);
  if (am == AppModel::GenreClassifier) {
    for (std::size_t r = 0; r < order.size(); ++r) {
      auto p = val.outputs[r];
      if (p.size() < 8) throw ParameterError("validation outputs of '" + spec.name + "' have fewer than 8 values");
      std::partial_sort(p.begin(), p.begin() + 2, p.begin() + 8, std::greater<>());
      margin[r] = p[0] - p[1];
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const bool ca = margin[a] >= clear, cb = margin[b] >= clear;
      if (ca != cb) return ca;
      return !ca && margin[a] > margin[b];
    });
  }
  json cases = json::array();
  for (std::size_t r : order) {
    if (cases.size() >= check.cases) break;
    auto want = expected_outputs(spec, am, opt.layout, val.outputs[r]);
    conform(want, model);
    const FeatureMap in = coreml_inputs(slots, val.features[r]);
    const FeatureMap got = predict_coreml(model_file, in);
    const std::string name = r < val.rel.size() && !val.rel[r].empty() ? val.rel[r] : "validation row " + std::to_string(r);
    json c{{"name", name}, {"inputs", json::object()}, {"expected", json::object()}};
    bool skip = false;
    for (const auto& [k, v] : in) c["inputs"][k] = to_json(v);
    for (const auto& [k, w] : want) {
      auto it = got.find(k);
      if (it == got.end()) throw Error(model_file.string() + ": check: the model has no output '" + k + "'");
      Diff d = difference(it->second, w);
      if (w.value.type == FeatureValue::Type::String && margin[r] < clear && it->second.s != w.value.s) {
        skip = true;  // a near-tie that flips within the tolerance: not a usable case
        break;
      }
      if (!(d.rel <= check.tolerance))
        throw Error(model_file.string() + ": check: case '" + name + "': output '" + k + "' differs from the trained model by " +
                    std::to_string(d.abs) + " (" + std::to_string(d.rel) + " relative, tolerance " +
                    std::to_string(check.tolerance) + ")");
      c["expected"][k] = to_json(w.value);
    }
    if (!skip) cases.push_back(c);
  }
  if (cases.empty())
    throw ParameterError("check of '" + spec.name + "': the validation set has no usable row (" +
                         std::to_string(val.features.size()) + " rows)");
  doc["cases"] = cases;
  return doc;
}

OutputDeviation compare_with_trained(const fs::path& model_file, const runtime::ModelSpec& spec, const CoreMLOptions& opt,
                                     const ValidationSet& val, std::size_t max_rows) {
  const AppModel am = model_of(spec, opt);
  check_fit(spec, val);
  const auto slots = coreml_input_slots(spec, opt);
  const auto model = detail::read_model(model_file);
  OutputDeviation dev;
  const std::size_t n = max_rows == 0 ? val.features.size() : std::min(max_rows, val.features.size());
  for (std::size_t r = 0; r < n; ++r) {
    const FeatureMap got = predict_coreml(model_file, coreml_inputs(slots, val.features[r]));
    auto want = expected_outputs(spec, am, opt.layout, val.outputs[r]);
    conform(want, model);
    for (const auto& [k, w] : want) {
      if (w.value.type == FeatureValue::Type::String) continue;  // the probabilities carry the change
      auto it = got.find(k);
      if (it == got.end()) throw Error(model_file.string() + ": the model has no output '" + k + "'");
      Diff d = difference(it->second, w);
      dev.per_output[k] = std::max(dev.per_output[k], d.abs);
      dev.max_abs = std::max(dev.max_abs, d.abs);
      if (d.rel > dev.max_rel || dev.worst_output.empty()) {
        dev.max_rel = std::max(dev.max_rel, d.rel);
        if (d.rel >= dev.max_rel) dev.worst_output = k;
      }
    }
    ++dev.rows;
  }
  return dev;
}

}  // namespace echoelml::exporter
