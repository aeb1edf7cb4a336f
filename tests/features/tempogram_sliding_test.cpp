// The sliding-DFT tempogram mean (src/features/tempogram_sliding.cpp) against the per-frame
// reference (tempogram_mean_reference: one FFT, inverse FFT and max-normalisation per frame,
// as librosa runs it) on random, real and adversarial envelopes; its error bound; the anchor
// FFT's accuracy against a long double DFT; AVX2 and SSE2 builds giving the same bits; the
// bin-major executor against the frame-by-frame loop it replaced, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "echoelml/dsp/fft.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/beat.h"
#include "features/tempogram_exec.h"
#include "features/tempogram_sliding.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// |sliding - reference| <= rel * max |reference| at every lag (exactly equal when all zero).
void expect_matches_reference(const std::vector<float>& env, int W, double rel,
                              const detail::SlidingOptions& opt = {}) {
  const auto fast = detail::tempogram_mean_sliding(env, W, opt);
  const auto ref = tempogram_mean_reference(env, W);
  ASSERT_EQ(fast.size(), ref.size());
  const double tol = rel * max_abs(ref);
  for (std::size_t k = 0; k < ref.size(); ++k)
    ASSERT_LE(std::abs(fast[k] - ref[k]), tol)
        << "W=" << W << " n=" << env.size() << " lag " << k << ": " << fast[k] << " vs " << ref[k];
}

std::vector<float> random_envelope(std::size_t n, std::uint32_t seed, bool sparse) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> env(n);
  for (auto& v : env) v = sparse && u(rng) < 0.6f ? 0.0f : 4.0f * u(rng);
  return env;
}

// Loud, then near-silent noise, exact zeros, a lone spike, a tiny tail: the transitions that
// break a sliding DFT without anchors (1/E_t amplifies the absolute drift of quiet frames).
std::vector<float> adversarial_envelope(int W) {
  const std::size_t w = static_cast<std::size_t>(W);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> env;
  for (std::size_t i = 0; i < 3 * w; ++i) env.push_back(1e4f * u(rng));
  for (std::size_t i = 0; i < 2 * w; ++i) env.push_back(1e-6f * u(rng));
  env.insert(env.end(), 2 * w, 0.0f);
  env.push_back(50.0f);
  env.insert(env.end(), w + 3, 0.0f);
  for (std::size_t i = 0; i < w / 2 + 1; ++i) env.push_back(1e-30f * u(rng));
  env.push_back(1e3f);
  for (std::size_t i = 0; i < w; ++i) env.push_back(i % 5 == 0 ? 1e-3f : 0.0f);
  return env;
}

