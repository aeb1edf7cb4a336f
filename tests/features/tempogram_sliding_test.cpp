// The sliding-DFT tempogram mean (src/features/tempogram_sliding.cpp) against the per-frame
// reference (tempogram_mean_reference: one FFT, inverse FFT and max-normalisation per frame,
// as librosa runs it) on random, real and adversarial envelopes; its error bound; the anchor
// FFT's accuracy against a long double DFT; AVX2 and SSE2 builds giving the same bits.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "echoelml/dsp/fft.h"
#include "echoelml/features/beat.h"
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
  detail::SlidingOptions sse2;
  sse2.avx2 = false;
  for (int W : {3, 64, 689}) {
    const auto env = W == 689 ? random_envelope(2584, 21, true) : adversarial_envelope(W);
    EXPECT_TRUE(same_bits(detail::tempogram_mean_sliding(env, W),
                          detail::tempogram_mean_sliding(env, W, sse2)))
        << "W=" << W;
  }
  // The kernels on their own, with awkward lengths for the energies.
  std::mt19937 rng(4);
  std::normal_distribution<double> g(0.0, 1e3);
  const std::size_t n = 64;
  std::vector<double> re(n + 4), im(n + 4), c(n + 4), s(n + 4), win(n + 9);
  std::vector<float> x(n + 9);
  for (auto* v : {&re, &im, &c, &s, &win})
    for (auto& e : *v) e = g(rng);
  for (auto& e : x) e = static_cast<float>(g(rng));
  for (std::size_t len : {n + 9, n + 8, std::size_t{7}, std::size_t{1}}) {
    double e1, u1, e2, u2;
    detail::frame_energies_avx2(x.data(), win.data(), len, &e1, &u1);
    detail::frame_energies_sse2(x.data(), win.data(), len, &e2, &u2);
    EXPECT_TRUE(same_bits({e1, u1}, {e2, u2})) << len;
  }
  const double d[2] = {g(rng), g(rng)};
  auto re2 = re, im2 = im, re3 = re, im3 = im;
  std::vector<double> acc1(n, 1.0), acc2(n, 1.0), acc3(n, 1.0);
  detail::slide_add_hann_power_avx2(re3.data(), im3.data(), c.data(), s.data(), d, 0.37, acc3.data(), n + 4);
  detail::slide_avx2(re.data(), im.data(), c.data(), s.data(), d, n + 4);
  detail::slide_sse2(re2.data(), im2.data(), c.data(), s.data(), d, n + 4);
  EXPECT_TRUE(same_bits(re, re2) && same_bits(im, im2));
  EXPECT_TRUE(same_bits(re, re3) && same_bits(im, im3));
  detail::add_hann_power_avx2(re.data(), im.data(), 0.37, acc1.data(), n);
  detail::add_hann_power_sse2(re.data(), im.data(), 0.37, acc2.data(), n);
  EXPECT_TRUE(same_bits(acc1, acc2));
  EXPECT_TRUE(same_bits(acc1, acc3));
  // and the fused SSE2 build against the AVX2 one
  auto re4 = re2, im4 = im2;
  std::vector<double> acc4(n, 1.0), acc5(n, 1.0);
  detail::slide_add_hann_power_sse2(re2.data(), im2.data(), c.data(), s.data(), d, 0.37, acc4.data(), n + 4);
  detail::slide_add_hann_power_avx2(re4.data(), im4.data(), c.data(), s.data(), d, 0.37, acc5.data(), n + 4);
  EXPECT_TRUE(same_bits(acc4, acc5) && same_bits(re2, re4) && same_bits(im2, im4));
}
