// estimate_tuning, the chroma filterbank and chroma_stft against librosa 0.10.1
// (shared/golden/librosa). Tolerances (shared/docs/librosa-algorithms.md):
// - tuning: exact (a histogram bin edge; features.json genre.chroma_tuning).
// - filterbank (common/chroma_fb_sr44100_nfft2048_tuning0.bin, float32): within 2 float32
//   ulps (libm vs numpy exp/log2 rounding), checked as <= 3e-7 of max |value|.
// - chroma: <= 3e-6 of max |value| (float32 STFT and float32 matrix product rounding; the
//   filterbank also skips weights < 1e-8 of their column's max, worth <= 1.2e-7).
// - chroma_mean/std scalars: 1e-5 absolute (0..1 values).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/chroma.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::test;

namespace {
constexpr double kSr = 44100.0;
}  // namespace

class GoldenChroma : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenChroma, TuningAndChromaMatchLibrosa) {
  const auto& sig = GetParam();
  const Matrix P = dsp::square(dsp::stft_magnitude(golden_input(sig, /*genre=*/true)));
  const nlohmann::json feats = golden_features(sig);
  const auto& f = feats["genre"];
  const double tuning = features::estimate_tuning(P, kSr);
  EXPECT_EQ(tuning, f["chroma_tuning"].get<double>());

  const Matrix C = features::chroma_stft(P, {.sr = kSr});
  auto g = load_golden_array(sig, "chroma");
  ASSERT_EQ(C.rows, g.rows());
  ASSERT_EQ(C.cols, g.cols());
  EXPECT_LE(max_rel_error(to_double(C), g.values), 3e-6);
  for (std::size_t c = 0; c < 12; ++c) {
    double m = 0, s = 0;
    for (float v : C.row(c)) m += v;
    m /= static_cast<double>(C.cols);
    for (float v : C.row(c)) s += (v - m) * (v - m);
    s = std::sqrt(s / static_cast<double>(C.cols));
    EXPECT_NEAR(m, f["chroma_mean"][c].get<double>(), 1e-5) << "chroma " << c;
    EXPECT_NEAR(s, f["chroma_std"][c].get<double>(), 1e-5) << "chroma " << c;
  }
}

INSTANTIATE_TEST_SUITE_P(SignalsWithChroma, GoldenChroma, ::testing::ValuesIn(golden_signals_with("chroma")),
                         [](const auto& info) { return info.param; });

TEST(ChromaFilterbank, MatchesLibrosaBankAtTuningZero) {
  std::ifstream in(golden_dir() / "common" / "chroma_fb_sr44100_nfft2048_tuning0.bin", std::ios::binary);
  std::vector<float> g(12 * 1025);
  in.read(reinterpret_cast<char*>(g.data()), static_cast<std::streamsize>(g.size() * 4));
  ASSERT_TRUE(in);
  const Matrix W = features::chroma_filterbank({.sr = kSr, .n_fft = 2048});
  ASSERT_EQ(W.rows, 12u);
  ASSERT_EQ(W.cols, 1025u);
  EXPECT_LE(max_rel_error(to_double(W), to_double(g)), 3e-7);
}
