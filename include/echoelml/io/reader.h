// Block-wise decoding at the native rate, for consumers that use each block while it is in
// cache instead of holding the whole signal (analyze's 44.1 kHz path).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

#include "echoelml/io/audio.h"

namespace echoelml::io {

/// Decodes a file from its first frame in interleaved float32 blocks: the samples, the frame
/// count and the errors of io::load(path, {.sr = 0, .mono = false, .duration = duration})
/// (the same libsndfile decoding, NaN/inf check and truncation check).
class AudioReader {
 public:
  /// Throws IoError/FormatError as io::probe, ParameterError for a negative or non-finite duration.
  explicit AudioReader(const std::filesystem::path& path, std::optional<double> duration = {});
  ~AudioReader();
  AudioReader(AudioReader&&) noexcept;
  AudioReader& operator=(AudioReader&&) noexcept;

  const AudioInfo& info() const;  ///< the header (frames: libsndfile's count, an estimate for MP3)
  /// Reads up to max_frames frames into interleaved[0 .. frames*channels); returns the frames
  /// read, 0 at the end. Throws FormatError naming the file for a decoder error, a NaN/inf
  /// sample (with its frame and channel) or a file that ends before its header says.
  std::size_t read(float* interleaved, std::size_t max_frames);
  std::size_t frames_read() const;  ///< frames returned so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace echoelml::io
