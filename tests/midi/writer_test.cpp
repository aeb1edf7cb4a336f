// Writer: serialize/parse round trips, make_midi layout and the refusals.
#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"
#include "smf_bytes.h"
#include "support/shared_data.h"

namespace echoelml::midi {
namespace {

Note note(int pitch, double start, double dur, int vel = 100, int ch = 0, int program = 0) {
  Note n;
  n.pitch = pitch;
  n.start_beats = start;
  n.duration_beats = dur;
  n.velocity = vel;
  n.channel = ch;
  n.program = program;
  return n;
}

void expect_same_notes(const std::vector<Note>& a, const std::vector<Note>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a[i].pitch, b[i].pitch);
    EXPECT_EQ(a[i].velocity, b[i].velocity);
    EXPECT_EQ(a[i].channel, b[i].channel);
    EXPECT_EQ(a[i].program, b[i].program);
    EXPECT_NEAR(a[i].start_beats, b[i].start_beats, 1e-9);
    EXPECT_NEAR(a[i].duration_beats, b[i].duration_beats, 1e-9);
    EXPECT_NEAR(a[i].start_s, b[i].start_s, 1e-9);
    EXPECT_NEAR(a[i].duration_s, b[i].duration_s, 1e-9);
  }
}

TEST(MakeMidi, BuildsTempoTrackProgramsAndDrumChannel) {
  const std::vector<Note> in = {note(36, 0, 0.25, 110, 9), note(42, 0.5, 0.25, 70, 9),
                                note(40, 0, 1.0, 80, 0, 33), note(45, 1, 1.0, 80, 0, 33)};
  const MidiFile m = make_midi(in, 100.0, 480);
  EXPECT_EQ(m.format, 1);
  ASSERT_EQ(m.tracks.size(), 3u);  // conductor, channel 0, drums
  EXPECT_EQ(m.tracks[2].name, "Drums");
  ASSERT_EQ(m.tempo_map.size(), 1u);
  EXPECT_EQ(m.tempo_map[0].microseconds_per_quarter, 600000);  // 60e6 / 100
  ASSERT_EQ(m.notes.size(), 4u);
  // Sorted by start then pitch: 36@0, 40@0, 42@0.5, 45@1.
  EXPECT_EQ(m.notes[0].pitch, 36);
  EXPECT_EQ(m.notes[0].channel, 9);
  EXPECT_EQ(m.notes[1].program, 33);
  EXPECT_DOUBLE_EQ(m.notes[2].start_s, 0.5 * 0.6);
  EXPECT_DOUBLE_EQ(m.notes[3].duration_s, 0.6);
  EXPECT_EQ(m.notes[3].start_tick, 480);
}

TEST(MakeMidi, WriteThenReadGivesTheSameNotes) {
  std::vector<Note> in;
  for (int i = 0; i < 32; ++i) in.push_back(note(36 + i % 12, i * 0.25, (i % 3) * 0.125, 1 + (i * 37) % 127, i % 5 == 0 ? 9 : 1, 7));
  in.push_back(note(60, 2.0, 0.0, 50, 2, 0));   // zero length
  in.push_back(note(60, 2.0, 1.0, 60, 2, 0));   // same pitch and start, longer
  in.push_back(note(60, 3.0, 0.5, 70, 2, 0));   // starts where the long one ends
  in.push_back(note(61, 3.0, 0.5, 70, 2, 19));  // program switch on the channel
  const MidiFile made = make_midi(in, 93.5, 960);
  const auto dir = echoelml::test::make_temp_dir("midi_write");
  write_midi(dir / "out.mid", made);
  const MidiFile back = read_midi(dir / "out.mid");
  expect_same_notes(back.notes, made.notes);
  EXPECT_EQ(back.notes.size(), in.size());
  std::filesystem::remove_all(dir);
}

