// The report page: loading the MODELS folder, the page frame and style, the shared HTML pieces,
// and the atomic write.
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "analysis/report_internal.h"
#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"

namespace echoelml::analysis {
namespace detail {
namespace {

// One style sheet for the whole page; system fonts only (no download).
constexpr const char* kStyle = R"css(
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f3f4f6;--card:#ffffff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
 font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif}
header{background:#111827;color:#f9fafb;padding:22px 0 14px}
header .in,main{max-width:1240px;margin:0 auto;padding-left:24px;padding-right:24px}
header h1{margin:0;font-size:24px;font-weight:650;letter-spacing:.01em}
header .meta{color:#cbd5e1;font-size:13px;margin-top:2px;word-break:break-all}
nav{margin-top:10px}
nav a{color:#93c5fd;margin-right:18px;text-decoration:none;font-size:13px}
main{padding-top:6px;padding-bottom:40px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px 20px;margin:18px 0}
h2{font-size:19px;margin:0 0 2px}
h3{font-size:15px;margin:16px 0 6px}
p.lead{color:var(--muted);margin:0 0 14px;max-width:900px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:18px 22px}
.grid.small{grid-template-columns:repeat(auto-fill,minmax(264px,1fr))}
.row{display:flex;flex-wrap:wrap;gap:22px 36px;align-items:flex-start}
figure{margin:0}
figcaption{color:var(--muted);font-size:12.5px;margin-top:2px}
svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;font-size:13px;margin:4px 0 8px}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:#374151;background:#f9fafb}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#15803d;font-weight:600}
.bad{color:#b91c1c;font-weight:600}
.dim{color:var(--muted)}
.nowrap{white-space:nowrap}
.files span{display:inline-block;font-size:11.5px;padding:0 6px;margin:1px 3px 1px 0;border-radius:9px;
 background:#dcfce7;color:#166534}
.files span.no{background:#f3f4f6;color:#9ca3af;text-decoration:line-through}
.files span.bad{background:#fee2e2;color:#991b1b}
.missing{border:1px dashed #cbd5e1;background:#f8fafc;color:#475569;padding:12px 16px;border-radius:8px;margin:6px 0}
.error{border:1px solid #fca5a5;background:#fef2f2;color:#991b1b;padding:12px 16px;border-radius:8px;margin:6px 0;
 word-break:break-word}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 28px}
)css";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(path, "read failed");
  return ss.str();
}

ModelFiles model_files(const std::filesystem::path& dir, const std::string& name, const std::string& title) {
  ModelFiles m;
  m.name = name;
  m.title = title;
  m.metrics = load_json_file(dir / (name + ".metrics.json"));
  m.validation = load_json_file(dir / (name + ".validation.json"));
  m.espec = dir / (name + ".espec");
  std::error_code ec;
  m.espec_exists = std::filesystem::is_regular_file(m.espec, ec);
  return m;
}

void note_files(const ModelFiles& m, ReportSummary& s) {
  for (const JsonFile* f : {&m.metrics, &m.validation}) {
    if (!f->exists)
      s.missing.push_back(f->path.filename().string());
    else if (!f->ok())
      s.errors.push_back(f->path.string() + ": " + f->error);
  }
  if (!m.espec_exists && m.name == "PatternGenerator") s.missing.push_back(m.espec.filename().string());
}

}  // namespace

JsonFile load_json_file(const std::filesystem::path& path) {
  JsonFile f;
  f.path = path;
  std::error_code ec;
  f.exists = std::filesystem::exists(path, ec);
  if (!f.exists) return f;
  try {
    auto j = nlohmann::json::parse(read_text(path));
    if (!j.is_object())
      f.error = "not a JSON object";
    else
      f.json = std::move(j);
  } catch (const nlohmann::json::exception& e) {
    f.error = std::string("not valid JSON (") + e.what() + ")";
  } catch (const Error& e) {
    f.error = e.what();
  }
  return f;
}

std::string missing_box(const std::string& file, const std::string& what) {
  return fmt::format("<div class=\"missing\" data-missing=\"{0}\"><strong>Missing:</strong> <code>{0}</code> is not in "
                     "the models folder, so {1} cannot be shown.</div>",
                     html_escape(file), html_escape(what));
}

std::string error_box(const std::string& file, const std::string& reason) {
  return fmt::format("<div class=\"error\" data-error=\"{0}\"><strong>Could not be read:</strong> <code>{0}</code>: "
                     "{1}</div>",
                     html_escape(file), html_escape(reason));
}

std::string unusable_box(const JsonFile& f, const std::string& what) {
  if (!f.exists) return missing_box(f.path.filename().string(), what);
  if (!f.ok()) return error_box(f.path.filename().string(), f.error);
  return "";
}

std::string summary_table(const nlohmann::json& summary) {
  std::string out = "<table><tr><th>metric</th><th class=\"num\">model</th><th class=\"num\">baseline</th>"
                    "<th></th><th>baseline is</th></tr>";
  for (const auto& r : summary) {
    const auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
    const double m = num(r.at("model")), b = num(r.at("baseline"));
    const bool higher = r.value("higher_is_better", true);
    std::string verdict = "<span class=\"dim\">–</span>";
    if (std::isfinite(m) && std::isfinite(b))
      verdict = (higher ? m > b : m < b) ? "<span class=\"ok\" title=\"better than the baseline\">&#10003; better</span>"
                                         : "<span class=\"bad\" title=\"not better than the baseline\">&#10007; not better</span>";
    out += fmt::format("<tr><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
                       "class=\"nowrap\">{}</td><td class=\"dim\">{}</td></tr>",
                       html_escape(r.at("metric").get<std::string>()), format_number(m), format_number(b), verdict,
                       html_escape(r.value("baseline_name", std::string())));
  }
  return out + "</table>";
}

std::string guarded(const std::string& what, ReportSummary& summary, const std::function<std::string()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {  // json type errors included: a bad file must not end the report
    summary.errors.push_back(what + ": " + e.what());
    return error_box(what, e.what());
  }
}

}  // namespace detail

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return "–";
  if (v == std::round(v) && std::abs(v) < 1e9) return fmt::format("{}", static_cast<long long>(v));
  if (std::abs(v) >= 1e5 || std::abs(v) < 1e-3) return fmt::format("{:.3e}", v);
  return fmt::format("{:.4g}", v);
}

std::string render_report(const std::filesystem::path& models_dir, const ReportParams& params, ReportSummary* out) {
  std::error_code ec;
  if (!std::filesystem::is_directory(models_dir, ec)) throw IoError(models_dir, "not a folder (expected a MODELS folder written by echoelml train)");
  (void)typical_pattern_requests(nullptr, params);  // validates the overrides before any work

  detail::Run run;
  run.dir = models_dir;
  run.genre = detail::model_files(models_dir, "GenreClassifier", "genre classification");
  run.technique = detail::model_files(models_dir, "TechniqueRecognizer", "techniques, the guide's 6 inputs");
  run.technique_app = detail::model_files(models_dir, "TechniqueRecognizerApp", "techniques, the app's 4 inputs");
  run.pattern = detail::model_files(models_dir, "PatternGenerator", "pattern generation");
  run.mix = detail::model_files(models_dir, "MixAnalyzer", "mix analysis");
  ReportSummary summary;
  for (const auto* m : run.all()) {
    summary.models_found += m->any();
    detail::note_files(*m, summary);
  }
  if (summary.models_found == 0)
    throw IoError(models_dir, "no training run found: none of GenreClassifier, TechniqueRecognizer, "
                              "TechniqueRecognizerApp, PatternGenerator, MixAnalyzer has a .metrics.json, "
                              ".validation.json or .espec file here");

  std::string body;
  body += detail::overview_section(run);
  body += detail::loss_section(run, summary);
  body += detail::genre_section(run, summary);
  body += detail::technique_section(run, summary);
  body += detail::pattern_section(run, params, summary);
  body += detail::mix_section(run, summary);

  std::string page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"generator\" content=\"echoelml report\">";
  page += fmt::format("<title>{}</title><style>{}</style></head><body>", html_escape(params.title), detail::kStyle);
  page += fmt::format("<header><div class=\"in\"><h1>{}</h1><div class=\"meta\">Training run in <code>{}</code> &middot; "
                      "{} of 5 models found</div><nav><a href=\"#overview\">Overview</a><a href=\"#losses\">Loss "
                      "curves</a><a href=\"#genre\">Genre</a><a href=\"#technique\">Techniques</a><a "
                      "href=\"#pattern\">Patterns</a><a href=\"#mix\">Mix</a></nav></div></header><main>",
                      html_escape(params.title), html_escape(std::filesystem::absolute(models_dir).lexically_normal().string()),
                      summary.models_found);
  page += body;
  page += "</main><footer>Written by <code>echoelml report</code>. Self-contained: inline CSS and SVG, no scripts, "
          "fonts or network.</footer></body></html>\n";
  if (out) *out = summary;
  return page;
}

ReportSummary write_report(const std::filesystem::path& models_dir, const std::filesystem::path& out,
                           const ReportParams& params) {
  ReportSummary summary;
  const std::string page = render_report(models_dir, params, &summary);
  write_file_atomic(out, page);
  return summary;
}

}  // namespace echoelml::analysis
