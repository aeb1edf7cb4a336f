// scan_dataset: walks the four section folders and joins them with their label CSVs.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

#include "echoelml/core/error.h"
#include "echoelml/data/csv.h"
#include "echoelml/data/dataset.h"

namespace echoelml::data {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool hidden(const fs::path& p) {
  auto name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// Regular files under dir (recursive, hidden entries skipped) that pass `keep`, sorted.
template <typename Keep>
std::vector<fs::path> list_files(const fs::path& dir, Keep keep) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && keep(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string rel_key(const fs::path& p, const fs::path& base) {
  return p.lexically_relative(base).lexically_normal().generic_string();
}

// Loads an optional label CSV; reports unreadable lines as problems. Returns nullopt when
// the file is absent or cannot be read at all.
std::optional<CsvTable> load_labels(const fs::path& csv, std::vector<Problem>& problems) {
  std::error_code ec;
  if (!fs::exists(csv, ec)) return std::nullopt;
  try {
    CsvTable t = read_csv(csv);
    for (const auto& p : t.problems)
      problems.push_back({ProblemKind::BadCsvLine, csv, p.line, p.message});
    return t;
  } catch (const Error& e) {
    problems.push_back({ProblemKind::BadCsvLine, csv, 1, e.what()});
    return std::nullopt;
  }
}

bool require_columns(const CsvTable& t, const fs::path& csv,
                     std::initializer_list<std::string_view> cols, std::vector<Problem>& problems) {
  for (auto c : cols)
    if (!t.column(c)) {
      problems.push_back({ProblemKind::BadCsvLine, csv, 1,
                          "header lacks the column '" + std::string(c) + "'"});
      return false;
    }
  return true;
}

std::map<std::string, std::string> load_mapping(const fs::path& csv, std::vector<Problem>& problems) {
  std::map<std::string, std::string> mapping;
  auto t = load_labels(csv, problems);
  if (!t || !require_columns(*t, csv, {"folder", "genre"}, problems)) return mapping;
  std::size_t fc = *t->column("folder"), gc = *t->column("genre");
  for (const auto& row : t->rows) {
    const std::string& g = row.fields[gc];
    if (!g.empty() && !find_genre(g)) {
      problems.push_back({ProblemKind::UnknownLabel, csv, row.line,
                          "genre '" + g + "' is not one of the app's genres"});
      continue;
    }
    mapping[lower(row.fields[fc])] = g;
  }
  return mapping;
}

// Folder-labelled sections (genres/, patterns/): <section>/<label>/**/<file>.
void scan_labelled_folders(const fs::path& dir, Section s, bool (*keep)(const fs::path&),
                           const fs::path& root, DatasetIndex& index) {
  auto mapping = load_mapping(dir / "mapping.csv", index.problems);
  std::error_code ec;
  std::vector<fs::path> folders;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!hidden(it->path()) && it->is_directory(ec)) folders.push_back(it->path());
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    bool on_purpose = false;
    auto genre = resolve_genre_folder(folder.filename().string(), mapping, &on_purpose);
    if (!genre) {
      if (!on_purpose)
        index.problems.push_back({ProblemKind::UnmappedFolder, folder, 0,
                                  "folder '" + folder.filename().string() +
                                      "' is not a genre and not in mapping.csv: skipped"});
      continue;
    }
    for (const auto& f : list_files(folder, keep)) {
      Entry e;
      e.section = s;
      e.path = f;
      e.rel = rel_key(f, root);
      e.genre = genre;
      index.entries.push_back(std::move(e));
    }
  }
}

std::optional<double> parse_number(const std::string& s, bool* bad) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    *bad = true;
    return std::nullopt;
  }
  return v;
}

// Joins label rows to entries of one section by their path relative to `dir`.
// `apply` fills an entry from a row and returns false when the row is rejected.
template <typename Apply>
void join_labels(const CsvTable& t, const fs::path& csv, const fs::path& dir,
                 std::vector<Entry*>& entries, DatasetIndex& index, Apply apply) {
  std::map<std::string, Entry*> by_rel;
  for (Entry* e : entries) by_rel[rel_key(e->path, dir)] = e;
  std::map<std::string, std::size_t> seen;
  std::size_t fc = *t.column("file");
  for (const auto& row : t.rows) {
    std::string key = fs::path(row.fields[fc]).lexically_normal().generic_string();
    if (auto s = seen.find(key); s != seen.end()) {
      index.problems.push_back({ProblemKind::BadCsvLine, csv, row.line,
                                "second row for '" + key + "' (first on line " +
                                    std::to_string(s->second) + "): ignored"});
      continue;
    }
    seen[key] = row.line;
    auto it = by_rel.find(key);
    if (it == by_rel.end()) {
      std::error_code ec;
      bool exists = fs::is_regular_file(dir / key, ec);
      index.problems.push_back({ProblemKind::MissingFile, csv, row.line,
                                exists ? "'" + key + "' is not a usable file of this section"
                                       : "'" + key + "' does not exist"});
      continue;
    }
    apply(row, *it->second);
  }
}