// The frame-by-frame loop the sliding tempogram ran before its bin-major executor, in plain
// scalar code: the same decisions, and per frame the whole state slid, then Hann-filtered into
// acc (or an anchor FFT, a zero reset, a directly computed frame). Bit-exact reference.
std::vector<double> frame_major_reference(const std::vector<float>& env, int W, double tol,
                                          detail::SlidingStats& st) {
  constexpr double kU = 0x1p-53, kFft = detail::kAnchorFftError;
  st = {};
  const std::size_t n = env.size(), w = static_cast<std::size_t>(W);
  const int L = 2 * W;
  const auto padded = detail::linear_ramp_pad(env, W / 2);
  const auto window = dsp::hann_periodic(W);
  const std::size_t Q = (w + 4) / 4 * 4, P = Q + 4;
  const auto bins = detail::sliding_bins(W, P);
  std::vector<double> re(P, 0.0), im(P, 0.0), acc(Q, 0.0);
  dsp::RealFft fft(L);
  dsp::RealBuffer in(dsp::fft_alloc_real(static_cast<std::size_t>(L)));
  dsp::ComplexBuffer spec(dsp::fft_alloc_complex(w + 1));
  auto transform = [&](const float* x, bool windowed) {
    std::fill(in.get(), in.get() + L, 0.0);
    for (std::size_t k = 0; k < w; ++k)
      in[k] = static_cast<double>(x[k]) * (windowed ? window[k] : 1.0);
    fft.forward(in.get(), spec.get());
  };
  double b = 0.0, prev_u = 0.0;
  auto anchor = [&](const float* x, double u) {
    transform(x, false);
    for (std::size_t i = 0; i < P; ++i) {
      re[i] = spec[bins.src[i]].real();
      im[i] = bins.conj[i] ? -spec[bins.src[i]].imag() : spec[bins.src[i]].imag();
    }
    b = kFft * kU * std::sqrt(u);
    ++st.anchors;
  };
  auto bound = [&](double state_error, double u, double e) {
    const double beta = (state_error + 5.0 * kU * std::sqrt(u)) / std::sqrt(e);
    return 2.0 * beta + beta * beta;
  };
  for (std::size_t t = 0; t < n; ++t) {
    const float* x = padded.data() + t;
    double e, u;
    detail::frame_energies_reference(x, window.data(), w, &e, &u);
    const double inv = 1.0 / e;
    bool fresh = false;
    if (u == 0.0) {
      std::fill(re.begin(), re.end(), 0.0);
      std::fill(im.begin(), im.end(), 0.0);
      b = 0.0;
      ++st.zero_resets;
      fresh = true;
    } else if (t == 0) {
      anchor(x, u);
      fresh = true;
    } else {
      const double x0 = x[-1], xw = x[w - 1];
      b = b * (1.0 + 4.0 * kU) + 6.0 * kU * std::sqrt(prev_u) +
          8.0 * kU * (std::abs(x0) + std::abs(xw));
      for (std::size_t i = 0; i < P; ++i) {  // bin f = i - 2 has the parity of i
        const double a = re[i] + (i % 2 == 0 ? xw - x0 : -xw - x0), m = im[i];
        re[i] = a * bins.c[i] - m * bins.s[i];
        im[i] = a * bins.s[i] + m * bins.c[i];
      }
    }
    prev_u = u;
    if (e < std::numeric_limits<double>::min()) continue;
    double err = bound(b, u, e);
    if (err > tol && !fresh && bound(kFft * kU * std::sqrt(u), u, e) <= tol) {
      anchor(x, u);
      err = bound(b, u, e);
    }
    if (err > tol) {
      transform(x, true);
      for (std::size_t f = 0; f <= w; ++f) acc[f] += std::norm(spec[f]) * inv;
      ++st.direct_frames;
      continue;
    }
    st.max_bound = std::max(st.max_bound, err);
    for (std::size_t f = 0; f < Q; ++f) {  // the Hann filter doubled, scaled by inv / 4
      const double fr = re[f + 2] - 0.5 * (re[f] + re[f + 4]);
      const double fi = im[f + 2] - 0.5 * (im[f] + im[f + 4]);
      acc[f] += (fr * fr + fi * fi) * (0.25 * inv);
    }
  }
  for (std::size_t f = 0; f <= w; ++f) spec[f] = {acc[f], 0.0};
  fft.inverse(spec.get(), in.get());
  std::vector<double> tg(w);
  const double scale = 1.0 / (static_cast<double>(L) * static_cast<double>(n));
  for (std::size_t k = 0; k < w; ++k) tg[k] = in[k] * scale;
  return tg;
}

}  // namespace

TEST(TempogramSliding, RandomEnvelopesMatchReference) {
  std::uint32_t seed = 1;
  for (int W : {1, 2, 3, 4, 5, 8, 9, 64, 65, 344, 689})
    for (std::size_t n : {std::size_t{1}, std::size_t{2}, static_cast<std::size_t>(W / 2 + 1),
                          static_cast<std::size_t>(W) + 1, static_cast<std::size_t>(3 * W + 7)})
      for (bool sparse : {false, true}) expect_matches_reference(random_envelope(n, seed++, sparse), W, 1e-12);
}

TEST(TempogramSliding, LongEnvelopeNeedsFewAnchors) {
  const auto env = random_envelope(2584, 11, true);
  detail::SlidingStats st;
  detail::tempogram_mean_sliding(env, 689, {}, &st);
  EXPECT_GE(st.anchors, 1u);
  EXPECT_LE(st.anchors + st.direct_frames, 100u);  // far fewer FFTs than frames
  EXPECT_LE(st.max_bound, 1e-12);
  expect_matches_reference(env, 689, 1e-12);
}

TEST(TempogramSliding, GoldenOnsetEnvelopesMatchReference) {
  const auto signals = test::golden_signals_with("onset_env_median");
  ASSERT_FALSE(signals.empty());
  for (const auto& sig : signals) {
    const auto g = test::load_golden_array(sig, "onset_env_median");
    const std::vector<float> env(g.values.begin(), g.values.end());
    SCOPED_TRACE(sig);
    expect_matches_reference(env, 689, 1e-12);
    expect_matches_reference(env, 344, 1e-12);
  }
}

