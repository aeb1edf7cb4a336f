#include "echoelml/data/extract.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "data/data_test_util.h"
#include "echoelml/data/csv.h"
#include "echoelml/data/feature_store.h"
#include "echoelml/data/training.h"
#include "echoelml/midi/midi.h"

namespace echoelml::data {
namespace {

namespace fs = std::filesystem;

// A data folder of small distinct files (the stand-in extractor never decodes them).
fs::path make_data(int n_genre, bool with_bad) {
  auto root = test::make_temp_dir("echoelml-extract");
  for (int i = 0; i < n_genre; ++i)
    test::write_text(root / (std::string(i % 2 ? "genres/jazz/g" : "genres/edm/g") + std::to_string(i) + ".wav"),
                     "genre file " + std::to_string(i));
  if (with_bad) test::write_text(root / "genres/edm/bad.wav", "unreadable");
  test::write_text(root / "techniques/t0.wav", "technique 0");
  test::write_text(root / "techniques/t1.wav", "technique 1");
  test::write_text(root / "techniques/labels.csv",
                   "file,techniques\nt0.wav,stereoWidening\nt1.wav,Call & Response;rhythmicDelay\n");
  test::write_text(root / "mixes/m0.wav", "mix 0");
  return root;
}

ExtractParams quiet(unsigned threads = 2) {
  ExtractParams p;
  p.threads = threads;
  p.quiet = true;
  return p;
}

// Every ok record must equal what the stand-in computes for the file now.
void expect_records_intact(const DatasetIndex& idx, const FeatureStore& store) {
  for (const auto& e : idx.entries) {
    std::uint64_t h = hash_file(e.path);
    for (auto k : kinds_for(e.section)) {
      auto r = store.get(h, k);
      if (!r || !r->ok) continue;
      auto want = encode_features(test::FakeExtractor::make(h, feature_set_bit(k)), k, h, e.rel);
      EXPECT_EQ(r->vector, want.vector) << e.rel;
    }
  }
}

TEST(ExtractFeatures, ComputesEveryKindRecordsFailuresAndSkipsOnRerun) {
  auto root = make_data(6, true);
  auto idx = scan_dataset(root);
  test::FakeExtractor fx;
  auto s = extract_features(idx, root / "store.db", quiet(), fx);
  EXPECT_EQ(s.files, 10u);  // 7 genre + 2 technique + 1 mix
  EXPECT_EQ(s.computed, 10u);
  EXPECT_EQ(s.failed, 1u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].rel, "genres/edm/bad.wav");
  EXPECT_NE(s.failures[0].error.find("refuses"), std::string::npos);
  EXPECT_EQ(*fx.calls, 10);
  {
    FeatureStore store(root / "store.db");
    EXPECT_EQ(store.count(), 12u);  // 7 genre + 2x2 technique + 1 mix
    EXPECT_EQ(store.count(true), 11u);
    expect_records_intact(idx, store);
  }
  test::FakeExtractor again;
  auto s2 = extract_features(idx, root / "store.db", quiet(), again);
  EXPECT_EQ(*again.calls, 0);
  EXPECT_EQ(s2.reused, 10u);
  EXPECT_EQ(s2.computed, 0u);
  ASSERT_EQ(s2.failures.size(), 1u);
  EXPECT_TRUE(s2.failures[0].previous_run);
  EXPECT_NE(format_summary(s2).find("bad.wav"), std::string::npos);

