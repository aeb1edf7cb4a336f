// Internal: an owning libsndfile read handle that turns every failure into IoError/FormatError.
#pragma once

#include <sndfile.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "echoelml/io/audio.h"

namespace echoelml::io::detail {

/// The buffered file behind libsndfile's virtual I/O callbacks.
/// Owns the FILE (closed on destruction, so a constructor that throws leaks nothing).
struct BufferedFile {
  std::unique_ptr<char[]> buffer;  // stdio's buffer (glibc ignores the size without one); outlives file
  std::FILE* file = nullptr;
  sf_count_t size = 0;
  BufferedFile() = default;
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;
  ~BufferedFile() {
    if (file != nullptr) std::fclose(file);
  }
};

/// soundfile's names for libsndfile's major format and subtype ("WAV", "PCM_16" ...).
std::string major_format_name(int format);
std::string subtype_name(int format);

/// Throws FormatError naming `path`, the frame (first_frame + index) and the channel of the first
/// NaN/inf among n_frames interleaved frames: such samples would poison every feature downstream.
void check_finite(const std::filesystem::path& path, const float* x, std::size_t n_frames, std::size_t channels,
                  std::size_t first_frame);

class SndfileSource {
 public:
  /// Opens for reading. Throws IoError (missing, not a regular file, unreadable) or
  /// FormatError (empty, not audio / unsupported, WAV whose data chunk runs past the end).
  explicit SndfileSource(const std::filesystem::path& path);
  ~SndfileSource();
  SndfileSource(const SndfileSource&) = delete;
  SndfileSource& operator=(const SndfileSource&) = delete;

  const SF_INFO& info() const { return info_; }
  const std::filesystem::path& path() const { return path_; }
  std::uintmax_t file_size() const { return file_size_; }
  AudioInfo audio_info() const;
  /// True when info().frames is exact (false for MPEG, where libsndfile estimates it).
  bool frames_exact() const;

  /// Seeks to an absolute frame. Throws ParameterError if past the end, FormatError on failure.
  void seek(std::int64_t frame);
  /// Reads up to n interleaved frames as float32 (libsndfile's normalisation). Returns the
  /// frames read (0 at the end). Throws FormatError on a decoder error.
  std::size_t read(float* interleaved, std::size_t n);

 private:
  std::filesystem::path path_;
  SF_INFO info_{};
  std::uintmax_t file_size_ = 0;
  BufferedFile io_;  // outlives file_ (members are destroyed after the destructor's sf_close)
  SNDFILE* file_ = nullptr;
};

}  // namespace echoelml::io::detail
