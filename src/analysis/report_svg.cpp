// Inline SVG charts of the training report. Hand-written SVG keeps the page free of scripts and
// fonts; every data mark carries data-* attributes with the exact value so tests (and curious
// readers of the source) can check that numbers land where they should.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "echoelml/analysis/report.h"
#include "echoelml/core/error.h"

namespace echoelml::analysis {
namespace {

constexpr const char* kGrid = "#e3e6ea";   // grid lines
constexpr const char* kAxis = "#6b7280";   // axis lines and tick labels
constexpr const char* kInk = "#1f2937";    // titles

// Tick label with as many decimals as the step needs (steps are 1, 2 or 5 x 10^k).
std::string tick_label(double v, double step) {
  if (std::abs(v) < step * 1e-9) v = 0;
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  if (std::abs(v) >= 1e5 || (std::abs(v) < 1e-4 && v != 0)) return fmt::format("{:.1e}", v);
  return fmt::format("{:.{}f}", v, decimals);
}

std::string svg_open(int w, int h, const std::string& label) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" "
      "aria-label=\"{2}\" font-family=\"inherit\">",
      w, h, html_escape(label));
}

std::string text(double x, double y, const std::string& s, const char* anchor = "start", int size = 11,
                 const char* fill = kAxis, const char* extra = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"{}\" fill=\"{}\"{}>{}</text>", x, y,
                     anchor, size, fill, extra, html_escape(s));
}

std::string line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1,
                 const char* extra = "") {
  return fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
                     x1, y1, x2, y2, stroke, width, extra);
}

// Linear map of [a, b] onto [pa, pb].
struct Scale {
  double a, b, pa, pb;
  double operator()(double v) const { return pa + (v - a) / (b - a) * (pb - pa); }
};

// Blue ramp from near-white to dark blue, t in [0, 1].
std::string blue(double t) {
  t = std::clamp(t, 0.0, 1.0);
  const double r = 247 + (8 - 247) * t, g = 251 + (48 - 251) * t, b = 255 + (107 - 255) * t;
  return fmt::format("rgb({},{},{})", std::lround(r), std::lround(g), std::lround(b));
}

bool is_black_key(int pitch) {
  const int pc = ((pitch % 12) + 12) % 12;
  return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

}  // namespace

std::vector<double> Axis::ticks() const {
  std::vector<double> t;
  if (!(step > 0)) return t;
  for (int i = 0;; ++i) {
    double v = lo + i * step;
    if (v > hi + step * 1e-6) break;
    t.push_back(std::round(v / step) * step);  // no 0.30000000000000004
  }
  return t;
}

Axis nice_axis(double lo, double hi, int target_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi))
    throw ParameterError(fmt::format("nice_axis: range [{}, {}] is not finite", lo, hi));
  if (target_ticks < 1) throw ParameterError(fmt::format("nice_axis: target_ticks must be >= 1, got {}", target_ticks));
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(lo))) {
    const double d = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= d, hi += d;
  }
  const double raw = (hi - lo) / target_ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * mag;
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
}

