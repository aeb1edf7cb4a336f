// The training report: SVG building blocks place numbers where hand-derived geometry says, the
// page escapes every text, survives missing and corrupt inputs, and is written atomically.
// Inputs are hand-made metrics / validation JSON in the format src/train writes, and a tiny
// hand-built PatternGenerator spec whose output is known exactly.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "echoelml/analysis/report.h"
#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "echoelml/runtime/model_file.h"
#include "support/shared_data.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Attrs = std::map<std::string, std::string>;

// Every <tag ...> element of `html` with its attributes (values as written, i.e. escaped).
std::vector<Attrs> elements(const std::string& html, const std::string& tag) {
  std::vector<Attrs> out;
  const std::regex el("<" + tag + R"((\s[^>]*)?>)"), attr(R"re(([\w-]+)="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), el); it != std::sregex_iterator(); ++it) {
    Attrs a;
    const std::string body = (*it)[1];
    for (auto at = std::sregex_iterator(body.begin(), body.end(), attr); at != std::sregex_iterator(); ++at)
      a[(*at)[1]] = (*at)[2];
    out.push_back(a);
  }
  return out;
}

std::vector<Attrs> with(const std::vector<Attrs>& els, const std::string& key, const std::string& value) {
  std::vector<Attrs> out;
  for (const auto& a : els)
    if (a.count(key) && a.at(key) == value) out.push_back(a);
  return out;
}

