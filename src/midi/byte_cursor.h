// Bounds-checked reading of a MIDI byte buffer. Every read checks the remaining length first
// and throws FormatError(path, offset, ...) instead of reading past the end, so corrupt files
// can never make the parser read out of bounds, loop without progress or allocate from a
// declared length that the buffer cannot back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "echoelml/core/error.h"

namespace echoelml::midi::detail {

class ByteCursor {
 public:
  ByteCursor(std::span<const std::uint8_t> bytes, const std::filesystem::path& path)
      : bytes_(bytes), path_(path) {}

  std::size_t offset() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos < bytes_.size() ? pos : bytes_.size(); }
  std::size_t size() const { return bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ >= bytes_.size(); }

  [[noreturn]] void fail(const std::string& reason) const { fail_at(pos_, reason); }
  [[noreturn]] void fail_at(std::size_t offset, const std::string& reason) const {
    throw FormatError(path_, static_cast<std::int64_t>(offset), "MIDI: " + reason);
  }

  void need(std::size_t n, const char* what) const {
    if (n > remaining())
      fail(std::string("truncated ") + what + ": needs " + std::to_string(n) + " bytes, " +
           std::to_string(remaining()) + " left");
  }
  std::uint8_t peek(const char* what) const {
    need(1, what);
    return bytes_[pos_];
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return bytes_[pos_++];
  }
  std::uint32_t u16be(const char* what) {
    need(2, what);
    std::uint32_t v = (std::uint32_t{bytes_[pos_]} << 8) | bytes_[pos_ + 1];
    pos_ += 2;
    return v;
  }
  std::uint32_t u32be(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | bytes_[pos_ + i];
    pos_ += 4;
    return v;
  }
  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    need(n, what);
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(std::size_t n, const char* what) { take(n, what); }

  /// Variable-length quantity: 7 bits per byte, high bit = more follows. The SMF spec caps it
  /// at 4 bytes (0x0FFFFFFF); a longer one is corrupt, which also stops 0xFF 0xFF ... runs.
  std::uint32_t vlq(const char* what) {
    const std::size_t start = pos_;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint8_t b = u8(what);
      v = (v << 7) | (b & 0x7Fu);
      if (!(b & 0x80u)) return v;
    }
    fail_at(start, std::string(what) + ": variable-length quantity longer than 4 bytes");
  }

 private:
  std::span<const std::uint8_t> bytes_;
  const std::filesystem::path& path_;
  std::size_t pos_ = 0;
};

}  // namespace echoelml::midi::detail