std::string svg_line_chart(const std::vector<Series>& series, const LineChartParams& p) {
  const double left = 64, right = 14, top = 40, bottom = 42;
  const double pw = p.width - left - right, ph = p.height - top - bottom;
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  bool integral_x = true;
  for (const Series& s : series) {
    if (s.x.size() != s.y.size())
      throw ParameterError(fmt::format("line chart '{}': series '{}' has {} x and {} y values", p.title, s.name,
                                       s.x.size(), s.y.size()));
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (p.log_y && s.y[i] <= 0)) continue;
      xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
      integral_x = integral_x && s.x[i] == std::round(s.x[i]);
    }
  }
  std::string out = svg_open(p.width, p.height, p.title);
  out += text(left, 18, p.title, "start", 13, kInk, " font-weight=\"600\"");
  if (!(xmin <= xmax)) {  // no finite point at all
    out += text(left + pw / 2, top + ph / 2, "no data", "middle", 12);
    return out + "</svg>";
  }
  Axis ax = nice_axis(xmin, xmax, 6);
  if (integral_x && ax.step < 1) ax = {std::floor(xmin), std::ceil(std::max(xmax, xmin + 1)), 1.0};
  const Scale sx{ax.lo, ax.hi, left, left + pw};

  // y: linear nice axis, or decades for a log axis.
  std::vector<double> yticks;
  std::function<double(double)> sy;
  std::function<std::string(double)> ylabel;
  if (p.log_y) {
    const double d0 = std::floor(std::log10(ymin)), d1 = std::max(d0 + 1, std::ceil(std::log10(ymax)));
    for (double d = d0; d <= d1; ++d)
      for (double m : (d1 - d0 <= 2 ? std::vector<double>{1, 2, 5} : std::vector<double>{1}))
        if (d < d1 || m == 1) yticks.push_back(m * std::pow(10.0, d));
    const Scale ls{d0, d1, top + ph, top};
    sy = [ls](double v) { return ls(std::log10(v)); };
    ylabel = [](double v) { return format_number(v); };
  } else {
    const Axis ay = nice_axis(ymin, ymax, 5);
    yticks = ay.ticks();
    const Scale ls{ay.lo, ay.hi, top + ph, top};
    sy = [ls](double v) { return ls(v); };
    ylabel = [step = ay.step](double v) { return tick_label(v, step); };
  }

  for (double t : yticks) {
    out += line(left, sy(t), left + pw, sy(t), kGrid);
    out += text(left - 6, sy(t) + 4, ylabel(t), "end");
  }
  for (double t : ax.ticks()) {
    out += line(sx(t), top + ph, sx(t), top + ph + 4, kAxis);
    out += text(sx(t), top + ph + 16, tick_label(t, ax.step), "middle");
  }
  out += line(left, top + ph, left + pw, top + ph, kAxis);
  out += line(left, top, left, top + ph, kAxis);
  out += text(left + pw / 2, p.height - 6, p.x_label, "middle");
  out += fmt::format("<text transform=\"translate(14,{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"11\" "
                     "fill=\"{}\">{}</text>",
                     top + ph / 2, kAxis, html_escape(p.y_label));
  if (p.marker_x && std::isfinite(*p.marker_x)) {
    const double mx = sx(*p.marker_x);
    out += line(mx, top, mx, top + ph, "#9ca3af", 1, " stroke-dasharray=\"4 3\"");
    const bool right_edge = mx > left + pw - 60;  // keep the label inside the plot
    out += text(right_edge ? mx - 4 : mx + 4, top + 11, p.marker_label, right_edge ? "end" : "start", 10);
  }

  // Series: a polyline broken at non-finite values, and one circle per point.
  double legend_x = left + pw;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    const Series& s = *it;
    legend_x -= 14 + 7.0 * static_cast<double>(s.name.size()) + 16;
    out += line(legend_x, 29, legend_x + 14, 29, s.color.c_str(), 2.5, s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    out += text(legend_x + 18, 33, s.name, "start", 11, kInk);
  }
  for (const Series& s : series) {
    const std::string color = html_escape(s.color);
    std::string pts;
    auto flush = [&] {
      if (!pts.empty())
        out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\"{} "
                           "points=\"{}\"/>",
                           color, s.dashed ? " stroke-dasharray=\"5 3\"" : "", pts);
      pts.clear();
    };
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (p.log_y && s.y[i] <= 0)) {
        flush();
        continue;
      }
      pts += fmt::format("{}{:.1f},{:.1f}", pts.empty() ? "" : " ", sx(s.x[i]), sy(s.y[i]));
    }
    flush();
    const double r = s.x.size() > 60 ? 1.5 : 2.5;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (p.log_y && s.y[i] <= 0)) continue;
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" data-series=\"{}\" data-x=\"{}\" "
                         "data-y=\"{}\"><title>{}: {} = {}</title></circle>",
                         sx(s.x[i]), sy(s.y[i]), r, color, html_escape(s.name), s.x[i], s.y[i], html_escape(s.name),
                         html_escape(p.x_label), format_number(s.y[i]));
    }
  }
  return out + "</svg>";
}

