// spectral_centroid, spectral_rolloff, zero_crossing_rate and rms (librosa 0.10.1).
// Loops run over bins in the outer loop and frames in the inner loop: the (bins, frames)
// layout is then read sequentially, and numpy's axis-0 reductions are sequential in that
// same order, so the rounding matches.
#include "echoelml/features/spectral.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "spectral_common.h"

namespace echoelml::features {

namespace detail {

void check_magnitude(const Matrix& S, const char* who) {
  if (S.rows < 2)
    throw ParameterError(std::string(who) + ": spectrogram needs >= 2 frequency bins, got " +
                         std::to_string(S.rows));
  int bad = 0;
  for (float v : S.data) bad |= !(v >= 0.0f && v <= std::numeric_limits<float>::max());
  if (bad)
    throw ParameterError(std::string(who) +
                         ": spectrogram must be finite and non-negative (a magnitude)");
}

void check_audio(std::span<const float> y, const char* who) {
  // |v| <= FLT_MAX is false exactly for NaN and infinities; written so that it vectorises.
  int bad = 0;
  const float big = std::numeric_limits<float>::max();
  for (float v : y) bad |= !(std::fabs(v) <= big);
  if (bad) throw ParameterError(std::string(who) + ": audio buffer is not finite everywhere");
}

void check_framing(int frame_length, int hop_length, const char* who) {
  if (frame_length < 1)
    throw ParameterError(std::string(who) + ": frame_length must be >= 1, got " +
                         std::to_string(frame_length));
  if (hop_length < 1)
    throw ParameterError(std::string(who) + ": hop_length must be >= 1, got " +
                         std::to_string(hop_length));
}

std::size_t frame_count(std::size_t n, int frame_length, int hop_length, bool center,
                        const char* who) {
  const auto L = static_cast<std::size_t>(frame_length);
  const std::size_t padded = center ? n + 2 * (L / 2) : n;
  if (padded < L)
    throw ParameterError(std::string(who) + ": input is too short (n=" + std::to_string(n) +
                         ") for frame_length=" + std::to_string(frame_length));
  return 1 + (padded - L) / static_cast<std::size_t>(hop_length);
}

}  // namespace detail

std::vector<double> spectral_centroid(const Matrix& S, double sr) {
  if (!(sr > 0)) throw ParameterError("spectral_centroid: sr must be > 0");
  detail::check_magnitude(S, "spectral_centroid");
  const std::size_t K = S.rows, T = S.cols;
  const auto freq = dsp::fft_frequencies(sr, static_cast<int>(2 * (K - 1)));
  // util.normalize(norm=1): the L1 length is summed in float64 over bins, sequentially.
  std::vector<double> length(T, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) length[t] += row[t];
  }
  // Frames below tiny(float32) keep length 1 (fill=None). librosa stores S/length in float32;
  // multiplying by the reciprocal can differ from the division by one float32 ulp at most.
  const double tiny = std::numeric_limits<float>::min();
  for (auto& l : length) l = 1.0 / (l < tiny ? 1.0 : l);
  std::vector<double> out(T, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    const double f = freq[k];
    for (std::size_t t = 0; t < T; ++t)
      out[t] += f * static_cast<double>(static_cast<float>(row[t] * length[t]));
  }
  return out;
}

std::vector<double> spectral_centroid(std::span<const float> y, double sr,
                                      const dsp::StftParams& stft) {
  return spectral_centroid(dsp::stft_magnitude(y, stft), sr);
}

void validate(const RolloffParams& p) {
  if (!(p.sr > 0)) throw ParameterError("spectral_rolloff: sr must be > 0");
  if (!(p.roll_percent > 0.0 && p.roll_percent < 1.0))
    throw ParameterError("spectral_rolloff: roll_percent must lie in (0, 1), got " +
                         std::to_string(p.roll_percent));
}

