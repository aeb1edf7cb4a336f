// Mean autocorrelation tempogram by a sliding DFT of length L = 2W.
//
// Why it equals librosa's tempogram mean: the mean over frames of each Hann-windowed frame's
// autocorrelation divided by its lag-0 value E_t is IFFT_L(sum_t |F_t|^2 / E_t) / n for any
// L >= 2W - 1 (Wiener-Khinchin; the inverse transform is linear), F_t the L-point DFT of the
// windowed frame. With L = 2W and w = exp(-2 pi i / L):
//  * R_t(f) = sum_{k<W} x[t+k] w^{fk} (the unwindowed frame) obeys
//    R_{t+1}(f) = w^{-f} (R_t(f) - x[t] + (-1)^f x[t+W]), because w^{fW} = (-1)^f;
//  * the periodic Hann window is 0.5 - 0.25 e^{2 pi i k/W} - 0.25 e^{-2 pi i k/W}, and
//    e^{2 pi i k/W} = w^{-2k} shifts the spectrum by 2 bins, so
//    F_t(f) = 0.5 R_t(f) - 0.25 R_t(f-2) - 0.25 R_t(f+2) (bins outside 0..W by conjugate symmetry).
// One complex multiply per bin and frame replaces an FFT per frame; E_t = sum (x w)^2 is still
// summed directly from the samples, so the skip rule (E_t < DBL_MIN) and the scale are unchanged.
//
// Error bound (u = 2^-53; norms over all L bins, divided by sqrt(L)): one step adds at most
// 6u sqrt(U_t) + 8u (|x[t]| + |x[t+W]|) to the state's error b (U_t = sum x^2 over the frame;
// from fl(R + d), the twiddle rounded once from long double, |w~ - w| <= sqrt(2) u, and the
// complex product's sqrt(5) u), and multiplies the old error by at most 1 + 4u. An exact anchor
// (FFTW of the unwindowed frame) restarts b at kFftError u sqrt(U_t); an all-zero frame resets
// the state to exactly 0. The Hann filter does not amplify errors (|F err|^2 <= 0.5 |a|^2 +
// 0.25 |b|^2 + 0.25 |c|^2 by convexity; each bin's weights, guard copies included, sum to its
// multiplicity on the circle) and rounds within 5u sqrt(U_t) (the window's own rounding
// included), so ||F~ - F|| <= beta sqrt(L E_t) with beta = (b + 5u sqrt(U_t)) / sqrt(E_t), and
// the frame's normalised autocorrelation is off by at most 2 beta + beta^2 at every lag (plus
// the ~3u rounding of |F|^2 / E_t that the per-frame FFT has as well).
// A frame whose bound exceeds the tolerance is re-anchored; if its window-edge energy still
// makes the bound too large (U_t >> E_t), it is computed from its windowed samples directly.
// Execution order: the decisions above depend only on the frame energies and the samples, never
// on the state, so a scalar pass plans a chunk of frames first (slide + add, or an event: zero
// reset, anchor spectrum, direct frame's terms, skip) and a bin-major pass then runs the chunk
// block by block: each block of output bins keeps its state (plus the 4 guard bins the Hann
// filter reads, carried redundantly by the neighbouring blocks: the same recursion gives the
// same values) and its sums in registers through all the chunk's frames (twiddles from L1),
// instead of loading and storing the whole state once per frame. Every value sees the same
// operations in the same order as in a frame-by-frame loop (acc terms added in frame order),
// so the result is bit-for-bit the same whatever the block size or build.
#include "features/tempogram_sliding.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numbers>

