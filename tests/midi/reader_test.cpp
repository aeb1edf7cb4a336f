// Reader on hand-assembled files whose notes and times are derived by hand in the comments.
#include <gtest/gtest.h>

#include <fstream>

#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"
#include "smf_bytes.h"
#include "support/shared_data.h"

namespace echoelml::midi {
namespace {

using test::Bytes;
using test::smf;

MidiFile parse(const Bytes& b) { return parse_midi(b, "test.mid"); }

TEST(ParseMidi, Format0RunningStatusAndVelocityZeroOff) {
  // PPQ 96. C4 on at 0, off (note-on vel 0, running status) at 96; E4 on at 96, off at 288.
  Bytes t = {0x00, 0x90, 60, 100,  // on C4
             0x60, 60, 0,          // +96, running status, vel 0 = off C4
             0x00, 64, 90,         // +0, on E4 (running status)
             0x81, 0x40, 0x80, 64, 0,  // +192 (VLQ 0x81 0x40), explicit note-off E4
             0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse(smf(0, 96, {t}));
  EXPECT_EQ(m.format, 0);
  EXPECT_EQ(m.ticks_per_quarter, 96);
  ASSERT_EQ(m.notes.size(), 2u);
  EXPECT_EQ(m.notes[0].pitch, 60);
  EXPECT_EQ(m.notes[0].velocity, 100);
  EXPECT_EQ(m.notes[0].duration_ticks, 96);
  EXPECT_DOUBLE_EQ(m.notes[0].duration_s, 0.5);  // default 120 BPM: one quarter = 0.5 s
  EXPECT_DOUBLE_EQ(m.notes[0].duration_beats, 1.0);
  EXPECT_EQ(m.notes[1].pitch, 64);
  EXPECT_EQ(m.notes[1].start_tick, 96);
  EXPECT_EQ(m.notes[1].duration_ticks, 192);
  EXPECT_DOUBLE_EQ(m.notes[1].start_s, 0.5);
  EXPECT_DOUBLE_EQ(m.notes[1].duration_s, 1.0);
  ASSERT_EQ(m.tempo_map.size(), 1u);
  EXPECT_EQ(m.tempo_map[0].microseconds_per_quarter, 500000);
  ASSERT_EQ(m.tracks.size(), 1u);
  EXPECT_EQ(m.tracks[0].events.size(), 5u);  // 4 channel events + end of track
}

TEST(ParseMidi, TempoMapMergedAcrossTracksConvertsSeconds) {
  // Track 0: tempo 500000 at 0, 250000 (240 BPM) at tick 192; 3/4 at 0.
  // Track 1: note 96..288 -> start 0.5 s; end = 192 ticks * 0.5/96 + 96 ticks * 0.25/96 = 1.25 s.
  Bytes t0 = {0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,  // 500000
              0x00, 0xFF, 0x58, 0x04, 3, 2, 24, 8,       // 3/4
              0x81, 0x40, 0xFF, 0x51, 0x03, 0x03, 0xD0, 0x90,  // +192: 250000
              0x00, 0xFF, 0x2F, 0x00};
  Bytes t1 = {0x00, 0xFF, 0x03, 0x04, 'B', 'a', 's', 's',
              0x60, 0x91, 40, 80,          // +96 on ch 1
              0x81, 0x40, 0x81, 40, 64,    // +192 off
              0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse(smf(1, 96, {t0, t1}));
  ASSERT_EQ(m.tempo_map.size(), 2u);
  EXPECT_EQ(m.tempo_map[1].tick, 192);
  EXPECT_EQ(m.tempo_map[1].microseconds_per_quarter, 250000);
  ASSERT_EQ(m.time_signatures.size(), 1u);
  EXPECT_EQ(m.time_signatures[0].numerator, 3);
  EXPECT_EQ(m.time_signatures[0].denominator, 4);
  EXPECT_EQ(m.tracks[1].name, "Bass");
  ASSERT_EQ(m.notes.size(), 1u);
  const Note& n = m.notes[0];
  EXPECT_EQ(n.channel, 1);
  EXPECT_EQ(n.track, 1);
  EXPECT_DOUBLE_EQ(n.start_s, 0.5);
  EXPECT_DOUBLE_EQ(n.duration_s, 0.75);
  EXPECT_DOUBLE_EQ(n.start_beats, 1.0);
  EXPECT_DOUBLE_EQ(n.duration_beats, 2.0);
  EXPECT_DOUBLE_EQ(tick_to_seconds(m, 288), 1.25);
}

TEST(ParseMidi, OverlappingSamePitchNotesPairFifo) {
  // on@0, on@10, off@20, off@30 (same pitch): FIFO gives [0,20] and [10,30].
  Bytes t = {0x00, 0x90, 50, 100, 0x0A, 0x90, 50, 90, 0x0A, 0x80, 50, 0, 0x0A, 0x80, 50, 0,
             0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse(smf(0, 96, {t}));
  ASSERT_EQ(m.notes.size(), 2u);
  EXPECT_EQ(m.notes[0].start_tick, 0);
  EXPECT_EQ(m.notes[0].duration_ticks, 20);
  EXPECT_EQ(m.notes[0].velocity, 100);
  EXPECT_EQ(m.notes[1].start_tick, 10);
  EXPECT_EQ(m.notes[1].duration_ticks, 20);
  EXPECT_EQ(m.notes[1].velocity, 90);
}

TEST(ParseMidi, OpenNoteEndsAtTrackEndAndStrayOffIgnored) {
  Bytes t = {0x00, 0x80, 61, 0,       // stray off: no note
             0x00, 0x90, 62, 70,      // never switched off
             0x83, 0x00, 0xFF, 0x2F, 0x00};  // end of track at +384
  const MidiFile m = parse(smf(0, 96, {t}));
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_EQ(m.notes[0].pitch, 62);
  EXPECT_EQ(m.notes[0].duration_ticks, 384);
  EXPECT_DOUBLE_EQ(m.notes[0].duration_s, 2.0);
}

TEST(ParseMidi, ProgramChangesApplyPerChannelFromTheirTick) {
  Bytes t = {0x00, 0xC2, 33,              // ch 2 -> program 33
             0x00, 0x92, 40, 100, 0x10, 0x82, 40, 0,
             0x00, 0xC2, 5,               // ch 2 -> program 5
             0x00, 0x92, 41, 100, 0x10, 0x82, 41, 0,
             0x00, 0x99, 36, 127, 0x10, 0x89, 36, 0,  // drums, channel 9, no program change
             0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse(smf(0, 96, {t}));
  ASSERT_EQ(m.notes.size(), 3u);
  EXPECT_EQ(m.notes[0].program, 33);
  EXPECT_EQ(m.notes[1].program, 5);
  EXPECT_EQ(m.notes[2].channel, 9);
  EXPECT_EQ(m.notes[2].program, 0);
}

TEST(ParseMidi, SysexMetaAndUnknownChunksAreKeptOrSkipped) {
  Bytes t = {0x00, 0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7,  // GM reset sysex
             0x00, 0xF7, 0x02, 0x01, 0x02,                    // escape sysex
             0x00, 0xFF, 0x01, 0x02, 'h', 'i',                 // text meta
             0x00, 0x90, 60, 1, 0x01, 0x90, 60, 0,
             0x00, 0xFF, 0x2F, 0x00};
  Bytes file = test::header(1, 1, 96);
  test::append(file, test::chunk("XFIH", {1, 2, 3, 4, 5}));  // unknown chunk first
  test::append(file, test::chunk("MTrk", t));
  const MidiFile m = parse(file);
  ASSERT_EQ(m.tracks.size(), 1u);
  const auto& ev = m.tracks[0].events;
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].status, 0xF0);
  EXPECT_EQ(ev[0].data, (std::vector<std::uint8_t>{0x7E, 0x7F, 0x09, 0x01, 0xF7}));
  EXPECT_EQ(ev[1].status, 0xF7);
  EXPECT_EQ(ev[2].meta_type, 0x01);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_EQ(m.notes[0].velocity, 1);
}

TEST(ParseMidi, SmpteDivisionUsesFixedTickRate) {
  // 25 fps, 40 ticks per frame = 1000 ticks/s. Note 500..1500 -> 0.5 s + 1.0 s; beats at 120 BPM.
  const std::uint16_t division = static_cast<std::uint16_t>((0xE7 << 8) | 40);  // -25
  Bytes t = {0x83, 0x74, 0x90, 60, 100, 0x87, 0x68, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse(smf(0, division, {t}));
  EXPECT_EQ(m.ticks_per_quarter, 0);
  EXPECT_EQ(m.smpte_fps, 25);
  EXPECT_EQ(m.ticks_per_frame, 40);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_EQ(m.notes[0].start_tick, 500);
  EXPECT_DOUBLE_EQ(m.notes[0].start_s, 0.5);
  EXPECT_DOUBLE_EQ(m.notes[0].duration_s, 1.0);
  EXPECT_DOUBLE_EQ(m.notes[0].start_beats, 1.0);
  EXPECT_DOUBLE_EQ(m.notes[0].duration_beats, 2.0);
}

TEST(ParseMidi, Format2TracksHaveTheirOwnTempo) {
  // Track 0 at 60 BPM, track 1 at default 120 BPM; each has a note at tick 96 (one beat).
  Bytes t0 = {0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40,  // 1000000 us
              0x60, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00};
  Bytes t1 = {0x60, 0x90, 62, 100, 0x60, 0x80, 62, 0, 0x00, 0xFF, 0x2F, 0x00};
  const MidiFile m = parse(smf(2, 96, {t0, t1}));
  ASSERT_EQ(m.notes.size(), 2u);
  EXPECT_EQ(m.notes[0].pitch, 62);  // 0.5 s, earlier than track 0's 1.0 s
  EXPECT_DOUBLE_EQ(m.notes[0].start_s, 0.5);
  EXPECT_DOUBLE_EQ(m.notes[1].start_s, 1.0);
  EXPECT_DOUBLE_EQ(m.notes[1].duration_s, 1.0);
}

TEST(ParseMidi, ErrorsNameFileAndOffset) {
  Bytes t = {0x00, 0x90, 60, 100, 0x00, 0xF4, 0x00, 0xFF, 0x2F, 0x00};  // 0xF4 undefined
  try {
    parse_midi(smf(0, 96, {t}), "bad/song.mid");
    FAIL() << "no FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.path(), "bad/song.mid");
    EXPECT_EQ(e.offset(), 14 + 8 + 5);  // MThd 14 bytes, MTrk header 8, then 4 event bytes + delta
    EXPECT_NE(std::string(e.what()).find("bad/song.mid: byte 27: MIDI: undefined status byte 0xF4"),
              std::string::npos) << e.what();
  }
}

TEST(ReadMidi, MissingFileIsIoError) {
  EXPECT_THROW(read_midi("/nonexistent/dir/x.mid"), IoError);
}

TEST(ReadMidi, ReadsFileFromDisk) {
  const auto dir = echoelml::test::make_temp_dir("midi_read");
  const Bytes b = smf(0, 96, {{0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00}});
  std::ofstream(dir / "a.mid", std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
  const MidiFile m = read_midi(dir / "a.mid");
  EXPECT_EQ(m.notes.size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::midi
