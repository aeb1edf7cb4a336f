// PatternGenerator targets and stats on hand-made patterns with hand-derived values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "echoelml/core/error.h"
#include "echoelml/midi/groove.h"
#include "echoelml/midi/pattern.h"
#include "smf_bytes.h"
#include "support/shared_data.h"

namespace echoelml::midi {
namespace {

Note hit(int pitch, double start, double dur = 0.25, int vel = 100) {
  Note n;
  n.pitch = pitch;
  n.start_beats = start;
  n.duration_beats = dur;
  n.velocity = vel;
  n.channel = 9;
  return n;
}

MidiFile four_on_the_floor(int bars) {
  std::vector<Note> v;
  for (int b = 0; b < 4 * bars; ++b) v.push_back(hit(36, b));
  return make_midi(v, 120.0);
}

// Kick on 1 and the "and" of 2, snare on 2 and 4, 16th hats with ghost-note dynamics, a
// syncopated tom: many positions within the beat, several pitches, varied velocity.
MidiFile syncopated(int bars) {
  std::vector<Note> v;
  for (int bar = 0; bar < bars; ++bar) {
    const double o = 4.0 * bar;
    v.push_back(hit(36, o + 0, 0.25, 110));
    v.push_back(hit(36, o + 1.5, 0.25, 90));
    v.push_back(hit(36, o + 2.75, 0.25, 70));
    v.push_back(hit(38, o + 1, 0.25, 120));
    v.push_back(hit(38, o + 3, 0.25, 115));
    v.push_back(hit(38, o + 2.25, 0.25, 35));
    for (int s = 0; s < 16; ++s) v.push_back(hit(s % 4 == 2 ? 46 : 42, o + s * 0.25, 0.125, s % 2 ? 45 : 95));
    v.push_back(hit(48, o + 3.333333333, 0.2, 80));
    v.push_back(hit(45, o + 3.666666667, 0.2, 75));
  }
  return make_midi(v, 96.0);
}

TEST(PreparePattern, WindowStartsAtTheBarOfTheFirstNote) {
  // Notes at beats 5 and 9 (4/4): window = bars 2..3 = beats 4..12.
  const MidiFile m = make_midi({hit(36, 5.0, 0.5, 127), hit(40, 9.0, 0.5, 64)}, 120.0);
  const PatternTarget p = prepare_pattern(m, 4);
  EXPECT_EQ(p.n_notes, 2);
  EXPECT_DOUBLE_EQ(p.window_start_beats, 4.0);
  EXPECT_DOUBLE_EQ(p.window_beats, 8.0);
  EXPECT_DOUBLE_EQ(p.beats_per_bar, 4.0);
  ASSERT_EQ(p.normalised.size(), 16u);
  const std::vector<float> raw0 = {36, 127, 1.0f, 0.5f}, nrm0 = {36 / 127.f, 1.0f, 1 / 8.f, 0.5f / 8};
  const std::vector<float> raw1 = {40, 64, 5.0f, 0.5f};
  for (int c = 0; c < 4; ++c) {
    EXPECT_FLOAT_EQ(p.raw[c], raw0[c]);
    EXPECT_FLOAT_EQ(p.normalised[c], nrm0[c]);
    EXPECT_FLOAT_EQ(p.raw[4 + c], raw1[c]);
  }
  EXPECT_EQ(p.mask, (std::vector<std::uint8_t>{1, 1, 0, 0}));
  for (std::size_t i = 8; i < 16; ++i) {
    EXPECT_EQ(p.raw[i], 0.0f);
    EXPECT_EQ(p.normalised[i], 0.0f);
  }
}

TEST(PreparePattern, KeepsTheFirstNotesAndRaisesZeroDurations) {
  std::vector<Note> v;
  for (int i = 0; i < 70; ++i) v.push_back(hit(36 + i % 5, (69 - i) * 0.5, i == 69 ? 0.0 : 0.25));
  const PatternTarget p = prepare_pattern(make_midi(v, 120.0));
  EXPECT_EQ(p.max_notes, 64);
  EXPECT_EQ(p.n_notes, 64);
  EXPECT_FLOAT_EQ(p.raw[2], 0.0f);                                     // earliest note (i = 69) first
  EXPECT_FLOAT_EQ(p.raw[3], static_cast<float>(kMinPatternDurationBeats));  // its 0 length raised
  EXPECT_FLOAT_EQ(p.raw[63 * 4 + 2], 31.5f);  // the 64th note; notes after beat 31.5 are cut
  EXPECT_DOUBLE_EQ(p.window_beats, 32.0);
  for (float x : p.normalised) {
    EXPECT_GE(x, 0.0f);
    EXPECT_LE(x, 1.0f);
  }
}

TEST(PreparePattern, EmptyFileAndInvalidMaxNotes) {
  const PatternTarget p = prepare_pattern(make_midi({}, 120.0));
  EXPECT_EQ(p.n_notes, 0);
  EXPECT_DOUBLE_EQ(p.window_beats, 4.0);
  EXPECT_EQ(p.mask, std::vector<std::uint8_t>(64, 0));
  EXPECT_THROW(prepare_pattern(make_midi({}, 120.0), 0), ParameterError);
}

TEST(PatternStats, FourOnTheFloorHasHandDerivedValues) {
  const PatternStats s = estimate_pattern_stats(four_on_the_floor(4));
  EXPECT_NEAR(s.tempo_bpm, 120.0, 1e-6);
  EXPECT_EQ(s.bars, 4);
  EXPECT_NEAR(s.density, 1.0 / (1.0 + kComplexityDensityHalf), 1e-12);  // 16 notes / 16 beats
  EXPECT_DOUBLE_EQ(s.rhythmic_variety, 0.0);  // every onset on the beat
  EXPECT_DOUBLE_EQ(s.pitch_variety, 0.0);
  EXPECT_DOUBLE_EQ(s.velocity_variety, 0.0);
  EXPECT_NEAR(s.complexity, 0.35 * 0.2, 1e-12);
}

TEST(PatternStats, SyncopatedVariedPatternIsMoreComplex) {
  const PatternStats plain = estimate_pattern_stats(four_on_the_floor(4));
  const PatternStats busy = estimate_pattern_stats(syncopated(4));
  EXPECT_NEAR(busy.tempo_bpm, 96.0, 1e-6);
  EXPECT_EQ(busy.bars, 4);
  EXPECT_GT(busy.density, plain.density);
  EXPECT_GT(busy.rhythmic_variety, plain.rhythmic_variety);
  EXPECT_GT(busy.pitch_variety, plain.pitch_variety);
  EXPECT_GT(busy.velocity_variety, plain.velocity_variety);
  EXPECT_GT(busy.complexity, plain.complexity + 0.3);
  EXPECT_LE(busy.complexity, 1.0);
}

TEST(PatternStats, EachIngredientIsMonotone) {
  // Adding off-beat 8ths to the kick raises rhythmic variety: positions {0} -> {0, 6} of 12
  // with equal counts = 1 bit of log2(12).
  std::vector<Note> v;
  for (int b = 0; b < 16; ++b) v.push_back(hit(36, b));
  const PatternStats base = estimate_pattern_stats(make_midi(v, 120.0));
  auto offbeats = v;
  for (int b = 0; b < 16; ++b) offbeats.push_back(hit(36, b + 0.5));
  const PatternStats more_rhythm = estimate_pattern_stats(make_midi(offbeats, 120.0));
  EXPECT_NEAR(more_rhythm.rhythmic_variety, 1.0 / std::log2(12.0), 1e-12);
  EXPECT_GT(more_rhythm.density, base.density);
  EXPECT_GT(more_rhythm.complexity, base.complexity);
  // Two pitches used equally: 1 bit of the 4-bit scale.
  auto two_pitches = v;
  for (std::size_t i = 0; i < two_pitches.size(); i += 2) two_pitches[i].pitch = 38;
  const PatternStats more_pitch = estimate_pattern_stats(make_midi(two_pitches, 120.0));
  EXPECT_NEAR(more_pitch.pitch_variety, 0.25, 1e-12);
  EXPECT_DOUBLE_EQ(more_pitch.density, base.density);
  EXPECT_GT(more_pitch.complexity, base.complexity);
  // Velocities alternating 80/112: standard deviation 16 -> 0.5.
  auto accents = v;
  for (std::size_t i = 0; i < accents.size(); ++i) accents[i].velocity = i % 2 ? 112 : 80;
  const PatternStats more_dyn = estimate_pattern_stats(make_midi(accents, 120.0));
  EXPECT_NEAR(more_dyn.velocity_variety, 0.5, 1e-12);
  EXPECT_GT(more_dyn.complexity, base.complexity);
}

TEST(PatternStats, TempoIsTimeWeightedAndBarsFollowTheTimeSignature) {
  // PPQ 96, 3/4; 120 BPM for beats 0..4, then 60 BPM. One note from beat 0 to beat 8:
  // 4 beats * 0.5 s + 4 beats * 1 s = 6 s for 8 beats -> 80 BPM; 8 beats of 3/4 = 3 bars.
  using test::Bytes;
  Bytes t = {0x00, 0xFF, 0x58, 0x04, 3, 2, 24, 8,
             0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
             0x00, 0x99, 36, 100,
             0x83, 0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40,  // +384 = beat 4: 60 BPM
             0x83, 0x00, 0x89, 36, 0,                        // +384 = beat 8: off
             0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse_midi(test::smf(0, 96, {t}), "tempo.mid");
  const PatternStats s = estimate_pattern_stats(m);
  EXPECT_NEAR(s.tempo_bpm, 80.0, 1e-9);
  EXPECT_EQ(s.bars, 3);
  const PatternTarget p = prepare_pattern(m);
  EXPECT_DOUBLE_EQ(p.beats_per_bar, 3.0);
  EXPECT_DOUBLE_EQ(p.window_beats, 9.0);  // bar end at or after beat 8
}

TEST(PatternStats, EmptyFileGivesZeroBarsAndFirstTempo) {
  const PatternStats s = estimate_pattern_stats(make_midi({}, 90.0));
  EXPECT_EQ(s.bars, 0);
  EXPECT_NEAR(s.tempo_bpm, 90.0, 0.01);
  EXPECT_EQ(s.complexity, 0.0);
}

TEST(PatternStats, GrooveFilesMatchTheirIndex) {
  const auto root = echoelml::test::shared_dir() / "data/groove-midi";
  const auto rows = read_groove_info(root / "info.csv");
  for (std::size_t i = 0; i < rows.size(); i += 50) {
    const GrooveEntry& e = rows[i];
    SCOPED_TRACE(e.midi_filename.string());
    const MidiFile m = read_midi(root / e.midi_filename);
    const PatternStats s = estimate_pattern_stats(m);
    EXPECT_NEAR(s.tempo_bpm, e.bpm, 0.01);
    // Bars cover the notes: the last note ends inside the last counted bar.
    double end_beats = 0;
    for (const Note& n : m.notes) end_beats = std::max(end_beats, n.start_beats + n.duration_beats);
    const double bpb = e.time_signature_numerator * 4.0 / e.time_signature_denominator;
    EXPECT_EQ(s.bars, static_cast<int>(std::ceil(end_beats / bpb - 1e-6)));
    EXPECT_GT(s.complexity, 0.0);
    EXPECT_LT(s.complexity, 1.0);
    const PatternTarget p = prepare_pattern(m);
    EXPECT_EQ(p.n_notes, std::min<int>(64, static_cast<int>(m.notes.size())));
  }
}

}  // namespace
}  // namespace echoelml::midi

namespace echoelml::midi {
namespace {

TEST(PatternStats, FarAwayNotesSaturateBarsInsteadOfOverflowing) {
  // PPQ 1 and 1/256 time: 1024 deltas of 0x0FFFFFFF ticks put a note at 2^38 beats = 2^44 bars.
  test::Bytes t = {0x00, 0xFF, 0x58, 0x04, 1, 8, 24, 8};
  for (int i = 0; i < 1024; ++i) test::append(t, {0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0x01, 0x00});
  test::append(t, {0x00, 0x99, 36, 100, 0x01, 0x89, 36, 0, 0x00, 0xFF, 0x2F, 0x00});
  const MidiFile m = parse_midi(test::smf(0, 1, {t}), "far.mid");
  const PatternStats s = estimate_pattern_stats(m);
  EXPECT_EQ(s.bars, std::numeric_limits<int>::max());
  EXPECT_GE(s.complexity, 0.0);
  EXPECT_LE(s.complexity, 1.0);
}

}  // namespace
}  // namespace echoelml::midi
