// Every build of median8 (SSE2, AVX2, AVX-512VL where the CPU has them) against
// std::nth_element per window and lane, over data with many ties, infinities and signed
// zeros: all builds give the same values, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "echoelml/dsp/lane_median.h"

using namespace echoelml;
using dsp::detail::MedianIsa;

namespace {

std::vector<float> tie_heavy(std::size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int> q(0, 11);
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v(count);
  for (auto& x : v) {
    const int k = q(rng);
    x = k == 0 ? inf : k == 1 ? -inf : k == 2 ? -0.0f : static_cast<float>(k - 6) * 0.25f;
  }
  return v;
}

}  // namespace

TEST(Median8Isa, EveryBuildEqualsNthElement) {
  std::mt19937 rng(31);
  int builds_run = 0;
  for (MedianIsa isa : {MedianIsa::kSse2, MedianIsa::kAvx2, MedianIsa::kAvx512}) {
    for (int size : {1, 3, 7, 15, 31, 33}) {
      for (std::size_t n : {1u, 2u, 7u, 15u, 16u, 17u, 31u, 33u, 47u, 65u, 127u, 129u, 1025u}) {
        const std::vector<float> in = tie_heavy((n + static_cast<std::size_t>(size) - 1) * 8, rng);
        std::vector<float> out(n * 8, 99.0f);
        if (!dsp::detail::median8_isa(isa, in.data(), n, size, out.data())) {
          EXPECT_EQ(out[0], 99.0f);  // an unavailable build writes nothing
          continue;
        }
        std::vector<float> win(static_cast<std::size_t>(size));
        for (std::size_t j = 0; j < 8; ++j)
          for (std::size_t i = 0; i < n; ++i) {
            for (int s = 0; s < size; ++s) win[static_cast<std::size_t>(s)] = in[(i + static_cast<std::size_t>(s)) * 8 + j];
            std::nth_element(win.begin(), win.begin() + size / 2, win.end());
            // Equal as values; -0 and +0 tie, so compare the rank, not the sign bit.
            ASSERT_EQ(out[i * 8 + j], win[static_cast<std::size_t>(size / 2)])
                << "isa " << static_cast<int>(isa) << " size " << size << " n " << n << " lane " << j << " step " << i;
          }
      }
    }
    ++builds_run;
  }
  EXPECT_GE(builds_run, 1);  // SSE2 always exists
}

// The builds agree bit for bit (signed zeros included) with each other and with median8.
TEST(Median8Isa, BuildsGiveIdenticalBits) {
  std::mt19937 rng(77);
  for (int size : {5, 15, 31}) {
    for (std::size_t n : {3u, 100u, 1025u}) {
      const std::vector<float> in = tie_heavy((n + static_cast<std::size_t>(size) - 1) * 8, rng);
      std::vector<float> ref(n * 8), got(n * 8);
      ASSERT_TRUE(dsp::detail::median8_isa(MedianIsa::kSse2, in.data(), n, size, ref.data()));
      for (MedianIsa isa : {MedianIsa::kAvx2, MedianIsa::kAvx512}) {
        if (!dsp::detail::median8_isa(isa, in.data(), n, size, got.data())) continue;
        ASSERT_EQ(std::memcmp(ref.data(), got.data(), ref.size() * sizeof(float)), 0)
            << "isa " << static_cast<int>(isa) << " size " << size << " n " << n;
      }
      dsp::median8(in.data(), n, size, got.data());
      ASSERT_EQ(std::memcmp(ref.data(), got.data(), ref.size() * sizeof(float)), 0) << "size " << size << " n " << n;
    }
  }
}
