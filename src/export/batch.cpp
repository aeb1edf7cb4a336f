// `echoelml export`: the four app models from a training folder, each format read back and
// validated, check.json and the 8-bit report (include/echoelml/export/batch.h).
#include "echoelml/export/batch.h"

#include <system_error>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/export/check.h"
#include "echoelml/export/inspect.h"
#include "echoelml/export/mlpackage.h"
#include "echoelml/export/onnx.h"
#include "echoelml/runtime/model_file.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr AppModel kModels[] = {AppModel::GenreClassifier, AppModel::TechniqueRecognizer, AppModel::PatternGenerator,
                                AppModel::MixAnalyzer};
constexpr double kFloatTolerance = 1e-4;  // evaluator vs trained model, float32 weights
constexpr double kQuantTolerance = 2e-2;  // the same with 8-bit weights (outputs in 0-1 units)

std::uintmax_t size_of(const fs::path& p) {
  if (!fs::is_directory(p)) return fs::file_size(p);
  std::uintmax_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(p))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

// Re-reads a written Core ML model; a model Core ML would refuse is removed, not shipped.
void require_valid(const fs::path& p) {
  auto r = validate_coreml(p);
  if (r.ok()) return;
  std::string all;
  for (const auto& e : r.errors) all += (all.empty() ? "" : "; ") + e;
  std::error_code ec;
  fs::remove_all(p, ec);
  throw FormatError(p, "fails Core ML validation, removed: " + all);
}

json deviation_json(const OutputDeviation& d) {
  return {{"rows", d.rows}, {"max_abs_change", d.max_abs}, {"max_rel_change", d.max_rel},
          {"worst_output", d.worst_output}, {"per_output_max_abs_change", d.per_output}};
}

// 8-bit: the float model is written beside it for the size and removed again.
json quantization_report(const runtime::ModelSpec& spec, const CoreMLOptions& q8, const fs::path& q8_file,
                         const ValidationSet* val, const BatchOptions& opt) {
  CoreMLOptions f = q8;
  f.quantize_8bit = false;
  const fs::path float_file = temp_path_for(q8_file);
  export_coreml(spec, float_file, f);
  json r;
  r["float32_bytes"] = size_of(float_file);
  r["int8_bytes"] = size_of(q8_file);
  r["size_ratio"] = double(size_of(q8_file)) / double(size_of(float_file));
  if (val) {
    r["float32_vs_trained"] = deviation_json(compare_with_trained(float_file, spec, f, *val, opt.report_rows));
    r["int8_vs_trained"] = deviation_json(compare_with_trained(q8_file, spec, q8, *val, opt.report_rows));
  }
  std::error_code ec;
  fs::remove(float_file, ec);
  return r;
}

