// Internal: streaming soxr_hq resampler that reproduces python-soxr 0.3.7 `resample` (used by
// librosa 0.10.1) call for call, so the output is bit-identical to librosa's.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

struct soxr;

namespace echoelml::io::detail {

/// Samples librosa.resample returns for n input samples: ceil(n * (sr_out / sr_in)).
std::size_t librosa_resampled_length(std::size_t n, double sr_in, double sr_out);

class StreamResampler {
 public:
  /// One channel, float32 in and out, soxr_quality_spec(SOXR_HQ, 0), default runtime spec.
  StreamResampler(double sr_in, double sr_out);
  ~StreamResampler();
  StreamResampler(const StreamResampler&) = delete;
  StreamResampler& operator=(const StreamResampler&) = delete;

  /// Upper bound of the samples produced for n input samples (for reserving).
  std::size_t max_output(std::size_t n) const;
  /// Buffers x; every complete chunk of int(48000*sr_in/sr_out) samples goes to soxr, whose
  /// output is appended to `out` (the same vector on every call; it is grown as needed).
  void push(std::span<const float> x, std::vector<float>& out);
  /// Processes the remaining partial chunk, then one flush capped at ceil(n*sr_out/sr_in)
  /// samples in total (python-soxr's output array size), then fixes out's length to
  /// librosa_resampled_length(n) by zero-padding or truncating (librosa's fix_length).
  void finish(std::vector<float>& out);
  std::size_t consumed() const { return consumed_; }

 private:
  // cap: the most samples this call may write (python-soxr passes olen - out_pos).
  void process(const float* in, std::size_t n, std::vector<float>& out, std::size_t cap);
  double sr_in_, sr_out_;
  soxr* soxr_ = nullptr;
  std::vector<float> pending_;  // the chunk being filled
  std::size_t chunk_len_;
  std::size_t written_ = 0, consumed_ = 0;
};

}  // namespace echoelml::io::detail
