// The report's generated patterns: typical conditioning per genre, and running the spec on it.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "echoelml/analysis/report.h"
#include "echoelml/core/error.h"
#include "echoelml/runtime/evaluate.h"

namespace echoelml::analysis {
namespace {

using nlohmann::json;
using PT = ProductionTechnique;

// Fallbacks when a genre has no validation rows: the first lesson of the genre in the app's
// CompositionSchool (app contract §1: technique and tempo); Rock, World and Experimental have no
// lesson, so they get a technique typical of the style and a mid tempo.
struct GenreDefault {
  PT technique;
  double tempo_bpm;
};
constexpr std::array<GenreDefault, kNumGenres> kDefaults = {{
    {PT::BuildupDropStructure, 128},  // EDM
    {PT::MelodicCounterpoint, 120},   // Jazz
    {PT::OrchestralVoicing, 72},      // Classical
    {PT::RhythmicLayering, 85},       // Hip-Hop/Trap
    {PT::TextureStacking, 60},        // Ambient
    {PT::DynamicContrast, 120},       // Rock
    {PT::CallAndResponse, 100},       // World
    {PT::CreativeFiltering, 110},     // Experimental
}};
constexpr int kDefaultBars = 4;             // the app's tests use 4 and 8
constexpr double kDefaultComplexity = 0.7;  // the median of the lessons' complexities

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct GenreRows {
  std::vector<double> tempo, bars, complexity;
  std::array<int, kNumTechniques> technique_count{};
};

// Groups the validation rows by genre using the expanded input names ("genre=<raw value>",
// "technique=<raw value>", "tempo", "bars", "complexity").
std::array<GenreRows, kNumGenres> rows_by_genre(const json& v) {
  const auto names = v.at("input_names").get<std::vector<std::string>>();
  std::array<int, kNumGenres> gcol;
  std::array<int, kNumTechniques> tcol;
  gcol.fill(-1), tcol.fill(-1);
  int tempo = -1, bars = -1, complexity = -1;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    const std::string& n = names[i];
    if (n.rfind("genre=", 0) == 0) {
      if (auto g = find_genre(n.substr(6))) gcol[static_cast<int>(*g)] = i;
    } else if (n.rfind("technique=", 0) == 0) {
      if (auto t = find_technique(n.substr(10))) tcol[static_cast<int>(*t)] = i;
    } else if (n == "tempo") {
      tempo = i;
    } else if (n == "bars") {
      bars = i;
    } else if (n == "complexity") {
      complexity = i;
    }
  }
  if (tempo < 0 || bars < 0 || complexity < 0 || std::count(gcol.begin(), gcol.end(), -1) > 0)
    throw ParameterError("pattern validation rows: input_names lack the genre one-hot, tempo, bars or complexity");
  std::array<GenreRows, kNumGenres> out;
  for (const json& row_json : v.at("features")) {
    const auto row = row_json.get<std::vector<double>>();
    if (row.size() != names.size())
      throw ParameterError(fmt::format("pattern validation rows: a row has {} values for {} input names", row.size(),
                                       names.size()));
    int g = 0;
    for (int k = 1; k < kNumGenres; ++k)
      if (row[gcol[k]] > row[gcol[g]]) g = k;
    if (!(row[gcol[g]] > 0.5)) continue;  // no genre set: not a conditioning row
    GenreRows& r = out[g];
    r.tempo.push_back(row[tempo]), r.bars.push_back(row[bars]), r.complexity.push_back(row[complexity]);
    for (int t = 0; t < kNumTechniques; ++t)
      if (tcol[t] >= 0 && row[tcol[t]] > 0.5) r.technique_count[t]++;
  }
  return out;
}

// "genre:8\ntechnique:20\n..." (the spec's input_groups metadata) as name/size pairs.
std::vector<std::pair<std::string, int>> input_groups(const runtime::ModelSpec& spec) {
  auto it = spec.metadata.find("input_groups");
  if (it == spec.metadata.end()) return {{"genre", 8}, {"technique", 20}, {"tempo", 1}, {"bars", 1}, {"complexity", 1}};
  std::vector<std::pair<std::string, int>> groups;
  std::istringstream lines(it->second);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.rfind(':');
    if (colon == std::string::npos)
      throw ParameterError(fmt::format("{}: input_groups entry '{}' is not name:size", spec.name, line));
    int size = 0;
    try {
      size = std::stoi(line.substr(colon + 1));
    } catch (const std::exception&) {
      throw ParameterError(fmt::format("{}: input_groups entry '{}' has no integer size", spec.name, line));
    }
    groups.emplace_back(line.substr(0, colon), size);
  }
  return groups;
}

}  // namespace

