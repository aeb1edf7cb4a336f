// SongAnalysis as JSON (machine-readable, stable keys) and as readable text.
#include <cmath>

#include <fmt/format.h>

#include "echoelml/analysis/analyze.h"

namespace echoelml::analysis {
namespace {

using nlohmann::json;

const char* kBandNames[6] = {"sub", "bass", "low_mid", "mid", "high_mid", "high"};

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string inputs_name(TechniqueInputs t) { return t == TechniqueInputs::App ? "app" : "guide"; }

std::string fmt_value(double v, std::string_view unit) {
  if (unit.empty()) return fmt::format("{:.2f}", v);
  return fmt::format("{:.1f} {}", v, unit);
}

}  // namespace

json to_json(const SongAnalysis& a) {
  json j;
  j["file"] = a.path.string();
  j["duration_s"] = a.duration_s;
  j["analysed_s"] = a.analysed_s;
  j["sample_rate"] = a.native_sr;
  j["channels"] = a.channels;
  j["notes"] = a.notes;
  if (a.genre) {
    json probs = json::object();
    for (MusicGenre g : all_genres()) probs[std::string(raw_value(g))] = a.genre->probabilities[static_cast<std::size_t>(g)];
    j["genre"] = {{"genre", raw_value(a.genre->genre)}, {"confidence", a.genre->confidence}, {"probabilities", probs}};
  } else {
    j["genre"] = {{"unavailable", a.genre_note}};
  }
  if (a.technique_inputs) {
    json list = json::array();
    for (const auto& t : a.techniques)
      list.push_back({{"technique", raw_value(t.technique)}, {"score", t.score}, {"detected", t.detected}});
    j["techniques"] = {{"inputs", inputs_name(*a.technique_inputs)}, {"scores", list}};
  } else {
    j["techniques"] = {{"unavailable", a.technique_note}};
  }
  if (a.mix) {
    const MixReport& m = *a.mix;
    json measured;
    for (int b = 0; b < 6; ++b) measured["band_balance"][kBandNames[b]] = m.measured.band_balance[static_cast<std::size_t>(b)];
    measured["dynamic_range_db"] = m.measured.dynamic_range_db;
    measured["stereo_width"] = m.measured.stereo_width;
    measured["peak_level"] = m.measured.peak_level;
    measured["rms_level"] = m.measured.rms_level;
    measured["loudness_lufs"] = finite_or_null(m.measured.loudness_lufs);
    measured["loudness_range_lu"] = finite_or_null(m.measured.loudness_range_lu);
    measured["true_peak_dbtp"] = finite_or_null(m.measured.true_peak_dbtp);
    json mj{{"measured", measured}};
    if (m.predicted) {
      json pr;
      for (int b = 0; b < 6; ++b) pr["band_balance"][kBandNames[b]] = m.predicted->band_balance[static_cast<std::size_t>(b)];
      pr["dynamic_range_db"] = m.predicted->dynamic_range_db;
      pr["stereo_width"] = m.predicted->stereo_width;
      pr["peak_level"] = m.predicted->peak_level;
      pr["rms_level"] = m.predicted->rms_level;
      mj["predicted"] = pr;
    } else {
      mj["predicted"] = nullptr;
    }
    json comps = json::array();
    for (const auto& c : m.comparisons) {
      json cj{{"value", mix_value_key(c.value)}, {"unit", mix_value_unit(c.value)}, {"measured", finite_or_null(c.measured)}};
      if (c.typical) {
        cj["typical"] = {{"median", c.typical->median}, {"p25", c.typical->p25}, {"p75", c.typical->p75}, {"n", c.typical->n}};
        cj["delta"] = finite_or_null(c.delta);
        cj["outside_typical"] = c.outside;
      }
      comps.push_back(cj);
    }
    mj["compared_with"] = m.compared_with ? json(raw_value(*m.compared_with)) : json(nullptr);
    if (!m.comparison_note.empty()) mj["comparison_note"] = m.comparison_note;
    mj["comparison"] = comps;
    json sug = json::array();
    for (const auto& s : m.suggestions) sug.push_back({{"source", s.source}, {"text", s.text}});
    mj["suggestions"] = sug;
    j["mix"] = mj;
  } else {
    j["mix"] = {{"unavailable", a.mix_note}};
  }
  return j;
}

std::string format_text(const SongAnalysis& a) {
  std::string o = fmt::format("{}  ({:.1f} s, {:.0f} Hz, {})\n", a.path.string(), a.duration_s, a.native_sr,
                              a.channels == 1 ? "mono" : a.channels == 2 ? "stereo" : fmt::format("{} channels", a.channels));
  for (const auto& n : a.notes) o += "  note: " + n + "\n";
  if (a.genre) {
    o += fmt::format("Genre: {} (confidence {:.2f})\n", raw_value(a.genre->genre), a.genre->confidence);
    std::vector<std::pair<double, MusicGenre>> order;
    for (MusicGenre g : all_genres()) order.push_back({a.genre->probabilities[static_cast<std::size_t>(g)], g});
    std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    for (const auto& [prob, g] : order) o += fmt::format("  {:<20} {:.3f}\n", raw_value(g), prob);
  } else {
    o += "Genre: unavailable (" + a.genre_note + ")\n";
  }
  if (a.technique_inputs) {
    std::size_t detected = 0;
    for (const auto& t : a.techniques) detected += t.detected;
    o += fmt::format("Techniques ({} detected, score > 0.5; {} features):\n", detected,
                     *a.technique_inputs == TechniqueInputs::App ? "app" : "guide");
    for (const auto& t : a.techniques)
      o += fmt::format("  {:<26} {:.3f}{}\n", raw_value(t.technique), t.score, t.detected ? "  detected" : "");
  } else {
    o += "Techniques: unavailable (" + a.technique_note + ")\n";
  }
  if (!a.mix) {
    o += "Mix: unavailable (" + a.mix_note + ")\n";
    return o;
  }
  const MixReport& m = *a.mix;
  o += m.compared_with ? fmt::format("Mix (measured; typical {} median [25-75 %]):\n", raw_value(*m.compared_with))
                       : std::string("Mix (measured):\n");
  for (const auto& c : m.comparisons) {
    const auto unit = mix_value_unit(c.value);
    o += fmt::format("  {:<22} {:>11}", mix_value_label(c.value), fmt_value(c.measured, unit));
    if (c.typical)
      o += fmt::format("   typical {} [{} .. {}]{}", fmt_value(c.typical->median, unit), fmt_value(c.typical->p25, unit),
                       fmt_value(c.typical->p75, unit), c.outside ? "  <-" : "");
    o += "\n";
  }
  if (!m.comparison_note.empty()) o += "  " + m.comparison_note + "\n";
  if (m.predicted) {
    o += "  MixAnalyzer prediction: bands";
    for (double b : m.predicted->band_balance) o += fmt::format(" {:.3f}", b);
    o += fmt::format(", dynamic range {:.1f} dB, width {:.2f}, peak {:.3f}, rms {:.3f}\n", m.predicted->dynamic_range_db,
                     m.predicted->stereo_width, m.predicted->peak_level, m.predicted->rms_level);
    o += "  measured (same units):   bands";
    for (double b : m.measured.band_balance) o += fmt::format(" {:.3f}", b);
    o += fmt::format(", dynamic range {:.1f} dB, width {:.2f}, peak {:.3f}, rms {:.3f}\n", m.measured.dynamic_range_db,
                     m.measured.stereo_width, m.measured.peak_level, m.measured.rms_level);
  }
  o += "Suggestions:\n";
  if (m.suggestions.empty()) o += "  none: the mix is within the typical range\n";
  for (const auto& s : m.suggestions) o += fmt::format("  - {}{}\n", s.source == "app" ? "[app] " : "", s.text);
  return o;
}

}  // namespace echoelml::analysis
