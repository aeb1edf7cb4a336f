// libFuzzer target for the MIDI reader. Any input must either parse or throw FormatError;
// whatever parses must satisfy the note invariants, survive serialize -> parse with identical
// events and notes, and go through the PatternGenerator preparation. A violated invariant
// aborts, which libFuzzer reports as a crash with the input saved.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"
#include "echoelml/midi/pattern.h"

namespace {

using namespace echoelml::midi;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "midi_fuzz invariant violated: %s\n", what);
  std::abort();
}
void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

void check_notes(const MidiFile& m) {
  for (const Note& n : m.notes) {
    check(n.pitch >= 0 && n.pitch <= 127, "pitch range");
    check(n.velocity >= 1 && n.velocity <= 127, "velocity range");
    check(n.channel >= 0 && n.channel <= 15, "channel range");
    check(n.program >= 0 && n.program <= 127, "program range");
    check(n.duration_ticks >= 0 && n.duration_s >= 0 && n.duration_beats >= 0, "duration >= 0");
    check(n.start_s >= 0, "start >= 0");
  }
}

// Tracks read from a file may lack an end-of-track event; the writer appends one.
bool same_events(const Track& original, const Track& back) {
  const auto& a = original.events;
  const auto& b = back.events;
  if (a == b) return true;
  return b.size() == a.size() + 1 && std::equal(a.begin(), a.end(), b.begin()) &&
         b.back().status == 0xFF && b.back().meta_type == kMetaEndOfTrack;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MidiFile m;
  try {
    m = parse_midi(std::span<const std::uint8_t>(data, size), "fuzz.mid");
  } catch (const echoelml::FormatError& e) {
    check(e.offset() >= 0 && e.offset() <= static_cast<std::int64_t>(size), "error offset inside the input");
    return 0;
  }
  check_notes(m);
  (void)estimate_pattern_stats(m);
  const PatternTarget p = prepare_pattern(m);
  for (float x : p.normalised) check(x >= 0.0f && x <= 1.0f, "normalised pattern value in [0, 1]");
  if (m.format == 2) return 0;  // read-only format

  const auto bytes = serialize_midi(m);  // a parsed format 0/1 file must always be writable
  MidiFile back;
  try {
    back = parse_midi(bytes, "fuzz-roundtrip.mid");
  } catch (const echoelml::FormatError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fail("serialized file does not parse");
  }
  check(back.tracks.size() == m.tracks.size(), "round trip track count");
  for (std::size_t t = 0; t < m.tracks.size(); ++t) check(same_events(m.tracks[t], back.tracks[t]), "round trip events");
  check(back.notes.size() == m.notes.size(), "round trip note count");
  for (std::size_t i = 0; i < m.notes.size(); ++i) {
    const Note &a = m.notes[i], &b = back.notes[i];
    check(a.pitch == b.pitch && a.velocity == b.velocity && a.channel == b.channel && a.program == b.program &&
              a.start_tick == b.start_tick && a.duration_ticks == b.duration_ticks,
          "round trip notes");
  }
  return 0;
}
