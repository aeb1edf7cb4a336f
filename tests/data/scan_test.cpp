#include <gtest/gtest.h>

#include <algorithm>

#include "data/data_test_util.h"
#include "echoelml/core/error.h"
#include "echoelml/data/csv.h"
#include "echoelml/data/dataset.h"
#include "echoelml/midi/midi.h"

namespace echoelml::data {
namespace {

namespace fs = std::filesystem;
using test::write_text;

bool has_problem(const DatasetIndex& idx, ProblemKind k, const std::string& file_part, std::size_t line = 0) {
  return std::any_of(idx.problems.begin(), idx.problems.end(), [&](const Problem& p) {
    return p.kind == k && p.file.string().find(file_part) != std::string::npos && (line == 0 || p.line == line);
  });
}

const Entry* find_entry(const DatasetIndex& idx, const std::string& rel) {
  for (const auto& e : idx.entries)
    if (e.rel == rel) return &e;
  return nullptr;
}

void write_midi_file(const fs::path& p, int n_notes, double bpm) {
  std::vector<midi::Note> notes;
  for (int i = 0; i < n_notes; ++i) {
    midi::Note n;
    n.pitch = 36 + i % 12;
    n.start_beats = i * 0.5;
    n.duration_beats = 0.25;
    notes.push_back(n);
  }
  fs::create_directories(p.parent_path());
  midi::write_midi(p, midi::make_midi(notes, bpm));
}

class ScanDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    root = test::make_temp_dir("echoelml-scan");
    write_text(root / "genres/hiphop/a.wav", "A");
    write_text(root / "genres/Jazz/sub/b.flac", "B");  // case-insensitive, recursive
    write_text(root / "genres/Jazz/notes.txt", "not audio");
    write_text(root / "genres/blues/c.mp3", "C");
    write_text(root / "genres/polka/d.wav", "D");
    write_text(root / "genres/pop/e.wav", "E");
    write_text(root / "genres/.hidden/f.wav", "F");
    write_text(root / "genres/mapping.csv", "folder,genre\nBlues,Jazz\npop,\nsurf,nonsense\n");
    write_text(root / "techniques/t1.wav", "T1");
    write_text(root / "techniques/t2.ogg", "T2");
    write_text(root / "techniques/t3.wav", "T3");
    write_text(root / "techniques/t4.wav", "T4");
    write_text(root / "techniques/labels.csv",
               "file,techniques\n"
               "t1.wav,sideChainCompression; Depth with Reverb\n"
               "t2.ogg,\"Tension & Release;tensionrelease\"\n"
               "t3.wav,wobble\n"
               "gone.wav,stereoWidening\n"
               "\"t1.wav\"x,oops\n");
    write_midi_file(root / "patterns/edm/p1.mid", 8, 128);
    write_midi_file(root / "patterns/Ambient/p2.mid", 4, 70);
    write_text(root / "patterns/labels.csv",
               "file,techniques,tempo,bars,complexity\n"
               "edm/p1.mid,buildupDropStructure,126,4,0.7\n"
               "Ambient/p2.mid,,fast,4,0.2\n");
    write_text(root / "mixes/m1.wav", "M1");
    write_text(root / "mixes/deep/m2.flac", "M2");
    write_text(root / "mixes/labels.csv", "file,rating,flaw\nm1.wav,4,\"muddy, harsh\"\n");
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
};

TEST_F(ScanDataset, GenreFoldersResolveByNameOrMappingAndSkipTheRest) {
  auto idx = scan_dataset(root);
  auto genres = idx.section(Section::Genre);
  ASSERT_EQ(genres.size(), 3u);
  EXPECT_EQ(find_entry(idx, "genres/hiphop/a.wav")->genre, MusicGenre::HipHop);
  EXPECT_EQ(find_entry(idx, "genres/Jazz/sub/b.flac")->genre, MusicGenre::Jazz);
  EXPECT_EQ(find_entry(idx, "genres/blues/c.mp3")->genre, MusicGenre::Jazz);
  EXPECT_EQ(find_entry(idx, "genres/pop/e.wav"), nullptr);  // mapped to "" = skipped on purpose
  EXPECT_TRUE(has_problem(idx, ProblemKind::UnmappedFolder, "polka"));
  EXPECT_FALSE(has_problem(idx, ProblemKind::UnmappedFolder, "pop"));
  EXPECT_TRUE(has_problem(idx, ProblemKind::UnknownLabel, "mapping.csv", 4));
}

TEST_F(ScanDataset, TechniqueLabelsJoinByPathAndReportEveryBadRow) {
  auto idx = scan_dataset(root);
  auto tech = idx.section(Section::Technique);
  ASSERT_EQ(tech.size(), 2u);
  auto* t1 = find_entry(idx, "techniques/t1.wav");
  ASSERT_NE(t1, nullptr);
  EXPECT_EQ(t1->techniques, (std::vector<ProductionTechnique>{ProductionTechnique::SideChainCompression,
                                                              ProductionTechnique::DepthWithReverb}));
  EXPECT_EQ(find_entry(idx, "techniques/t2.ogg")->techniques,
            std::vector<ProductionTechnique>{ProductionTechnique::TensionRelease});  // deduplicated
  EXPECT_TRUE(has_problem(idx, ProblemKind::UnknownLabel, "techniques/labels.csv", 4));
  EXPECT_TRUE(has_problem(idx, ProblemKind::MissingFile, "techniques/labels.csv", 5));
  EXPECT_TRUE(has_problem(idx, ProblemKind::BadCsvLine, "techniques/labels.csv", 6));
  EXPECT_TRUE(has_problem(idx, ProblemKind::Unlabelled, "t4.wav"));
  EXPECT_FALSE(has_problem(idx, ProblemKind::Unlabelled, "t3.wav"));  // already reported as unknown
}

TEST_F(ScanDataset, PatternLabelsOverrideAndBadNumbersAreReported) {
  auto idx = scan_dataset(root);
  auto* p1 = find_entry(idx, "patterns/edm/p1.mid");
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->genre, MusicGenre::Edm);
  EXPECT_EQ(p1->tempo_bpm, 126.0);
  EXPECT_EQ(p1->bars, 4);
  EXPECT_EQ(p1->complexity, 0.7);
  EXPECT_EQ(p1->techniques.size(), 1u);
  auto* p2 = find_entry(idx, "patterns/Ambient/p2.mid");
  ASSERT_NE(p2, nullptr);
  EXPECT_EQ(p2->genre, MusicGenre::Ambient);
  EXPECT_FALSE(p2->tempo_bpm.has_value());
  EXPECT_TRUE(has_problem(idx, ProblemKind::BadCsvLine, "patterns/labels.csv", 3));
}