std::vector<double> spectral_rolloff(const Matrix& S, const RolloffParams& p) {
  validate(p);
  detail::check_magnitude(S, "spectral_rolloff");
  const std::size_t K = S.rows, T = S.cols;
  const auto freq = dsp::fft_frequencies(p.sr, static_cast<int>(2 * (K - 1)));
  // np.cumsum in float32 along bins; its last entry is the same sequential sum.
  std::vector<float> threshold(T, 0.0f);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) threshold[t] += row[t];
  }
  // roll_percent * total: numpy casts the Python float to float32 and multiplies in float32.
  const float pct = static_cast<float>(p.roll_percent);
  for (auto& v : threshold) v = pct * v;
  // First bin where the running sum is not below the threshold (nanmin over increasing freq).
  std::vector<float> cum(T, 0.0f);
  std::vector<std::size_t> bin(T, K);
  std::size_t remaining = T;
  for (std::size_t k = 0; k < K && remaining > 0; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) {
      cum[t] += row[t];
      if (bin[t] == K && !(cum[t] < threshold[t])) {
        bin[t] = k;
        --remaining;
      }
    }
  }
  std::vector<double> out(T);
  // cum >= 0.85 * total always holds at the last bin, so every frame found a bin.
  for (std::size_t t = 0; t < T; ++t) out[t] = freq[bin[t] < K ? bin[t] : K - 1];
  return out;
}

std::vector<double> spectral_rolloff(std::span<const float> y, const RolloffParams& p,
                                     const dsp::StftParams& stft) {
  validate(p);
  return spectral_rolloff(dsp::stft_magnitude(y, stft), p);
}

void validate(const ZcrParams& p) {
  detail::check_framing(p.frame_length, p.hop_length, "zero_crossing_rate");
  if (!(p.threshold >= 0))
    throw ParameterError("zero_crossing_rate: threshold must be >= 0");
}

std::vector<double> zero_crossing_rate(std::span<const float> y, const ZcrParams& p) {
  detail::check_audio(y, "zero_crossing_rate");
  return detail::zero_crossing_rate_checked(y, p);
}

std::vector<double> detail::zero_crossing_rate_checked(std::span<const float> y,
                                                       const ZcrParams& p) {
  validate(p);
  if (y.empty()) throw ParameterError("zero_crossing_rate: empty audio buffer");
  const std::size_t n = y.size();
  const std::size_t T =
      detail::frame_count(n, p.frame_length, p.hop_length, p.center, "zero_crossing_rate");
  const std::size_t L = static_cast<std::size_t>(p.frame_length);
  const std::size_t pad = p.center ? L / 2 : 0;
  const std::size_t hop = static_cast<std::size_t>(p.hop_length);
  // x counts as negative when signbit(x) and |x| > threshold, i.e. x < -threshold. The edge
  // padding repeats y[0] and y[n-1], so the only crossings are between y[m-1] and y[m],
  // m in [1, n), at padded position m + pad.
  const float neg = -p.threshold;
  const float* x = y.data();
  auto crossings = [&](std::ptrdiff_t lo, std::ptrdiff_t hi) {  // positions m in [lo, hi)
    lo = std::max<std::ptrdiff_t>(lo, 1);
    hi = std::min<std::ptrdiff_t>(hi, static_cast<std::ptrdiff_t>(n));
    std::uint32_t c = 0;
    for (std::ptrdiff_t m = lo; m < hi; ++m) c += (x[m] < neg) != (x[m - 1] < neg) ? 1u : 0u;
    return c;
  };
  const auto ipad = static_cast<std::ptrdiff_t>(pad);
  std::vector<double> out(T);
  if (L % hop == 0) {
    // Crossings per hop-sized block of padded positions; frame t covers blocks t .. t+L/hop-1
    // except its own first position (the first sample of a frame never counts, pad=False).
    const std::size_t per = L / hop, nblocks = T - 1 + per;
    std::vector<std::uint32_t> block(nblocks);
    for (std::size_t b = 0; b < nblocks; ++b) {
      const auto lo = static_cast<std::ptrdiff_t>(b * hop) - ipad;
      block[b] = crossings(lo, lo + static_cast<std::ptrdiff_t>(hop));
    }
    std::uint32_t window = 0;
    for (std::size_t b = 0; b < per; ++b) window += block[b];
    for (std::size_t t = 0; t < T; ++t) {
      if (t > 0) window += block[t - 1 + per] - block[t - 1];
      const auto first = static_cast<std::ptrdiff_t>(t * hop) - ipad;
      out[t] = static_cast<double>(window - crossings(first, first + 1)) / static_cast<double>(L);
    }
    return out;
  }
  for (std::size_t t = 0; t < T; ++t) {  // frames j in (s, s + L) of padded positions
    const auto s0 = static_cast<std::ptrdiff_t>(t * hop) - ipad;
    out[t] = static_cast<double>(crossings(s0 + 1, s0 + static_cast<std::ptrdiff_t>(L))) /
             static_cast<double>(L);
  }
  return out;
}

