// Training tables from the store (audio models) and from MIDI (patterns); CSV export.
#include "echoelml/data/training.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "echoelml/core/atomic_file.h"
#include "echoelml/data/csv.h"
#include "echoelml/midi/pattern.h"

namespace echoelml::data {
namespace {

// Looks up a file's record of one kind; fills `why` when there is none or it failed.
std::optional<FeatureRecord> lookup(const FeatureStore& store, const Entry& e, FeatureKind k,
                                    std::string& why) {
  try {
    auto r = store.get(store.file_hash(e.path), k);
    if (!r) why = "not extracted (run `echoelml extract`)";
    else if (!r->ok) why = "extraction failed: " + r->error;
    else return r;
  } catch (const std::exception& ex) {
    why = ex.what();
  }
  return std::nullopt;
}

void append_row(Matrix& m, const std::vector<float>& row) {
  if (m.rows == 0) m.cols = row.size();
  m.data.insert(m.data.end(), row.begin(), row.end());
  ++m.rows;
}

std::vector<float> multi_hot(const std::vector<ProductionTechnique>& ts) {
  std::vector<float> v(kNumTechniques, 0.0f);
  for (auto t : ts) v[static_cast<int>(t)] = 1.0f;
  return v;
}

std::vector<std::string> technique_names() {
  std::vector<std::string> n;
  for (auto t : all_techniques()) n.emplace_back(raw_value(t));
  return n;
}

std::string label_of(const Entry& e) {
  if (e.section == Section::Genre && e.genre) return std::string(raw_value(*e.genre));
  std::string s;
  for (auto t : e.techniques) s += (s.empty() ? "" : ";") + std::string(raw_value(t));
  return s;
}

std::string number(float v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, p);
}

}  // namespace

TrainingTable load_genre_table(const DatasetIndex& index, const FeatureStore& store) {
  TrainingTable t;
  t.feature_names = vector_names(FeatureKind::Genre);
  t.features.cols = t.feature_names.size();
  for (const Entry* e : index.section(Section::Genre)) {
    std::string why;
    auto r = lookup(store, *e, FeatureKind::Genre, why);
    if (!r) {
      t.skipped.push_back({e->rel, why});
      continue;
    }
    append_row(t.features, r->vector);
    t.labels.push_back(static_cast<int>(*e->genre));
    t.rel.push_back(e->rel);
  }
  return t;
}

TrainingTable load_technique_table(const DatasetIndex& index, const FeatureStore& store,
                                   bool app_inputs) {
  FeatureKind kind = app_inputs ? FeatureKind::AppTechnique : FeatureKind::Technique;
  TrainingTable t;
  t.feature_names = vector_names(kind);
  t.target_names = technique_names();
  t.features.cols = t.feature_names.size();
  t.targets.cols = kNumTechniques;
  for (const Entry* e : index.section(Section::Technique)) {
    std::string why;
    auto r = lookup(store, *e, kind, why);
    if (!r) {
      t.skipped.push_back({e->rel, why});
      continue;
    }
    append_row(t.features, r->vector);
    append_row(t.targets, multi_hot(e->techniques));
    t.rel.push_back(e->rel);
  }
  return t;
}

TrainingTable load_mix_table(const DatasetIndex& index, const FeatureStore& store) {
  TrainingTable t;
  auto names = vector_names(FeatureKind::Mix);
  const std::size_t n_in = names.size() - kMixTargetCount;
  t.feature_names.assign(names.begin(), names.begin() + n_in);
  t.target_names.assign(names.begin() + n_in, names.end());
  t.features.cols = n_in;
  t.targets.cols = kMixTargetCount;
  for (const Entry* e : index.section(Section::Mix)) {
    std::string why;
    auto r = lookup(store, *e, FeatureKind::Mix, why);
    if (!r) {
      t.skipped.push_back({e->rel, why});
      continue;
    }
    append_row(t.features, std::vector<float>(r->vector.begin(), r->vector.begin() + n_in));
    append_row(t.targets, std::vector<float>(r->vector.begin() + n_in, r->vector.end()));
    t.rel.push_back(e->rel);
  }
  return t;
}