std::string svg_confusion(const std::vector<std::vector<double>>& counts, const std::vector<std::string>& labels) {
  const std::size_t n = labels.size();
  if (counts.size() != n)
    throw ParameterError(fmt::format("confusion matrix: {} rows for {} labels", counts.size(), n));
  for (const auto& row : counts)
    if (row.size() != n) throw ParameterError(fmt::format("confusion matrix: a row has {} cells, expected {}", row.size(), n));
  const double cell = 46, left = 150, top = 112, right = 110;
  const int w = static_cast<int>(left + cell * static_cast<double>(n) + right);
  const int h = static_cast<int>(top + cell * static_cast<double>(n) + 16);
  std::string out = svg_open(w, h, "confusion matrix");
  out += text(left + cell * static_cast<double>(n) / 2, 14, "predicted genre", "middle", 12, kInk, " font-weight=\"600\"");
  out += fmt::format("<text transform=\"translate(12,{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" "
                     "font-weight=\"600\" fill=\"{}\">true genre</text>",
                     top + cell * static_cast<double>(n) / 2, kInk);
  const double xr = left + cell * static_cast<double>(n);
  out += text(xr + 30, top - 8, "n", "middle", 11, kInk, " font-weight=\"600\"");
  out += text(xr + 78, top - 8, "recall", "middle", 11, kInk, " font-weight=\"600\"");
  for (std::size_t c = 0; c < n; ++c)
    out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-40)\" font-size=\"11\" fill=\"{}\">{}</text>",
                       left + cell * (static_cast<double>(c) + 0.5) - 2, top - 8, kInk, html_escape(labels[c]));
  for (std::size_t r = 0; r < n; ++r) {
    double total = 0;
    for (double v : counts[r]) total += v;
    const double y = top + cell * static_cast<double>(r);
    out += text(left - 8, y + cell / 2 + 4, labels[r], "end", 11, kInk);
    for (std::size_t c = 0; c < n; ++c) {
      const double v = counts[r][c], share = total > 0 ? v / total : 0;
      const double x = left + cell * static_cast<double>(c);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\" "
                         "stroke-width=\"{}\" data-row=\"{}\" data-col=\"{}\" data-count=\"{}\"><title>true {}, "
                         "predicted {}: {}</title></rect>",
                         x, y, cell, cell, blue(share), r == c ? "#111827" : "#ffffff", r == c ? 1.5 : 1, r, c, v,
                         html_escape(labels[r]), html_escape(labels[c]), format_number(v));
      if (v != 0)
        out += text(x + cell / 2, y + cell / 2 + 4, format_number(v), "middle", 12, share > 0.55 ? "#ffffff" : kInk);
    }
    out += text(xr + 30, y + cell / 2 + 4, format_number(total), "middle", 11);
    out += text(xr + 78, y + cell / 2 + 4, total > 0 ? fmt::format("{:.0f}%", 100 * counts[r][r] / total) : "–",
                "middle", 11, kInk);
  }
  return out + "</svg>";
}