void validate(const RmsParams& p) { detail::check_framing(p.frame_length, p.hop_length, "rms"); }

std::vector<float> rms(std::span<const float> y, const RmsParams& p) {
  detail::check_audio(y, "rms");
  return detail::rms_checked(y, p);
}

std::vector<float> detail::rms_checked(std::span<const float> y, const RmsParams& p) {
  validate(p);
  const std::size_t n = y.size();
  const std::size_t T = detail::frame_count(n, p.frame_length, p.hop_length, p.center, "rms");
  const std::size_t L = static_cast<std::size_t>(p.frame_length);
  const std::size_t pad = p.center ? L / 2 : 0;
  const std::size_t hop = static_cast<std::size_t>(p.hop_length);
  auto sample = [&](std::size_t i) -> float {  // padded signal
    if (n == 0) return 0.0f;
    if (i < pad) return p.pad_mode == dsp::PadMode::Edge ? y.front() : 0.0f;
    if (i - pad < n) return y[i - pad];
    return p.pad_mode == dsp::PadMode::Edge ? y.back() : 0.0f;
  };
  std::vector<float> out(T);
  const float count = static_cast<float>(L);
  constexpr std::size_t kB = 128;  // numpy's pairwise summation block
  const std::size_t m = L / kB;
  if (L % kB == 0 && (m & (m - 1)) == 0 && hop % kB == 0) {
    // numpy splits a sum of 128 * 2^j values into halves down to 128-value blocks, and every
    // frame starts on a multiple of 128 of the padded signal: sum each block of squares once
    // and combine a frame's blocks in the same binary tree. Bit-identical, 4x less work.
    const std::size_t nblocks = ((T - 1) * hop + L) / kB;
    std::vector<float> bsum(nblocks);
    float sq[kB];
    for (std::size_t b = 0; b < nblocks; ++b) {
      const std::size_t s0 = b * kB;
      if (s0 >= pad && s0 - pad + kB <= n) {
        const float* src = y.data() + (s0 - pad);
        for (std::size_t i = 0; i < kB; ++i) sq[i] = src[i] * src[i];
      } else {
        for (std::size_t i = 0; i < kB; ++i) {
          const float v = sample(s0 + i);
          sq[i] = v * v;
        }
      }
      bsum[b] = detail::pairwise_sum(sq, kB);
    }
    std::vector<float> level(m);
    for (std::size_t t = 0; t < T; ++t) {
      std::copy_n(bsum.data() + t * hop / kB, m, level.data());
      for (std::size_t w = m; w > 1; w /= 2)
        for (std::size_t i = 0; i < w / 2; ++i) level[i] = level[2 * i] + level[2 * i + 1];
      out[t] = std::sqrt(level[0] / count);
    }
    return out;
  }
  // Squares of the padded signal in float32 (np.square), computed once and shared by frames.
  std::vector<float> sq(n + 2 * pad);
  for (std::size_t i = 0; i < sq.size(); ++i) {
    const float x = sample(i);
    sq[i] = x * x;
  }
  for (std::size_t t = 0; t < T; ++t)
    out[t] = std::sqrt(detail::pairwise_sum(sq.data() + t * hop, L) / count);
  return out;
}

// ---- check_audio + zero_crossing_rate + rms in one pass (the genre set's clip statistics).

