// stft_magnitude_tiles (the four-lane FFT of dsp/stft_lanes.h for n_fft = 2 * 4^L, the
// one-frame FFTW path otherwise) against stft (FFTW, one frame at a time) with the tiles'
// float32 sqrt(re^2 + im^2), and against a long-double DFT; the AVX2 and SSE2 builds of the
// four-lane kernel give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <random>
#include <vector>

#include "dsp/stft_lanes.h"
#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::dsp {
namespace {

std::vector<float> test_signal(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 0.2f);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i)
    y[i] = g(rng) + 0.5f * static_cast<float>(std::sin(0.031 * static_cast<double>(i)));
  // a quiet stretch: bins far below the frame's largest, where rounding shows first
  for (std::size_t i = n / 3; i < n / 3 + n / 8 && i < n; ++i) y[i] *= 1e-5f;
  return y;
}

struct Collected {
  Matrix S;  // (bins, T)
  std::size_t calls = 0;
  bool padding_zero = true;
};

Collected collect(std::span<const float> y, const StftParams& p, std::size_t lanes) {
  const std::size_t bins = static_cast<std::size_t>(p.n_fft / 2 + 1), T = n_frames(y.size(), p);
  Collected c{Matrix(bins, T)};
  std::size_t next = 0;
  stft_magnitude_tiles(y, p, lanes, [&](std::size_t t0, std::size_t count, const float* tile) {
    EXPECT_EQ(t0, next);
    next = t0 + count;
    ++c.calls;
    for (std::size_t k = 0; k < bins; ++k) {
      for (std::size_t j = 0; j < count; ++j) c.S(k, t0 + j) = tile[k * lanes + j];
      for (std::size_t j = count; j < lanes; ++j) c.padding_zero &= tile[k * lanes + j] == 0.0f;
    }
  });
  EXPECT_EQ(next, T);
  return c;
}

// FFTW's complex64 spectrum with the tiles' magnitude formula (not np.abs's: see stft.h).
Matrix fftw_magnitude(std::span<const float> y, const StftParams& p) {
  const ComplexMatrix X = stft(y, p);
  Matrix m(X.rows, X.cols);
  for (std::size_t i = 0; i < X.data.size(); ++i) {
    const float re = X.data[i].real(), im = X.data[i].imag();
    m.data[i] = std::sqrt(re * re + im * im);
  }
  return m;
}

// Each magnitude within 2 float32 ulps of FFTW's (both round a double spectrum to complex64;
// the two double FFTs differ by rounding), or within 1e-12 of the frame's largest bin.
void expect_matches_fftw(std::span<const float> y, const StftParams& p, std::size_t lanes) {
  const Matrix ref = fftw_magnitude(y, p);
  const Collected got = collect(y, p, lanes);
  ASSERT_EQ(got.S.rows, ref.rows);
  ASSERT_EQ(got.S.cols, ref.cols);
  EXPECT_TRUE(got.padding_zero);
  std::size_t exact = 0;
  for (std::size_t t = 0; t < ref.cols; ++t) {
    float frame_max = 0.0f;
    for (std::size_t k = 0; k < ref.rows; ++k) frame_max = std::max(frame_max, ref(k, t));
    for (std::size_t k = 0; k < ref.rows; ++k) {
      const float a = got.S(k, t), b = ref(k, t);
      exact += a == b;
      EXPECT_LE(std::abs(a - b), std::max(2.4e-7f * b, 1e-12f * frame_max))
          << "n_fft " << p.n_fft << " frame " << t << " bin " << k;
    }
  }
  // Rounding differences of the double FFTs reach the float32 result only rarely.
  EXPECT_GE(static_cast<double>(exact), 0.97 * static_cast<double>(ref.data.size()));
}

TEST(StftTiles, FourLaneFftMatchesFftwForEveryFraming) {
  for (std::size_t n : {100, 2047, 2048, 20000, 44100}) {
    const auto y = test_signal(n, static_cast<unsigned>(n));
    expect_matches_fftw(y, StftParams{}, 16);
    expect_matches_fftw(y, StftParams{.center = false}, 8);
    expect_matches_fftw(y, StftParams{.pad_mode = PadMode::Edge}, 4);
    expect_matches_fftw(y, StftParams{.n_fft = 512, .hop_length = 128}, 16);
    expect_matches_fftw(y, StftParams{.n_fft = 32, .hop_length = 7}, 4);
  }
}