double d(const Attrs& a, const std::string& key) { return std::stod(a.at(key)); }

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// The part of the page from the element carrying `marker` to the next `end`.
std::string slice(const std::string& page, const std::string& marker, const std::string& end) {
  const auto a = page.find(marker);
  if (a == std::string::npos) return "";
  return page.substr(a, page.find(end, a) - a);
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

json row(const std::string& metric, double model, double baseline, bool higher = true) {
  return {{"metric", metric}, {"model", model}, {"baseline", baseline}, {"baseline_name", "trivial"},
          {"higher_is_better", higher}};
}

json history(int epochs, double first_train) {
  json h = json::array();
  for (int e = 1; e <= epochs; ++e)
    h.push_back({{"epoch", e}, {"train_loss", first_train / e}, {"val_loss", first_train / e + 0.25},
                 {"val_metric", 0.1 * e}, {"seconds", 0.5}});
  return h;
}

json genre_metrics(const std::string& first_label) {
  json confusion = json::array();
  for (int r = 0; r < kNumGenres; ++r) {
    json row_counts = json::array();
    for (int c = 0; c < kNumGenres; ++c) row_counts.push_back(r == c ? 4 : 0);
    confusion.push_back(row_counts);
  }
  confusion[2][3] = 7;
  json per_class = json::array();
  for (MusicGenre g : all_genres())
    per_class.push_back({{"label", per_class.empty() ? first_label : std::string(raw_value(g))},
                         {"support", 4}, {"precision", 0.5}, {"recall", nullptr}, {"f1", 0.5}});
  return {{"model", "GenreClassifier"},
          {"history", history(5, 2.0)},
          {"best_epoch", 4},
          {"stopped_early", true},
          {"split", {{"train", 160}, {"validation", 40}}},
          {"report",
           {{"model", "GenreClassifier"}, {"n", 40}, {"summary", {row("accuracy", 0.75, 0.125)}},
            {"per_class", per_class}, {"confusion", confusion}}}};
}

json technique_metrics(const std::string& name) {
  json per_label = json::array();
  for (ProductionTechnique t : all_techniques()) {
    const int i = static_cast<int>(t);
    per_label.push_back({{"label", std::string(raw_value(t))}, {"train_prevalence", 0.3}, {"support", i},
                         {"f1", i == 0 ? json(nullptr) : json(i * 0.05)}, {"f1_frequency_baseline", 0.5},
                         {"f1_random_expected", 0.25}});
  }
  return {{"model", name}, {"history", history(3, 1.0)}, {"best_epoch", 3}, {"split", {{"train", 80}, {"validation", 20}}},
          {"report", {{"model", name}, {"n", 20}, {"summary", {row("micro F1", 0.6, 0.2)}}, {"per_label", per_label}}}};
}

json pattern_input_names() {
  json names = json::array();
  for (MusicGenre g : all_genres()) names.push_back("genre=" + std::string(raw_value(g)));
  for (ProductionTechnique t : all_techniques()) names.push_back("technique=" + std::string(raw_value(t)));
  for (const char* n : {"tempo", "bars", "complexity"}) names.push_back(n);
  return names;
}

// Two Jazz rows (tempo 100 and 140, 2 bars, complexity 0.4 and 0.6, Call & Response).
json pattern_validation() {
  json rows = json::array();
  for (double tempo : {100.0, 140.0}) {
    std::vector<double> r(31, 0.0);
    r[static_cast<int>(MusicGenre::Jazz)] = 1;
    r[8 + static_cast<int>(ProductionTechnique::CallAndResponse)] = 1;
    r[28] = tempo, r[29] = 2, r[30] = tempo == 100.0 ? 0.4 : 0.6;
    rows.push_back(r);
  }
  return {{"model", "PatternGenerator"}, {"kind", "pattern"}, {"input_names", pattern_input_names()},
          {"output_names", {"notes"}}, {"features", rows}, {"outputs", json::array()}, {"targets", json::array()}};
}

// notes = repeat64(Dense(x)): pitch 60 + genre index, velocity 100, start 0, duration bars / 2.
runtime::ModelSpec pattern_spec() {
  runtime::ModelSpec s;
  s.name = "PatternGenerator";
  s.inputs = {{"features", {31}, "genre, technique, tempo, bars, complexity"}};
  runtime::Tensor w{{4, 31}, std::vector<float>(4 * 31, 0.0f)}, b{{4}, {60, 100, 0, 0}};
  for (int g = 0; g < 8; ++g) w.values[g] = static_cast<float>(g);
  w.values[3 * 31 + 29] = 0.5f;
  s.layers.push_back({runtime::LayerKind::Dense, "dense", {"features"}, "note", runtime::Activation::Linear, {w, b}, 0, 0});
  s.layers.push_back({runtime::LayerKind::Repeat, "repeat", {"note"}, "notes", runtime::Activation::Linear, {}, 64, 0});
  s.outputs = {{"notes", {64, 4}, "notes"}};
  s.metadata["input_groups"] = "genre:8\ntechnique:20\ntempo:1\nbars:1\ncomplexity:1";
  return s;
}

// Mix validation rows: 3 rows x 10 outputs; column 6 (dynamic range) targets 12.5, 8, 10.
json mix_validation() {
  json out = json::array(), tgt = json::array();
  for (int r = 0; r < 3; ++r) {
    std::vector<double> o(10, 0.25 * r), t(10, 0.5 * r);
    t[6] = r == 0 ? 12.5 : r == 1 ? 8.0 : 10.0;
    o[6] = r == 0 ? 10.0 : r == 1 ? 9.0 : 11.0;
    out.push_back(o), tgt.push_back(t);
  }
  return {{"model", "MixAnalyzer"}, {"kind", "mix"},
          {"output_names", {"freq_balance", "dynamic_range", "stereo_width", "peak_level", "rms_level"}},
          {"output_sizes", {6, 1, 1, 1, 1}}, {"outputs", out}, {"targets", tgt}};
}

fs::path full_run(const std::string& genre_label = "EDM/Electronic") {
  const fs::path dir = test::make_temp_dir("report_full");
  write(dir / "GenreClassifier.metrics.json", genre_metrics(genre_label).dump());
  write(dir / "TechniqueRecognizer.metrics.json", technique_metrics("TechniqueRecognizer").dump());
  write(dir / "TechniqueRecognizerApp.metrics.json", technique_metrics("TechniqueRecognizerApp").dump());
  json pm = {{"model", "PatternGenerator"}, {"history", history(4, 0.5)}, {"best_epoch", 4},
             {"report", {{"summary", {row("MSE (training units)", 0.01, 0.02, false)}},
                         {"musical", {{"generated", {{"playable_fraction", 1.0}}}, {"target", {{"playable_fraction", 1.0}}},
                                      {"mean_pattern_baseline", {{"playable_fraction", 0.5}}}}}}}};
  write(dir / "PatternGenerator.metrics.json", pm.dump());
  write(dir / "PatternGenerator.validation.json", pattern_validation().dump());
  runtime::save_model_spec(pattern_spec(), dir / "PatternGenerator.espec");
  json mm = {{"model", "MixAnalyzer"}, {"history", history(6, 40.0)}, {"best_epoch", 6},
             {"report", {{"summary", json::array()}}}};
  for (int c = 0; c < 10; ++c) mm["report"]["summary"].push_back(row(fmt::format("MAE col{}", c), 0.1, 0.2 + c, false));
  write(dir / "MixAnalyzer.metrics.json", mm.dump());
  write(dir / "MixAnalyzer.validation.json", mix_validation().dump());
  return dir;
}

// ---- building blocks ----

TEST(ReportHtml, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("Hip-Hop/Trap"), "Hip-Hop/Trap");
}

