// librosa 0.10.1 beat.py: beat_track -> __beat_tracker (__beat_local_score, __beat_track_dp,
// __last_beat, backlink walk, __trim_beats).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/beat.h"

namespace echoelml::features {
namespace {

// Python's round(): half to even (numpy's np.round does the same).
double round_half_even(double x) { return std::nearbyint(x); }

// onsets / std(onsets, ddof=1) when the std is > 0; float32 like numpy on a float32 array.
std::vector<float> normalize_onsets(std::span<const float> env) {
  const std::size_t n = env.size();
  std::vector<float> out(env.begin(), env.end());
  if (n < 2) return out;  // ddof=1 std is NaN: numpy's "norm > 0" is false, so unchanged
  double mean = 0.0;
  for (float v : env) mean += v;
  mean /= static_cast<double>(n);
  double ss = 0.0;
  for (float v : env) ss += (v - mean) * (v - mean);
  const float norm = static_cast<float>(std::sqrt(ss / static_cast<double>(n - 1)));
  if (norm > 0.0f)
    for (auto& v : out) v /= norm;
  return out;
}

// Frames [i0, i1) of local_score whose window lies inside x (i - period >= 0, i + period < n),
// 8 frames per step: each frame's sum is the scalar loop's, the same float64 products added in
// the same order starting from 0, but 8 independent sums advance together (the scalar loop
// waits on one addition chain). Compiled twice (SSE2: each vector split in two; AVX2).
using d4 = double __attribute__((vector_size(32)));
using f4 = float __attribute__((vector_size(16)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // always inlined into the two builds below
[[gnu::always_inline]] inline std::size_t score_interior_body(const float* x, const double* kernel,
                                                              int period, std::size_t i0,
                                                              std::size_t i1, double* out) {
  std::size_t i = i0;
  const auto taps = static_cast<std::size_t>(2 * period + 1);
  for (; i + 8 <= i1; i += 8) {
    const float* src = x + (i - static_cast<std::size_t>(period));
    d4 s0 = {}, s1 = {};
    for (std::size_t j = 0; j < taps; ++j) {
      f4 a, b;
      __builtin_memcpy(&a, src + j, sizeof a);
      __builtin_memcpy(&b, src + j + 4, sizeof b);
      const double w = kernel[j];
      s0 += __builtin_convertvector(a, d4) * w;
      s1 += __builtin_convertvector(b, d4) * w;
    }
    __builtin_memcpy(out + i, &s0, sizeof s0);
    __builtin_memcpy(out + i + 4, &s1, sizeof s1);
  }
  return i;
}
#pragma GCC diagnostic pop
[[gnu::target("avx2")]] std::size_t score_interior_avx2(const float* x, const double* kernel, int period,
                                                        std::size_t i0, std::size_t i1, double* out) {
  return score_interior_body(x, kernel, period, i0, i1, out);
}
std::size_t score_interior_default(const float* x, const double* kernel, int period, std::size_t i0,
                                   std::size_t i1, double* out) {
  return score_interior_body(x, kernel, period, i0, i1, out);
}

// The first maximum of v[j] = w[j] + c[j], j < m (np.argmax: the first of equal values, as the
// scalar scan "v > best"): the maximum of the same float64 sums first, 4 per vector (a max is
// exact), then the first j whose sum equals it. False (nothing written) when a sum is NaN,
// where the scan's comparisons differ from a maximum; the caller then scans.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
[[gnu::always_inline]] inline bool first_max_body(const double* w, const double* c, std::size_t m,
                                                  std::size_t& best, double& best_v) {
  using i4 = std::int64_t __attribute__((vector_size(32)));
  const double ninf = -std::numeric_limits<double>::infinity();
  // Two running maxima (independent chains) and the NaN test kept as a vector until the end.
  d4 mx0 = d4{} + ninf, mx1 = mx0;
  i4 nanv{};
  std::size_t j = 0;
  for (; j + 8 <= m; j += 8) {
    d4 a0, b0, a1, b1;
    __builtin_memcpy(&a0, w + j, sizeof a0);
    __builtin_memcpy(&b0, c + j, sizeof b0);
    __builtin_memcpy(&a1, w + j + 4, sizeof a1);
    __builtin_memcpy(&b1, c + j + 4, sizeof b1);
    const d4 v0 = a0 + b0, v1 = a1 + b1;
    mx0 = v0 > mx0 ? v0 : mx0;
    mx1 = v1 > mx1 ? v1 : mx1;
    nanv |= (v0 != v0) | (v1 != v1);
  }
  for (; j + 4 <= m; j += 4) {
    d4 a, b;
    __builtin_memcpy(&a, w + j, sizeof a);
    __builtin_memcpy(&b, c + j, sizeof b);
    const d4 v = a + b;
    mx0 = v > mx0 ? v : mx0;
    nanv |= v != v;
  }
  // Without NaNs the maximum is one value (up to the sign of a zero, and -0 == +0 below).
  mx0 = mx1 > mx0 ? mx1 : mx0;
  double top = std::max(std::max(mx0[0], mx0[1]), std::max(mx0[2], mx0[3]));
  std::int64_t nan = nanv[0] | nanv[1] | nanv[2] | nanv[3];
  for (; j < m; ++j) {
    const double v = w[j] + c[j];
    nan |= v != v;
    top = v > top ? v : top;
  }
  if (nan) return false;
  // The first j whose sum equals the maximum, four sums per test.
  j = 0;
  const d4 topv = d4{} + top;
  for (; j + 4 <= m; j += 4) {
    d4 a, b;
    __builtin_memcpy(&a, w + j, sizeof a);
    __builtin_memcpy(&b, c + j, sizeof b);
    const i4 eq = (a + b) == topv;
    if ((eq[0] | eq[1] | eq[2] | eq[3]) != 0) break;
  }
  for (; j < m; ++j) {
    const double v = w[j] + c[j];
    if (v == top) {
      best = j;
      best_v = v;
      return true;
    }
  }
  return false;  // not reached: some sum equals the maximum
}
#pragma GCC diagnostic pop
[[gnu::target("avx2")]] bool first_max_avx2(const double* w, const double* c, std::size_t m,
                                            std::size_t& best, double& best_v) {
  return first_max_body(w, c, m, best, best_v);
}
bool first_max_default(const double* w, const double* c, std::size_t m, std::size_t& best,
                       double& best_v) {
  return first_max_body(w, c, m, best, best_v);
}

// scipy.signal.convolve(normalised, exp(-0.5 (j 32 / period)^2) for j = -period..period, "same").
std::vector<double> local_score(std::span<const float> env, int period) {
  const auto x = normalize_onsets(env);
  std::vector<double> kernel(static_cast<std::size_t>(2 * period + 1));
  for (int j = -period; j <= period; ++j) {
    const double z = (j * 32.0) / period;
    kernel[static_cast<std::size_t>(j + period)] = std::exp(-0.5 * z * z);
  }
  const auto n = static_cast<std::ptrdiff_t>(x.size());
  std::vector<double> out(x.size(), 0.0);
  // Frames [period, n - period) have the whole kernel inside x: vectorised, bit-identical.
  std::size_t v0 = 0, v1 = 0;
  if (n > 2 * static_cast<std::ptrdiff_t>(period)) {
    static const bool avx2 = core::use_avx2();
    const auto i0 = static_cast<std::size_t>(period), i1 = static_cast<std::size_t>(n - period);
    v0 = i0;
    v1 = avx2 ? score_interior_avx2(x.data(), kernel.data(), period, i0, i1, out.data())
              : score_interior_default(x.data(), kernel.data(), period, i0, i1, out.data());
  }
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    if (static_cast<std::size_t>(i) == v0 && v1 > v0) i = static_cast<std::ptrdiff_t>(v1);
    if (i >= n) break;
    double s = 0.0;
    const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(-period, -i);
    const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(period, n - 1 - i);
    for (std::ptrdiff_t j = lo; j <= hi; ++j)  // symmetric kernel: same as flipped
      s += static_cast<double>(x[static_cast<std::size_t>(i + j)]) *
           kernel[static_cast<std::size_t>(j + period)];
    out[static_cast<std::size_t>(i)] = s;
  }
  return out;
}

// The dynamic program: predecessors at offsets -2 period .. -round(period / 2), weighted by
// -tightness * log(-offset / period)^2; candidates before frame 0 get the weight alone.
void track_dp(const std::vector<double>& localscore, int period, double tightness,
              std::vector<std::int64_t>& backlink, std::vector<double>& cumscore) {
  const auto n = static_cast<std::ptrdiff_t>(localscore.size());
  const auto first_off = static_cast<std::ptrdiff_t>(-2 * period);
  const auto last_off = static_cast<std::ptrdiff_t>(-round_half_even(period / 2.0));
  std::vector<double> txwt;
  for (auto off = first_off; off <= last_off; ++off) {
    const double r = std::log(static_cast<double>(-off) / period);
    txwt.push_back(-tightness * (r * r));
  }
  backlink.assign(static_cast<std::size_t>(n), 0);
  cumscore.assign(static_cast<std::size_t>(n), 0.0);
  const double thresh = 0.01 * *std::max_element(localscore.begin(), localscore.end());
  bool first_beat = true;
  static const bool avx2 = core::use_avx2();
  const auto first_max = avx2 ? first_max_avx2 : first_max_default;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    std::size_t best = 0;
    double best_v = 0.0;
    // Every candidate inside the clip (the usual case): vectorised, the same choice.
    const bool done = i + first_off >= 0 &&
                      first_max(txwt.data(), cumscore.data() + (i + first_off), txwt.size(), best, best_v);
    for (std::size_t j = 0; !done && j < txwt.size(); ++j) {
      const std::ptrdiff_t src = i + first_off + static_cast<std::ptrdiff_t>(j);
      const double v = src >= 0 ? txwt[j] + cumscore[static_cast<std::size_t>(src)] : txwt[j];
      if (j == 0 || v > best_v) { best = j; best_v = v; }  // np.argmax: first maximum
    }
    const double score = localscore[static_cast<std::size_t>(i)];
    cumscore[static_cast<std::size_t>(i)] = score + best_v;
    if (first_beat && score < thresh) {
      backlink[static_cast<std::size_t>(i)] = -1;
    } else {
      backlink[static_cast<std::size_t>(i)] = i + first_off + static_cast<std::ptrdiff_t>(best);
      first_beat = false;
    }
  }
}

double median(std::vector<double> v) {
  const std::size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  if (v.size() % 2 == 1) return v[m];
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
  return (lo + v[m]) / 2.0;
}

// Largest i with cumscore[i] * localmax[i] * 2 > median(cumscore at local maxima). Note the
// product is 0 off the maxima, so a negative median admits every frame. -1 when none.
std::ptrdiff_t last_beat(const std::vector<double>& cumscore) {
  const auto maxes = localmax(cumscore);
  std::vector<double> at_max;
  for (std::size_t i = 0; i < cumscore.size(); ++i)
    if (maxes[i]) at_max.push_back(cumscore[i]);
  if (at_max.empty()) return -1;  // librosa fails here (median of nothing); we track nothing
  const double med = median(std::move(at_max));
  for (auto i = static_cast<std::ptrdiff_t>(cumscore.size()) - 1; i >= 0; --i) {
    const double v = maxes[static_cast<std::size_t>(i)] ? cumscore[static_cast<std::size_t>(i)] * 2.0 : 0.0;
    if (v > med) return i;
  }
  return -1;
}

// Smooth the local score at the beats with [0, .5, 1, .5, 0] ("same"), threshold at half its
// RMS (0 without trim), and keep beats[first_valid : last_valid] (Python slice: the last valid
// beat itself is dropped, as librosa 0.10.1 does).
std::vector<std::int64_t> trim_beats(const std::vector<double>& localscore,
                                     const std::vector<std::int64_t>& beats, bool trim) {
  const std::size_t m = beats.size();
  std::vector<double> a(m), smooth(m);
  for (std::size_t i = 0; i < m; ++i) a[i] = localscore[static_cast<std::size_t>(beats[i])];
  double ss = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    double s = a[i];
    if (i > 0) s += 0.5 * a[i - 1];
    if (i + 1 < m) s += 0.5 * a[i + 1];
    smooth[i] = s;
    ss += s * s;
  }
  const double thr = trim ? 0.5 * std::sqrt(ss / static_cast<double>(m)) : 0.0;
  std::ptrdiff_t first = -1, last = -1;
  for (std::size_t i = 0; i < m; ++i)
    if (smooth[i] > thr) {
      if (first < 0) first = static_cast<std::ptrdiff_t>(i);
      last = static_cast<std::ptrdiff_t>(i);
    }
  if (first < 0) return {};  // librosa fails on an empty argwhere; nothing is valid
  return {beats.begin() + first, beats.begin() + last};
}

}  // namespace