TEST(SerializeMidi, ParsedFileRoundTripsEventForEvent) {
  using test::Bytes;
  Bytes t = {0x00, 0xF0, 0x03, 0x43, 0x12, 0xF7, 0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
             0x00, 0x90, 60, 100, 0x60, 60, 0, 0x00, 0xE0, 0x00, 0x40, 0x00, 0xFF, 0x2F, 0x00};
  const MidiFile a = parse_midi(test::smf(0, 96, {t}), "a.mid");
  const auto bytes = serialize_midi(a);
  const MidiFile b = parse_midi(bytes, "b.mid");
  ASSERT_EQ(b.tracks.size(), 1u);
  EXPECT_EQ(a.tracks[0].events, b.tracks[0].events);
  EXPECT_EQ(b.format, 0);
  expect_same_notes(a.notes, b.notes);
  // Without running status the writer spells the note-off status out: 1 byte longer.
  EXPECT_EQ(bytes.size(), test::smf(0, 96, {t}).size() + 1);
}

TEST(SerializeMidi, SmpteDivisionRoundTrips) {
  MidiFile m;
  m.format = 0;
  m.ticks_per_quarter = 0;
  m.smpte_fps = 29;
  m.ticks_per_frame = 80;
  m.tracks.resize(1);
  m.tracks[0].events = {{0, 0x90, 0, {60, 100}}, {2400, 0x80, 0, {60, 0}}};
  const MidiFile back = parse_midi(serialize_midi(m), "s.mid");
  EXPECT_EQ(back.smpte_fps, 29);
  EXPECT_EQ(back.ticks_per_frame, 80);
  ASSERT_EQ(back.notes.size(), 1u);
  EXPECT_NEAR(back.notes[0].duration_s, 2400 / (80 * 30000.0 / 1001.0), 1e-12);  // 29.97 fps
  EXPECT_EQ(back.tracks[0].events.back().meta_type, kMetaEndOfTrack);  // appended
}

TEST(SerializeMidi, RefusesWhatCannotBeWritten) {
  MidiFile m;
  m.tracks.resize(1);
  m.format = 2;
  EXPECT_THROW(serialize_midi(m), ParameterError);
  m.format = 0;
  m.tracks.resize(2);
  EXPECT_THROW(serialize_midi(m), ParameterError);
  m.format = 1;
  m.tracks.resize(1);
  m.tracks[0].events = {{10, 0x90, 0, {60, 100}}, {5, 0x80, 0, {60, 0}}};  // unsorted
  EXPECT_THROW(serialize_midi(m), ParameterError);
  m.tracks[0].events = {{0, 0x90, 0, {60}}};  // missing data byte
  EXPECT_THROW(serialize_midi(m), ParameterError);
  m.tracks[0].events = {{0, 0x90, 0, {60, 200}}};  // data byte > 127
  EXPECT_THROW(serialize_midi(m), ParameterError);
  m.tracks[0].events = {{0, 0xFF, kMetaEndOfTrack, {}}, {1, 0x90, 0, {60, 1}}};
  EXPECT_THROW(serialize_midi(m), ParameterError);
  m.tracks[0].events.clear();
  m.ticks_per_quarter = 0;  // and no SMPTE rate
  EXPECT_THROW(serialize_midi(m), ParameterError);
}

TEST(MakeMidi, InvalidArgumentsThrow) {
  EXPECT_THROW(make_midi({}, 0.0), ParameterError);
  EXPECT_THROW(make_midi({}, -1.0), ParameterError);
  EXPECT_THROW(make_midi({}, 120.0, 0), ParameterError);
  EXPECT_THROW(make_midi({}, 120.0, 40000), ParameterError);
  EXPECT_THROW(make_midi({note(128, 0, 1)}, 120.0), ParameterError);
  EXPECT_THROW(make_midi({note(60, 0, 1, 0)}, 120.0), ParameterError);
  EXPECT_THROW(make_midi({note(60, 0, 1, 100, 16)}, 120.0), ParameterError);
  EXPECT_THROW(make_midi({note(60, -1, 1)}, 120.0), ParameterError);
  EXPECT_THROW(make_midi({note(60, 0, -0.5)}, 120.0), ParameterError);
  EXPECT_THROW(make_midi({note(60, 1e300, 1)}, 120.0), ParameterError);
}

TEST(MakeMidi, DefaultsPinned) {
  const MidiFile m = make_midi({note(60, 0, 1)}, 120.0);
  EXPECT_EQ(m.ticks_per_quarter, 480);
  EXPECT_EQ(m.time_signatures.at(0).numerator, 4);
  EXPECT_EQ(m.notes.at(0).duration_ticks, 480);
}

}  // namespace
}  // namespace echoelml::midi