TEST(ReportHtml, FormatsNumbersForTables) {
  EXPECT_EQ(format_number(0.123456), "0.1235");
  EXPECT_EQ(format_number(12), "12");
  EXPECT_EQ(format_number(std::nan("")), "–");
  EXPECT_EQ(format_number(1e-5), "1.000e-05");
}

TEST(ReportAxis, PicksOneTwoFiveSteps) {
  // (0.95 - 0.05) / 5 = 0.18 -> 2 x 10^-1; the range widens to multiples of 0.2.
  const Axis a = nice_axis(0.05, 0.95, 5);
  EXPECT_NEAR(a.step, 0.2, 1e-12);
  EXPECT_NEAR(a.lo, 0.0, 1e-12);
  EXPECT_NEAR(a.hi, 1.0, 1e-12);
  EXPECT_EQ(a.ticks().size(), 6u);
  // (0.87 - 0.13) / 5 = 0.148 -> 1 x 10^-1 (below 1.5): ticks 0.1 .. 0.9.
  const Axis t = nice_axis(0.13, 0.87, 5);
  EXPECT_NEAR(t.step, 0.1, 1e-12);
  EXPECT_NEAR(t.lo, 0.1, 1e-12);
  EXPECT_NEAR(t.hi, 0.9, 1e-12);
  EXPECT_EQ(t.ticks().size(), 9u);
  const Axis b = nice_axis(3, 3, 5);  // a single value is widened around itself
  EXPECT_LT(b.lo, 3);
  EXPECT_GT(b.hi, 3);
  EXPECT_THROW(nice_axis(0, std::nan(""), 5), ParameterError);
  EXPECT_THROW(nice_axis(0, 1, 0), ParameterError);
}

TEST(ReportSvg, LineChartPlacesPointsOnTheAxes) {
  // x 1..5 (integers: step 1), y in [0, 1] (nice axis exactly [0, 1]); plot box x 64..546, y 40..258.
  Series s{"train", "#000", {1, 2, 3, 4, 5}, {1.0, 0.5, 0.25, 0.0, 0.75}};
  const std::string svg = svg_line_chart({s}, {.title = "t", .x_label = "epoch", .y_label = "loss"});
  const auto pts = elements(svg, "circle");
  ASSERT_EQ(pts.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(d(pts[i], "data-x"), s.x[i]);
    EXPECT_DOUBLE_EQ(d(pts[i], "data-y"), s.y[i]);
    EXPECT_NEAR(d(pts[i], "cx"), 64 + (s.x[i] - 1) / 4 * 482, 0.06);
    EXPECT_NEAR(d(pts[i], "cy"), 40 + (1 - s.y[i]) * 218, 0.06);
  }
}

TEST(ReportSvg, LogAxisPutsDecadesEvenlyApart) {
  Series s{"val", "#000", {1, 2, 3}, {1, 10, 1000}};
  const auto pts = elements(svg_line_chart({s}, {.title = "t", .log_y = true}), "circle");
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_NEAR(d(pts[0], "cy"), 258, 0.06);             // 10^0 at the bottom
  EXPECT_NEAR(d(pts[1], "cy"), 258 - 218.0 / 3, 0.06);  // 10^1 a third up
  EXPECT_NEAR(d(pts[2], "cy"), 40, 0.06);              // 10^3 at the top
}

TEST(ReportSvg, LineChartRejectsRaggedSeries) {
  EXPECT_THROW(svg_line_chart({Series{"a", "#000", {1, 2}, {1}}}, {}), ParameterError);
}