TEST(TempogramSliding, AdversarialEnvelopesMatchReference) {
  for (int W : {5, 8, 64, 689}) {
    const auto env = adversarial_envelope(W);
    detail::SlidingStats st;
    detail::tempogram_mean_sliding(env, W, {}, &st);
    EXPECT_GE(st.anchors, 2u) << "W=" << W;        // the loud-to-quiet step re-anchors
    EXPECT_GE(st.direct_frames, 1u) << "W=" << W;  // spikes at the window's edge
    EXPECT_GE(st.zero_resets, 1u) << "W=" << W;
    expect_matches_reference(env, W, 1e-12);
  }
  // Exact zeros everywhere, and a lone spike in zeros.
  expect_matches_reference(std::vector<float>(40, 0.0f), 9, 0.0);
  std::vector<float> spike(100, 0.0f);
  spike[37] = 3.0f;
  for (int W : {1, 2, 3, 10, 33}) expect_matches_reference(spike, W, 1e-12);
}

TEST(TempogramSliding, ErrorStaysWithinItsBoundWithoutReanchoring) {
  // An unreachable tolerance: one anchor at the start, the recursion for everything else.
  detail::SlidingOptions loose;
  loose.tolerance = 1e300;
  for (int W : {7, 344}) {
    std::vector<float> env = random_envelope(8 * static_cast<std::size_t>(W), 3, false);
    for (std::size_t i = 4 * static_cast<std::size_t>(W); i < env.size(); ++i) env[i] *= 1e-3f;
    detail::SlidingStats st;
    const auto fast = detail::tempogram_mean_sliding(env, W, loose, &st);
    EXPECT_EQ(st.anchors, 1u);
    EXPECT_EQ(st.direct_frames, 0u);
    const auto ref = tempogram_mean_reference(env, W);
    for (std::size_t k = 0; k < ref.size(); ++k)  // + the reference's own rounding
      EXPECT_LE(std::abs(fast[k] - ref[k]), st.max_bound + 1e-14) << "W=" << W << " lag " << k;
  }
}

TEST(TempogramSliding, DirectPathAloneMatchesReference) {
  detail::SlidingOptions direct;
  direct.tolerance = 0.0;
  const auto env = random_envelope(500, 5, true);
  detail::SlidingStats st;
  detail::tempogram_mean_sliding(env, 64, direct, &st);
  EXPECT_LE(st.anchors, 1u);  // the first frame's only
  EXPECT_GE(st.direct_frames, 100u);
  EXPECT_EQ(st.max_bound, 0.0);  // no frame taken from the recursion
  expect_matches_reference(env, 64, 1e-13, direct);
}

TEST(TempogramSliding, AnchorFftErrorWithinItsBound) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int W : {2, 3, 5, 13, 53, 344, 689, 1000, 2048}) {
    const int L = 2 * W;
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<double> x(static_cast<std::size_t>(W));
      for (auto& v : x) v = trial == 2 ? (u(rng) < 0.05 ? 1e3 * u(rng) : 0.0) : u(rng);
      dsp::RealFft fft(L);
      dsp::RealBuffer in(dsp::fft_alloc_real(static_cast<std::size_t>(L)));
      dsp::ComplexBuffer out(dsp::fft_alloc_complex(static_cast<std::size_t>(W + 1)));
      std::fill(in.get(), in.get() + L, 0.0);
      std::copy(x.begin(), x.end(), in.get());
      fft.forward(in.get(), out.get());
      long double err2 = 0.0L, energy = 0.0L;
      for (double v : x) energy += static_cast<long double>(v) * v;
      std::vector<std::complex<long double>> twiddle(static_cast<std::size_t>(L));  // w^j
      for (int j = 0; j < L; ++j) {
        const long double a = -2.0L * 3.141592653589793238462643383279503L * j / L;
        twiddle[static_cast<std::size_t>(j)] = {std::cos(a), std::sin(a)};
      }
      for (int f = 0; f <= W; ++f) {
        std::complex<long double> exact = 0.0L;
        for (int k = 0; k < W; ++k)
          exact += static_cast<long double>(x[static_cast<std::size_t>(k)]) *
                   twiddle[static_cast<std::size_t>(static_cast<long>(f) * k % L)];
        const std::complex<long double> got(out[f].real(), out[f].imag());
        err2 += (f == 0 || f == W ? 1.0L : 2.0L) * std::norm(got - exact);
      }
      const double bound = detail::kAnchorFftError * 0x1p-53 * std::sqrt(static_cast<double>(L * energy));
      EXPECT_LE(static_cast<double>(std::sqrt(err2)), bound) << "W=" << W << " trial " << trial;
    }
  }
}