std::vector<PatternRequest> typical_pattern_requests(const json* pattern_validation, const ReportParams& p) {
  if (p.tempo_bpm && !(*p.tempo_bpm > 0 && *p.tempo_bpm < 1000))
    throw ParameterError(fmt::format("report: tempo must be in (0, 1000) BPM, got {}", *p.tempo_bpm));
  if (p.bars && (*p.bars < 1 || *p.bars > 64))
    throw ParameterError(fmt::format("report: bars must be in 1..64, got {}", *p.bars));
  if (p.complexity && !(*p.complexity >= 0 && *p.complexity <= 1))
    throw ParameterError(fmt::format("report: complexity must be in [0, 1], got {}", *p.complexity));
  std::array<GenreRows, kNumGenres> rows{};
  if (pattern_validation) rows = rows_by_genre(*pattern_validation);

  std::vector<PatternRequest> out;
  for (MusicGenre g : all_genres()) {
    const auto gi = static_cast<std::size_t>(g);
    const GenreRows& r = rows[gi];
    PatternRequest q;
    q.genre = g;
    if (!r.tempo.empty()) {
      q.tempo_bpm = median(r.tempo);
      q.bars = std::max(1, static_cast<int>(std::lround(median(r.bars))));
      q.complexity = median(r.complexity);
      const auto best = std::max_element(r.technique_count.begin(), r.technique_count.end());
      q.technique = *best > 0 ? static_cast<PT>(best - r.technique_count.begin()) : kDefaults[gi].technique;
      q.source = fmt::format("median of {} validation row{}", r.tempo.size(), r.tempo.size() == 1 ? "" : "s");
    } else {
      q.technique = kDefaults[gi].technique;
      q.tempo_bpm = kDefaults[gi].tempo_bpm;
      q.bars = kDefaultBars;
      q.complexity = kDefaultComplexity;
      q.source = "lesson defaults (no validation rows of this genre)";
    }
    if (p.tempo_bpm) q.tempo_bpm = *p.tempo_bpm;
    if (p.bars) q.bars = *p.bars;
    if (p.complexity) q.complexity = *p.complexity;
    if (p.tempo_bpm || p.bars || p.complexity) q.source += "; overridden on the command line";
    out.push_back(q);
  }
  return out;
}

std::vector<ReportNote> generate_report_pattern(const runtime::ModelSpec& spec, const PatternRequest& q) {
  if (spec.inputs.size() != 1)
    throw ParameterError(fmt::format("{}: a pattern model takes one input vector, this one takes {}", spec.name,
                                     spec.inputs.size()));
  const auto n_in = runtime::element_count(spec.inputs[0].shape);
  std::vector<float> x;
  for (const auto& [name, size] : input_groups(spec)) {
    const std::size_t at = x.size();
    if (name == "genre" && size == kNumGenres) {
      x.resize(at + size, 0.0f), x[at + static_cast<std::size_t>(q.genre)] = 1.0f;
    } else if (name == "technique" && size == kNumTechniques) {
      x.resize(at + size, 0.0f), x[at + static_cast<std::size_t>(q.technique)] = 1.0f;
    } else if (name == "tempo" && size == 1) {
      x.push_back(static_cast<float>(q.tempo_bpm));
    } else if (name == "bars" && size == 1) {
      x.push_back(static_cast<float>(q.bars));
    } else if (name == "complexity" && size == 1) {
      x.push_back(static_cast<float>(q.complexity));
    } else {
      throw ParameterError(fmt::format("{}: unexpected input group {}:{} for a pattern model", spec.name, name, size));
    }
  }
  if (static_cast<std::int64_t>(x.size()) != n_in)
    throw ParameterError(fmt::format("{}: input_groups give {} values, the input '{}' takes {}", spec.name, x.size(),
                                     spec.inputs[0].name, n_in));
  std::map<std::string, runtime::Tensor> inputs;
  inputs[spec.inputs[0].name] = runtime::Tensor{spec.inputs[0].shape, std::move(x)};
  const auto outputs = runtime::evaluate(spec, inputs);
  auto it = outputs.find("notes");
  if (it == outputs.end() && outputs.size() == 1) it = outputs.begin();
  if (it == outputs.end() || it->second.shape.size() != 2 || it->second.shape[1] != 4)
    throw ParameterError(fmt::format("{}: no notes output of shape [N, 4]", spec.name));
  const auto& v = it->second.values;
  std::vector<ReportNote> notes;
  for (std::size_t i = 0; i + 3 < v.size(); i += 4) notes.push_back({v[i], v[i + 1], v[i + 2], v[i + 3]});
  return notes;
}

}  // namespace echoelml::analysis
