#include "io/resampler.h"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"

namespace echoelml::io {
namespace detail {
namespace {

void check_rates(double sr_in, double sr_out) {
  if (!(sr_in > 0.0) || !(sr_out > 0.0) || !std::isfinite(sr_in) || !std::isfinite(sr_out))
    throw ParameterError("resample: sample rates must be finite and > 0, got sr_in=" +
                         std::to_string(sr_in) + ", sr_out=" + std::to_string(sr_out));
}

// python-soxr sizes its output array as ceil(ilen * out_rate / in_rate) (note: not the same
// rounding as librosa's ceil(n * ratio)); the flush is capped by it.
std::size_t soxr_output_cap(std::size_t n, double sr_in, double sr_out) {
  return static_cast<std::size_t>(std::ceil(static_cast<double>(n) * sr_out / sr_in));
}

}  // namespace

std::size_t librosa_resampled_length(std::size_t n, double sr_in, double sr_out) {
  const double ratio = sr_out / sr_in;
  return static_cast<std::size_t>(std::ceil(static_cast<double>(n) * ratio));
}

StreamResampler::StreamResampler(double sr_in, double sr_out) : sr_in_(sr_in), sr_out_(sr_out) {
  check_rates(sr_in, sr_out);
  // python-soxr's divide_proc feeds int(48000 * in_rate / out_rate) input frames per call.
  chunk_len_ = static_cast<std::size_t>(48000.0 * sr_in / sr_out);
  if (chunk_len_ == 0) chunk_len_ = 1;
  soxr_error_t err = nullptr;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  soxr_ = soxr_create(sr_in, sr_out, 1, &err, &io, &q, nullptr);
  if (err != nullptr || soxr_ == nullptr)
    throw Error(std::string("resample: soxr_create failed: ") + (err ? err : "unknown error"));
  pending_.reserve(chunk_len_);
}

StreamResampler::~StreamResampler() {
  if (soxr_ != nullptr) soxr_delete(soxr_);
}

std::size_t StreamResampler::max_output(std::size_t n) const {
  return std::max(soxr_output_cap(n, sr_in_, sr_out_), librosa_resampled_length(n, sr_in_, sr_out_));
}

void StreamResampler::process(const float* in, std::size_t n, std::vector<float>& out,
                              std::size_t cap) {
  if (out.size() < written_ + cap) out.resize(written_ + cap);
  std::size_t odone = 0;
  // idone = NULL, as python-soxr passes it: soxr then takes the whole input.
  soxr_error_t err = soxr_process(soxr_, in, n, nullptr, out.data() + written_, cap, &odone);
  if (err != nullptr) throw Error(std::string("resample: soxr_process failed: ") + err);
  written_ += odone;
}

void StreamResampler::push(std::span<const float> x, std::vector<float>& out) {
  // python-soxr caps each call at olen - out_pos. Before the last chunk that cap never binds
  // (soxr lags its input by the filter delay), so a cap covering everything the input so far
  // can produce is equivalent.
  const auto room = [&](std::size_t n) {
    const std::size_t most = max_output(consumed_ + n) + 64;
    return most > written_ ? most - written_ : 0;
  };
  std::size_t i = 0;
  while (i < x.size()) {
    if (pending_.empty() && x.size() - i >= chunk_len_) {  // whole chunk straight from x
      process(x.data() + i, chunk_len_, out, room(chunk_len_));
      consumed_ += chunk_len_;
      i += chunk_len_;
      continue;
    }
    const std::size_t take = std::min(chunk_len_ - pending_.size(), x.size() - i);
    pending_.insert(pending_.end(), x.begin() + i, x.begin() + i + take);
    i += take;
    if (pending_.size() == chunk_len_) {
      process(pending_.data(), chunk_len_, out, room(chunk_len_));
      consumed_ += chunk_len_;
      pending_.clear();
    }
  }
}

void StreamResampler::finish(std::vector<float>& out) {
  const std::size_t total = consumed_ + pending_.size();
  const std::size_t olen = soxr_output_cap(total, sr_in_, sr_out_);
  if (!pending_.empty()) {
    process(pending_.data(), pending_.size(), out, olen > written_ ? olen - written_ : 0);
    consumed_ += pending_.size();
    pending_.clear();
  }
  if (written_ < olen) process(nullptr, 0, out, olen - written_);  // one flush, as python-soxr
  out.resize(written_);
  out.resize(librosa_resampled_length(total, sr_in_, sr_out_), 0.0f);
}

}  // namespace detail

std::vector<float> resample(std::span<const float> y, double sr_in, double sr_out) {
  detail::check_rates(sr_in, sr_out);
  if (sr_in == sr_out) return {y.begin(), y.end()};
  detail::StreamResampler r(sr_in, sr_out);
  std::vector<float> out;
  out.reserve(r.max_output(y.size()) + 64);
  r.push(y, out);
  r.finish(out);
  return out;
}

}  // namespace echoelml::io
