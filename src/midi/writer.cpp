// Standard MIDI File writer (format 0/1, no running status) and the tick/time helpers.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <tuple>
#include <string>

#include "derive.h"
#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"

namespace echoelml::midi {
namespace {

constexpr std::uint32_t kMaxVlq = 0x0FFFFFFF;  // largest 4-byte variable-length quantity

void put_u16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_vlq(std::vector<std::uint8_t>& out, std::uint32_t v) {
  std::uint8_t buf[4];
  int n = 0;
  do {
    buf[n++] = static_cast<std::uint8_t>(v & 0x7F);
    v >>= 7;
  } while (v && n < 4);
  while (n > 1) out.push_back(buf[--n] | 0x80);
  out.push_back(buf[0]);
}

std::string where(std::size_t track, std::size_t event) {
  return "serialize_midi: track " + std::to_string(track) + " event " + std::to_string(event) + ": ";
}

void check_event(const Event& e, std::size_t t, std::size_t i) {
  if (e.status < 0x80) throw ParameterError(where(t, i) + "status " + std::to_string(e.status) + " < 0x80");
  if (e.status < 0xF0) {
    const std::size_t n = (e.status & 0xF0) == 0xC0 || (e.status & 0xF0) == 0xD0 ? 1 : 2;
    if (e.data.size() != n)
      throw ParameterError(where(t, i) + "channel event needs " + std::to_string(n) + " data bytes, has " +
                           std::to_string(e.data.size()));
    for (std::uint8_t b : e.data)
      if (b >= 0x80) throw ParameterError(where(t, i) + "data byte " + std::to_string(b) + " > 127");
  } else if (e.status != 0xFF && e.status != 0xF0 && e.status != 0xF7) {
    throw ParameterError(where(t, i) + "status " + std::to_string(e.status) + " cannot be stored in a file");
  }
  if (e.data.size() > kMaxVlq) throw ParameterError(where(t, i) + "payload too large");
}

void put_track(std::vector<std::uint8_t>& out, const Track& track, std::size_t t) {
  std::vector<std::uint8_t> body;
  std::int64_t prev = 0;
  bool ended = false;
  for (std::size_t i = 0; i < track.events.size(); ++i) {
    const Event& e = track.events[i];
    check_event(e, t, i);
    if (ended) throw ParameterError(where(t, i) + "event after end-of-track");
    if (e.tick < prev) throw ParameterError(where(t, i) + "tick " + std::to_string(e.tick) + " before the previous event's " + std::to_string(prev));
    if (e.tick - prev > kMaxVlq) throw ParameterError(where(t, i) + "delta time too large");
    put_vlq(body, static_cast<std::uint32_t>(e.tick - prev));
    prev = e.tick;
    body.push_back(e.status);
    if (e.status == 0xFF) {
      body.push_back(e.meta_type);
      ended = e.meta_type == kMetaEndOfTrack;
    }
    if (e.status >= 0xF0) put_vlq(body, static_cast<std::uint32_t>(e.data.size()));
    body.insert(body.end(), e.data.begin(), e.data.end());
  }
  if (!ended) body.insert(body.end(), {0x00, 0xFF, kMetaEndOfTrack, 0x00});
  out.insert(out.end(), {'M', 'T', 'r', 'k'});
  put_u32(out, static_cast<std::uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

Event meta(std::int64_t tick, std::uint8_t type, std::vector<std::uint8_t> data) {
  return Event{tick, 0xFF, type, std::move(data)};
}

// Notes must end within 2^40 ticks (hundreds of years at any tempo) so tick arithmetic stays exact.
constexpr double kMaxNoteEndTicks = 1099511627776.0;

void check_note(const Note& n, std::size_t i, int ticks_per_quarter) {
  auto bad = [&](const std::string& what) {
    throw ParameterError("make_midi: note " + std::to_string(i) + ": " + what);
  };
  if (n.pitch < 0 || n.pitch > 127) bad("pitch " + std::to_string(n.pitch) + " not in 0..127");
  if (n.velocity < 1 || n.velocity > 127) bad("velocity " + std::to_string(n.velocity) + " not in 1..127");
  if (n.channel < 0 || n.channel > 15) bad("channel " + std::to_string(n.channel) + " not in 0..15");
  if (n.program < 0 || n.program > 127) bad("program " + std::to_string(n.program) + " not in 0..127");
  if (!(n.start_beats >= 0) || !std::isfinite(n.start_beats)) bad("start_beats must be finite and >= 0");
  if (!(n.duration_beats >= 0) || !std::isfinite(n.duration_beats)) bad("duration_beats must be finite and >= 0");
  if ((n.start_beats + n.duration_beats) * ticks_per_quarter > kMaxNoteEndTicks) bad("note ends too late (beyond 2^40 ticks)");
}

}  // namespace

std::vector<std::uint8_t> serialize_midi(const MidiFile& m) {
  if (m.format != 0 && m.format != 1)
    throw ParameterError("serialize_midi: format " + std::to_string(m.format) + " cannot be written (0 or 1)");
  if (m.format == 0 && m.tracks.size() != 1)
    throw ParameterError("serialize_midi: format 0 needs exactly 1 track, has " + std::to_string(m.tracks.size()));
  if (m.tracks.empty() || m.tracks.size() > 0xFFFF)
    throw ParameterError("serialize_midi: track count " + std::to_string(m.tracks.size()) + " not in 1..65535");
  std::uint32_t division = 0;
  if (m.ticks_per_quarter > 0) {
    if (m.ticks_per_quarter > 0x7FFF)
      throw ParameterError("serialize_midi: ticks_per_quarter " + std::to_string(m.ticks_per_quarter) + " > 32767");
    division = static_cast<std::uint32_t>(m.ticks_per_quarter);
  } else {
    const int fps = m.smpte_fps;
    if ((fps != 24 && fps != 25 && fps != 29 && fps != 30) || m.ticks_per_frame < 1 || m.ticks_per_frame > 255)
      throw ParameterError("serialize_midi: no valid division (ticks_per_quarter " + std::to_string(m.ticks_per_quarter) +
                           ", smpte_fps " + std::to_string(fps) + ", ticks_per_frame " + std::to_string(m.ticks_per_frame) + ")");
    division = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(-fps)) << 8) |
               static_cast<std::uint32_t>(m.ticks_per_frame);
  }
  std::vector<std::uint8_t> out{'M', 'T', 'h', 'd'};
  put_u32(out, 6);
  put_u16(out, static_cast<std::uint32_t>(m.format));
  put_u16(out, static_cast<std::uint32_t>(m.tracks.size()));
  put_u16(out, division);
  for (std::size_t t = 0; t < m.tracks.size(); ++t) put_track(out, m.tracks[t], t);
  return out;
}

void write_midi(const std::filesystem::path& path, const MidiFile& m) {
  const auto bytes = serialize_midi(m);
  write_file_atomic(path, std::as_bytes(std::span(bytes)));
}

MidiFile make_midi(const std::vector<Note>& notes, double bpm, int ticks_per_quarter) {
  if (!(bpm > 0) || !std::isfinite(bpm)) throw ParameterError("make_midi: bpm must be finite and > 0, got " + std::to_string(bpm));
  if (ticks_per_quarter < 1 || ticks_per_quarter > 0x7FFF)
    throw ParameterError("make_midi: ticks_per_quarter " + std::to_string(ticks_per_quarter) + " not in 1..32767");
  const long us = std::lround(60'000'000.0 / bpm);
  if (us < 1 || us > 0xFFFFFF) throw ParameterError("make_midi: bpm " + std::to_string(bpm) + " outside the MIDI tempo range");
  for (std::size_t i = 0; i < notes.size(); ++i) check_note(notes[i], i, ticks_per_quarter);

  MidiFile m;
  m.format = 1;
  m.ticks_per_quarter = ticks_per_quarter;
  Track conductor;
  const std::string title = "echoelml";
  conductor.events.push_back(meta(0, kMetaTrackName, {title.begin(), title.end()}));
  conductor.events.push_back(meta(0, kMetaTempo, {static_cast<std::uint8_t>(us >> 16), static_cast<std::uint8_t>(us >> 8),
                                                  static_cast<std::uint8_t>(us)}));
  conductor.events.push_back(meta(0, kMetaTimeSignature, {4, 2, 24, 8}));
  conductor.events.push_back(meta(0, kMetaEndOfTrack, {}));
  m.tracks.push_back(std::move(conductor));

  auto to_tick = [&](double beats) { return static_cast<std::int64_t>(std::llround(beats * ticks_per_quarter)); };
  for (int ch = 0; ch < 16; ++ch) {
    // Events at one tick are ordered so the reader pairs them back correctly: note-offs of
    // earlier notes, program changes, note-ons (shortest first, so FIFO pairing ends the
    // zero-length ones first), then the offs of zero-length notes.
    struct Keyed { std::int64_t tick; int cls; std::int64_t order; Event e; };
    std::vector<Keyed> ev;
    int program = -1;
    std::vector<const Note*> mine;
    for (const Note& n : notes)
      if (n.channel == ch) mine.push_back(&n);
    if (mine.empty()) continue;
    std::stable_sort(mine.begin(), mine.end(), [&](const Note* a, const Note* b) {
      return to_tick(a->start_beats) < to_tick(b->start_beats);
    });
    for (const Note* n : mine) {
      const std::int64_t on = to_tick(n->start_beats), len = to_tick(n->duration_beats);
      const auto st = static_cast<std::uint8_t>(ch);
      if (n->program != program) {
        ev.push_back({on, 1, 0, Event{on, static_cast<std::uint8_t>(0xC0 | st), 0, {static_cast<std::uint8_t>(n->program)}}});
        program = n->program;
      }
      const auto p = static_cast<std::uint8_t>(n->pitch), v = static_cast<std::uint8_t>(n->velocity);
      ev.push_back({on, 2, len, Event{on, static_cast<std::uint8_t>(0x90 | st), 0, {p, v}}});
      ev.push_back({on + len, len == 0 ? 3 : 0, 0, Event{on + len, static_cast<std::uint8_t>(0x80 | st), 0, {p, 0}}});
    }
    std::stable_sort(ev.begin(), ev.end(), [](const Keyed& a, const Keyed& b) {
      return std::tie(a.tick, a.cls, a.order) < std::tie(b.tick, b.cls, b.order);
    });
    Track t;
    const std::string name = ch == 9 ? "Drums" : "Channel " + std::to_string(ch + 1);
    t.events.push_back(meta(0, kMetaTrackName, {name.begin(), name.end()}));
    for (auto& k : ev) t.events.push_back(std::move(k.e));
    t.events.push_back(meta(t.events.back().tick, kMetaEndOfTrack, {}));
    m.tracks.push_back(std::move(t));
  }
  detail::derive(m);
  return m;
}

double tick_to_seconds(const MidiFile& m, std::int64_t tick) {
  return detail::TimeMap(m, m.tempo_map).seconds(tick);
}
double tick_to_beats(const MidiFile& m, std::int64_t tick) {
  return detail::TimeMap(m, m.tempo_map).beats(tick);
}

}  // namespace echoelml::midi