void export_one(AppModel am, const fs::path& models_dir, const fs::path& out_dir, const BatchOptions& opt, ModelOutcome& o) {
  const std::string name(to_string(am));
  o.source = models_dir / (source_name(am, opt.layout) + ".espec");
  o.report["source"] = o.source.string();
  runtime::ModelSpec spec = runtime::load_model_spec(o.source);
  for (const auto& [k, v] : opt.metadata) spec.metadata[k] = v;

  CoreMLOptions copt{.layout = opt.layout, .model = am, .quantize_8bit = opt.quantize_8bit, .updatable = opt.updatable,
                     .update = opt.update};
  if (opt.updatable)
    if (auto why = updatable_refusal(am, opt.layout)) {
      o.notes.push_back("written without update support: " + *why);
      copt.updatable = false;
    }
  o.report["updatable"] = copt.updatable;
  o.report["weights"] = opt.quantize_8bit ? "int8 (linear, per output channel)" : "float32";

  std::optional<ValidationSet> val;
  const fs::path val_path = models_dir / (source_name(am, opt.layout) + ".validation.json");
  if ((opt.formats & (kMlModel | kMlPackage)) != 0) {
    try {
      val = load_validation_set(val_path);
    } catch (const Error& e) {
      o.errors.push_back(std::string(e.what()) + " (no " + name + ".check.json)");
    }
  }

  // check.json and the 8-bit report are made from the .mlmodel, else from the .mlpackage.
  fs::path check_model;
  if (opt.formats & kMlModel) {
    const fs::path file = out_dir / (name + ".mlmodel");
    export_coreml(spec, file, copt);
    require_valid(file);
    o.written.push_back(file);
    o.report["mlmodel"] = {{"file", file.filename().string()}, {"bytes", size_of(file)}};
    check_model = file;
    if (opt.quantize_8bit) o.report["quantization"] = quantization_report(spec, copt, file, val ? &*val : nullptr, opt);
  }
  if (opt.formats & kMlPackage) {
    const fs::path dir = out_dir / (name + ".mlpackage");
    try {
      export_mlpackage(spec, dir, {.layout = opt.layout, .model = am});
      require_valid(dir);
      o.written.push_back(dir);
      o.report["mlpackage"] = {{"file", dir.filename().string()}, {"bytes", size_of(dir)}};
      if (check_model.empty()) check_model = dir;
      if (opt.quantize_8bit || copt.updatable) o.notes.push_back("the .mlpackage is written float32 and not updatable");
    } catch (const ParameterError& e) {
      // An ML Program cannot express every app interface (tensors only, identifier names).
      if (opt.formats == kMlPackage) throw;
      o.notes.push_back(std::string("no .mlpackage: ") + e.what());
    }
  }
  if (val && !check_model.empty()) {
    const double tol = opt.quantize_8bit ? kQuantTolerance : kFloatTolerance;
    const bool package = check_model.extension() == ".mlpackage";
    CoreMLOptions check_opt = copt;
    if (package) check_opt.quantize_8bit = false;
    json check = make_check(check_model, spec, check_opt, *val,
                            {.cases = opt.check_cases, .tolerance = package ? kFloatTolerance : tol});
    const fs::path cf = out_dir / (name + ".check.json");
    write_file_atomic(cf, check.dump(2) + "\n");
    o.written.push_back(cf);
    o.report["check"] = {{"file", cf.filename().string()}, {"model", check_model.filename().string()},
                         {"cases", check["cases"].size()}, {"tolerance", package ? kFloatTolerance : tol}};
  }
  if (opt.formats & kOnnx) {
    const fs::path file = out_dir / (name + ".onnx");
    export_onnx(spec, file);
    (void)inspect(file);  // re-read: a file that does not parse again is an error here
    o.written.push_back(file);
    o.report["onnx"] = {{"file", file.filename().string()}, {"bytes", size_of(file)}, {"inputs", json::array()}};
    for (const auto& in : spec.inputs) o.report["onnx"]["inputs"].push_back({{"name", in.name}, {"shape", in.shape}});
    if (opt.quantize_8bit) o.notes.push_back("the .onnx is written float32 (--quantize applies to Core ML)");
  }
}

}  // namespace

unsigned parse_export_format(const std::string& s, bool with_mlpackage) {
  if (s == "mlmodel") return kMlModel;
  if (s == "onnx") return kOnnx;
  if (with_mlpackage && s == "mlpackage") return kMlPackage;
  if (s == "all") return kMlModel | kOnnx | (with_mlpackage ? kMlPackage : 0u);
  throw ParameterError("--format '" + s + "' is not one of " + (with_mlpackage ? "mlmodel|mlpackage|onnx|all" : "mlmodel|onnx|all"));
}

bool BatchResult::ok() const {
  for (const auto& m : models)
    if (!m.ok()) return false;
  return true;
}

std::string source_name(AppModel model, CoreMLLayout layout) {
  if (model == AppModel::TechniqueRecognizer && layout == CoreMLLayout::App) return "TechniqueRecognizerApp";
  return std::string(to_string(model));
}

BatchResult export_models(const fs::path& models_dir, const fs::path& out_dir, const BatchOptions& opt,
                          const std::function<void(const ModelOutcome&)>& on_model) {
  if (!fs::is_directory(models_dir)) throw IoError(models_dir, "models folder does not exist (run `echoelml train` first)");
  if (opt.updatable && opt.quantize_8bit)
    throw ParameterError("--updatable and --quantize 8 cannot be combined: Core ML updates float weights only");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) throw IoError(out_dir, "cannot create output folder: " + ec.message());
  BatchResult res;
  json report;
  report["models_dir"] = models_dir.string();
  report["layout"] = opt.layout == CoreMLLayout::App ? "app" : "guide";
  for (AppModel am : kModels) {
    ModelOutcome o;
    o.model = am;
    try {
      export_one(am, models_dir, out_dir, opt, o);
    } catch (const Error& e) {
      o.errors.push_back(e.what());
    } catch (const std::exception& e) {  // e.g. a malformed number in the spec's metadata
      o.errors.push_back(o.source.string() + ": " + e.what());
    }
    o.report["written"] = json::array();
    for (const auto& w : o.written) o.report["written"].push_back(w.filename().string());
    o.report["notes"] = o.notes;
    o.report["errors"] = o.errors;
    report["models"][std::string(to_string(am))] = o.report;
    if (on_model) on_model(o);
    res.models.push_back(std::move(o));
  }
  res.report = out_dir / "export-report.json";
  write_file_atomic(res.report, report.dump(2) + "\n");
  return res;
}

}  // namespace echoelml::exporter