TEST(StftTiles, OtherSizesUseTheOneFrameFft) {
  EXPECT_FALSE(detail::StftLanes::supports(1024));
  EXPECT_FALSE(detail::StftLanes::supports(1000));
  EXPECT_TRUE(detail::StftLanes::supports(8192));
  const auto y = test_signal(9000, 3);
  expect_matches_fftw(y, StftParams{.n_fft = 1024, .hop_length = 256}, 8);
  expect_matches_fftw(y, StftParams{.n_fft = 1000, .hop_length = 250}, 4);
}

TEST(StftTiles, RejectsLanesThatAreNotAMultipleOfFour) {
  const auto y = test_signal(4096, 4);
  const auto sink = [](std::size_t, std::size_t, const float*) {};
  EXPECT_THROW(stft_magnitude_tiles(y, {}, 6, sink), ParameterError);
  EXPECT_THROW(stft_magnitude_tiles(y, {}, 0, sink), ParameterError);
}

TEST(StftTiles, EmptySignalGivesOneSilentFrame) {
  const std::vector<float> y;
  const Collected c = collect(y, StftParams{}, 4);
  ASSERT_EQ(c.S.cols, 1u);
  for (float v : c.S.data) EXPECT_EQ(v, 0.0f);
}

// The kernel against a long-double DFT of the windowed frames, relative to the frame's norm.
TEST(StftLanes, AgreesWithALongDoubleDft) {
  constexpr int n = 512;
  const auto isa = detail::StftLanes::best_isa();
  const std::size_t G = detail::StftLanes::lanes(isa);
  const auto y = test_signal(G * n, 7);
  std::vector<const float*> frames(G);
  for (std::size_t j = 0; j < G; ++j) frames[j] = y.data() + j * n;
  detail::StftLanes fft(n);
  std::vector<float> out((n / 2 + 1) * G);
  fft.magnitudes(frames.data(), out.data(), G, isa);
  const auto w = hann_periodic(n);
  for (std::size_t j = 0; j < G; ++j) {
    long double norm = 0;
    for (int m = 0; m < n; ++m) norm += std::pow(static_cast<long double>(frames[j][m]) * w[m], 2);
    for (int k = 0; k <= n / 2; ++k) {
      long double re = 0, im = 0;
      for (int m = 0; m < n; ++m) {
        const long double x = static_cast<long double>(static_cast<double>(frames[j][m]) * w[m]);
        const long double a = -2.0L * std::numbers::pi_v<long double> * k * m / n;
        re += x * std::cos(a);
        im += x * std::sin(a);
      }
      const double mag = static_cast<double>(std::sqrt(re * re + im * im));
      // float32 rounding of re and im, of the squares' sum and of the root: <= 3 * 2^-24
      EXPECT_NEAR(out[static_cast<std::size_t>(k) * G + j], mag,
                  1.8e-7 * mag + 1e-14 * static_cast<double>(std::sqrt(norm)))
          << "frame " << j << " bin " << k;
    }
  }
}

// Eight frames through every build (the four-lane builds in two calls) into lanes 0..7 of a
// 16-lane tile: the same bits everywhere, and lanes 8..15 untouched.
TEST(StftLanes, EveryBuildGivesTheSameBits) {
  using Isa = detail::StftLanes::Isa;
  constexpr std::size_t kFrames = 8, stride = 16;
  for (int n : {32, 128, 512, 2048, 8192}) {  // radix plans: -, 4, 4 4, 8 8, 8 8 4
    const auto y = test_signal(kFrames * static_cast<std::size_t>(n), static_cast<unsigned>(n));
    const float* frames[kFrames];
    for (std::size_t j = 0; j < kFrames; ++j)
      frames[j] = y.data() + j * static_cast<std::size_t>(n);
    detail::StftLanes fft(n);
    auto run = [&](Isa isa) {
      std::vector<float> out((n / 2 + 1) * stride, -1.0f);
      const std::size_t G = detail::StftLanes::lanes(isa);
      for (std::size_t g = 0; g < kFrames; g += G)
        fft.magnitudes(frames + g, out.data() + g, stride, isa);
      return out;
    };
    const auto want = run(Isa::kSse2);
    for (std::size_t k = 0; k <= static_cast<std::size_t>(n / 2); ++k)
      for (std::size_t j = kFrames; j < stride; ++j) EXPECT_EQ(want[k * stride + j], -1.0f);
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      if (!detail::StftLanes::supported(isa)) continue;  // this CPU lacks it: nothing to compare
      const auto got = run(isa);
      EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0)
          << "n_fft " << n << " build " << static_cast<int>(isa);
    }
  }
}

}  // namespace
}  // namespace echoelml::dsp
