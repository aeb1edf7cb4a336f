// generate_dataset writes the documented layout, deterministically, and resumes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "echoelml/midi/midi.h"
#include "echoelml/synth/synth.h"
#include "support/shared_data.h"

namespace echoelml::synth {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream f(p);
  for (std::string line; std::getline(f, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    rows.push_back(cells);
  }
  return rows;
}

std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = slurp(e.path());
  return files;
}

// Names of files that differ or exist on one side only (never prints the bytes).
std::vector<std::string> diff(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
  std::vector<std::string> out;
  for (const auto& [k, v] : a)
    if (!b.count(k) || b.at(k) != v) out.push_back(k);
  for (const auto& [k, v] : b)
    if (!a.count(k)) out.push_back(k);
  return out;
}

SynthParams small(std::uint64_t seed) {
  SynthParams p;
  p.per_genre = 1;
  p.seed = seed;
  p.short_clips = true;
  p.threads = 2;
  p.quiet = true;
  return p;
}

// One generated set shared by the tests (rendering takes a few seconds).
const fs::path& generated() {
  static const fs::path dir = [] {
    auto d = echoelml::test::make_temp_dir("synth-layout");
    const auto s = generate_dataset(d, small(7));
    EXPECT_EQ(s.failed, 0u) << (s.errors.empty() ? "" : s.errors.front());
    EXPECT_EQ(s.written, 32u);
    return d;
  }();
  return dir;
}

TEST(Dataset, HasTheDocumentedLayout) {
  const auto& d = generated();
  for (auto g : all_genres()) {
    const std::string name(case_name(g));
    EXPECT_TRUE(fs::exists(d / "genres" / name / (name + "_0000.wav"))) << name;
    EXPECT_TRUE(fs::exists(d / "techniques" / "audio" / (name + "_0000.wav"))) << name;
    EXPECT_TRUE(fs::exists(d / "patterns" / name / (name + "_0000.mid"))) << name;
  }
  const auto info = io::probe(d / "genres" / "hiphop" / "hiphop_0000.wav");
  EXPECT_EQ(info.sr, 44100.0);
  EXPECT_EQ(info.channels, 2u);
  EXPECT_EQ(info.frames, 5u * 44100u);
  // No temporary files are left behind.
  for (const auto& e : fs::recursive_directory_iterator(d))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

TEST(Dataset, TechniqueLabelsAreRawValuesOfExistingFiles) {
  const auto& d = generated();
  const auto rows = read_csv(d / "techniques" / "labels.csv");
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"file", "techniques"}));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 2u);
    EXPECT_TRUE(fs::exists(d / "techniques" / rows[i][0])) << rows[i][0];
    std::stringstream ss(rows[i][1]);
    int n = 0;
    for (std::string t; std::getline(ss, t, ';'); ++n) {
      const auto found = find_technique(t);
      ASSERT_TRUE(found.has_value()) << t;
      EXPECT_EQ(raw_value(*found), t);  // raw value, not the case name
    }
    EXPECT_GE(n, 1);
  }
}

TEST(Dataset, PatternLabelsMatchTheMidiFiles) {
  const auto& d = generated();
  const auto rows = read_csv(d / "patterns" / "labels.csv");
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"file", "techniques", "tempo", "bars", "complexity"}));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto m = midi::read_midi(d / "patterns" / rows[i][0]);
    ASSERT_FALSE(m.notes.empty());
    EXPECT_NEAR(60e6 / m.tempo_map.front().microseconds_per_quarter, std::stod(rows[i][2]), 0.05);
    const int bars = std::stoi(rows[i][3]);
    EXPECT_TRUE(bars == 4 || bars == 8);
    double end = 0;
    for (const auto& n : m.notes) end = std::max(end, n.start_beats);
    EXPECT_LT(end, 4.0 * bars);
    EXPECT_GT(end, 4.0 * (bars - 1));
    const double c = std::stod(rows[i][4]);
    EXPECT_TRUE(c >= 0 && c <= 1);
    std::stringstream ss(rows[i][1]);
    for (std::string t; std::getline(ss, t, ';');) {
      ASSERT_TRUE(find_technique(t).has_value()) << t;
      const auto cat = category(*find_technique(t));
      EXPECT_TRUE(cat == TechniqueCategory::Composition || cat == TechniqueCategory::Arrangement) << t;
    }
  }
}