std::string svg_f1_bars(const std::vector<F1Row>& rows, const std::string& title) {
  const double left = 176, bar_w = 250, right = 92, top = 52, row_h = 21;
  const int w = static_cast<int>(left + bar_w + right);
  const int h = static_cast<int>(top + row_h * static_cast<double>(rows.size()) + 30);
  const Scale sx{0, 1, left, left + bar_w};
  std::string out = svg_open(w, h, title);
  out += text(8, 18, title, "start", 13, kInk, " font-weight=\"600\"");
  // Legend: model bar, frequency baseline tick, random baseline diamond.
  out += "<rect x=\"8\" y=\"29\" width=\"14\" height=\"10\" fill=\"#4c78a8\"/>";
  out += text(26, 38, "model F1", "start", 11, kInk);
  out += line(96, 27, 96, 41, "#111827", 2.5);
  out += text(102, 38, "label-frequency baseline", "start", 11, kInk);
  out += "<path d=\"M250,29 l5,5 l-5,5 l-5,-5 z\" fill=\"#f58518\"/>";
  out += text(259, 38, "random at prevalence", "start", 11, kInk);
  const double bottom = top + row_h * static_cast<double>(rows.size());
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    out += line(sx(t), top - 4, sx(t), bottom, kGrid);
    out += text(sx(t), bottom + 14, format_number(t), "middle");
  }
  out += text(left + bar_w + 30, top - 8, "F1", "middle", 10, kInk);
  out += text(left + bar_w + 70, top - 8, "n", "middle", 10, kInk);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const F1Row& r = rows[i];
    const double y = top + row_h * static_cast<double>(i);
    if (i % 2 == 1)
      out += fmt::format("<rect x=\"0\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"#f6f7f9\"/>", y, w, row_h);
    out += text(left - 8, y + row_h / 2 + 4, r.label, "end", 11, kInk);
    if (std::isfinite(r.f1)) {
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#4c78a8\" "
                         "data-label=\"{}\" data-f1=\"{}\"><title>{}: F1 {}</title></rect>",
                         left, y + 4, sx(std::clamp(r.f1, 0.0, 1.0)) - left, row_h - 8, html_escape(r.label), r.f1,
                         html_escape(r.label), format_number(r.f1));
      out += text(left + bar_w + 30, y + row_h / 2 + 4, fmt::format("{:.2f}", r.f1), "middle", 11, kInk);
    } else {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"{}\" font-style=\"italic\" "
                         "data-label=\"{}\" data-f1=\"undefined\">undefined: never present, never predicted</text>",
                         left + 10, y + row_h / 2 + 4, kAxis, html_escape(r.label));
      out += text(left + bar_w + 30, y + row_h / 2 + 4, "–", "middle", 11);
    }
    if (std::isfinite(r.frequency_baseline)) {
      const double bx = sx(std::clamp(r.frequency_baseline, 0.0, 1.0));
      out += line(bx, y + 2, bx, y + row_h - 2, "#111827", 2.5,
                  fmt::format(" data-baseline=\"frequency\" data-value=\"{}\"", r.frequency_baseline).c_str());
    }
    if (std::isfinite(r.random_baseline)) {
      const double bx = sx(std::clamp(r.random_baseline, 0.0, 1.0)), cy = y + row_h / 2;
      out += fmt::format("<path d=\"M{:.1f},{:.1f} l5,5 l-5,5 l-5,-5 z\" fill=\"#f58518\" data-baseline=\"random\" "
                         "data-value=\"{}\"/>",
                         bx, cy - 5, r.random_baseline);
    }
    out += text(left + bar_w + 70, y + row_h / 2 + 4, fmt::format("{}", r.support), "middle", 11);
  }
  return out + "</svg>";
}

std::string svg_scatter(const std::vector<double>& measured, const std::vector<double>& predicted,
                        const std::string& title) {
  if (measured.size() != predicted.size())
    throw ParameterError(fmt::format("scatter '{}': {} measured and {} predicted values", title, measured.size(),
                                     predicted.size()));
  const double size = 270, left = 52, top = 24, pw = size - left - 12, ph = size - top - 40;  // square plot
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < measured.size(); ++i)
    if (std::isfinite(measured[i]) && std::isfinite(predicted[i]))
      lo = std::min({lo, measured[i], predicted[i]}), hi = std::max({hi, measured[i], predicted[i]});
  std::string out = svg_open(static_cast<int>(size), static_cast<int>(size), title);
  out += text(left, 16, title, "start", 12, kInk, " font-weight=\"600\"");
  if (!(lo <= hi)) {
    out += text(left + pw / 2, top + ph / 2, "no data", "middle", 12);
    return out + "</svg>";
  }
  const Axis a = nice_axis(lo, hi, 4);
  const Scale sx{a.lo, a.hi, left, left + pw}, sy{a.lo, a.hi, top + ph, top};
  for (double t : a.ticks()) {
    out += line(sx(t), top, sx(t), top + ph, kGrid);
    out += line(left, sy(t), left + pw, sy(t), kGrid);
    out += text(sx(t), top + ph + 14, tick_label(t, a.step), "middle", 10);
    out += text(left - 5, sy(t) + 3, tick_label(t, a.step), "end", 10);
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"{}\"/>", left,
                     top, pw, ph, kAxis);
  out += line(sx(a.lo), sy(a.lo), sx(a.hi), sy(a.hi), "#9ca3af", 1.2, " stroke-dasharray=\"4 3\" data-role=\"diagonal\"");
  out += text(left + pw / 2, size - 6, "measured", "middle", 10);
  out += fmt::format("<text transform=\"translate(11,{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"10\" "
                     "fill=\"{}\">predicted</text>",
                     top + ph / 2, kAxis);
  for (std::size_t i = 0; i < measured.size(); ++i) {
    if (!std::isfinite(measured[i]) || !std::isfinite(predicted[i])) continue;
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#e45756\" fill-opacity=\"0.6\" "
                       "data-x=\"{}\" data-y=\"{}\"/>",
                       sx(measured[i]), sy(predicted[i]), measured[i], predicted[i]);
  }
  return out + "</svg>";
}