TEST(TempogramSliding, Avx2AndSse2GiveTheSameBits) {
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "no AVX2 on this CPU";
  detail::SlidingOptions sse2, avx2;
  sse2.avx2 = false;
  avx2.avx512 = false;
  for (int W : {3, 64, 689}) {
    const auto env = W == 689 ? random_envelope(2584, 21, true) : adversarial_envelope(W);
    const auto best = detail::tempogram_mean_sliding(env, W);
    EXPECT_TRUE(same_bits(best, detail::tempogram_mean_sliding(env, W, sse2))) << "W=" << W;
    EXPECT_TRUE(same_bits(best, detail::tempogram_mean_sliding(env, W, avx2))) << "W=" << W;
  }
}

// The batched energy kernels (U from lane sums shared by eight frames) against the per-frame
// scalar loop, every build, with awkward lengths and frame counts, zeros and huge ranges.
TEST(TempogramSliding, BatchedEnergiesGiveThePerFrameBits) {
  std::mt19937 rng(4);
  std::normal_distribution<double> g(0.0, 1e3);
  std::uniform_real_distribution<double> ex(-30.0, 30.0);
  const std::size_t n = 140;
  std::vector<double> win(n);
  std::vector<float> x(2 * n);
  for (auto& e : win) e = g(rng);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = i % 7 == 3 ? 0.0f : static_cast<float>(g(rng) * std::pow(10.0, ex(rng)));
  std::vector<detail::SimdBuild> builds{detail::SimdBuild::kSse2};
  if (__builtin_cpu_supports("avx2")) builds.push_back(detail::SimdBuild::kAvx2);
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
    builds.push_back(detail::SimdBuild::kAvx512);
  std::size_t checked = 0;
  for (std::size_t len : {n, n - 1, std::size_t{64}, std::size_t{17}, std::size_t{8},
                          std::size_t{7}, std::size_t{1}})
    for (std::size_t frames : {std::size_t{1}, std::size_t{2}, std::size_t{9}, 2 * n + 1 - len}) {
      std::vector<double> want_e(frames), want_u(frames);
      for (std::size_t t = 0; t < frames; ++t)
        detail::frame_energies_reference(x.data() + t, win.data(), len, &want_e[t], &want_u[t]);
      for (const auto b : builds) {
        std::vector<double> e(frames, -1.0), u(frames, -1.0);
        detail::frame_energies(x.data(), frames, win.data(), len, b, e.data(), u.data());
        EXPECT_TRUE(same_bits(e, want_e)) << len << " " << frames << " build " << int(b);
        EXPECT_TRUE(same_bits(u, want_u)) << len << " " << frames << " build " << int(b);
        ++checked;
      }
    }
  EXPECT_GE(checked, 28u);
}