  auto retry = quiet();
  retry.retry_failed = true;
  test::FakeExtractor third;
  extract_features(idx, root / "store.db", retry, third);
  EXPECT_EQ(*third.calls, 1);  // only the failed file
  fs::remove_all(root);
}

TEST(ExtractFeatures, IdenticalFilesAreComputedOnce) {
  auto root = make_data(2, false);
  fs::copy_file(root / "genres/edm/g0.wav", root / "genres/jazz/same_as_g0.wav");
  auto idx = scan_dataset(root);
  test::FakeExtractor fx;
  auto s = extract_features(idx, root / "store.db", quiet(1), fx);
  EXPECT_EQ(*fx.calls, 5);  // 6 files, one duplicate
  EXPECT_EQ(s.reused, 1u);
  fs::remove_all(root);
}

TEST(ExtractFeatures, StoppingAfterKFilesResumesWithOnlyTheRest) {
  auto root = make_data(20, false);
  auto idx = scan_dataset(root);
  auto p = quiet();
  p.max_files = 7;
  test::FakeExtractor first;
  auto s = extract_features(idx, root / "store.db", p, first);
  EXPECT_EQ(*first.calls, 7);
  EXPECT_EQ(s.computed, 7u);
  EXPECT_EQ(s.not_done, 16u);
  test::FakeExtractor rest;
  auto s2 = extract_features(idx, root / "store.db", quiet(), rest);
  EXPECT_EQ(*rest.calls, 16);
  EXPECT_EQ(s2.reused, 7u);
  FeatureStore store(root / "store.db");
  EXPECT_EQ(store.count(true), 25u);  // 20 genre + 2x2 technique + 1 mix
  expect_records_intact(idx, store);
  fs::remove_all(root);
}

// Distinct hashes with at least one record: the files whose transaction committed.
std::size_t committed_files(const FeatureStore& store) {
  std::set<std::uint64_t> hashes;
  for (const auto& [key, ok] : store.keys()) hashes.insert(key.first);
  return hashes.size();
}

TEST(ExtractFeatures, KillNineMidRunLosesNothingCommittedAndRerunFinishes) {
  auto root = make_data(40, false);
  auto idx = scan_dataset(root);
  const fs::path db = root / "store.db";
  { FeatureStore create(db); }  // so the parent can poll it read-only
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    test::FakeExtractor slow;
    slow.sleep_ms = 20;
    try {
      extract_features(idx, db, quiet(2), slow);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  std::size_t seen = 0;
  for (int i = 0; i < 500 && seen < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      FeatureStore peek(db, FeatureStore::Mode::ReadOnly);
      seen = committed_files(peek);
    } catch (const Error&) {
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it was killed";
  ASSERT_GE(seen, 8u);

  std::size_t committed;
  {
    FeatureStore store(db);
    EXPECT_EQ(store.integrity_check(), "ok");
    committed = committed_files(store);
    EXPECT_GE(committed, seen);
    EXPECT_LT(committed, 43u);
    expect_records_intact(idx, store);
    // A technique file commits both kinds or neither (one transaction per file).
    for (const auto& [key, ok] : store.keys())
      if (key.second == FeatureKind::Technique) EXPECT_TRUE(store.get(key.first, FeatureKind::AppTechnique));
  }
  test::FakeExtractor rest;
  auto s = extract_features(idx, db, quiet(), rest);
  EXPECT_EQ(static_cast<std::size_t>(*rest.calls), 43u - committed);
  EXPECT_EQ(s.computed + s.reused, 43u);
  FeatureStore store(db);
  EXPECT_EQ(store.count(true), 45u);
  EXPECT_EQ(store.integrity_check(), "ok");
  fs::remove_all(root);
}

TEST(TrainingTables, AudioModelsReadRowsFromTheStore) {
  auto root = make_data(4, true);
  auto idx = scan_dataset(root);
  extract_features(idx, root / "store.db", quiet(), test::FakeExtractor{});
  FeatureStore store(root / "store.db");

  auto g = load_genre_table(idx, store);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g.features.cols, 32u);
  ASSERT_EQ(g.skipped.size(), 1u);
  EXPECT_EQ(g.skipped[0].rel, "genres/edm/bad.wav");
  for (std::size_t r = 0; r < g.size(); ++r) {
    auto want = test::FakeExtractor::make(hash_file(root / g.rel[r]), features::kGenreSet).genre->to_vector();
    for (std::size_t c = 0; c < 32; ++c) EXPECT_EQ(g.features(r, c), want[c]);
    EXPECT_EQ(g.labels[r], g.rel[r].find("/edm/") != std::string::npos ? 0 : 1);
  }

  auto t = load_technique_table(idx, store, false);
  auto ta = load_technique_table(idx, store, true);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t.features.cols, 6u);
  EXPECT_EQ(ta.features.cols, 4u);
  EXPECT_EQ(t.targets.cols, 20u);
  EXPECT_EQ(t.targets(0, static_cast<int>(ProductionTechnique::StereoWidening)), 1.0f);
  float sum1 = 0;
  for (std::size_t c = 0; c < 20; ++c) sum1 += t.targets(1, c);
  EXPECT_EQ(sum1, 2.0f);
  EXPECT_EQ(t.targets(1, static_cast<int>(ProductionTechnique::CallAndResponse)), 1.0f);

  auto m = load_mix_table(idx, store);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.features.cols, 1024u);
  EXPECT_EQ(m.targets.cols, 10u);
  auto mf = test::FakeExtractor::make(hash_file(root / "mixes/m0.wav"), features::kMixSet).mix;
  EXPECT_EQ(m.features(0, 5), mf->spectrum[5]);
  EXPECT_EQ(m.targets(0, 6), static_cast<float>(mf->dynamic_range_db));
  fs::remove_all(root);
}