std::string unknown_text(const std::vector<std::string>& unknown) {
  std::string s;
  for (const auto& u : unknown) s += (s.empty() ? "'" : ", '") + u + "'";
  return s;
}

void scan_techniques(const fs::path& dir, const fs::path& root, DatasetIndex& index) {
  auto files = list_files(dir, [](const fs::path& p) { return is_audio_extension(p); });
  std::vector<Entry> found;
  for (const auto& f : files) {
    Entry e;
    e.section = Section::Technique;
    e.path = f;
    e.rel = rel_key(f, root);
    found.push_back(std::move(e));
  }
  fs::path csv = dir / "labels.csv";
  auto t = load_labels(csv, index.problems);
  if (!t) {
    std::error_code ec;
    if (!files.empty() && !fs::exists(csv, ec))
      index.problems.push_back({ProblemKind::MissingLabels, csv, 0,
                                "techniques/ holds audio but no labels.csv: section skipped"});
    return;
  }
  if (!require_columns(*t, csv, {"file", "techniques"}, index.problems)) return;
  std::vector<Entry*> ptrs;
  for (auto& e : found) ptrs.push_back(&e);
  std::vector<bool> labelled(found.size(), false), rejected(found.size(), false);
  std::size_t tc = *t->column("techniques");
  join_labels(*t, csv, dir, ptrs, index, [&](const CsvRow& row, Entry& e) {
    std::vector<std::string> unknown;
    auto list = parse_technique_list(row.fields[tc], &unknown);
    if (!unknown.empty()) {
      index.problems.push_back({ProblemKind::UnknownLabel, csv, row.line,
                                "unknown technique " + unknown_text(unknown) + ": row skipped"});
      rejected[&e - found.data()] = true;
      return;
    }
    e.techniques = std::move(list);
    labelled[&e - found.data()] = true;
  });
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (labelled[i]) {
      index.entries.push_back(std::move(found[i]));
    } else if (!rejected[i]) {
      index.problems.push_back({ProblemKind::Unlabelled, found[i].path, 0,
                                "no row in techniques/labels.csv: skipped"});
    }
  }
}

void apply_pattern_labels(const fs::path& dir, DatasetIndex& index, std::size_t first) {
  fs::path csv = dir / "labels.csv";
  auto t = load_labels(csv, index.problems);
  if (!t || !require_columns(*t, csv, {"file"}, index.problems)) return;
  std::vector<Entry*> ptrs;
  for (std::size_t i = first; i < index.entries.size(); ++i) ptrs.push_back(&index.entries[i]);
  auto tc = t->column("techniques"), bc = t->column("bars"), mc = t->column("tempo"),
       cc = t->column("complexity");
  join_labels(*t, csv, dir, ptrs, index, [&](const CsvRow& row, Entry& e) {
    std::vector<std::string> unknown;
    std::vector<ProductionTechnique> list;
    if (tc) list = parse_technique_list(row.fields[*tc], &unknown);
    if (!unknown.empty()) {
      index.problems.push_back({ProblemKind::UnknownLabel, csv, row.line,
                                "unknown technique " + unknown_text(unknown) + ": labels ignored"});
      return;
    }
    bool bad = false;
    auto tempo = mc ? parse_number(row.fields[*mc], &bad) : std::nullopt;
    auto bars = bc ? parse_number(row.fields[*bc], &bad) : std::nullopt;
    auto cx = cc ? parse_number(row.fields[*cc], &bad) : std::nullopt;
    if (!bad && ((tempo && *tempo <= 0) || (bars && (*bars < 1 || *bars != std::floor(*bars))) ||
                 (cx && (*cx < 0 || *cx > 1))))
      bad = true;
    if (bad) {
      index.problems.push_back({ProblemKind::BadCsvLine, csv, row.line,
                                "tempo must be > 0, bars a whole number >= 1, complexity in 0..1: "
                                "labels ignored"});
      return;
    }
    e.techniques = std::move(list);
    e.tempo_bpm = tempo;
    if (bars) e.bars = static_cast<int>(*bars);
    e.complexity = cx;
  });
}