std::vector<bool> localmax(std::span<const double> x) {
  const std::size_t n = x.size();
  std::vector<bool> out(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const double prev = x[i == 0 ? 0 : i - 1];
    const double next = x[i + 1 == n ? i : i + 1];
    out[i] = x[i] > prev && x[i] >= next;
  }
  return out;
}

BeatTrackResult beat_track(std::span<const float> env, const BeatTrackParams& p) {
  validate(p.tempo);
  if (!(p.tightness > 0))
    throw ParameterError("beat_track: tightness must be > 0, got " + std::to_string(p.tightness));
  if (p.bpm && !(*p.bpm > 0))
    throw ParameterError("beat_track: bpm must be > 0, got " + std::to_string(*p.bpm));
  BeatTrackResult out;
  if (std::none_of(env.begin(), env.end(), [](float v) { return v != 0.0f; })) return out;
  if (p.bpm) {
    out.tempo = *p.bpm;
  } else {
    auto est = tempo(env, p.tempo);
    out.tempo = est.bpm;
    out.tempogram_mean = std::move(est.tempogram_mean);
  }
  const double frame_rate = p.tempo.sr / p.tempo.hop_length;
  out.period = static_cast<int>(round_half_even(60.0 * frame_rate / out.tempo));
  if (out.period < 1)
    throw ParameterError("beat_track: tempo " + std::to_string(out.tempo) +
                         " BPM is faster than one beat per frame");
  out.localscore = local_score(env, out.period);
  std::vector<std::int64_t> backlink;
  track_dp(out.localscore, out.period, p.tightness, backlink, out.cumscore);
  const std::ptrdiff_t tail = last_beat(out.cumscore);
  if (tail < 0) return out;
  std::vector<std::int64_t> beats{tail};
  // Backlinks always point to earlier frames (offsets <= -round(period / 2), and offset 0
  // carries a -inf weight), so this walk ends; the bound only guards against a broken link.
  for (auto b = backlink[static_cast<std::size_t>(tail)]; b >= 0 && b < beats.back();
       b = backlink[static_cast<std::size_t>(b)])
    beats.push_back(b);
  std::reverse(beats.begin(), beats.end());
  out.beats = trim_beats(out.localscore, beats, p.trim);
  return out;
}

}  // namespace echoelml::features