namespace {

constexpr std::size_t kBlock = 128;  // numpy's pairwise block; frames and hops are multiples

using f4 = float __attribute__((vector_size(16)));
using i4 = std::int32_t __attribute__((vector_size(16)));
using f8 = float __attribute__((vector_size(32)));
using i8 = std::int32_t __attribute__((vector_size(32)));

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // always inlined into the two builds below

// Blocks [b0, b1) of kBlock samples of y that have a sample before them (b0 >= 1):
// sumsq[b] = pairwise_sum of the squares (its 8 interleaved lanes are H vectors F here, then
// the same reduction tree), cross[b] = crossings at positions m in the block (x[m] < neg vs
// x[m-1] < neg); returns whether every sample is finite. F = f8 (AVX2) or f4 with H = 2
// (SSE2): the same float32 operations per lane.
template <typename F, typename I>
[[gnu::always_inline]] inline bool interior_blocks_body(const float* y, std::size_t b0, std::size_t b1,
                                                        float neg, float* sumsq,
                                                        std::uint32_t* cross) {
  constexpr std::size_t W = sizeof(F) / sizeof(float), H = 8 / W;
  const F vneg = F{} + neg;
  constexpr std::int32_t kAbs = 0x7fffffff, kMaxFinite = 0x7f7fffff;  // bits of |x|, of FLT_MAX
  I bad = {};
  for (std::size_t b = b0; b < b1; ++b) {
    const float* x = y + b * kBlock;
    F r[H] = {};
    I c = {};
    for (std::size_t i = 0; i < kBlock; i += W) {
      F v, prev;
      __builtin_memcpy(&v, x + i, sizeof v);
      __builtin_memcpy(&prev, x + i - 1, sizeof prev);
      c += (v < vneg) != (prev < vneg);  // true is -1
      bad |= (__builtin_bit_cast(I, v) & kAbs) > kMaxFinite;  // NaN or inf
      F& acc = r[(i / W) % H];
      acc = i < 8 ? v * v : acc + v * v;
    }
    float l[8];
    __builtin_memcpy(l, r, sizeof l);
    sumsq[b] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    std::int32_t n = 0;
    for (std::size_t j = 0; j < W; ++j) n -= c[j];
    cross[b] = static_cast<std::uint32_t>(n);
  }
  std::int32_t any = 0;
  for (std::size_t j = 0; j < W; ++j) any |= bad[j];
  return any == 0;
}

#pragma GCC diagnostic pop

[[gnu::target("avx2")]] bool interior_blocks_avx2(const float* y, std::size_t b0, std::size_t b1,
                                                 float neg, float* sumsq, std::uint32_t* cross) {
  return interior_blocks_body<f8, i8>(y, b0, b1, neg, sumsq, cross);
}
// With SSE2's 4-float vectors the fused pass was slower than the three separate ones
// (0.55 vs 0.47 ms on the 30 s clip), so clip_stats runs those there; this build is for the
// tests (clip_stats_fused).
bool interior_blocks_default(const float* y, std::size_t b0, std::size_t b1, float neg,
                             float* sumsq, std::uint32_t* cross) {
  return interior_blocks_body<f4, i4>(y, b0, b1, neg, sumsq, cross);
}

}  // namespace

detail::ClipStats detail::clip_stats(std::span<const float> y, const char* who) {
  static const bool avx2 = core::use_avx2();
  if (avx2) return clip_stats_fused(y, who, true);
  if (y.empty()) throw ParameterError(std::string(who) + ": the signal is empty");
  check_audio(y, who);
  return {zero_crossing_rate_checked(y), rms_checked(y)};
}