// The executor's layouts: every output bin 0..W in exactly one sum slot, each output lane's
// filter inputs f - 2, f, f + 2 in the state vectors j, j + 1, j + 2 of the same lane, and the
// lane's parity that of its bins (the slide's offset d alternates by lane).
TEST(TempogramSliding, BinLayoutsCoverEveryBinOnce) {
  std::vector<int> Ws;
  for (int W = 1; W <= 130; ++W) Ws.push_back(W);
  Ws.insert(Ws.end(), {344, 384, 689, 1000});
  using detail::SimdBuild;
  for (const auto build : {SimdBuild::kSse2, SimdBuild::kAvx2, SimdBuild::kAvx512})
    for (const int W : Ws) {
      const auto lay = detail::make_layout(build, static_cast<std::size_t>(W));
      const std::size_t V = static_cast<std::size_t>(lay.lanes);
      std::vector<int> seen(static_cast<std::size_t>(W) + 1, 0);
      std::size_t P = 0, Q = 0;
      for (const auto& b : lay.blocks) {
        ASSERT_EQ(b.state, P);
        ASSERT_EQ(b.out, Q);
        ASSERT_GE(b.vectors, 3);
        ASSERT_LE(b.vectors, lay.vectors);
        const std::size_t nv = static_cast<std::size_t>(b.vectors);
        for (std::size_t j = 0; j < nv; ++j)
          for (std::size_t l = 0; l < V; ++l) {
            const long f = lay.state_bin[b.state + j * V + l];
            ASSERT_EQ(((f % 2) + 2) % 2, static_cast<long>(l % 2)) << W;
            if (j + 2 >= nv) continue;
            const long o = lay.out_bin[b.out + j * V + l];
            ASSERT_EQ(f, o - 2);
            ASSERT_EQ(lay.state_bin[b.state + (j + 1) * V + l], o);
            ASSERT_EQ(lay.state_bin[b.state + (j + 2) * V + l], o + 2);
            ASSERT_GE(o, 0);
            if (o <= W) ++seen[static_cast<std::size_t>(o)];
          }
        P += nv * V;
        Q += (nv - 2) * V;
      }
      ASSERT_EQ(P, lay.P());
      ASSERT_EQ(Q, lay.Q());
      for (int f = 0; f <= W; ++f)
        ASSERT_EQ(seen[static_cast<std::size_t>(f)], 1) << "W=" << W << " f=" << f;
      // at most one block's worth of padding
      ASSERT_LT(Q, static_cast<std::size_t>(W) + 1 + V * static_cast<std::size_t>(lay.vectors));
    }
}

// Every event kind (anchors, zero resets, direct frames, skipped frames) over several chunks
// and blocks: the bin-major executor must give the frame-by-frame loop's bits and decisions.
TEST(TempogramSliding, BinMajorExecutorMatchesFrameByFrameLoop) {
  struct Case {
    std::vector<float> env;
    int W;
    double tol;
  };
  std::vector<Case> cases;
  for (int W : {1, 2, 3, 5, 8, 13, 64, 384, 689})
    cases.push_back({adversarial_envelope(W), W, 1e-12});
  cases.push_back({random_envelope(2584, 31, true), 384, 1e-12});
  cases.push_back({random_envelope(2584, 32, false), 689, 1e-12});
  cases.push_back({random_envelope(700, 33, true), 64, 0.0});     // direct frames only
  cases.push_back({adversarial_envelope(344), 344, 1e300});        // the first anchor only
  cases.push_back({adversarial_envelope(100), 100, 1e-15});        // anchors and directs often
  // silence gaps and loud-quiet jumps, longer than a chunk
  std::vector<float> gaps = random_envelope(3000, 34, false);
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    if (i / 400 % 3 == 1) gaps[i] = 0.0f;
    if (i / 250 % 4 == 2) gaps[i] *= 1e-7f;
  }
  cases.push_back({gaps, 384, 1e-12});
  for (const auto& sig : test::golden_signals_with("onset_env_median")) {
    const auto gv = test::load_golden_array(sig, "onset_env_median");
    cases.push_back({std::vector<float>(gv.values.begin(), gv.values.end()), 689, 1e-12});
  }
  std::size_t anchors = 0, zeros = 0, directs = 0;
  for (const auto& c : cases) {
    detail::SlidingStats want;
    const auto ref = frame_major_reference(c.env, c.W, c.tol, want);
    anchors += want.anchors;
    zeros += want.zero_resets;
    directs += want.direct_frames;
    for (int build = 0; build < 3; ++build) {  // AVX-512VL (where there is one), AVX2, SSE2
      detail::SlidingOptions opt;
      opt.tolerance = c.tol;
      opt.avx512 = build == 0;
      opt.avx2 = build <= 1;
      detail::SlidingStats got;
      const auto fast = detail::tempogram_mean_sliding(c.env, c.W, opt, &got);
      EXPECT_TRUE(same_bits(fast, ref)) << "W=" << c.W << " n=" << c.env.size() << " tol=" << c.tol
                                        << " build " << build;
      EXPECT_EQ(got.anchors, want.anchors);
      EXPECT_EQ(got.zero_resets, want.zero_resets);
      EXPECT_EQ(got.direct_frames, want.direct_frames);
      EXPECT_EQ(got.max_bound, want.max_bound);
    }
  }
  EXPECT_GE(anchors, 40u);  // the cases do exercise every event kind, many times
  EXPECT_GE(zeros, 1000u);
  EXPECT_GE(directs, 700u);
}
