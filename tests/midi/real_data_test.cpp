// Every real file in shared/data/groove-midi and shared/data/freedoom-midi: reads, agrees
// with the Groove index (bpm, time signature, duration), and survives serialize -> parse.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "echoelml/midi/groove.h"
#include "echoelml/midi/midi.h"
#include "support/shared_data.h"

namespace echoelml::midi {
namespace {

namespace fs = std::filesystem;

fs::path groove_root() { return echoelml::test::shared_dir() / "data/groove-midi"; }
fs::path freedoom_root() { return echoelml::test::shared_dir() / "data/freedoom-midi"; }

std::vector<fs::path> midi_files(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".mid") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Properties every parsed file must have, whatever its content.
void expect_valid(const MidiFile& m, const fs::path& p) {
  SCOPED_TRACE(p.string());
  ASSERT_FALSE(m.notes.empty());
  ASSERT_FALSE(m.tempo_map.empty());
  EXPECT_EQ(m.tempo_map.front().tick, 0);
  for (std::size_t i = 1; i < m.tempo_map.size(); ++i) EXPECT_LT(m.tempo_map[i - 1].tick, m.tempo_map[i].tick);
  // Each note-on with velocity > 0 yields exactly one note.
  std::size_t note_ons = 0;
  for (const Track& t : m.tracks)
    for (const Event& e : t.events) note_ons += (e.status & 0xF0) == 0x90 && e.data[1] > 0;
  EXPECT_EQ(m.notes.size(), note_ons);
  for (std::size_t i = 0; i < m.notes.size(); ++i) {
    const Note& n = m.notes[i];
    ASSERT_TRUE(n.pitch >= 0 && n.pitch <= 127) << i;
    ASSERT_TRUE(n.velocity >= 1 && n.velocity <= 127) << i;
    ASSERT_TRUE(n.channel >= 0 && n.channel <= 15) << i;
    ASSERT_GE(n.duration_ticks, 0) << i;
    ASSERT_GE(n.duration_s, 0.0) << i;
    ASSERT_GE(n.start_s, 0.0) << i;
    if (i > 0) {
      ASSERT_LE(m.notes[i - 1].start_s, n.start_s) << i;
    }
  }
}

void expect_round_trip(const MidiFile& m, const fs::path& p) {
  SCOPED_TRACE(p.string());
  const MidiFile back = parse_midi(serialize_midi(m), p);
  ASSERT_EQ(back.tracks.size(), m.tracks.size());
  for (std::size_t t = 0; t < m.tracks.size(); ++t) EXPECT_TRUE(back.tracks[t].events == m.tracks[t].events) << t;
  ASSERT_EQ(back.notes.size(), m.notes.size());
  for (std::size_t i = 0; i < m.notes.size(); ++i) {
    const Note &a = m.notes[i], &b = back.notes[i];
    ASSERT_TRUE(a.pitch == b.pitch && a.velocity == b.velocity && a.channel == b.channel &&
                a.program == b.program && a.start_tick == b.start_tick && a.duration_ticks == b.duration_ticks &&
                a.start_s == b.start_s && a.duration_s == b.duration_s) << "note " << i;
  }
}

TEST(GrooveMidi, EveryFileIsListedInInfoCsv) {
  std::set<fs::path> listed;
  for (const GrooveEntry& e : read_groove_info(groove_root() / "info.csv")) listed.insert(groove_root() / e.midi_filename);
  const auto files = midi_files(groove_root());
  EXPECT_EQ(files.size(), 1021u);  // SOURCE.txt: train + validation splits
  EXPECT_EQ(std::set<fs::path>(files.begin(), files.end()), listed);
}

TEST(GrooveMidi, EveryFileAgreesWithItsInfoRow) {
  const auto rows = read_groove_info(groove_root() / "info.csv");
  ASSERT_EQ(rows.size(), 1021u);
  for (const GrooveEntry& e : rows) {
    const fs::path p = groove_root() / e.midi_filename;
    SCOPED_TRACE(p.string());
    const MidiFile m = read_midi(p);
    expect_valid(m, p);
    // Tempo: a constant tempo equal to info.csv's bpm (stored as whole microseconds per beat).
    for (const TempoChange& tc : m.tempo_map) EXPECT_NEAR(60e6 / tc.microseconds_per_quarter, e.bpm, 0.01);
    EXPECT_EQ(m.time_signatures.front().numerator, e.time_signature_numerator);
    EXPECT_EQ(m.time_signatures.front().denominator, e.time_signature_denominator);
    for (const Note& n : m.notes) ASSERT_EQ(n.channel, 9);  // GM drum channel
    // info.csv's duration lies between the end of the last note closed by a note-off and the
    // last channel event (the index counts trailing controller events in some sessions and
    // ignores notes left open, which our reader ends at the end of the track).
    const std::int64_t track_end = m.tracks.back().events.back().tick;
    double closed_end = 0;
    for (const Note& n : m.notes)
      if (n.start_tick + n.duration_ticks != track_end) closed_end = std::max(closed_end, n.start_s + n.duration_s);
    std::int64_t last_channel_event = 0;
    for (const Event& ev : m.tracks.back().events)
      if (ev.status >= 0x80 && ev.status < 0xF0) last_channel_event = ev.tick;
    EXPECT_GE(e.duration_s, closed_end - 1e-3);
    EXPECT_LE(e.duration_s, tick_to_seconds(m, last_channel_event) + 1e-3);
    expect_round_trip(m, p);
    if (HasFatalFailure()) return;
  }
}

TEST(FreedoomMidi, EveryFileReadsAndRoundTrips) {
  const auto files = midi_files(freedoom_root());
  EXPECT_EQ(files.size(), 66u);
  std::size_t with_tempo_changes = 0, format1 = 0;
  for (const fs::path& p : files) {
    const MidiFile m = read_midi(p);
    expect_valid(m, p);
    expect_round_trip(m, p);
    if (HasFatalFailure()) return;
    with_tempo_changes += m.tempo_map.size() > 1;
    format1 += m.format == 1;
  }
  EXPECT_GT(with_tempo_changes, 0u);  // the set exercises real tempo maps
  EXPECT_GT(format1, 0u);
}

}  // namespace
}  // namespace echoelml::midi
