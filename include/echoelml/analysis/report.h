// `echoelml report`: one self-contained HTML page for a training run (a MODELS folder written by
// `echoelml train`): loss curves, the genre confusion matrix, per-technique F1 against baselines,
// a piano roll of a generated pattern per genre and the mix outputs predicted against measured.
// Inline CSS and inline SVG only (no script, font or network), so it opens offline in any
// browser. Torch-free: reads <Name>.metrics.json, <Name>.validation.json and <Name>.espec.
// See docs/report.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/core/music.h"
#include "echoelml/runtime/model_spec.h"

namespace echoelml::analysis {

// ---- the page ----------------------------------------------------------------------------

struct ReportParams {
  std::string title = "echoelml training report";
  // Conditioning of the generated patterns. Unset = typical of the genre: the median of the
  // PatternGenerator validation rows of that genre, else the app's lesson values (docs/report.md).
  std::optional<double> tempo_bpm{};   // > 0
  std::optional<int> bars{};           // 1..64
  std::optional<double> complexity{};  // 0..1
};

/// What the page holds, for the CLI's summary line and for tests.
struct ReportSummary {
  int models_found = 0;               // models with at least one of their files in the folder
  std::vector<std::string> missing;   // "<file> (what it would show)" per missing input file
  std::vector<std::string> errors;    // "<file>: <reason>" per unreadable input file
};

/// Builds the page from the files in models_dir. Missing or unreadable files give a visible
/// "missing"/"could not be read" box in their section, never an exception. Throws IoError if
/// models_dir is not a folder or holds none of the five models' files, ParameterError for bad params.
std::string render_report(const std::filesystem::path& models_dir, const ReportParams& params = {},
                          ReportSummary* summary = nullptr);

/// render_report, written atomically to `out`. Throws as render_report, IoError on write failure.
ReportSummary write_report(const std::filesystem::path& models_dir, const std::filesystem::path& out,
                           const ReportParams& params = {});

// ---- generated patterns -------------------------------------------------------------------

struct PatternRequest {
  MusicGenre genre = MusicGenre::Edm;
  ProductionTechnique technique = ProductionTechnique::BuildupDropStructure;
  double tempo_bpm = 120;
  int bars = 4;
  double complexity = 0.7;
  std::string source;  // where the values come from ("validation median of 12 rows", ...)
};

/// One note as the app reads it (app contract §5): MIDI pitch and velocity, start and duration
/// in beats. Values are the model's raw outputs (the app truncates pitch/velocity to UInt8).
struct ReportNote {
  float pitch = 0, velocity = 0, start = 0, duration = 0;
};

/// The 8 requests, one per genre in MusicGenre order. pattern_validation is the parsed
/// PatternGenerator.validation.json or nullptr; rows of a genre give the median tempo, bars and
/// complexity and the most frequent technique. ReportParams overrides win over both.
std::vector<PatternRequest> typical_pattern_requests(const nlohmann::json* pattern_validation,
                                                     const ReportParams& params = {});

/// Runs the spec (runtime::evaluate) on the request: genre one-hot, technique one-hot, tempo,
/// bars, complexity laid out by the spec's "input_groups" metadata. Throws ParameterError if the
/// spec does not take those inputs or has no [N, 4] notes output.
std::vector<ReportNote> generate_report_pattern(const runtime::ModelSpec& spec, const PatternRequest& request);

// ---- building blocks (inline SVG; public for tests) ------------------------------------------

/// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);
/// A readable number for tables: 4 significant digits, "–" for NaN/inf.
std::string format_number(double v);

/// Tick positions for an axis over [lo, hi]: a step of 1, 2 or 5 x 10^k giving about
/// `target_ticks` ticks, lo/hi widened to multiples of it. lo == hi is widened around the value.
struct Axis {
  double lo = 0, hi = 1, step = 0.5;
  std::vector<double> ticks() const;
};
Axis nice_axis(double lo, double hi, int target_ticks = 5);

struct Series {
  std::string name;
  std::string color;  // CSS colour
  std::vector<double> x, y;
  bool dashed = false;
};
struct LineChartParams {
  std::string title, x_label, y_label;
  int width = 560, height = 300;
  std::optional<double> marker_x{};  // a vertical line (e.g. the best epoch)
  std::string marker_label;
  bool log_y = false;                // logarithmic y axis (all values must be > 0)
};
/// Every point is a <circle> with data-series, data-x and data-y attributes (exact values).
std::string svg_line_chart(const std::vector<Series>& series, const LineChartParams& params);

/// Confusion matrix: counts[r][c] (rows = truth). Cell colour = share of its row; every cell is a
/// <rect> with data-row, data-col and data-count.
std::string svg_confusion(const std::vector<std::vector<double>>& counts, const std::vector<std::string>& labels);

struct F1Row {
  std::string label;
  double f1 = 0;              // NaN = undefined (never true, never predicted)
  double frequency_baseline = 0, random_baseline = 0;  // NaN = undefined
  long support = 0;
};
/// Horizontal bars (F1 0..1) with the two baselines as markers; bars carry data-label, data-f1.
std::string svg_f1_bars(const std::vector<F1Row>& rows, const std::string& title);

/// Predicted (y) against measured (x) with the y = x line, equal ranges on both axes; points
/// carry data-x and data-y.
std::string svg_scatter(const std::vector<double>& measured, const std::vector<double>& predicted,
                        const std::string& title);

/// A piano roll over [0, max(beats, last note end)] beats with bar lines every 4 beats; notes
/// are <rect> with data-pitch (truncated as the app does), data-start, data-duration.
std::string svg_piano_roll(const std::vector<ReportNote>& notes, double beats, const std::string& title);

}  // namespace echoelml::analysis
