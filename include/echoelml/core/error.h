// The one exception hierarchy of echoelml. The CLI's main() is the only place that catches.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace echoelml {

/// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A parameter outside its documented range (librosa's ParameterError).
class ParameterError : public Error {
 public:
  using Error::Error;
};

/// Opening, reading or writing a file failed. what() is "<path>: <reason>".
class IoError : public Error {
 public:
  IoError(const std::filesystem::path& path, const std::string& reason)
      : Error(path.string() + ": " + reason), path_(path) {}
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// A file whose content is malformed (audio, MIDI, protobuf ...). what() is
/// "<path>: byte <offset>: <reason>" when the offset is known, else "<path>: <reason>".
class FormatError : public Error {
 public:
  static constexpr std::int64_t kNoOffset = -1;
  FormatError(const std::filesystem::path& path, std::int64_t offset, const std::string& reason)
      : Error(path.string() + ": " + (offset >= 0 ? "byte " + std::to_string(offset) + ": " : "") +
              reason),
        path_(path),
        offset_(offset) {}
  FormatError(const std::filesystem::path& path, const std::string& reason)
      : FormatError(path, kNoOffset, reason) {}
  const std::filesystem::path& path() const noexcept { return path_; }
  std::int64_t offset() const noexcept { return offset_; }

 private:
  std::filesystem::path path_;
  std::int64_t offset_;
};

}  // namespace echoelml
