// io::AudioReader: io::load's native-rate decode, one caller-sized block at a time.
#include "echoelml/io/reader.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "echoelml/core/error.h"
#include "io/sndfile_source.h"

namespace echoelml::io {

struct AudioReader::Impl {
  explicit Impl(const std::filesystem::path& p) : src(p) {}
  detail::SndfileSource src;
  AudioInfo info;
  std::size_t cap = 0, got = 0;
};

AudioReader::AudioReader(const std::filesystem::path& path, std::optional<double> duration) {
  if (duration && (!std::isfinite(*duration) || *duration < 0.0))
    throw ParameterError(path.string() + ": load: duration must be >= 0 s, got " + std::to_string(*duration));
  impl_ = std::make_unique<Impl>(path);
  Impl& m = *impl_;
  m.info = m.src.audio_info();
  // soundfile's rule, as io::load: at most the header's frame count, int(duration * sr) of them.
  std::int64_t want = std::max<std::int64_t>(m.src.info().frames, 0);
  if (duration) want = std::min(want, static_cast<std::int64_t>(*duration * m.info.sr));
  m.cap = static_cast<std::size_t>(want);
}

AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;

const AudioInfo& AudioReader::info() const { return impl_->info; }
std::size_t AudioReader::frames_read() const { return impl_->got; }

std::size_t AudioReader::read(float* interleaved, std::size_t max_frames) {
  Impl& m = *impl_;
  if (m.got >= m.cap || max_frames == 0) return 0;
  const std::size_t n = m.src.read(interleaved, std::min(max_frames, m.cap - m.got));
  detail::check_finite(m.src.path(), interleaved, n, m.info.channels, m.got);
  m.got += n;
  if (n == 0 && m.src.frames_exact())
    throw FormatError(m.src.path(), "truncated: the header promises " + std::to_string(m.cap) +
                                        " frames from frame 0, only " + std::to_string(m.got) +
                                        " could be decoded");
  return n;
}

}  // namespace echoelml::io
