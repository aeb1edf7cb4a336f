// Standard MIDI Files: our own reader and writer (format 0 and 1, running status, meta and
// sysex events, tempo maps, PPQ and SMPTE division) and the notes they contain.
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
struct Event {
  std::int64_t tick = 0;  // absolute
  std::uint8_t status = 0;     // 0x80..0xEF channel, 0xF0/0xF7 sysex, 0xFF meta
  std::uint8_t meta_type = 0;  // for 0xFF
  std::vector<std::uint8_t> data;
};

struct Track {
  std::string name;
  std::vector<Event> events;  // sorted by tick
};

struct MidiFile {
  int format = 1;                 // 0, 1 (or 2, read only)
  int ticks_per_quarter = 480;    // PPQ division; 0 when SMPTE
  int smpte_fps = 0;              // 24, 25, 29 (29.97), 30 when SMPTE division
  int ticks_per_frame = 0;        // SMPTE sub-frame resolution
  std::vector<Track> tracks;
  std::vector<TempoChange> tempo_map;    // merged over tracks, sorted, first at tick 0
  std::vector<TimeSignature> time_signatures;
  std::vector<Note> notes;               // sorted by start, then pitch
};

}  // namespace echoelml::midi