void scan_mixes(const fs::path& dir, const fs::path& root, DatasetIndex& index) {
  std::size_t first = index.entries.size();
  for (const auto& f : list_files(dir, [](const fs::path& p) { return is_audio_extension(p); })) {
    Entry e;
    e.section = Section::Mix;
    e.path = f;
    e.rel = rel_key(f, root);
    index.entries.push_back(std::move(e));
  }
  fs::path csv = dir / "labels.csv";
  auto t = load_labels(csv, index.problems);
  if (!t || !require_columns(*t, csv, {"file"}, index.problems)) return;
  std::vector<Entry*> ptrs;
  for (std::size_t i = first; i < index.entries.size(); ++i) ptrs.push_back(&index.entries[i]);
  std::size_t fc = *t->column("file");
  join_labels(*t, csv, dir, ptrs, index, [&](const CsvRow& row, Entry& e) {
    for (std::size_t c = 0; c < t->header.size(); ++c)
      if (c != fc) e.extra[t->header[c]] = row.fields[c];
  });
}

}  // namespace

std::string_view section_dir(Section s) {
  switch (s) {
    case Section::Genre: return "genres";
    case Section::Technique: return "techniques";
    case Section::Pattern: return "patterns";
    case Section::Mix: return "mixes";
  }
  return "?";
}

std::string_view problem_kind_name(ProblemKind k) {
  switch (k) {
    case ProblemKind::UnknownLabel: return "unknown-label";
    case ProblemKind::MissingFile: return "missing-file";
    case ProblemKind::BadCsvLine: return "bad-csv-line";
    case ProblemKind::UnmappedFolder: return "unmapped-folder";
    case ProblemKind::Unlabelled: return "unlabelled";
    case ProblemKind::MissingLabels: return "missing-labels";
  }
  return "?";
}

std::string Problem::format() const {
  std::string s = file.string();
  if (line) s += ":" + std::to_string(line);
  return s + ": " + std::string(problem_kind_name(kind)) + ": " + message;
}

std::vector<const Entry*> DatasetIndex::section(Section s) const {
  std::vector<const Entry*> out;
  for (const auto& e : entries)
    if (e.section == s) out.push_back(&e);
  return out;
}

std::size_t DatasetIndex::count(Section s) const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [s](const Entry& e) { return e.section == s; }));
}

bool is_audio_extension(const fs::path& p) {
  auto ext = lower(p.extension().string());
  return ext == ".wav" || ext == ".flac" || ext == ".ogg" || ext == ".opus" || ext == ".mp3";
}

bool is_midi_extension(const fs::path& p) {
  auto ext = lower(p.extension().string());
  return ext == ".mid" || ext == ".midi";
}

std::optional<MusicGenre> resolve_genre_folder(std::string_view folder,
                                               const std::map<std::string, std::string>& mapping,
                                               bool* skipped_on_purpose) {
  if (skipped_on_purpose) *skipped_on_purpose = false;
  if (auto it = mapping.find(lower(folder)); it != mapping.end()) {
    if (it->second.empty()) {
      if (skipped_on_purpose) *skipped_on_purpose = true;
      return std::nullopt;
    }
    return find_genre(it->second);
  }
  return find_genre(folder);
}

std::vector<ProductionTechnique> parse_technique_list(std::string_view list,
                                                      std::vector<std::string>* unknown) {
  std::vector<ProductionTechnique> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(';', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) {
      if (auto t = find_technique(item)) {
        if (std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(*t);
      } else if (unknown) {
        unknown->emplace_back(item);
      }
    }
    start = end + 1;
  }
  return out;
}

DatasetIndex scan_dataset(const fs::path& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) throw IoError(data_dir, "data folder does not exist or is not a folder");
  DatasetIndex index;
  index.root = data_dir;
  auto sub = [&](Section s) { return data_dir / section_dir(s); };
  if (fs::is_directory(sub(Section::Genre), ec))
    scan_labelled_folders(sub(Section::Genre), Section::Genre, &is_audio_extension, data_dir, index);
  if (fs::is_directory(sub(Section::Technique), ec))
    scan_techniques(sub(Section::Technique), data_dir, index);
  if (fs::is_directory(sub(Section::Pattern), ec)) {
    std::size_t first = index.entries.size();
    scan_labelled_folders(sub(Section::Pattern), Section::Pattern, &is_midi_extension, data_dir, index);
    apply_pattern_labels(sub(Section::Pattern), index, first);
  }
  if (fs::is_directory(sub(Section::Mix), ec)) scan_mixes(sub(Section::Mix), data_dir, index);
  return index;
}

std::string_view gtzan_mapping_csv() {
  // Blues and jazz share the idiom; country and metal are guitar-band music; disco and pop are
  // produced dance/electronic styles; reggae is the closest GTZAN folder to "World Music".
  return "folder,genre\n"
         "blues,jazz\n"
         "classical,classical\n"
         "country,rock\n"
         "disco,edm\n"
         "hiphop,hiphop\n"
         "jazz,jazz\n"
         "metal,rock\n"
         "pop,edm\n"
         "reggae,world\n"
         "rock,rock\n";
}

}  // namespace echoelml::data
