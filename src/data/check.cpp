// check_dataset: label counts, unreadable files, duplicates and imbalance.
#include "echoelml/data/check.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "echoelml/core/parallel.h"
#include "echoelml/data/hash.h"
#include "echoelml/io/audio.h"
#include "echoelml/midi/midi.h"

namespace echoelml::data {
namespace {

SectionStats stats_for(const DatasetIndex& index, Section s, double threshold) {
  SectionStats st;
  st.section = s;
  auto entries = index.section(s);
  st.files = entries.size();
  if (s == Section::Genre || s == Section::Pattern) {
    for (auto g : all_genres()) {
      std::size_t n = std::count_if(entries.begin(), entries.end(),
                                    [g](const Entry* e) { return e->genre == g; });
      st.counts.push_back({std::string(raw_value(g)), n});
    }
  } else if (s == Section::Technique) {
    for (auto t : all_techniques()) {
      std::size_t n = std::count_if(entries.begin(), entries.end(), [t](const Entry* e) {
        return std::find(e->techniques.begin(), e->techniques.end(), t) != e->techniques.end();
      });
      st.counts.push_back({std::string(raw_value(t)), n});
    }
  }
  std::size_t lo = 0, hi = 0;
  for (const auto& c : st.counts) {
    if (c.count == 0) {
      st.missing_labels.push_back(c.label);
      continue;
    }
    lo = lo == 0 ? c.count : std::min(lo, c.count);
    hi = std::max(hi, c.count);
  }
  st.imbalance_ratio = lo ? static_cast<double>(hi) / static_cast<double>(lo) : 0.0;
  st.imbalanced = st.imbalance_ratio > threshold;
  return st;
}

}  // namespace

bool DatasetReport::clean() const { return problems.empty() && unreadable.empty() && duplicates.empty(); }

DatasetReport check_dataset(const std::filesystem::path& data_dir, unsigned threads, double ratio) {
  return check_dataset(scan_dataset(data_dir), threads, ratio);
}

DatasetReport check_dataset(const DatasetIndex& index, unsigned threads, double ratio) {
  DatasetReport r;
  r.root = index.root;
  r.imbalance_threshold = ratio;
  r.problems = index.problems;
  r.mislabelled = std::count_if(r.problems.begin(), r.problems.end(), [](const Problem& p) {
    return p.kind == ProblemKind::UnknownLabel;
  });
  for (Section s : {Section::Genre, Section::Technique, Section::Pattern, Section::Mix})
    r.sections.push_back(stats_for(index, s, ratio));

  std::vector<std::optional<std::uint64_t>> hashes(index.entries.size());
  std::vector<std::string> errors(index.entries.size());
  parallel_for(index.entries.size(), threads, [&](std::size_t i) {
    const Entry& e = index.entries[i];
    try {
      if (e.section == Section::Pattern)
        midi::read_midi(e.path);
      else
        io::probe(e.path);
    } catch (const std::exception& ex) {
      errors[i] = ex.what();
    }
    try {
      hashes[i] = hash_file(e.path);
    } catch (const std::exception& ex) {
      if (errors[i].empty()) errors[i] = ex.what();
    }
  });
  std::map<std::uint64_t, std::vector<std::string>> by_hash;
  for (std::size_t i = 0; i < index.entries.size(); ++i) {
    if (!errors[i].empty()) r.unreadable.push_back({index.entries[i].rel, errors[i]});
    if (hashes[i]) by_hash[*hashes[i]].push_back(index.entries[i].rel);
  }
  for (auto& [h, files] : by_hash) {
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    if (files.size() > 1) r.duplicates.push_back({h, files});
  }
  return r;
}

std::string format_report(const DatasetReport& r) {
  std::string out = fmt::format("dataset {}\n", r.root.string());
  for (const auto& s : r.sections) {
    out += fmt::format("{}: {} files\n", section_dir(s.section), s.files);
    if (s.files == 0) continue;
    for (const auto& c : s.counts)
      if (c.count) out += fmt::format("  {:<28} {}\n", c.label, c.count);
    if (!s.missing_labels.empty() && !s.counts.empty())
      out += fmt::format("  warning: no files for {} label(s): {}\n", s.missing_labels.size(),
                         fmt::join(s.missing_labels, ", "));
    if (s.imbalanced)
      out += fmt::format("  warning: class imbalance {:.1f}x (largest/smallest) exceeds {:.1f}x\n",
                         s.imbalance_ratio, r.imbalance_threshold);
  }
  out += fmt::format("problems: {} ({} mislabelled)\n", r.problems.size(), r.mislabelled);
  for (const auto& p : r.problems) out += "  " + p.format() + "\n";
  out += fmt::format("unreadable files: {}\n", r.unreadable.size());
  for (const auto& u : r.unreadable) out += fmt::format("  {}: {}\n", u.rel, u.error);
  out += fmt::format("duplicate groups: {}\n", r.duplicates.size());
  for (const auto& d : r.duplicates)
    out += fmt::format("  {}: {}\n", hash_hex(d.hash), fmt::join(d.files, ", "));
  out += r.clean() ? "result: clean\n" : "result: problems found\n";
  return out;
}

std::string report_json(const DatasetReport& r) {
  using nlohmann::json;
  json j;
  j["root"] = r.root.string();
  j["clean"] = r.clean();
  j["imbalance_threshold"] = r.imbalance_threshold;
  json sections = json::object();
  for (const auto& s : r.sections) {
    json counts = json::object();
    for (const auto& c : s.counts) counts[c.label] = c.count;
    sections[std::string(section_dir(s.section))] = {{"files", s.files},
                                                     {"counts", counts},
                                                     {"missing_labels", s.missing_labels},
                                                     {"imbalance_ratio", s.imbalance_ratio},
                                                     {"imbalanced", s.imbalanced}};
  }
  j["sections"] = sections;
  json problems = json::array();
  for (const auto& p : r.problems)
    problems.push_back({{"kind", problem_kind_name(p.kind)},
                        {"file", p.file.string()},
                        {"line", p.line},
                        {"message", p.message}});
  j["problems"] = problems;
  j["mislabelled"] = r.mislabelled;
  json unreadable = json::array();
  for (const auto& u : r.unreadable) unreadable.push_back({{"file", u.rel}, {"error", u.error}});
  j["unreadable"] = unreadable;
  json dups = json::array();
  for (const auto& d : r.duplicates) dups.push_back({{"hash", hash_hex(d.hash)}, {"files", d.files}});
  j["duplicates"] = dups;
  return j.dump(2);
}

}  // namespace echoelml::data