#include "echoelml/core/cpu.h"
#include "echoelml/dsp/fft.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::features::detail {
namespace {

constexpr double kU = 0x1p-53;
constexpr double kFftError = kAnchorFftError;

// A chunk's length bounds the plan's memory: at most kChunkFrames frames, and at most
// kChunkSpectra stored anchor / direct spectra (pathological envelopes may need one per frame).
constexpr std::size_t kChunkFrames = 512;
constexpr std::size_t kChunkSpectra = 16;

// Sums in eight lanes (k % 8, the tail in lane 0) to break the chains of dependent additions;
// the AVX2 build below runs the same lanes in two registers.
[[gnu::always_inline]] inline void energies_body(const float* __restrict x,
                                                 const double* __restrict window, std::size_t n,
                                                 double* e, double* u) {
  double e8[8] = {}, u8[8] = {};
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (std::size_t j = 0; j < 8; ++j) {
      const double v = static_cast<double>(x[k + j]);
      const double y = v * window[k + j];
      e8[j] += y * y;
      u8[j] += v * v;
    }
  for (; k < n; ++k) {
    const double v = static_cast<double>(x[k]);
    const double y = v * window[k];
    e8[0] += y * y;
    u8[0] += v * v;
  }
  *e = ((e8[0] + e8[1]) + (e8[2] + e8[3])) + ((e8[4] + e8[5]) + (e8[6] + e8[7]));
  *u = ((u8[0] + u8[1]) + (u8[2] + u8[3])) + ((u8[4] + u8[5]) + (u8[6] + u8[7]));
}

// ---- The plan of one chunk of frames ----

struct FrameArgs {
  double d[2];  ///< slide offsets for even and odd f: (-1)^f x[t-1+W] - x[t-1]
  double inv4;  ///< the Hann add's scale 1 / (4 E_t)
};
enum class StateOp : std::uint8_t { kSlide, kZero, kSet };
enum class AddOp : std::uint8_t { kNone, kHann, kDirect };
/// A frame that is not the common slide + Hann add.
struct Event {
  std::uint32_t t;  ///< frame index within the chunk
  StateOp state;
  AddOp add;
  std::uint32_t set_slot = 0, direct_slot = 0;  ///< which stored spectrum / terms
};
struct Plan {
  std::size_t P = 0, Q = 0;            ///< state bins (from f = -2) and filtered bins, P = Q + 4
  std::vector<FrameArgs> frames;       ///< every frame of the chunk
  std::vector<Event> events;           ///< in frame order
  std::vector<double> set_re, set_im;  ///< anchors' spectra, P values each
  std::vector<double> direct;          ///< direct frames' terms |F|^2 / E, Q values each
  std::size_t spectra() const { return set_re.size() / P + direct.size() / Q; }
  void clear() {
    frames.clear();
    events.clear();
    set_re.clear();
    set_im.clear();
    direct.clear();
  }
};
struct ExecArgs {
  const Plan* plan;
  double* re;  ///< the state, P bins, carried from chunk to chunk
  double* im;
  const double* c;  ///< twiddles w^{-f} = c + i s
  const double* s;
  double* acc;  ///< Q sums
};

// ---- The bin-major executor: NV state vectors of N bins (N = 2 or 4), NO output vectors ----

// -Wpsabi stays off to the end of the file: GCC reports the vector arguments of the
// always-inlined helpers there, and they never cross a call.
#pragma GCC diagnostic ignored "-Wpsabi"
template <int N>
struct VecTypes;  // GCC vector types of N doubles and N 64-bit shuffle indices
template <>
struct VecTypes<2> {
  typedef double V __attribute__((vector_size(16)));
  typedef long long M __attribute__((vector_size(16)));
};
template <>
struct VecTypes<4> {
  typedef double V __attribute__((vector_size(32)));
  typedef long long M __attribute__((vector_size(32)));
};
template <int N>
using Vec = typename VecTypes<N>::V;
template <int N>
using Mask = typename VecTypes<N>::M;

template <int N>
[[gnu::always_inline]] inline Vec<N> load(const double* p) {
  Vec<N> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <int N>
[[gnu::always_inline]] inline void store(double* p, const Vec<N>& v) {
  std::memcpy(p, &v, sizeof v);
}
template <int N>
[[gnu::always_inline]] inline Vec<N> splat(double v) {
  Vec<N> r;
  for (int l = 0; l < N; ++l) r[l] = v;
  return r;
}

// Output vectors per block: the filter reads 4 bins past the outputs, 2 vectors of 2 bins or
// one of 4.
template <int N, int NV>
inline constexpr int kOut = NV - 4 / N;

// Bins [j N + k, j N + k + N) of the block's state (0 <= k <= 4).
template <int N, int NV, int K>
[[gnu::always_inline]] inline Vec<N> bins_at(const Vec<N> (&R)[NV], int j) {
  if constexpr (K % N == 0) {
    return R[j + K / N];
  } else {
    Mask<N> m;
    for (int l = 0; l < N; ++l) m[l] = K % N + l;
    return __builtin_shuffle(R[j + K / N], R[j + K / N + 1], m);
  }
}

// re/im = (re + d + i im) * (c + i s) per bin, d alternating by the bin's parity.
template <int N, int NV>
[[gnu::always_inline]] inline void slide_regs(Vec<N> (&R)[NV], Vec<N> (&M)[NV], const double* c,
                                              const double* s, const FrameArgs& f) {
  Vec<N> dd;
  for (int l = 0; l < N; ++l) dd[l] = f.d[l % 2];
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    const Vec<N> a = R[j] + dd, b = M[j], cj = load<N>(c + N * j), sj = load<N>(s + N * j);
    R[j] = a * cj - b * sj;
    M[j] = a * sj + b * cj;
  }
}

// The Hann filter doubled, 2 F[f] = R[f+2] - 0.5 (R[f] + R[f+4]), with the 1/4 folded into
// inv4 = inv / 4: scaling by powers of two is exact, so this rounds as |F|^2 * inv would.
template <int N, int NV>
[[gnu::always_inline]] inline void hann_regs(const Vec<N> (&R)[NV], const Vec<N> (&M)[NV],
                                             Vec<N> (&A)[kOut<N, NV>], double inv4) {
  const Vec<N> half = splat<N>(0.5), vi = splat<N>(inv4);
#pragma GCC unroll 16
  for (int j = 0; j < kOut<N, NV>; ++j) {
    const Vec<N> fr = bins_at<N, NV, 2>(R, j) - half * (R[j] + bins_at<N, NV, 4>(R, j));
    const Vec<N> fi = bins_at<N, NV, 2>(M, j) - half * (M[j] + bins_at<N, NV, 4>(M, j));
    A[j] += (fr * fr + fi * fi) * vi;
  }
}

// All the chunk's frames for state bins [i0, i0 + N NV) and output bins [i0, i0 + N NO).
// The twiddles are read from memory (L1): registers hold the state and the sums.
template <int N, int NV>
[[gnu::always_inline]] inline void block_body(const ExecArgs& x, std::size_t i0) {
  constexpr int NO = kOut<N, NV>;
  const Plan& plan = *x.plan;
  const double *c = x.c + i0, *s = x.s + i0;
  Vec<N> R[NV], M[NV], A[NO];
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    R[j] = load<N>(x.re + i0 + N * j);
    M[j] = load<N>(x.im + i0 + N * j);
  }
#pragma GCC unroll 16
  for (int j = 0; j < NO; ++j) A[j] = load<N>(x.acc + i0 + N * j);
  const FrameArgs* frames = plan.frames.data();
  std::size_t t = 0;
  for (const Event& ev : plan.events) {
    for (; t < ev.t; ++t) {  // the common frames: slide, then add
      slide_regs<N, NV>(R, M, c, s, frames[t]);
      hann_regs<N, NV>(R, M, A, frames[t].inv4);
    }
    switch (ev.state) {
      case StateOp::kSlide: slide_regs<N, NV>(R, M, c, s, frames[t]); break;
      case StateOp::kZero:
#pragma GCC unroll 16
        for (int j = 0; j < NV; ++j) R[j] = M[j] = Vec<N>{};
        break;
      case StateOp::kSet: {
        const std::size_t o = ev.set_slot * plan.P + i0;
#pragma GCC unroll 16
        for (int j = 0; j < NV; ++j) {
          R[j] = load<N>(plan.set_re.data() + o + N * j);
          M[j] = load<N>(plan.set_im.data() + o + N * j);
        }
        break;
      }
    }
    switch (ev.add) {
      case AddOp::kNone: break;
      case AddOp::kHann: hann_regs<N, NV>(R, M, A, frames[t].inv4); break;
      case AddOp::kDirect: {
        const double* terms = plan.direct.data() + ev.direct_slot * plan.Q + i0;
#pragma GCC unroll 16
        for (int j = 0; j < NO; ++j) A[j] += load<N>(terms + N * j);
        break;
      }
    }
    ++t;
  }
  for (const std::size_t n = plan.frames.size(); t < n; ++t) {
    slide_regs<N, NV>(R, M, c, s, frames[t]);
    hann_regs<N, NV>(R, M, A, frames[t].inv4);
  }
  // Vectors NO.. are the next block's first ones, which that block has still to load: only the
  // last block stores them.
  const int stored = i0 + N * NO < plan.Q ? NO : NV;
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j)
    if (j < stored) {
      store<N>(x.re + i0 + N * j, R[j]);
      store<N>(x.im + i0 + N * j, M[j]);
    }
