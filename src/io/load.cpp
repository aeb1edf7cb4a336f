// librosa.load: block-wise decode straight into the output (native rate) or through streaming
// soxr resampling; optional downmix.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <sys/mman.h>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "io/resampler.h"
#include "io/sndfile_source.h"

namespace echoelml::io {
namespace {

constexpr std::size_t kBlockFrames = 16384;  // decode block; bounds the scratch memory

void validate(const std::filesystem::path& path, const LoadParams& p) {
  const auto bad = [&](const std::string& what) {
    throw ParameterError(path.string() + ": load: " + what);
  };
  if (!std::isfinite(p.sr) || p.sr < 0.0) bad("sr must be >= 0 (0 = native), got " + std::to_string(p.sr));
  if (!std::isfinite(p.offset) || p.offset < 0.0) bad("offset must be >= 0 s, got " + std::to_string(p.offset));
  if (p.duration && (!std::isfinite(*p.duration) || *p.duration < 0.0))
    bad("duration must be >= 0 s, got " + std::to_string(*p.duration));
}

// np.mean(y, axis=0) in float32. For stereo this is exactly (L+R)/2. For more channels numpy's
// contiguous-axis reduction adds c0 + (c1 + c2 + ...); we follow that order (untested vs numpy).
void downmix(const float* in, std::size_t n, std::size_t channels, float* out) {
  if (channels == 1) {
    std::memcpy(out, in, n * sizeof(float));
    return;
  }
  const float inv_count = static_cast<float>(channels);
  for (std::size_t i = 0; i < n; ++i) {
    const float* f = in + i * channels;
    float rest = 0.0f;
    for (std::size_t c = 1; c < channels; ++c) rest += f[c];
    out[i] = (f[0] + rest) / inv_count;
  }
}

void deinterleave(const float* in, std::size_t n, std::size_t channels, std::size_t c, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i * channels + c];
}

}  // namespace

std::span<const float> AudioBuffer::channel(std::size_t c) const {
  if (c >= channels)
    throw ParameterError("AudioBuffer::channel: index " + std::to_string(c) + " >= channels " +
                         std::to_string(channels));
  return {data.data() + c * frames, frames};
}

std::span<float> AudioBuffer::channel(std::size_t c) {
  if (c >= channels)
    throw ParameterError("AudioBuffer::channel: index " + std::to_string(c) + " >= channels " +
                         std::to_string(channels));
  return {data.data() + c * frames, frames};
}

AudioInfo probe(const std::filesystem::path& path) {
  detail::SndfileSource src(path);
  return src.audio_info();
}

namespace {

// Channel-major output written in place: channel c starts at data[c * stride]. Decoding at the
// native rate needs no other buffer than one decode block, so every sample is written once.
class PlanarSink {
 public:
  PlanarSink(std::size_t channels, std::size_t stride) : channels_(channels) { allocate(stride); }

  // Room for `frames` frames per channel, keeping the `got` frames already written.
  void ensure(std::size_t frames, std::size_t got) {
    if (frames <= stride_) return;
    PlanarSink bigger(channels_, std::max(frames, 2 * stride_));
    for (std::size_t c = 0; c < channels_; ++c)
      std::memcpy(bigger.channel(c), channel(c), got * sizeof(float));
    std::swap(data_, bigger.data_);
    stride_ = bigger.stride_;
  }
  float* channel(std::size_t c) { return data_.data() + c * stride_; }

  // Packs the channels to frames apart and hands the buffer over.
  std::vector<float> finish(std::size_t frames) {
    for (std::size_t c = 1; c < channels_ && frames < stride_; ++c)
      std::memmove(data_.data() + c * frames, channel(c), frames * sizeof(float));
    data_.resize(channels_ * frames);
    // MP3 frame counts are estimates: give back a noticeably over-sized buffer (one copy).
    if (data_.capacity() > data_.size() + data_.size() / 32) data_.shrink_to_fit();
    return std::move(data_);
  }

 private:
  void allocate(std::size_t stride) {
    stride_ = std::max<std::size_t>(stride, 1);
    const std::size_t n = channels_ * stride_;
    data_.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // A 3-minute stereo song is 63 MB: with 2 MB pages the kernel takes ~30 page faults
    // instead of ~15,000 when the buffer is first written (a measurable part of decoding).
    constexpr std::uintptr_t kPage = 4096;
    const auto lo = (reinterpret_cast<std::uintptr_t>(data_.data()) + kPage - 1) & ~(kPage - 1);
    const auto hi = (reinterpret_cast<std::uintptr_t>(data_.data() + n)) & ~(kPage - 1);
    if (n * sizeof(float) >= (std::size_t{4} << 20) && hi > lo)
      ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
    data_.resize(n);
  }

