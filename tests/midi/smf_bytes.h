// Hand-assembled Standard MIDI File bytes for tests. Deliberately independent of the writer
// under test: chunks are spelled out byte by byte from the SMF 1.0 layout.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace echoelml::midi::test {

using Bytes = std::vector<std::uint8_t>;

inline void append(Bytes& out, std::initializer_list<std::uint8_t> b) { out.insert(out.end(), b); }
inline void append(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

inline Bytes chunk(std::string_view id, const Bytes& body) {  // id: 4 ASCII characters
  Bytes out(id.begin(), id.end());
  const auto n = static_cast<std::uint32_t>(body.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  append(out, body);
  return out;
}

/// MThd with the given format, track count and raw 16-bit division.
inline Bytes header(int format, int ntracks, std::uint16_t division) {
  return chunk("MThd", {0, static_cast<std::uint8_t>(format), static_cast<std::uint8_t>(ntracks >> 8),
                        static_cast<std::uint8_t>(ntracks), static_cast<std::uint8_t>(division >> 8),
                        static_cast<std::uint8_t>(division)});
}

inline Bytes smf(int format, std::uint16_t division, std::initializer_list<Bytes> track_bodies) {
  Bytes out = header(format, static_cast<int>(track_bodies.size()), division);
  for (const Bytes& t : track_bodies) append(out, chunk("MTrk", t));
  return out;
}

}  // namespace echoelml::midi::test
