// Standard MIDI Files: our own reader and writer (format 0 and 1, format 2 read-only, running
// status, meta and sysex events, tempo maps, PPQ and SMPTE division) and the notes they contain.
//
// The raw `tracks` are the source of truth: the reader fills them from the file, the writer
// serialises them. `tempo_map`, `time_signatures` and `notes` are derived from the tracks by
// the reader (and by make_midi); editing them does not change what serialize_midi writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace echoelml::midi {

/// One note, paired note-on/note-off, with times both in seconds (through the tempo map) and
/// in beats (quarter notes; for SMPTE files beats assume 120 BPM).
struct Note {
  int pitch = 60;      // 0..127
  int velocity = 100;  // 1..127
  int channel = 0;     // 0..15 (9 = GM drums)
  int program = 0;     // GM program active on the channel at note-on, 0..127
  int track = 0;
  double start_s = 0, duration_s = 0;
  double start_beats = 0, duration_beats = 0;
  std::int64_t start_tick = 0, duration_ticks = 0;
};

struct TempoChange {
  std::int64_t tick = 0;
  int microseconds_per_quarter = 500000;  // 120 BPM
};

struct TimeSignature {
  std::int64_t tick = 0;
  int numerator = 4, denominator = 4;
};

/// A raw event as stored in a track (for round trips); data excludes the status byte for
/// channel events and holds the payload for meta (type in meta_type) and sysex events.
/// For 0xF0 sysex the payload is everything after the length (normally ending in 0xF7).
struct Event {
  std::int64_t tick = 0;  // absolute
  std::uint8_t status = 0;     // 0x80..0xEF channel, 0xF0/0xF7 sysex, 0xFF meta
  std::uint8_t meta_type = 0;  // for 0xFF
  std::vector<std::uint8_t> data;
  bool operator==(const Event&) const = default;
};

struct Track {
  std::string name;           // first track-name meta event (0x03), empty if none
  std::vector<Event> events;  // sorted by tick; the end-of-track meta event included
};

struct MidiFile {
  int format = 1;                 // 0, 1 (or 2, read only)
  int ticks_per_quarter = 480;    // PPQ division; 0 when SMPTE
  int smpte_fps = 0;              // 24, 25, 29 (29.97), 30 when SMPTE division
  int ticks_per_frame = 0;        // SMPTE sub-frame resolution
  std::vector<Track> tracks;
  std::vector<TempoChange> tempo_map;    // merged over tracks, sorted, first at tick 0
  std::vector<TimeSignature> time_signatures;  // merged over tracks, sorted, first at tick 0
  std::vector<Note> notes;               // sorted by start, then pitch
};

// Meta event types the reader interprets (all others are kept raw).
inline constexpr std::uint8_t kMetaTrackName = 0x03;
inline constexpr std::uint8_t kMetaEndOfTrack = 0x2F;
inline constexpr std::uint8_t kMetaTempo = 0x51;
inline constexpr std::uint8_t kMetaTimeSignature = 0x58;

/// Files larger than this are refused with FormatError before being read (no MIDI file in
/// practice comes near it; it bounds memory for hostile input).
inline constexpr std::uintmax_t kMaxMidiFileBytes = 64u << 20;

/// Parses a Standard MIDI File held in memory. `name_for_errors` only labels errors.
/// Throws FormatError (with the byte offset) for anything malformed: missing MThd, bad
/// division, chunk lengths beyond the end, fewer MTrk chunks than declared, over-long
/// variable-length quantities, events running past their chunk, data bytes without running
/// status, undefined status bytes, bad tempo/time-signature payloads. Unknown chunks are skipped.
/// Notes: note-on velocity 0 is a note-off; same-pitch overlaps on one track and channel pair
/// FIFO; notes still open at the end of a track end at its last event's tick. Program
/// changes apply per channel in time order across tracks (ties: track order, then file order).
/// Format 2 tracks are independent sequences: each has its own tempo map and channel state.
MidiFile parse_midi(std::span<const std::uint8_t> bytes, const std::filesystem::path& name_for_errors);
/// Reads and parses a file. Throws IoError if it cannot be read, FormatError as parse_midi.
MidiFile read_midi(const std::filesystem::path& path);

/// Serialises `m.tracks` (format 0 or 1; the derived fields are ignored) without running
/// status; an end-of-track event is appended to a track that lacks one. Throws ParameterError
/// for format 2, a format 0 file with != 1 track, an invalid division, unsorted or negative
/// ticks, malformed channel events, or an end-of-track event before the last event.
std::vector<std::uint8_t> serialize_midi(const MidiFile& m);
/// serialize_midi, written atomically (core/atomic_file.h). Throws IoError / ParameterError.
void write_midi(const std::filesystem::path& path, const MidiFile& m);

/// Builds a format 1 file from notes at a constant tempo: track 0 holds the track name, the
/// tempo and a 4/4 time signature; then one track per channel used (in channel order), each
/// with program changes before the notes that need them (channel 9 is GM drums and is named
/// "Drums"). Note times come from start_beats/duration_beats (rounded to ticks); start_s,
/// track and the tick fields of the input are ignored. The returned file is fully derived
/// (notes, tempo map ...) exactly as parse_midi(serialize_midi(result)) would give.
/// Throws ParameterError for bpm <= 0 or not finite, ticks_per_quarter outside 1..32767, or
/// a note with pitch/program outside 0..127, velocity outside 1..127, channel outside 0..15,
/// negative or non-finite start/duration.
/// Same-pitch notes that overlap on one channel cannot be told apart in MIDI: the reader
/// pairs them FIFO, so such notes may come back with swapped ends.
MidiFile make_midi(const std::vector<Note>& notes, double bpm, int ticks_per_quarter = 480);

/// Seconds at `tick` through the file's tempo map (or its SMPTE division).
double tick_to_seconds(const MidiFile& m, std::int64_t tick);
/// Quarter-note beats at `tick` (ticks / PPQ; SMPTE files assume 120 BPM).
double tick_to_beats(const MidiFile& m, std::int64_t tick);

}  // namespace echoelml::midi