TEST(Dataset, MixesComeAsCleanAndFlawedPairs) {
  const auto& d = generated();
  const auto rows = read_csv(d / "mixes" / "labels.csv");
  ASSERT_EQ(rows.size(), 17u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"file", "flaw", "source"}));
  std::map<std::string, int> flaws;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_TRUE(fs::exists(d / "mixes" / rows[i][0])) << rows[i][0];
    ++flaws[rows[i][1]];
  }
  EXPECT_EQ(flaws["clean"], 8);
  EXPECT_EQ(flaws.size(), 8u);  // clean + the 7 flaws, one each for 8 genres
  // A too_quiet file really is quieter than its clean source.
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][1] != "too_quiet") continue;
    const auto q = io::load(d / "mixes" / rows[i][0], {.sr = 0, .mono = true});
    const auto c = io::load(d / "mixes" / (rows[i][2] + "_clean.wav"), {.sr = 0, .mono = true});
    double eq = 0, ec = 0;
    for (float v : q.data) eq += v * v;
    for (float v : c.data) ec += v * v;
    EXPECT_LT(eq, 0.05 * ec);
  }
}

TEST(Dataset, SameSeedSameBytesDifferentSeedDifferentBytes) {
  const auto& d = generated();
  auto again = echoelml::test::make_temp_dir("synth-again");
  auto p = small(7);
  p.threads = 1;  // a different schedule must not matter
  generate_dataset(again, p);
  EXPECT_EQ(diff(tree(d), tree(again)), std::vector<std::string>{});
  auto other = echoelml::test::make_temp_dir("synth-other");
  generate_dataset(other, small(8));
  const auto a = tree(d), b = tree(other);
  EXPECT_TRUE(a.at("genres/edm/edm_0000.wav") != b.at("genres/edm/edm_0000.wav"));
  EXPECT_TRUE(a.at("patterns/labels.csv") != b.at("patterns/labels.csv"));
  fs::remove_all(again);
  fs::remove_all(other);
}

TEST(Dataset, RerunSkipsExistingItemsAndRedoesMissingOnes) {
  auto dir = echoelml::test::make_temp_dir("synth-resume");
  fs::copy(generated(), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const auto before = tree(dir);
  fs::remove(dir / "genres" / "jazz" / "jazz_0000.wav");
  const auto s = generate_dataset(dir, small(7));
  EXPECT_EQ(s.written, 1u);
  EXPECT_EQ(s.skipped, 31u);
  EXPECT_EQ(diff(tree(dir), before), std::vector<std::string>{});
  fs::remove_all(dir);
}

TEST(Dataset, InvalidParametersThrow) {
  auto dir = echoelml::test::make_temp_dir("synth-bad");
  auto p = small(1);
  p.per_genre = 0;
  EXPECT_THROW(generate_dataset(dir, p), ParameterError);
  p = small(1);
  p.short_clips = false;
  p.clip_seconds = -1;
  EXPECT_THROW(generate_dataset(dir, p), ParameterError);
  p = small(1);
  p.soundfont = "/nonexistent/none.sf2";
  EXPECT_THROW(generate_dataset(dir, p), IoError);
  fs::remove_all(dir);
}

TEST(Dataset, ItemRngDependsOnEveryKeyPart) {
  EXPECT_EQ(item_rng(1, 0, 0, 0)(), item_rng(1, 0, 0, 0)());
  EXPECT_NE(item_rng(1, 0, 0, 0)(), item_rng(2, 0, 0, 0)());
  EXPECT_NE(item_rng(1, 0, 0, 0)(), item_rng(1, 1, 0, 0)());
  EXPECT_NE(item_rng(1, 0, 0, 0)(), item_rng(1, 0, 1, 0)());
  EXPECT_NE(item_rng(1, 0, 0, 0)(), item_rng(1, 0, 0, 1)());
}

}  // namespace
}  // namespace echoelml::synth