TEST(TrainingTables, NotExtractedFilesAreSkippedWithAReason) {
  auto root = make_data(2, false);
  auto idx = scan_dataset(root);
  FeatureStore store(root / "store.db");
  auto g = load_genre_table(idx, store);
  EXPECT_EQ(g.size(), 0u);
  ASSERT_EQ(g.skipped.size(), 2u);
  EXPECT_NE(g.skipped[0].reason.find("not extracted"), std::string::npos);
  fs::remove_all(root);
}

TEST(TrainingTables, PatternsComeFromMidiWithLabelOverrides) {
  auto root = test::make_temp_dir("echoelml-pattern");
  std::vector<midi::Note> notes;
  for (int i = 0; i < 6; ++i) {
    midi::Note n;
    n.pitch = 60 + i;
    n.velocity = 90;
    n.start_beats = i;
    n.duration_beats = 0.5;
    notes.push_back(n);
  }
  fs::create_directories(root / "patterns/jazz");
  fs::create_directories(root / "patterns/rock");
  midi::write_midi(root / "patterns/jazz/a.mid", midi::make_midi(notes, 100));
  midi::write_midi(root / "patterns/rock/empty.mid", midi::make_midi({}, 100));
  test::write_text(root / "patterns/labels.csv", "file,techniques,tempo\njazz/a.mid,callAndResponse,93\n");
  auto idx = scan_dataset(root);
  auto t = load_pattern_table(idx, 8);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t.skipped.size(), 1u);
  EXPECT_EQ(t.features.cols, 31u);
  EXPECT_EQ(t.targets.cols, 32u);
  EXPECT_EQ(t.features(0, static_cast<int>(MusicGenre::Jazz)), 1.0f);
  EXPECT_EQ(t.features(0, 8 + static_cast<int>(ProductionTechnique::CallAndResponse)), 1.0f);
  EXPECT_EQ(t.features(0, 28), 93.0f);  // tempo from labels.csv
  EXPECT_EQ(t.features(0, 29), 2.0f);   // 6 beats of notes = 2 bars of 4/4 (estimated)
  EXPECT_EQ(t.pattern_notes[0], 6);
  EXPECT_EQ(t.targets(0, 0), 60.0f);    // first note: pitch, velocity, start, duration
  EXPECT_EQ(t.targets(0, 1), 90.0f);
  EXPECT_EQ(t.targets(0, 4 * 5 + 2), 5.0f);
  EXPECT_EQ(t.targets(0, 4 * 6), 0.0f);  // padding
  fs::remove_all(root);
}

TEST(ExportCsv, OneRowPerFileAndKindWithNamedColumns) {
  auto root = make_data(2, true);
  auto idx = scan_dataset(root);
  extract_features(idx, root / "store.db", quiet(), test::FakeExtractor{});
  FeatureStore store(root / "store.db");
  export_csv(idx, store, root / "out/features.csv");
  auto t = read_csv(root / "out/features.csv");
  EXPECT_TRUE(t.problems.empty());
  EXPECT_EQ(t.header.size(), 4u + 32 + 6 + 4 + 1034);
  EXPECT_EQ(t.header[4], "genre.tempo");
  ASSERT_EQ(t.rows.size(), 3u + 4 + 1);
  auto path_c = *t.column("path"), model_c = *t.column("model"), label_c = *t.column("label"),
       err_c = *t.column("error"), tempo_c = *t.column("genre.tempo");
  int checked = 0;
  for (const auto& r : t.rows) {
    if (r.fields[path_c] == "genres/edm/bad.wav") {
      EXPECT_NE(r.fields[err_c].find("refuses"), std::string::npos);
      continue;
    }
    if (r.fields[model_c] == "genre") {
      float want = test::FakeExtractor::make(hash_file(root / r.fields[path_c]), 1).genre->to_vector()[0];
      EXPECT_EQ(std::stof(r.fields[tempo_c]), want);
      EXPECT_EQ(r.fields[label_c], r.fields[path_c].find("/edm/") != std::string::npos ? "EDM/Electronic" : "Jazz");
      ++checked;
    }
    if (r.fields[path_c] == "techniques/t1.wav")
      EXPECT_EQ(r.fields[label_c], "Call & Response;Rhythmic Delay");
  }
  EXPECT_EQ(checked, 2);
  fs::remove_all(root);
}

}  // namespace
}  // namespace echoelml::data