  std::size_t channels_;
  std::size_t stride_ = 0;
  std::vector<float> data_;
};

// Writes channel c of n interleaved frames to out (n frames).
void deinterleave_to(const float* in, std::size_t n, std::size_t channels, std::size_t c, float* out) {
  if (channels == 1) {
    std::memcpy(out, in, n * sizeof(float));
  } else if (channels == 2) {
    for (std::size_t i = 0; i < n; ++i) out[i] = in[2 * i + c];
  } else {
    deinterleave(in, n, channels, c, out);
  }
}

}  // namespace

AudioBuffer load(const std::filesystem::path& path, const LoadParams& p) {
  validate(path, p);
  detail::SndfileSource src(path);
  const SF_INFO& info = src.info();
  const double sr_native = info.samplerate;
  const std::size_t in_ch = static_cast<std::size_t>(info.channels);

  // soundfile: seek(int(offset*sr)) only if offset is non-zero; read at most the frames the
  // header reports after that point; duration reads int(duration*sr) of them.
  const std::int64_t start = static_cast<std::int64_t>(p.offset * sr_native);
  if (p.offset != 0.0) src.seek(start);
  std::int64_t want = std::max<std::int64_t>(info.frames - start, 0);
  if (p.duration) want = std::min(want, static_cast<std::int64_t>(*p.duration * sr_native));
  const std::size_t cap_in = static_cast<std::size_t>(want);

  const std::size_t out_ch = p.mono ? 1 : in_ch;
  const bool resampling = p.sr > 0.0 && p.sr != sr_native;
  std::vector<std::unique_ptr<detail::StreamResampler>> rs;
  for (std::size_t c = 0; resampling && c < out_ch; ++c)
    rs.push_back(std::make_unique<detail::StreamResampler>(sr_native, p.sr));

  // Reserve what the header promises, but no more than a plausible amount for the file size,
  // so a lying header cannot make us allocate gigabytes.
  const std::size_t plausible = std::max<std::size_t>(src.file_size() * 64 / in_ch, std::size_t{1} << 22);
  const std::size_t expect_in = std::min(cap_in, plausible);

  AudioBuffer out;
  out.sr = resampling ? p.sr : sr_native;
  out.channels = out_ch;
  std::vector<float> block(kBlockFrames * in_ch), chan(kBlockFrames);
  std::size_t got = 0;
  const auto read_block = [&]() -> std::size_t {
    const std::size_t n = src.read(block.data(), std::min(kBlockFrames, cap_in - got));
    detail::check_finite(path, block.data(), n, in_ch, static_cast<std::size_t>(start) + got);
    return n;
  };

  if (!resampling) {
    // Native rate: decode straight into the output, one block at a time.
    PlanarSink sink(out_ch, expect_in);
    while (got < cap_in) {
      const std::size_t n = read_block();
      if (n == 0) break;
      sink.ensure(got + n, got);
      if (p.mono)
        downmix(block.data(), n, in_ch, sink.channel(0) + got);
      else
        for (std::size_t c = 0; c < out_ch; ++c) deinterleave_to(block.data(), n, in_ch, c, sink.channel(c) + got);
      got += n;
    }
    out.frames = got;
    out.data = sink.finish(got);
  } else {
    // Resampling: one growing vector per output channel, fed block by block.
    const std::size_t expect_out = rs[0]->max_output(expect_in) + 64;
    std::vector<std::vector<float>> chans(out_ch);
    for (auto& v : chans) v.reserve(expect_out);
    while (got < cap_in) {
      const std::size_t n = read_block();
      if (n == 0) break;
      for (std::size_t c = 0; c < out_ch; ++c) {
        if (p.mono)
          downmix(block.data(), n, in_ch, chan.data());
        else
          deinterleave_to(block.data(), n, in_ch, c, chan.data());
        rs[c]->push({chan.data(), n}, chans[c]);
      }
      got += n;
    }
    for (std::size_t c = 0; c < out_ch; ++c) rs[c]->finish(chans[c]);
    out.frames = chans[0].size();
    if (out_ch == 1) {
      out.data = std::move(chans[0]);
      if (out.data.capacity() > out.data.size() + out.data.size() / 32) out.data.shrink_to_fit();
    } else {
      out.data.resize(out_ch * out.frames);
      for (std::size_t c = 0; c < out_ch; ++c) {
        std::copy(chans[c].begin(), chans[c].end(), out.data.begin() + static_cast<std::ptrdiff_t>(c * out.frames));
        std::vector<float>().swap(chans[c]);  // free as we go: peak stays ~2x the output
      }
    }
  }
  if (got < cap_in && src.frames_exact())
    throw FormatError(path, "truncated: the header promises " + std::to_string(cap_in) +
                                " frames from frame " + std::to_string(start) + ", only " +
                                std::to_string(got) + " could be decoded");
  return out;
}

}  // namespace echoelml::io