TrainingTable load_pattern_table(const DatasetIndex& index, int max_notes) {
  TrainingTable t;
  for (auto g : all_genres()) t.feature_names.push_back("genre_" + std::string(case_name(g)));
  for (auto q : all_techniques()) t.feature_names.push_back("technique_" + std::string(case_name(q)));
  for (const char* n : {"tempo", "bars", "complexity"}) t.feature_names.push_back(n);
  for (int i = 0; i < max_notes; ++i)
    for (const char* f : {"pitch", "velocity", "start", "duration"})
      t.target_names.push_back("note" + std::to_string(i) + "_" + f);
  t.features.cols = t.feature_names.size();
  t.targets.cols = t.target_names.size();
  for (const Entry* e : index.section(Section::Pattern)) {
    midi::PatternTarget target;
    midi::PatternStats stats;
    try {
      midi::MidiFile m = midi::read_midi(e->path);
      target = midi::prepare_pattern(m, max_notes);
      stats = midi::estimate_pattern_stats(m);
    } catch (const std::exception& ex) {
      t.skipped.push_back({e->rel, ex.what()});
      continue;
    }
    if (target.n_notes == 0) {
      t.skipped.push_back({e->rel, "the MIDI file has no notes"});
      continue;
    }
    std::vector<float> row(kNumGenres, 0.0f);
    row[static_cast<int>(*e->genre)] = 1.0f;
    auto hot = multi_hot(e->techniques);
    row.insert(row.end(), hot.begin(), hot.end());
    row.push_back(static_cast<float>(e->tempo_bpm.value_or(stats.tempo_bpm)));
    row.push_back(static_cast<float>(e->bars.value_or(stats.bars)));
    row.push_back(static_cast<float>(e->complexity.value_or(stats.complexity)));
    append_row(t.features, row);
    append_row(t.targets, target.raw);
    t.pattern_beats.push_back(static_cast<float>(target.window_beats));
    t.pattern_notes.push_back(target.n_notes);
    t.rel.push_back(e->rel);
  }
  return t;
}

void export_csv(const DatasetIndex& index, const FeatureStore& store, const std::filesystem::path& out) {
  struct Row {
    const Entry* entry;
    FeatureRecord record;
  };
  std::vector<Row> rows;
  std::array<bool, kNumFeatureKinds> present{};
  for (const auto& e : index.entries)
    for (auto k : kinds_for(e.section)) {
      std::optional<FeatureRecord> r;
      try {
        r = store.get(store.file_hash(e.path), k);
      } catch (const std::exception&) {
        continue;  // unreadable now: nothing stored can be matched to it
      }
      if (!r) continue;
      present[static_cast<int>(k)] = true;
      rows.push_back({&e, std::move(*r)});
    }
  std::vector<std::string> header = {"path", "label", "model", "error"};
  std::array<std::size_t, kNumFeatureKinds> offset{};
  for (int k = 0; k < kNumFeatureKinds; ++k) {
    offset[k] = header.size();
    if (!present[k]) continue;
    for (auto& n : vector_names(static_cast<FeatureKind>(k)))
      header.push_back(std::string(feature_kind_key(static_cast<FeatureKind>(k))) + "." + n);
  }
  std::string text = csv_line(header);
  for (const auto& r : rows) {
    std::vector<std::string> f(header.size());
    f[0] = r.entry->rel;
    f[1] = label_of(*r.entry);
    f[2] = std::string(feature_kind_key(r.record.kind));
    f[3] = r.record.ok ? "" : r.record.error;
    std::size_t off = offset[static_cast<int>(r.record.kind)];
    for (std::size_t i = 0; i < r.record.vector.size(); ++i) f[off + i] = number(r.record.vector[i]);
    text += csv_line(f);
  }
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  write_file_atomic(out, text);
}

}  // namespace echoelml::data
