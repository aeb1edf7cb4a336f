// Shared between the report's translation units (report_page.cpp, report_sections.cpp): the
// leniently loaded input files and the HTML pieces every section uses. Not installed.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/analysis/report.h"

namespace echoelml::analysis::detail {

/// A JSON input that may be missing or corrupt; the report shows what it can.
struct JsonFile {
  std::filesystem::path path;
  bool exists = false;
  std::optional<nlohmann::json> json;  // set when it parsed into an object
  std::string error;                   // why it could not be used (exists && !json), without the path
  bool ok() const { return json.has_value(); }
};
/// Reads and parses `path`; never throws for a missing or malformed file.
JsonFile load_json_file(const std::filesystem::path& path);

/// The files of one model in the MODELS folder.
struct ModelFiles {
  std::string name;   // GenreClassifier, TechniqueRecognizer, ...
  std::string title;  // what the model does, for headings
  JsonFile metrics, validation;
  std::filesystem::path espec;
  bool espec_exists = false;
  bool any() const { return metrics.exists || validation.exists || espec_exists; }
};

struct Run {
  std::filesystem::path dir;
  ModelFiles genre, technique, technique_app, pattern, mix;
  std::vector<const ModelFiles*> all() const { return {&genre, &technique, &technique_app, &pattern, &mix}; }
};

// HTML pieces.
std::string missing_box(const std::string& file, const std::string& what_it_would_show);
std::string error_box(const std::string& file, const std::string& reason);
/// The box for a JSON input that is not usable (missing or unreadable), "" when it is usable.
std::string unusable_box(const JsonFile& f, const std::string& what_it_would_show);
/// A metrics "summary" array (metric, model, baseline, baseline_name, higher_is_better) as a table.
std::string summary_table(const nlohmann::json& summary);
/// Runs a section body; an exception becomes an error box and an entry in summary.errors.
std::string guarded(const std::string& what, ReportSummary& summary, const std::function<std::string()>& body);

// Sections, each a complete <section> element.
std::string overview_section(const Run& run);
std::string loss_section(const Run& run, ReportSummary& summary);
std::string genre_section(const Run& run, ReportSummary& summary);
std::string technique_section(const Run& run, ReportSummary& summary);
std::string pattern_section(const Run& run, const ReportParams& params, ReportSummary& summary);
std::string mix_section(const Run& run, ReportSummary& summary);

}  // namespace echoelml::analysis::detail