#pragma GCC unroll 16
  for (int j = 0; j < NO; ++j) store<N>(x.acc + i0 + N * j, A[j]);
}

template <int N, int NV>
[[gnu::always_inline]] inline void execute_body(const ExecArgs& x) {
  for (std::size_t i0 = 0; i0 < x.plan->Q; i0 += N * kOut<N, NV>) block_body<N, NV>(x, i0);
}

// Vector width and block per build (bins per vector, state vectors), chosen by measurement:
// registers hold the state and the sums, the twiddles come from L1. 512-bit vectors were
// slower on Zen 4 (double-pumped, and 8-bin vectors need two shuffles for the filter); two-bin
// vectors need none (bins f+2, f+4 are whole vectors) and suit SSE2's 16 registers.
struct Build {
  int lanes, vectors;
  /// output bins per block (the state has 4 more)
  constexpr std::size_t group() const { return static_cast<std::size_t>(lanes * vectors - 4); }
};
constexpr Build kAvx512{4, 8}, kAvx2{4, 6}, kSse2{2, 7};

// AVX-512F implies FMA: contraction is switched off so that a * b + c stays two roundings.
[[gnu::target("avx512f,avx512vl"), gnu::optimize("fp-contract=off")]] void execute_avx512(
    const ExecArgs& x) {
  execute_body<kAvx512.lanes, kAvx512.vectors>(x);
}
[[gnu::target("avx2")]] void execute_avx2(const ExecArgs& x) {
  execute_body<kAvx2.lanes, kAvx2.vectors>(x);
}
void execute_sse2(const ExecArgs& x) { execute_body<kSse2.lanes, kSse2.vectors>(x); }