TEST(ReportSvg, ConfusionCellsSitAtTheirRowAndColumn) {
  std::vector<std::vector<double>> counts(3, std::vector<double>(3, 1));
  counts[1][2] = 9;
  const std::string svg = svg_confusion(counts, {"a", "b", "c"});
  const auto cells = elements(svg, "rect");
  ASSERT_EQ(cells.size(), 9u);
  const auto c12 = with(with(cells, "data-row", "1"), "data-col", "2");
  ASSERT_EQ(c12.size(), 1u);
  EXPECT_EQ(c12[0].at("data-count"), "9");
  EXPECT_DOUBLE_EQ(d(c12[0], "x"), 150 + 2 * 46);
  EXPECT_DOUBLE_EQ(d(c12[0], "y"), 112 + 1 * 46);
  // Row 1 holds 9 of 11 in column 2: darker (lower RGB sum) than any cell of the uniform row 0.
  auto rgb_sum = [](const std::string& fill) {
    int r, g, b;
    std::sscanf(fill.c_str(), "rgb(%d,%d,%d)", &r, &g, &b);
    return r + g + b;
  };
  const auto c00 = with(with(cells, "data-row", "0"), "data-col", "0");
  EXPECT_LT(rgb_sum(c12[0].at("fill")), rgb_sum(c00[0].at("fill")));
  EXPECT_THROW(svg_confusion(counts, {"a", "b"}), ParameterError);
}

TEST(ReportSvg, F1BarLengthAndBaselinesFollowTheValues) {
  const std::string svg = svg_f1_bars({{"Tension & Release", 0.75, 0.5, 0.2, 3}, {"none", std::nan(""), 0, 0, 0}}, "t");
  const auto bars = with(elements(svg, "rect"), "data-f1", "0.75");
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0].at("data-label"), "Tension &amp; Release");
  EXPECT_DOUBLE_EQ(d(bars[0], "width"), 0.75 * 250);
  const auto freq = with(elements(svg, "line"), "data-baseline", "frequency");
  ASSERT_EQ(freq.size(), 2u);
  EXPECT_DOUBLE_EQ(d(freq[0], "x1"), 176 + 0.5 * 250);
  EXPECT_NE(svg.find("data-f1=\"undefined\""), std::string::npos);
}

TEST(ReportSvg, ScatterPointOnTheDiagonalWhenExact) {
  const std::string svg = svg_scatter({0.0, 0.5, 1.0}, {0.0, 0.5, 0.25}, "x");
  const auto diag = with(elements(svg, "line"), "data-role", "diagonal");
  ASSERT_EQ(diag.size(), 1u);
  const auto pts = elements(svg, "circle");
  ASSERT_EQ(pts.size(), 3u);
  auto t_x = [&](const Attrs& p) { return (d(p, "cx") - d(diag[0], "x1")) / (d(diag[0], "x2") - d(diag[0], "x1")); };
  auto t_y = [&](const Attrs& p) { return (d(p, "cy") - d(diag[0], "y1")) / (d(diag[0], "y2") - d(diag[0], "y1")); };
  EXPECT_NEAR(t_x(pts[1]), t_y(pts[1]), 1e-3);   // measured == predicted: on the line
  EXPECT_GT(std::abs(t_x(pts[2]) - t_y(pts[2])), 0.3);  // 1.0 measured, 0.25 predicted: well off it
  EXPECT_THROW(svg_scatter({1, 2}, {1}, "x"), ParameterError);
}

TEST(ReportSvg, PianoRollDrawsOnlyPlayableNotesTruncatingPitch) {
  const std::vector<ReportNote> notes = {{60.9f, 90, 0, 1}, {128, 90, 0, 1}, {64, 90, 1, 0}, {std::nanf(""), 90, 0, 1},
                                         {50, 90, -1, 1}};
  const auto rects = elements(svg_piano_roll(notes, 8, "p"), "rect");
  const auto drawn = [&] {
    std::vector<Attrs> v;
    for (const auto& r : rects)
      if (r.count("data-pitch")) v.push_back(r);
    return v;
  }();
  ASSERT_EQ(drawn.size(), 1u);
  EXPECT_EQ(drawn[0].at("data-pitch"), "60");
  EXPECT_THROW(svg_piano_roll(notes, 0, "p"), ParameterError);
}

// ---- generated patterns ----