TEST_F(ScanDataset, MixesKeepEveryExtraColumn) {
  auto idx = scan_dataset(root);
  ASSERT_EQ(idx.count(Section::Mix), 2u);
  auto* m1 = find_entry(idx, "mixes/m1.wav");
  EXPECT_EQ(m1->extra.at("rating"), "4");
  EXPECT_EQ(m1->extra.at("flaw"), "muddy, harsh");
  EXPECT_TRUE(find_entry(idx, "mixes/deep/m2.flac")->extra.empty());
}

TEST_F(ScanDataset, TechniqueAudioWithoutLabelsFileIsReported) {
  fs::remove(root / "techniques/labels.csv");
  auto idx = scan_dataset(root);
  EXPECT_EQ(idx.count(Section::Technique), 0u);
  EXPECT_TRUE(has_problem(idx, ProblemKind::MissingLabels, "techniques"));
}

TEST(ScanDatasetErrors, MissingFolderThrowsIoError) {
  EXPECT_THROW(scan_dataset("/nonexistent/data"), IoError);
}

TEST(GtzanMapping, MapsAllTenFoldersOntoAppGenres) {
  auto t = parse_csv(gtzan_mapping_csv(), "gtzan");
  ASSERT_EQ(t.rows.size(), 10u);
  std::map<std::string, std::string> mapping;
  for (const auto& r : t.rows) mapping[r.fields[0]] = r.fields[1];
  for (const char* f : {"blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"})
    EXPECT_TRUE(resolve_genre_folder(f, mapping).has_value()) << f;
  EXPECT_EQ(resolve_genre_folder("metal", mapping), MusicGenre::Rock);
  EXPECT_EQ(resolve_genre_folder("HipHop", mapping), MusicGenre::HipHop);
}

TEST(ParseTechniqueList, AcceptsRawValuesAndCaseNamesAndCollectsUnknown) {
  std::vector<std::string> unknown;
  auto v = parse_technique_list(" Side-Chain Compression ;STEREOWIDENING;;nope", &unknown);
  EXPECT_EQ(v, (std::vector<ProductionTechnique>{ProductionTechnique::SideChainCompression,
                                                 ProductionTechnique::StereoWidening}));
  EXPECT_EQ(unknown, std::vector<std::string>{"nope"});
}

}  // namespace
}  // namespace echoelml::data