bool cpu_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}

}  // namespace

[[gnu::target("avx2")]] void frame_energies_avx2(const float* x, const double* window,
                                                 std::size_t n, double* e, double* u) {
  __m256d e0 = _mm256_setzero_pd(), e1 = e0, u0 = e0, u1 = e0;
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256d v0 = _mm256_cvtps_pd(_mm_loadu_ps(x + k));
    const __m256d v1 = _mm256_cvtps_pd(_mm_loadu_ps(x + k + 4));
    const __m256d y0 = _mm256_mul_pd(v0, _mm256_loadu_pd(window + k));
    const __m256d y1 = _mm256_mul_pd(v1, _mm256_loadu_pd(window + k + 4));
    e0 = _mm256_add_pd(e0, _mm256_mul_pd(y0, y0));
    e1 = _mm256_add_pd(e1, _mm256_mul_pd(y1, y1));
    u0 = _mm256_add_pd(u0, _mm256_mul_pd(v0, v0));
    u1 = _mm256_add_pd(u1, _mm256_mul_pd(v1, v1));
  }
  alignas(32) double e8[8], u8[8];
  _mm256_store_pd(e8, e0);
  _mm256_store_pd(e8 + 4, e1);
  _mm256_store_pd(u8, u0);
  _mm256_store_pd(u8 + 4, u1);
  for (; k < n; ++k) {
    const double v = static_cast<double>(x[k]);
    const double y = v * window[k];
    e8[0] += y * y;
    u8[0] += v * v;
  }
  *e = ((e8[0] + e8[1]) + (e8[2] + e8[3])) + ((e8[4] + e8[5]) + (e8[6] + e8[7]));
  *u = ((u8[0] + u8[1]) + (u8[2] + u8[3])) + ((u8[4] + u8[5]) + (u8[6] + u8[7]));
}
void frame_energies_sse2(const float* x, const double* window, std::size_t n, double* e,
                         double* u) {
  energies_body(x, window, n, e, u);
}

std::vector<float> linear_ramp_pad(std::span<const float> env, int half) {
  // each side ramps from 0 at the outer end towards the edge value,
  // numpy linspace(0, edge, half, endpoint=False), computed in double and stored as float32
  const std::size_t n = env.size(), h = static_cast<std::size_t>(half);
  std::vector<float> out(n + 2 * h);
  const double step_l = static_cast<double>(env.front()) / half;
  const double step_r = static_cast<double>(env.back()) / half;
  for (std::size_t j = 0; j < h; ++j) {
    out[j] = static_cast<float>(static_cast<double>(j) * step_l);
    out[n + 2 * h - 1 - j] = static_cast<float>(static_cast<double>(j) * step_r);
  }
  std::copy(env.begin(), env.end(), out.begin() + static_cast<std::ptrdiff_t>(h));
  return out;
}