detail::ClipStats detail::clip_stats_fused(std::span<const float> y, const char* who, bool avx2) {
  if (y.empty()) throw ParameterError(std::string(who) + ": the signal is empty");
  const ZcrParams zp{};
  static_assert(ZcrParams{}.frame_length == RmsParams{}.frame_length &&
                ZcrParams{}.hop_length == RmsParams{}.hop_length);
  const std::size_t n = y.size(), L = static_cast<std::size_t>(zp.frame_length);
  const std::size_t hop = static_cast<std::size_t>(zp.hop_length), pad = L / 2;
  static_assert(RmsParams{}.center && ZcrParams{}.center && RmsParams{}.frame_length % 256 == 0 &&
                RmsParams{}.hop_length % kBlock == 0);
  const std::size_t T = frame_count(n, zp.frame_length, zp.hop_length, true, who);
  // Blocks of kBlock positions of the padded signal (pad = L / 2 is a multiple of kBlock, so
  // block p holds samples y[(p - pad / kBlock) * kBlock ...]) up to the last frame's end.
  const std::size_t nblocks = ((T - 1) * hop + L) / kBlock, pb = pad / kBlock;
  std::vector<float> sumsq(nblocks);
  std::vector<std::uint32_t> cross(nblocks);
  const float neg = -zp.threshold;
  // Blocks of y whose samples and predecessors all lie in y: y blocks [1, n / kBlock).
  const std::size_t y0 = 1, y1 = std::max<std::size_t>(1, n / kBlock);
  bool finite = true;
  if (y1 > y0) {
    const auto run = avx2 ? interior_blocks_avx2 : interior_blocks_default;
    finite = run(y.data(), y0, y1, neg, sumsq.data() + pb, cross.data() + pb);
  }
  // The other blocks sample by sample: zeros outside y (rms pads with constants, and the
  // crossing count only sees positions 1 <= m < n, as zero_crossing_rate_checked).
  float sq[kBlock];
  for (std::size_t p = 0; p < nblocks; ++p) {
    const auto yb = static_cast<std::ptrdiff_t>(p) - static_cast<std::ptrdiff_t>(pb);
    if (yb >= static_cast<std::ptrdiff_t>(y0) && yb < static_cast<std::ptrdiff_t>(y1)) continue;
    std::uint32_t c = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
      const std::ptrdiff_t m = yb * static_cast<std::ptrdiff_t>(kBlock) + static_cast<std::ptrdiff_t>(i);
      const bool in = m >= 0 && m < static_cast<std::ptrdiff_t>(n);
      const float v = in ? y[static_cast<std::size_t>(m)] : 0.0f;
      finite &= std::fabs(v) <= std::numeric_limits<float>::max();
      sq[i] = v * v;
      if (m >= 1 && in) c += (v < neg) != (y[static_cast<std::size_t>(m - 1)] < neg) ? 1u : 0u;
    }
    sumsq[p] = pairwise_sum(sq, kBlock);
    cross[p] = c;
  }
  if (!finite) throw ParameterError(std::string(who) + ": audio buffer is not finite everywhere");

  ClipStats out;
  // zero_crossing_rate_checked's hop-block window: frame t covers hop blocks t .. t+per-1
  // minus the crossing at its own first position.
  const std::size_t per = L / hop, kph = hop / kBlock;
  std::vector<std::uint32_t> hblock(T - 1 + per);
  for (std::size_t b = 0; b < hblock.size(); ++b) {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < kph; ++i) s += cross[b * kph + i];
    hblock[b] = s;
  }
  auto crossing_at = [&](std::ptrdiff_t m) -> std::uint32_t {
    if (m < 1 || m >= static_cast<std::ptrdiff_t>(n)) return 0;
    return (y[static_cast<std::size_t>(m)] < neg) != (y[static_cast<std::size_t>(m - 1)] < neg) ? 1u : 0u;
  };
  out.zcr.resize(T);
  std::uint32_t window = 0;
  for (std::size_t b = 0; b < per; ++b) window += hblock[b];
  for (std::size_t t = 0; t < T; ++t) {
    if (t > 0) window += hblock[t - 1 + per] - hblock[t - 1];
    const auto first = static_cast<std::ptrdiff_t>(t * hop) - static_cast<std::ptrdiff_t>(pad);
    out.zcr[t] = static_cast<double>(window - crossing_at(first)) / static_cast<double>(L);
  }
  // rms_checked's binary tree over each frame's L / kBlock block sums.
  const std::size_t m = L / kBlock;
  std::vector<float> level(m);
  out.rms.resize(T);
  const float count = static_cast<float>(L);
  for (std::size_t t = 0; t < T; ++t) {
    std::copy_n(sumsq.data() + t * hop / kBlock, m, level.data());
    for (std::size_t w = m; w > 1; w /= 2)
      for (std::size_t i = 0; i < w / 2; ++i) level[i] = level[2 * i] + level[2 * i + 1];
    out.rms[t] = std::sqrt(level[0] / count);
  }
  return out;
}

}  // namespace echoelml::features
