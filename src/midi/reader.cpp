// Standard MIDI File reader: chunk walking and track event decoding. All reads go through
// ByteCursor, so a corrupt file ends in FormatError with the byte offset, never in a crash.
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include "byte_cursor.h"
#include "derive.h"
#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"

namespace echoelml::midi {
namespace {

using detail::ByteCursor;

std::string hex(unsigned v) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[(v >> 4) & 0xF] + digits[v & 0xF];
}

// Payload checks for the meta events whose meaning we use, so that derive() can trust them.
void check_meta(ByteCursor& c, std::size_t offset, std::uint8_t type,
                std::span<const std::uint8_t> d) {
  if (type == kMetaTempo) {
    if (d.size() != 3) c.fail_at(offset, "tempo event has " + std::to_string(d.size()) + " bytes, expected 3");
    if (d[0] == 0 && d[1] == 0 && d[2] == 0) c.fail_at(offset, "tempo of 0 microseconds per quarter");
  } else if (type == kMetaTimeSignature) {
    if (d.size() < 2) c.fail_at(offset, "time signature event has " + std::to_string(d.size()) + " bytes, expected 4");
    if (d[0] == 0) c.fail_at(offset, "time signature numerator 0");
    // Denominators beyond 2^8 = 256 do not occur in music; a larger exponent is corruption.
    if (d[1] > 8) c.fail_at(offset, "time signature denominator 2^" + std::to_string(d[1]));
  }
}

Track parse_track(std::span<const std::uint8_t> file, std::size_t begin, std::size_t end,
                  const std::filesystem::path& path) {
  ByteCursor c(file.first(end), path);
  c.seek(begin);
  Track track;
  std::int64_t tick = 0;
  std::uint8_t running = 0;
  while (!c.at_end()) {
    tick += c.vlq("delta time");
    const std::size_t ev_offset = c.offset();
    Event e;
    e.tick = tick;
    std::uint8_t status = c.peek("event status");
    if (status < 0x80) {
      // Running status: the previous channel status is reused. It is kept across meta and
      // sysex events (a valid file never puts a data byte there, so tolerance costs nothing).
      if (running == 0) c.fail("data byte " + hex(status) + " with no running status");
      status = running;
    } else {
      c.u8("event status");
    }
    e.status = status;
    if (status < 0xF0) {
      running = status;
      const std::size_t n = (status & 0xF0) == 0xC0 || (status & 0xF0) == 0xD0 ? 1 : 2;
      auto d = c.take(n, "channel event");
      for (std::uint8_t b : d)
        if (b >= 0x80) c.fail_at(ev_offset, "status byte " + hex(b) + " inside channel event " + hex(status));
      e.data.assign(d.begin(), d.end());
    } else if (status == 0xFF) {
      e.meta_type = c.u8("meta event type");
      const std::uint32_t len = c.vlq("meta event length");
      auto d = c.take(len, "meta event payload");  // bounds-checked before any allocation
      check_meta(c, ev_offset, e.meta_type, d);
      e.data.assign(d.begin(), d.end());
    } else if (status == 0xF0 || status == 0xF7) {
      const std::uint32_t len = c.vlq("sysex length");
      auto d = c.take(len, "sysex payload");
      e.data.assign(d.begin(), d.end());
    } else {
      c.fail_at(ev_offset, "undefined status byte " + hex(status) + " in a track");
    }
    const bool end_of_track = e.status == 0xFF && e.meta_type == kMetaEndOfTrack;
    track.events.push_back(std::move(e));
    if (end_of_track) break;  // bytes after end-of-track in the chunk are ignored
  }
  return track;
}

}  // namespace

MidiFile parse_midi(std::span<const std::uint8_t> bytes, const std::filesystem::path& name_for_errors) {
  ByteCursor c(bytes, name_for_errors);
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "MThd", 4) != 0)
    c.fail("missing MThd header (not a Standard MIDI File)");
  c.skip(4, "header");
  const std::size_t len_offset = c.offset();
  const std::uint32_t header_len = c.u32be("header length");
  if (header_len < 6) c.fail_at(len_offset, "header length " + std::to_string(header_len) + " < 6");
  if (header_len > c.remaining())
    c.fail_at(len_offset, "header length " + std::to_string(header_len) + " exceeds the " +
                              std::to_string(c.remaining()) + " bytes left");
  const std::size_t header_end = c.offset() + header_len;

  MidiFile m;
  const std::size_t format_offset = c.offset();
  m.format = static_cast<int>(c.u16be("format"));
  if (m.format > 2) c.fail_at(format_offset, "unknown format " + std::to_string(m.format));
  const std::uint32_t ntracks = c.u16be("track count");
  if (ntracks == 0) c.fail_at(format_offset + 2, "header declares no tracks");
  if (m.format == 0 && ntracks != 1)
    c.fail_at(format_offset + 2, "format 0 file declares " + std::to_string(ntracks) + " tracks");
  const std::size_t division_offset = c.offset();
  const std::uint32_t division = c.u16be("division");
  if (division & 0x8000u) {
    const int fps = -static_cast<int>(static_cast<std::int8_t>(division >> 8));
    if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
      c.fail_at(division_offset, "SMPTE division with " + std::to_string(fps) + " frames per second");
    m.ticks_per_quarter = 0;
    m.smpte_fps = fps;
    m.ticks_per_frame = static_cast<int>(division & 0xFFu);
    if (m.ticks_per_frame == 0) c.fail_at(division_offset, "SMPTE division with 0 ticks per frame");
  } else {
    m.ticks_per_quarter = static_cast<int>(division);
    if (m.ticks_per_quarter == 0) c.fail_at(division_offset, "division of 0 ticks per quarter note");
  }
  c.seek(header_end);

  // No reserve(ntracks): the count is untrusted; the vector grows with the chunks present.
  while (m.tracks.size() < ntracks) {
    if (c.at_end())
      c.fail("header declares " + std::to_string(ntracks) + " tracks, file ends after " +
             std::to_string(m.tracks.size()));
    const std::size_t chunk_offset = c.offset();
    auto id = c.take(4, "chunk id");
    const std::size_t clen_offset = c.offset();
    const std::uint32_t len = c.u32be("chunk length");
    if (len > c.remaining())
      c.fail_at(clen_offset, "chunk length " + std::to_string(len) + " exceeds the " +
                                 std::to_string(c.remaining()) + " bytes left in the file");
    const std::size_t begin = c.offset();
    c.skip(len, "chunk");
    if (std::memcmp(id.data(), "MTrk", 4) == 0)
      m.tracks.push_back(parse_track(bytes, begin, begin + len, name_for_errors));
    else if (std::memcmp(id.data(), "MThd", 4) == 0)
      c.fail_at(chunk_offset, "second MThd chunk");
    // Any other chunk id is an unknown chunk and skipped, as the SMF spec asks.
  }
  detail::derive(m);
  return m;
}

MidiFile read_midi(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(path, "cannot read MIDI file: " + ec.message());
  if (size > kMaxMidiFileBytes)
    throw FormatError(path, "MIDI: file is " + std::to_string(size) + " bytes, more than the " +
                                std::to_string(kMaxMidiFileBytes) + "-byte limit");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open MIDI file for reading");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
    throw IoError(path, "short read of MIDI file");
  return parse_midi(bytes, path);
}

}  // namespace echoelml::midi