TEST(ReportPattern, TypicalRequestsUseValidationMediansElseLessonDefaults) {
  const json v = pattern_validation();
  const auto q = typical_pattern_requests(&v);
  ASSERT_EQ(q.size(), 8u);
  const PatternRequest& jazz = q[static_cast<int>(MusicGenre::Jazz)];
  EXPECT_DOUBLE_EQ(jazz.tempo_bpm, 120);  // median of 100 and 140
  EXPECT_EQ(jazz.bars, 2);
  EXPECT_DOUBLE_EQ(jazz.complexity, 0.5);
  EXPECT_EQ(jazz.technique, ProductionTechnique::CallAndResponse);
  const PatternRequest& edm = q[0];
  EXPECT_DOUBLE_EQ(edm.tempo_bpm, 128);
  EXPECT_EQ(edm.technique, ProductionTechnique::BuildupDropStructure);
  EXPECT_EQ(edm.bars, 4);
  const auto forced = typical_pattern_requests(&v, {.bars = 8});
  EXPECT_EQ(forced[1].bars, 8);
  EXPECT_THROW(typical_pattern_requests(nullptr, {.bars = 0}), ParameterError);
  EXPECT_THROW(typical_pattern_requests(nullptr, {.complexity = 1.5}), ParameterError);
}

TEST(ReportPattern, RunsTheSpecWithTheRequestLaidOutByInputGroups) {
  PatternRequest q;
  q.genre = MusicGenre::Ambient, q.bars = 6;
  const auto notes = generate_report_pattern(pattern_spec(), q);
  ASSERT_EQ(notes.size(), 64u);
  EXPECT_FLOAT_EQ(notes[10].pitch, 64);  // 60 + Ambient's index 4
  EXPECT_FLOAT_EQ(notes[10].velocity, 100);
  EXPECT_FLOAT_EQ(notes[10].duration, 3);  // bars / 2
  runtime::ModelSpec bad = pattern_spec();
  bad.metadata["input_groups"] = "genre:8\ntempo:1";
  EXPECT_THROW(generate_report_pattern(bad, q), ParameterError);
}

// ---- the page ----

TEST(ReportPage, HasEverySectionAndBalancedElements) {
  const fs::path dir = full_run();
  ReportSummary s;
  const std::string page = render_report(dir, {}, &s);
  EXPECT_EQ(s.models_found, 5);
  EXPECT_EQ(s.errors.size(), 0u) << (s.errors.empty() ? "" : s.errors[0]);
  // Only TechniqueRecognizer*.validation.json and GenreClassifier.validation.json are absent.
  EXPECT_EQ(s.missing.size(), 3u);
  for (const char* id : {"overview", "losses", "genre", "technique", "pattern", "mix"})
    EXPECT_NE(page.find(fmt::format("<section id=\"{}\"", id)), std::string::npos) << id;
  for (const char* tag : {"section", "svg", "figure", "table", "div"})
    EXPECT_EQ(count(page, fmt::format("<{}", tag)), count(page, fmt::format("</{}>", tag))) << tag;
  // 5 loss charts + confusion + 2 F1 charts + 8 piano rolls + 10 scatters.
  EXPECT_EQ(count(page, "<svg"), 26u);
  // Self-contained: no script, no external resource.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("href=\"http"), std::string::npos);
  EXPECT_EQ(page, render_report(dir)) << "the page must be deterministic";
  fs::remove_all(dir);
}

