#include "echoelml/core/cpu.h"
#include "echoelml/features/onset.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

// Zeros librosa puts before the first difference: lag + n_fft // (2 hop) when centred.
std::size_t leading_pad(const dsp::StftParams& s) {
  return 1 + (s.center ? static_cast<std::size_t>(s.n_fft / (2 * s.hop_length)) : 0);
}

// The aggregates below read the positive first differences max(0, S[b, t+1] - S[b, t]) of the
// dB spectrogram S (librosa's (bands, T-1) array) straight from S: the same float32 values,
// without a second spectrogram-sized array.
inline float rise(const float* row, std::size_t t) { return std::max(0.0f, row[t + 1] - row[t]); }

Matrix checked_db(const Matrix& mel_power, const OnsetStrengthParams& p) {
  dsp::validate(p.mel.stft);
  if (mel_power.rows == 0) throw ParameterError("onset_strength: mel spectrogram has no bands");
  return power_to_db(mel_power, p.db);
}

// np.mean over the band axis of a C-ordered (bands, frames) float32 array: numpy adds the
// rows one after another in float32, then divides by the band count.
std::vector<float> band_mean(const Matrix& S) {
  const std::size_t T = S.cols > 0 ? S.cols - 1 : 0;
  std::vector<float> acc(T, 0.0f);
  for (std::size_t b = 0; b < S.rows; ++b) {
    const float* r = S.data.data() + b * S.cols;
    for (std::size_t t = 0; t < T; ++t) acc[t] += rise(r, t);
  }
  const float n = static_cast<float>(S.rows);
  for (auto& v : acc) v /= n;
  return acc;
}