SlidingBins sliding_bins(int W, std::size_t P) {
  const std::size_t w = static_cast<std::size_t>(W);
  const long L = 2 * static_cast<long>(W);
  // w^{-g} = e^{2 pi i g / L} for g in 0..W: computed for g <= W/2, the rest exactly by
  // e^{2 pi i (W - g) / L} = -conj(e^{2 pi i g / L}). For g <= W/2, 4g = m L + r with
  // |r| <= L/2 (integers), so the angle is m pi/2 + theta, theta = pi r / (2L) in [-pi/4, pi/4]:
  // long double cos/sin need no argument reduction there, and rounding to double keeps each
  // part within u of the exact value (the bound assumes that).
  std::vector<double> tc(w + 1), ts(w + 1);
  for (std::size_t g = 0; g <= w; ++g) {
    if (2 * g > w) {
      tc[g] = -tc[w - g];
      ts[g] = ts[w - g];
      continue;
    }
    const long m = (8 * static_cast<long>(g) + L) / (2 * L);
    const long r = 4 * static_cast<long>(g) - m * L;
    const long double theta = std::numbers::pi_v<long double> * static_cast<long double>(r) / (2.0L * L);
    const double ct = static_cast<double>(std::cos(theta)), sn = static_cast<double>(std::sin(theta));
    switch (m) {  // 0 or 1: g <= W/2 means an angle <= pi/2
      case 0: tc[g] = ct; ts[g] = sn; break;
      default: tc[g] = -sn; ts[g] = ct; break;
    }
  }
  // Bin f's value and twiddle by L-periodicity and conjugate symmetry: bin g = f mod L, or the
  // conjugate of bin L - g when g > W.
  SlidingBins bins;
  bins.c.resize(P);
  bins.s.resize(P);
  bins.src.resize(P);
  bins.conj.resize(P);
  for (std::size_t i = 0; i < P; ++i) {
    const long f = static_cast<long>(i) - 2;
    const long g = ((f % L) + L) % L;
    bins.src[i] = static_cast<std::size_t>(g <= W ? g : L - g);
    bins.conj[i] = g > W;
    bins.c[i] = tc[bins.src[i]];
    bins.s[i] = bins.conj[i] ? -ts[bins.src[i]] : ts[bins.src[i]];
  }
  return bins;
}

