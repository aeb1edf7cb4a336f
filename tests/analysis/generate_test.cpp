// generate_pattern: model rows become playable notes the way the app reads them; the seed's
// variation is deterministic; the MIDI file round-trips; bad parameters are refused.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/analysis_fixtures.h"
#include "echoelml/analysis/generate.h"
#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"

namespace echoelml::analysis {
namespace {

ModelSet pattern_models() {
  const auto dir = test::make_temp_dir("analysis_gen");
  test::write_espec_models(dir);
  return ModelSet::load(dir);
}

GenerateParams params() {
  GenerateParams p;
  p.inputs = {MusicGenre::HipHop, {ProductionTechnique::RhythmicLayering}, 90, 4, 0.6};
  return p;
}

TEST(GeneratePattern, NotesAreTheModelRowsTruncatedAsTheAppDoes) {
  const ModelSet m = pattern_models();
  const GeneratedPattern g = generate_pattern(m, params());
  const PatternRows rows = m.predict_pattern(params().inputs);
  ASSERT_EQ(g.rows, rows);
  ASSERT_FALSE(g.notes.empty());
  EXPECT_EQ(g.notes.size() + g.dropped, rows.size());
  EXPECT_DOUBLE_EQ(g.length_beats, 16.0);
  for (const auto& n : g.notes) {
    EXPECT_GE(n.pitch, 0);
    EXPECT_LE(n.pitch, 127);
    EXPECT_GE(n.velocity, 1);
    EXPECT_GE(n.start_beats, 0.0);
    EXPECT_LT(n.start_beats, 16.0);
    EXPECT_GT(n.duration_beats, 0.0);
    EXPECT_LE(n.start_beats + n.duration_beats, 16.0 + 1e-9);
    // Some row produced exactly this note: trunc(pitch), trunc(velocity), same start.
    bool found = false;
    for (const auto& r : rows)
      found |= static_cast<int>(std::trunc(r[0])) == n.pitch && static_cast<int>(std::trunc(r[1])) == n.velocity &&
               std::abs(std::fmod(static_cast<double>(r[2]), 16.0) - n.start_beats) < 1e-6;
    EXPECT_TRUE(found) << n.pitch << " " << n.start_beats;
  }
  for (std::size_t i = 1; i < g.notes.size(); ++i) EXPECT_LE(g.notes[i - 1].start_beats, g.notes[i].start_beats);
}

// A model whose starts all lie beyond the pattern still gives notes: they fold into the loop.
TEST(GeneratePattern, StartsPastTheEndFoldIntoTheLoop) {
  const ModelSet m = pattern_models();
  GenerateParams p = params();
  p.inputs.bars = 1;  // 4 beats; the fixture's starts reach up to 16 beats
  const auto g = generate_pattern(m, p);
  EXPECT_GT(g.folded, 0u);
  for (const auto& n : g.notes) EXPECT_LT(n.start_beats, 4.0);
}

TEST(GeneratePattern, SeedGivesRepeatableVariation) {
  const ModelSet m = pattern_models();
  GenerateParams a = params(), b = params();
  a.seed = 7, b.seed = 7;
  const auto ga = generate_pattern(m, a), gb = generate_pattern(m, b);
  EXPECT_EQ(ga.rows, gb.rows);
  ASSERT_EQ(ga.notes.size(), gb.notes.size());
  for (std::size_t i = 0; i < ga.notes.size(); ++i) EXPECT_EQ(ga.notes[i].velocity, gb.notes[i].velocity);
  EXPECT_LE(std::abs(ga.complexity_sent - 0.6), a.variation + 1e-12);

  GenerateParams c = params();
  c.seed = 8;
  const auto gc = generate_pattern(m, c);
  EXPECT_NE(gc.complexity_sent, ga.complexity_sent);
  EXPECT_EQ(generate_pattern(m, params()).complexity_sent, 0.6);  // no seed: exactly as asked
}

TEST(GeneratePattern, MidiFileRoundTripsTheNotes) {
  const ModelSet m = pattern_models();
  GenerateParams p = params();
  p.channel = 9;
  const auto g = generate_pattern(m, p);
  const auto dir = test::make_temp_dir("analysis_gen_midi");
  midi::write_midi(dir / "p.mid", pattern_midi(g, 90));
  const midi::MidiFile back = midi::read_midi(dir / "p.mid");
  ASSERT_EQ(back.notes.size(), g.notes.size());
  ASSERT_FALSE(back.tempo_map.empty());
  EXPECT_EQ(back.tempo_map[0].microseconds_per_quarter, 666667);  // 90 BPM
  for (std::size_t i = 0; i < g.notes.size(); ++i) {
    EXPECT_EQ(back.notes[i].channel, 9);
    EXPECT_NEAR(back.notes[i].start_beats, g.notes[i].start_beats, 1.0 / 480);
  }
}

TEST(GeneratePattern, BadParametersAndMissingModelAreParameterErrors) {
  const ModelSet m = pattern_models();
  auto bad = [&](auto edit) {
    GenerateParams p = params();
    edit(p);
    EXPECT_THROW(generate_pattern(m, p), ParameterError);
  };
  bad([](GenerateParams& p) { p.inputs.tempo_bpm = 0; });
  bad([](GenerateParams& p) { p.inputs.bars = 0; });
  bad([](GenerateParams& p) { p.inputs.bars = 2.5; });
  bad([](GenerateParams& p) { p.inputs.complexity = 1.5; });
  bad([](GenerateParams& p) { p.channel = 16; });
  bad([](GenerateParams& p) { p.program = 128; });
  const ModelSet none = ModelSet::load(test::make_temp_dir("analysis_gen_none"));
  EXPECT_THROW(generate_pattern(none, params()), ParameterError);
}

TEST(GeneratePattern, RenderingGivesAudibleStereo) {
  const ModelSet m = pattern_models();
  const auto g = generate_pattern(m, params());
  const io::AudioBuffer a = render_pattern(g, 90);
  EXPECT_EQ(a.channels, 2u);
  EXPECT_NEAR(a.duration_s(), 16 * 60.0 / 90 + 2.0, 0.5);
  float peak = 0;
  for (float v : a.data) peak = std::max(peak, std::abs(v));
  EXPECT_GT(peak, 0.001f);
}

}  // namespace
}  // namespace echoelml::analysis