// Batcher's odd-even merge sort on n = 2^p slots, reduced to the comparators that move a value
// into the two middle slots of the first B (B/2 - 1 and B/2): padding slots >= B hold +inf,
// which no comparator (min to the lower slot) ever moves, so comparators touching them are
// no-ops; and a comparator none of whose outputs reaches a middle slot cannot change it.
struct Comparator {
  std::uint16_t lo, hi;
};
std::vector<Comparator> median_network(std::size_t B) {
  std::size_t n = 1;
  while (n < B) n *= 2;
  std::vector<Comparator> all;
  for (std::size_t p = 1; p < n; p *= 2)
    for (std::size_t k = p; k >= 1; k /= 2) {
      for (std::size_t j = k % p; j + k < n; j += 2 * k)
        for (std::size_t i = 0; i < std::min(k, n - j - k); ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
            all.push_back(
                {static_cast<std::uint16_t>(i + j), static_cast<std::uint16_t>(i + j + k)});
    }
  std::vector<bool> needed(n, false);
  needed[B / 2] = true;
  if (B % 2 == 0) needed[B / 2 - 1] = true;
  std::vector<Comparator> kept;
  for (auto c = all.rbegin(); c != all.rend(); ++c) {
    if (c->hi >= B || !(needed[c->lo] || needed[c->hi])) continue;
    needed[c->lo] = needed[c->hi] = true;
    kept.push_back(*c);
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

// The rises and the network on 8 frames at once (v[b * 8 + j] = band b of frame t0 + j), each
// in an AVX2 and an SSE2 build that give the same bits.
using f8 = float __attribute__((vector_size(32)));
using i8 = std::int32_t __attribute__((vector_size(32)));

// Per frame of an 8-frame group: how many rises are > 0, and the smallest of them (+inf when
// none). The rises are never NaN (max(0, NaN) is 0), so the zeros are the smallest values.
struct GroupStats {
  alignas(32) std::int32_t positives[8];
  alignas(32) float min_positive[8];
};

// v[b * 8 + j] = rise(row b, t + j) for the B rows of S: the same float32 subtraction and
// max(0, .) per value as rise(), 8 frames per vector (a scalar loop over the strided rows
// was as costly as the network itself).
[[gnu::always_inline]] inline void gather_rises_body(const float* S, std::size_t cols, std::size_t B,
                                                     std::size_t t, float* v, GroupStats& st) {
  const float inf = std::numeric_limits<float>::infinity();
  i8 neg_count{};  // minus the number of positive rises (a true mask lane is -1)
  f8 min_pos = f8{} + inf;
  for (std::size_t b = 0; b < B; ++b) {
    const float* row = S + b * cols + t;
    f8 lo, hi;
    __builtin_memcpy(&lo, row, sizeof lo);
    __builtin_memcpy(&hi, row + 1, sizeof hi);
    const f8 d = hi - lo;
    const i8 pos = d > f8{};
    const f8 r = pos ? d : f8{};  // std::max(0.0f, d): 0 unless 0 < d
    __builtin_memcpy(v + 8 * b, &r, sizeof r);
    neg_count += pos;
    const f8 cand = pos ? d : f8{} + inf;
    min_pos = cand < min_pos ? cand : min_pos;
  }
  const i8 count = -neg_count;
  __builtin_memcpy(st.positives, &count, sizeof count);
  __builtin_memcpy(st.min_positive, &min_pos, sizeof min_pos);
}
// The network's slot pairs as float offsets (8 * slot), so the loop does no index arithmetic.
std::vector<std::uint32_t> network_offsets(const std::vector<Comparator>& net) {
  std::vector<std::uint32_t> off;
  off.reserve(2 * net.size());
  for (const Comparator& c : net) {
    off.push_back(8u * c.lo);
    off.push_back(8u * c.hi);
  }
  return off;
}
// network_offsets(median_network(B)), built once per thread and band count (every clip of a
// run has the same B; building it per call cost a few microseconds of sorting-network code).
const std::vector<std::uint32_t>& cached_median_offsets(std::size_t B) {
  thread_local std::vector<std::uint32_t> off;
  thread_local std::size_t bands = 0;
  if (bands != B) {
    off = network_offsets(median_network(B));
    bands = B;
  }
  return off;
}
// min as a < b ? a : b and max as a < b ? b : a: what minps(a, b) and maxps(b, a) compute.
[[gnu::target("avx2")]] void run_network_avx2(const std::vector<std::uint32_t>& off, float* v) {
  for (std::size_t i = 0; i < off.size(); i += 2) {
    float* pa = v + off[i];
    float* pb = v + off[i + 1];
    const __m256 a = _mm256_loadu_ps(pa), b = _mm256_loadu_ps(pb);
    _mm256_storeu_ps(pa, _mm256_min_ps(a, b));
    _mm256_storeu_ps(pb, _mm256_max_ps(b, a));
  }
}
void run_network_default(const std::vector<std::uint32_t>& off, float* v) {
  for (std::size_t i = 0; i < off.size(); i += 2) {
    float* pa = v + off[i];
    float* pb = v + off[i + 1];
    const __m128 a0 = _mm_loadu_ps(pa), a1 = _mm_loadu_ps(pa + 4);
    const __m128 b0 = _mm_loadu_ps(pb), b1 = _mm_loadu_ps(pb + 4);
    _mm_storeu_ps(pa, _mm_min_ps(a0, b0));
    _mm_storeu_ps(pa + 4, _mm_min_ps(a1, b1));
    _mm_storeu_ps(pb, _mm_max_ps(b0, a0));
    _mm_storeu_ps(pb + 4, _mm_max_ps(b1, a1));
  }
}
[[gnu::target("avx2")]] void gather_rises_avx2(const float* S, std::size_t cols, std::size_t B,
                                               std::size_t t, float* v, GroupStats& st) {
  gather_rises_body(S, cols, B, t, v, st);
}
void gather_rises_default(const float* S, std::size_t cols, std::size_t B, std::size_t t, float* v,
                          GroupStats& st) {
  gather_rises_body(S, cols, B, t, v, st);
}

// The median of a frame with z = B - positives zero rises (sorted: z zeros, then the
// positives), when z >= B / 2: the middle slots hold zeros, or for z == B / 2 the upper one
// holds the smallest positive rise. A dB spectrogram with the top_db floor has runs of floored
// bands, and these frames need no sorting (np.median's values: 0, the smallest positive, or
// (0 + it) / 2 in float32).
bool median_from_zeros(std::size_t B, std::int32_t positives, float min_positive, float& out) {
  const std::size_t zeros = B - static_cast<std::size_t>(positives), mid = B / 2;
  if (zeros < mid) return false;
  if (zeros > mid) out = 0.0f;
  else out = B % 2 == 1 ? min_positive : (0.0f + min_positive) / 2.0f;
  return true;
}

// np.median over bands: the middle value, or the float32 mean of the two middle values.
// Order statistics, so the network and nth_element give the same values.
std::vector<float> band_median(const Matrix& S) {
  const std::size_t B = S.rows, T = S.cols > 0 ? S.cols - 1 : 0;
  std::vector<float> out(T), col(B);
  std::size_t t = 0;
  if (B >= 2 && B <= 4096) {
    static const bool avx2 = core::use_avx2();
    const std::vector<std::uint32_t>& net = cached_median_offsets(B);
    std::vector<float> v(B * 8);
    const std::size_t mid = B / 2;
    GroupStats st;
    for (; t + 8 <= T; t += 8) {
      // t + 8 < S.cols: the rises of frames t .. t+7 read columns t .. t+8.
      if (avx2) gather_rises_avx2(S.data.data(), S.cols, B, t, v.data(), st);
      else gather_rises_default(S.data.data(), S.cols, B, t, v.data(), st);
      bool all = true;
      for (std::size_t j = 0; j < 8; ++j)
        all = median_from_zeros(B, st.positives[j], st.min_positive[j], out[t + j]) && all;
      if (all) continue;
      if (avx2) run_network_avx2(net, v.data());
      else run_network_default(net, v.data());
      for (std::size_t j = 0; j < 8; ++j)
        out[t + j] = B % 2 == 1 ? v[mid * 8 + j] : (v[(mid - 1) * 8 + j] + v[mid * 8 + j]) / 2.0f;
    }
  }
  for (; t < T; ++t) {
    for (std::size_t b = 0; b < B; ++b) col[b] = rise(S.data.data() + b * S.cols, t);
    const std::size_t mid = B / 2;
    std::nth_element(col.begin(), col.begin() + static_cast<std::ptrdiff_t>(mid), col.end());
    const float hi = col[mid];
    if (B % 2 == 1) {
      out[t] = hi;
    } else {
      const float lo = *std::max_element(col.begin(), col.begin() + static_cast<std::ptrdiff_t>(mid));
      out[t] = (lo + hi) / 2.0f;
    }
  }
  return out;
}

// Left pad with zeros and cut to the frame count (librosa pads, then trims when centred).
std::vector<float> finish(const std::vector<float>& agg, std::size_t frames,
                          const dsp::StftParams& s) {
  std::vector<float> env(leading_pad(s), 0.0f);
  env.insert(env.end(), agg.begin(), agg.end());
  if (s.center || env.size() > frames) env.resize(frames, 0.0f);
  return env;
}

}  // namespace

std::vector<float> onset_strength_from_mel(const Matrix& mel_power, const OnsetStrengthParams& p) {
  const Matrix S = checked_db(mel_power, p);
  const auto agg = p.aggregate == OnsetAggregate::Mean ? band_mean(S) : band_median(S);
  return finish(agg, mel_power.cols, p.mel.stft);
}

std::vector<float> onset_strength(std::span<const float> y, const OnsetStrengthParams& p) {
  return onset_strength_from_mel(melspectrogram(y, p.mel), p);
}

std::vector<float> detail::onset_strength_from_mel_db(const Matrix& mel_db,
                                                      OnsetAggregate aggregate,
                                                      const dsp::StftParams& stft) {
  const auto agg = aggregate == OnsetAggregate::Mean ? band_mean(mel_db) : band_median(mel_db);
  return finish(agg, mel_db.cols, stft);
}

OnsetEnvelopes onset_strength_both(const Matrix& mel_power, const OnsetStrengthParams& p) {
  const Matrix S = checked_db(mel_power, p);
  return {finish(band_mean(S), mel_power.cols, p.mel.stft),
          finish(band_median(S), mel_power.cols, p.mel.stft)};
}

}  // namespace echoelml::features