std::vector<double> tempogram_mean_sliding(std::span<const float> env, int W,
                                           const SlidingOptions& opt, SlidingStats* stats) {
  SlidingStats local;
  SlidingStats& st = stats ? *stats : local;
  st = {};
  const std::size_t n = env.size(), w = static_cast<std::size_t>(W);
  const int L = 2 * W;
  const auto padded = linear_ramp_pad(env, W / 2);
  const auto window = dsp::hann_periodic(W);

  static const bool cpu_avx2 = core::use_avx2(), cpu_512 = cpu_avx2 && cpu_avx512();
  const bool avx2 = opt.avx2 && cpu_avx2, avx512 = avx2 && opt.avx512 && cpu_512;
  const Build build = avx512 ? kAvx512 : avx2 ? kAvx2 : kSse2;
  auto execute = avx512 ? execute_avx512 : avx2 ? execute_avx2 : execute_sse2;

  // State bins f = -2 .. P-3 at index i = f + 2: 0..W, two guard bins each side for the Hann
  // filter, and padding to whole blocks. All are true DFT bins, carried by the same
  // recursion with their own twiddles (|R(-f)| = |R(f)|, so the bound covers the guards).
  Plan plan;
  plan.Q = (w + build.group()) / build.group() * build.group();  // filtered bins (0..W used)
  plan.P = plan.Q + 4;
  const std::size_t P = plan.P, Q = plan.Q;
  const SlidingBins bins = sliding_bins(W, P);
  std::vector<double> re(P, 0.0), im(P, 0.0), acc(Q, 0.0);
  const ExecArgs args{&plan, re.data(), im.data(), bins.c.data(), bins.s.data(), acc.data()};
  plan.frames.reserve(kChunkFrames);

  dsp::RealFft fft(L);
  dsp::RealBuffer frame(dsp::fft_alloc_real(static_cast<std::size_t>(L)));
  dsp::ComplexBuffer spec(dsp::fft_alloc_complex(w + 1));

  const double tiny = std::numeric_limits<double>::min();
  double b = 0.0;  // bound on the state's error (norm over L bins / sqrt(L))
  double prev_u = 0.0;

  // Both write the frame zero-padded to L (the zeros again each time: an FFT may use its input
  // as scratch), and store their spectrum / terms in the plan.
  auto anchor = [&](const float* x, double u) {
    for (std::size_t k = 0; k < w; ++k) frame[k] = static_cast<double>(x[k]);
    std::fill(frame.get() + w, frame.get() + L, 0.0);
    fft.forward(frame.get(), spec.get());
    const auto slot = static_cast<std::uint32_t>(plan.set_re.size() / P);
    for (std::size_t i = 0; i < P; ++i) {
      const auto v = spec[bins.src[i]];
      plan.set_re.push_back(v.real());
      plan.set_im.push_back(bins.conj[i] ? -v.imag() : v.imag());
    }
    b = kFftError * kU * std::sqrt(u);
    ++st.anchors;
    return slot;
  };
  auto direct = [&](const float* x, double inv) {
    for (std::size_t k = 0; k < w; ++k) frame[k] = static_cast<double>(x[k]) * window[k];
    std::fill(frame.get() + w, frame.get() + L, 0.0);
    fft.forward(frame.get(), spec.get());
    const auto slot = static_cast<std::uint32_t>(plan.direct.size() / Q);
    for (std::size_t f = 0; f < Q; ++f)
      plan.direct.push_back(f <= w ? std::norm(spec[f]) * inv : 0.0);
    ++st.direct_frames;
    return slot;
  };
  // 2 beta + beta^2 for the state error b (see the top of the file)
  auto bound = [&](double state_error, double u, double e) {
    const double beta = (state_error + 5.0 * kU * std::sqrt(u)) / std::sqrt(e);
    return 2.0 * beta + beta * beta;
  };
  auto end_frame = [&] {
    if (plan.frames.size() == kChunkFrames || plan.spectra() >= kChunkSpectra) {
      execute(args);
      plan.clear();
    }
  };

  for (std::size_t t = 0; t < n; ++t) {
    const float* x = padded.data() + t;
    double e = 0.0, u = 0.0;
    if (avx2) frame_energies_avx2(x, window.data(), w, &e, &u);
    else frame_energies_sse2(x, window.data(), w, &e, &u);
    const double inv = 1.0 / e, inv4 = 0.25 * inv;

    Event ev{static_cast<std::uint32_t>(plan.frames.size()), StateOp::kSlide, AddOp::kNone};
    FrameArgs args_t{{0.0, 0.0}, inv4};
    bool fresh = false;  // state exact up to the anchor's error at this frame
    if (u == 0.0) {      // all-zero frame: its spectrum is exactly 0
      ev.state = StateOp::kZero;
      b = 0.0;
      ++st.zero_resets;
      fresh = true;
    } else if (t == 0) {
      ev.state = StateOp::kSet;
      ev.set_slot = anchor(x, u);
      fresh = true;
    } else {
      const double x0 = static_cast<double>(x[-1]), xw = static_cast<double>(x[w - 1]);
      args_t.d[0] = xw - x0;  // even and odd f: (-1)^f x[t-1+W] - x[t-1]
      args_t.d[1] = -xw - x0;
      b = b * (1.0 + 4.0 * kU) + 6.0 * kU * std::sqrt(prev_u) +
          8.0 * kU * (std::abs(x0) + std::abs(xw));
      const double err = e >= tiny ? bound(b, u, e) : std::numeric_limits<double>::infinity();
      if (err <= opt.tolerance) {  // the common case: slide and add this frame
        st.max_bound = std::max(st.max_bound, err);
        plan.frames.push_back(args_t);
        prev_u = u;
        end_frame();
        continue;
      }
    }
    prev_u = u;
    if (e >= tiny) {  // else librosa leaves the frame unscaled: it is ~0 anyway
      double err = bound(b, u, e);
      if (err > opt.tolerance && !fresh && bound(kFftError * kU * std::sqrt(u), u, e) <= opt.tolerance) {
        ev.state = StateOp::kSet;  // drift, not the window's edges: an exact spectrum fixes it
        ev.set_slot = anchor(x, u);
        err = bound(b, u, e);
      }
      if (err > opt.tolerance) {
        ev.add = AddOp::kDirect;
        ev.direct_slot = direct(x, inv);
      } else {
        st.max_bound = std::max(st.max_bound, err);
        ev.add = AddOp::kHann;
      }
    }
    plan.frames.push_back(args_t);
    plan.events.push_back(ev);
    end_frame();
  }
  if (!plan.frames.empty()) execute(args);

  for (std::size_t f = 0; f <= w; ++f) spec[f] = {acc[f], 0.0};
  fft.inverse(spec.get(), frame.get());
  std::vector<double> tg(w);
  const double scale = 1.0 / (static_cast<double>(L) * static_cast<double>(n));
  for (std::size_t k = 0; k < w; ++k) tg[k] = frame[k] * scale;
  return tg;
}

}  // namespace echoelml::features::detail