TEST(ReportPage, NumbersLandInTheirCharts) {
  const fs::path dir = full_run();
  const std::string page = render_report(dir);
  // Loss curve: genre epoch 3 train loss 2/3, validation 2/3 + 0.25.
  const std::string genre_loss = slice(page, "aria-label=\"GenreClassifier\"", "</svg>");
  const auto train3 = with(with(elements(genre_loss, "circle"), "data-series", "train"), "data-x", "3");
  ASSERT_EQ(train3.size(), 1u);
  EXPECT_NEAR(d(train3[0], "data-y"), 2.0 / 3, 1e-12);
  // Confusion cell (2, 3) holds 7.
  const auto cell = with(with(elements(page, "rect"), "data-row", "2"), "data-col", "3");
  ASSERT_EQ(cell.size(), 1u);
  EXPECT_EQ(cell[0].at("data-count"), "7");
  // Tension & Release (index 3) has F1 0.15 in both technique charts.
  const auto f1 = with(elements(page, "rect"), "data-label", "Tension &amp; Release");
  ASSERT_EQ(f1.size(), 2u);
  EXPECT_NEAR(d(f1[0], "data-f1"), 0.15, 1e-12);
  // Mix: the dynamic-range panel shows (target, output) of column 6, not another column.
  const std::string dr = slice(page, "data-output=\"dynamic_range (dB)\"", "</figure>");
  const auto pts = elements(dr, "circle");
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_DOUBLE_EQ(d(pts[0], "data-x"), 12.5);
  EXPECT_DOUBLE_EQ(d(pts[0], "data-y"), 10.0);
  EXPECT_NE(dr.find("MAE 1.5 (baseline 6.2)"), std::string::npos);  // |10-12.5|,|9-8|,|11-10| -> 1.5
  // Piano rolls: the Jazz pattern (index 1) plays pitch 61 for 1 beat (2 bars / 2).
  const std::string jazz = slice(page, "<figure data-genre=\"Jazz\"", "</figure>");
  const auto notes = elements(jazz, "rect");
  const auto played = with(notes, "data-pitch", "61");
  ASSERT_EQ(played.size(), 64u);
  EXPECT_EQ(played[0].at("data-duration"), "1");
  EXPECT_NE(jazz.find("120 BPM"), std::string::npos);
  EXPECT_NE(jazz.find("Call &amp; Response"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ReportPage, EscapesTextFromTheFiles) {
  const std::string evil = "<img src=x onerror=\"alert('x')\">&";
  const fs::path dir = full_run(evil);
  ReportParams p;
  p.title = "<script>alert(1)</script>";
  const std::string page = render_report(dir, p);
  EXPECT_EQ(page.find(evil), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find(html_escape(evil)), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ReportPage, MissingModelsAreShownAsMissing) {
  const fs::path dir = test::make_temp_dir("report_partial");
  write(dir / "GenreClassifier.metrics.json", genre_metrics("EDM/Electronic").dump());
  ReportSummary s;
  const std::string page = render_report(dir, {}, &s);
  EXPECT_EQ(s.models_found, 1);
  EXPECT_TRUE(s.errors.empty());
  for (const char* f : {"MixAnalyzer.validation.json", "PatternGenerator.espec", "TechniqueRecognizerApp.metrics.json"}) {
    EXPECT_NE(std::find(s.missing.begin(), s.missing.end(), f), s.missing.end()) << f;
    EXPECT_NE(page.find(fmt::format("data-missing=\"{}\"", f)), std::string::npos) << f;
  }
  EXPECT_EQ(count(page, "<svg"), 2u);  // the genre loss curve and the confusion matrix
  fs::remove_all(dir);
}

TEST(ReportPage, CorruptFilesBecomeErrorBoxes) {
  const fs::path dir = full_run();
  write(dir / "TechniqueRecognizer.metrics.json", "{ not json");
  write(dir / "MixAnalyzer.validation.json", R"({"outputs": [[1, 2]], "targets": [[1]]})");
  write(dir / "PatternGenerator.espec", "ECHOSPEC garbage");
  json no_history = genre_metrics("x");
  no_history.erase("history");
  write(dir / "GenreClassifier.metrics.json", no_history.dump());
  ReportSummary s;
  const std::string page = render_report(dir, {}, &s);
  EXPECT_GE(s.errors.size(), 4u);
  for (const char* f : {"TechniqueRecognizer.metrics.json", "MixAnalyzer.validation.json", "PatternGenerator.espec",
                        "GenreClassifier.metrics.json"})
    EXPECT_NE(page.find(fmt::format("class=\"error\" data-error=\"{}\"", f)), std::string::npos) << f;
  EXPECT_NE(page.find("<section id=\"mix\""), std::string::npos);  // the rest still renders
  EXPECT_EQ(count(page, "data-row=\"2\" data-col=\"3\""), 1u);     // the confusion matrix survives
  fs::remove_all(dir);
}

TEST(ReportPage, RefusesAFolderWithoutARun) {
  const fs::path dir = test::make_temp_dir("report_empty");
  EXPECT_THROW(render_report(dir), IoError);
  EXPECT_THROW(render_report(dir / "nope"), IoError);
  fs::remove_all(dir);
}

TEST(ReportPage, WritesAtomicallyAndReplacesTheOldFile) {
  const fs::path dir = full_run();
  const fs::path out = dir / "report.html";
  write(out, "old");
  const ReportSummary s = write_report(dir, out);
  EXPECT_EQ(s.models_found, 5);
  std::ifstream in(out);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, render_report(dir));
  for (const auto& e : fs::directory_iterator(dir))  // no temporary left behind
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  EXPECT_THROW(write_report(dir, dir / "no" / "such" / "dir" / "r.html"), IoError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::analysis