std::string svg_piano_roll(const std::vector<ReportNote>& notes, double beats, const std::string& title) {
  if (!(beats > 0) || !std::isfinite(beats))
    throw ParameterError(fmt::format("piano roll '{}': beats must be > 0, got {}", title, beats));
  const double w = 560, h = 250, left = 44, right = 10, top = 28, bottom = 26;
  const double pw = w - left - right, ph = h - top - bottom;
  // Only notes the app can play (pitch/velocity truncate into 0..127, duration > 0) are drawn.
  std::vector<ReportNote> ok;
  double end = beats;
  int lo = 127, hi = 0;
  for (const ReportNote& n : notes) {
    if (!std::isfinite(n.pitch) || !std::isfinite(n.start) || !std::isfinite(n.duration) || n.pitch < 0 ||
        n.pitch >= 128 || !(n.duration > 0) || n.start < 0)
      continue;
    ok.push_back(n);
    const int p = static_cast<int>(n.pitch);
    lo = std::min(lo, p), hi = std::max(hi, p);
    end = std::max(end, static_cast<double>(n.start + n.duration));
  }
  end = std::min(end, 2 * beats);  // a runaway note must not squash the pattern
  if (ok.empty()) lo = 60, hi = 72;
  lo -= 1, hi += 1;
  while (hi - lo < 14) --lo, ++hi;
  lo = std::max(lo, 0), hi = std::min(hi, 127);
  const double row = ph / (hi - lo + 1);
  const Scale sx{0, std::ceil(end / 4) * 4, left, left + pw};
  const auto y_of = [&](int pitch) { return top + (hi - pitch) * row; };

  std::string out = svg_open(static_cast<int>(w), static_cast<int>(h), title);
  out += text(left, 17, title, "start", 12, kInk, " font-weight=\"600\"");
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{:.1f}\" fill=\"#ffffff\" stroke=\"{}\"/>", left, top,
                     pw, ph, kAxis);
  for (int p = lo; p <= hi; ++p) {
    if (is_black_key(p))
      out += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.2f}\" fill=\"#eef1f5\"/>", left, y_of(p),
                         pw, row);
    if (p % 12 == 0) {
      out += line(left, y_of(p) + row, left + pw, y_of(p) + row, "#cfd5dd", 1);
      out += text(left - 5, y_of(p) + row / 2 + 4, fmt::format("C{}", p / 12 - 1), "end", 10);
    }
  }
  if (sx.b > beats)
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#9ca3af\" "
                       "fill-opacity=\"0.18\"><title>after the pattern's last bar</title></rect>",
                       sx(beats), top, left + pw - sx(beats), ph);
  for (int b = 0; b <= static_cast<int>(sx.b); ++b) {
    const bool bar = b % 4 == 0;
    out += line(sx(b), top, sx(b), top + ph, bar ? "#9aa3ae" : "#e3e6ea", bar ? 1.2 : 0.8);
    if (bar && b < static_cast<int>(sx.b)) out += text(sx(b) + 3, top + ph + 15, fmt::format("bar {}", b / 4 + 1), "start", 10);
  }
  for (const ReportNote& n : ok) {
    const int p = static_cast<int>(n.pitch);
    const double x0 = sx(std::min<double>(n.start, sx.b)), x1 = sx(std::min<double>(n.start + n.duration, sx.b));
    const double vel = std::clamp<double>(n.velocity, 0, 127) / 127.0;
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"1.5\" fill=\"#d1495b\" "
                       "fill-opacity=\"{:.2f}\" stroke=\"#8c1c2c\" stroke-width=\"0.6\" data-pitch=\"{}\" "
                       "data-start=\"{}\" data-duration=\"{}\"><title>pitch {} vel {} start {} dur {}</title></rect>",
                       x0, y_of(p) + 0.5, std::max(1.5, x1 - x0), std::max(1.0, row - 1), 0.3 + 0.7 * vel, p, n.start,
                       n.duration, p, static_cast<int>(std::clamp<double>(n.velocity, 0, 127)),
                       format_number(n.start), format_number(n.duration));
  }
  return out + "</svg>";
}

}  // namespace echoelml::analysis
