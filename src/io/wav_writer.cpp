// WAV writer: libsndfile into a temporary file, then an atomic rename.
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"

namespace echoelml::io {
namespace {

constexpr std::size_t kBlockFrames = 16384;

void validate(const std::filesystem::path& path, const AudioBuffer& a) {
  const auto bad = [&](const std::string& what) {
    throw ParameterError(path.string() + ": write_wav: " + what);
  };
  if (a.channels == 0) bad("buffer has no channels");
  if (!std::isfinite(a.sr) || a.sr <= 0.0 || a.sr != std::floor(a.sr) || a.sr > 2147483647.0)
    bad("sr must be a positive integer rate in Hz, got " + std::to_string(a.sr));
  if (a.data.size() != a.channels * a.frames)
    bad("data holds " + std::to_string(a.data.size()) + " samples, expected channels*frames = " +
        std::to_string(a.channels * a.frames));
  for (std::size_t i = 0; i < a.data.size(); ++i)
    if (!std::isfinite(a.data[i]))
      bad("non-finite sample at frame " + std::to_string(i % std::max<std::size_t>(a.frames, 1)) +
          ", channel " + std::to_string(i / std::max<std::size_t>(a.frames, 1)));
}

// The reader divides PCM-16 by 2^15 (and PCM-24 by 2^23); scaling by the same power of two and
// rounding to nearest makes k/2^15 round-trip exactly. Out-of-range values clip.
std::int32_t to_int(float x, double scale, double max_int) {
  const double v = std::nearbyint(static_cast<double>(x) * scale);
  return static_cast<std::int32_t>(std::clamp(v, -scale, max_int));
}

struct SfCloser {
  SNDFILE* f;
  ~SfCloser() {
    if (f != nullptr) sf_close(f);
  }
};

}  // namespace

void write_wav(const std::filesystem::path& path, const AudioBuffer& a, WavSubtype subtype) {
  validate(path, a);
  SF_INFO info{};
  info.samplerate = static_cast<int>(a.sr);
  info.channels = static_cast<int>(a.channels);
  int sub = SF_FORMAT_PCM_16;
  if (subtype == WavSubtype::Pcm24) sub = SF_FORMAT_PCM_24;
  if (subtype == WavSubtype::Float32) sub = SF_FORMAT_FLOAT;
  info.format = SF_FORMAT_WAV | sub;

  const auto tmp = temp_path_for(path);
  const auto fail = [&](const std::string& reason) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw IoError(path, "write_wav: " + reason);
  };
  {
    SfCloser file{sf_open(tmp.c_str(), SFM_WRITE, &info)};
    if (file.f == nullptr) fail(std::string("cannot create file (libsndfile: ") + sf_strerror(nullptr) + ")");
    const std::size_t C = a.channels;
    std::vector<float> fbuf;
    std::vector<int> ibuf;
    if (subtype == WavSubtype::Float32) fbuf.resize(kBlockFrames * C);
    else ibuf.resize(kBlockFrames * C);
    // libsndfile's int path takes the sample in the top bits of an int32.
    const double scale = subtype == WavSubtype::Pcm24 ? 8388608.0 : 32768.0;
    const int shift = subtype == WavSubtype::Pcm24 ? 8 : 16;
    for (std::size_t pos = 0; pos < a.frames; pos += kBlockFrames) {
      const std::size_t n = std::min(kBlockFrames, a.frames - pos);
      for (std::size_t c = 0; c < C; ++c) {
        const float* src = a.data.data() + c * a.frames + pos;
        for (std::size_t i = 0; i < n; ++i) {
          if (subtype == WavSubtype::Float32)
            fbuf[i * C + c] = src[i];
          else
            ibuf[i * C + c] = static_cast<int>(static_cast<std::uint32_t>(to_int(src[i], scale, scale - 1.0)) << shift);
        }
      }
      const sf_count_t w = subtype == WavSubtype::Float32
                               ? sf_writef_float(file.f, fbuf.data(), static_cast<sf_count_t>(n))
                               : sf_writef_int(file.f, ibuf.data(), static_cast<sf_count_t>(n));
      if (w != static_cast<sf_count_t>(n)) fail(std::string("write failed (libsndfile: ") + sf_strerror(file.f) + ")");
    }
    const int rc = sf_close(file.f);
    file.f = nullptr;
    if (rc != 0) fail("closing the file failed (libsndfile error " + std::to_string(rc) + ")");
  }
  commit_atomic(tmp, path);
}

}  // namespace echoelml::io
