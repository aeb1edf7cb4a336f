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
// block by block (tempogram_exec.{h,cpp}): each block of output bins keeps its state (plus the
// guard bins the Hann filter reads, carried redundantly: the same recursion gives the same
// values) and its sums in registers through all the chunk's frames (twiddles from L1), instead
// of loading and storing the whole state once per frame. Every value sees the same operations
// in the same order as in a frame-by-frame loop (acc terms added in frame order), so the
// result is bit-for-bit the same whatever the layout, block size or build. The energies E_t,
// U_t of all frames come first (frame_energies: U's lane sums are shared by eight frames).
#include "features/tempogram_sliding.h"

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
#include "features/tempogram_exec.h"

namespace echoelml::features::detail {
namespace {

constexpr double kU = 0x1p-53;
constexpr double kFftError = kAnchorFftError;

// A chunk's length bounds the plan's memory: at most kChunkFrames frames, and at most
// kChunkSpectra stored anchor / direct spectra (pathological envelopes may need one per frame).
constexpr std::size_t kChunkFrames = 512;
constexpr std::size_t kChunkSpectra = 16;

bool cpu_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}

// The layout and its twiddles for one W and build, cached per thread: the twiddles come from
// long double cos / sin (~0.05 ms for W = 689), the same for every envelope of a run.
struct Setup {
  int W = 0;
  SimdBuild build = SimdBuild::kSse2;
  BinLayout layout;
  SlidingBins bins;              ///< bins f = -2 .. (index f + 2)
  std::vector<double> c, s;      ///< twiddles per state slot
};
const Setup& setup_for(int W, SimdBuild build) {
  thread_local Setup cached;
  if (cached.W == W && cached.build == build) return cached;
  Setup su;
  su.W = W;
  su.build = build;
  su.layout = make_layout(build, static_cast<std::size_t>(W));
  const long top = *std::max_element(su.layout.state_bin.begin(), su.layout.state_bin.end());
  su.bins = sliding_bins(W, static_cast<std::size_t>(top + 3));
  for (const long f : su.layout.state_bin) {
    su.c.push_back(su.bins.c[static_cast<std::size_t>(f + 2)]);
    su.s.push_back(su.bins.s[static_cast<std::size_t>(f + 2)]);
  }
  cached = std::move(su);
  return cached;
}

}  // namespace

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
  const SimdBuild build = avx512 ? SimdBuild::kAvx512 : avx2 ? SimdBuild::kAvx2 : SimdBuild::kSse2;

  // State bins f = -2 .. (index f + 2): 0..W, two guard bins each side of every segment for the
  // Hann filter, and the last block's padding. All are true DFT bins, carried by the same
  // recursion with their own twiddles (|R(-f)| = |R(f)|, so the bound covers the guards).
  const Setup& su = setup_for(W, build);
  const BinLayout& lay = su.layout;
  const SlidingBins& bins = su.bins;
  Plan plan;
  plan.P = lay.P();
  plan.Q = lay.Q();
  const std::size_t P = plan.P, Q = plan.Q;
  std::vector<double> re(P, 0.0), im(P, 0.0), acc(Q, 0.0);
  const ExecArgs args{&plan, &lay, re.data(), im.data(), su.c.data(), su.s.data(), acc.data()};
  plan.frames.reserve(kChunkFrames);

  // every frame's energies at once (U from shared lane sums)
  std::vector<double> energy(n), usum(n);
  frame_energies(padded.data(), n, window.data(), w, build, energy.data(), usum.data());

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
    for (const long f : lay.state_bin) {
      const auto i = static_cast<std::size_t>(f + 2);
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
    for (const long f : lay.out_bin)
      plan.direct.push_back(f <= W ? std::norm(spec[static_cast<std::size_t>(f)]) * inv : 0.0);
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
      execute(build, args);
      plan.clear();
    }
  };

  for (std::size_t t = 0; t < n; ++t) {
    const float* x = padded.data() + t;
    const double e = energy[t], u = usum[t];
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
  if (!plan.frames.empty()) execute(build, args);

  for (std::size_t q = 0; q < Q; ++q)  // every bin 0..W has one slot
    if (lay.out_bin[q] <= W) spec[static_cast<std::size_t>(lay.out_bin[q])] = {acc[q], 0.0};
  fft.inverse(spec.get(), frame.get());
  std::vector<double> tg(w);
  const double scale = 1.0 / (static_cast<double>(L) * static_cast<double>(n));
  for (std::size_t k = 0; k < w; ++k) tg[k] = frame[k] * scale;
  return tg;
}

}  // namespace echoelml::features::detail
