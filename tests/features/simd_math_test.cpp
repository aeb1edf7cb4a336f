// simd_math.h's float32 log10 against log10 in long double (64-bit mantissa) rounded once to
// float32, i.e. the correctly rounded value except for a ~2^-40 chance: random floats over
// the whole positive range, whole binades, subnormals, amin, powers of ten and the special
// values; and the AVX2 build against the scalar build bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "echoelml/features/mel.h"
#include "features/simd_math.h"

using namespace echoelml;
using features::detail::log10_f32;
using features::detail::power_to_db_f32;

namespace {

float reference_log10(float x) { return static_cast<float>(std::log10(static_cast<long double>(x))); }

// Distance in float32 steps between two finite floats of the same sign (log10 can be either).
std::int64_t ulp_distance(float a, float b) {
  auto key = [](float f) {
    const std::int32_t i = std::bit_cast<std::int32_t>(f);
    return i < 0 ? -static_cast<std::int64_t>(i & 0x7fffffff) : static_cast<std::int64_t>(i);
  };
  const std::int64_t d = key(a) - key(b);
  return d < 0 ? -d : d;
}

struct Accuracy {
  std::size_t n = 0, wrong = 0;
  std::int64_t max_ulp = 0;
};

// Runs both builds on xs, requires identical bits, and scores the AVX2 (default) result.
Accuracy check(const std::vector<float>& xs) {
  std::vector<float> fast(xs.size()), scalar(xs.size());
  log10_f32(xs.data(), xs.size(), fast.data());
  log10_f32(xs.data(), xs.size(), scalar.data(), /*allow_avx2=*/false);
  Accuracy a;
  a.n = xs.size();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (std::memcmp(&fast[i], &scalar[i], sizeof(float)) != 0) {
      ADD_FAILURE() << "builds differ at x = " << xs[i] << ": " << fast[i] << " vs " << scalar[i];
      break;
    }
    const float want = reference_log10(xs[i]);
    if (fast[i] != want) {
      ++a.wrong;
      a.max_ulp = std::max(a.max_ulp, ulp_distance(fast[i], want));
    }
  }
  return a;
}

void expect_accurate(const Accuracy& a, const char* what) {
  std::printf("[ log10 ] %s: %zu values, %zu not correctly rounded, max error %lld ulp\n", what, a.n, a.wrong,
              static_cast<long long>(a.max_ulp));
  EXPECT_LE(a.max_ulp, 1) << what;
  // About 2^-26 of values may miss the correct rounding; allow 1 per 2^20 as a loose bound.
  EXPECT_LE(a.wrong, a.n / (1u << 20) + 1) << what;
}

std::vector<float> binade(std::uint32_t first_bits, std::uint32_t count) {
  std::vector<float> v(count);
  for (std::uint32_t i = 0; i < count; ++i) v[i] = std::bit_cast<float>(first_bits + i);
  return v;
}

}  // namespace

TEST(SimdLog10, RandomPositiveFloatsAreCorrectlyRounded) {
  std::mt19937 rng(2024);
  // Uniform over the bit patterns of all positive finite floats, subnormals included.
  std::uniform_int_distribution<std::uint32_t> bits(1u, 0x7f7fffffu);
  std::vector<float> xs(4u << 20);
  for (auto& x : xs) x = std::bit_cast<float>(bits(rng));
  expect_accurate(check(xs), "random over (0, FLT_MAX]");
  // Uniform values (most in the top binades) and the power range of audio (1e-10 .. 1e4).
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (auto& x : xs) x = u(rng);
  expect_accurate(check(xs), "uniform [0, 1)");
  std::uniform_real_distribution<double> e(-10.0, 4.0);
  for (auto& x : xs) x = static_cast<float>(std::pow(10.0, e(rng)));
  expect_accurate(check(xs), "log-uniform [1e-10, 1e4]");
}

TEST(SimdLog10, WholeBinadesAreCorrectlyRounded) {
  expect_accurate(check(binade(0x3f800000u, 1u << 23)), "binade [1, 2)");
  expect_accurate(check(binade(0x3f000000u, 1u << 23)), "binade [0.5, 1)");
  expect_accurate(check(binade(std::bit_cast<std::uint32_t>(0x1p-34f), 1u << 23)), "binade [2^-34, 2^-33) (amin)");
  expect_accurate(check(binade(std::bit_cast<std::uint32_t>(0x1p100f), 1u << 23)), "binade [2^100, 2^101)");
  expect_accurate(check(binade(1u, 1u << 22)), "subnormals [2^-149, 2^-127)");
}

TEST(SimdLog10, ExactValuesAndSpecials) {
  // Powers of ten that are floats have exact integer logs; 1 -> 0 exactly.
  std::vector<float> xs;
  for (int k = 0; k <= 10; ++k) xs.push_back(static_cast<float>(std::pow(10.0, k)));
  std::vector<float> out(xs.size());
  log10_f32(xs.data(), xs.size(), out.data());
  for (int k = 0; k <= 10; ++k) EXPECT_EQ(out[static_cast<std::size_t>(k)], static_cast<float>(k)) << k;
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float amin = 1e-10f;
  // 9 values so one is handled in the vector loop with specials mixed in, one in the tail.
  const std::vector<float> sp = {1.0f, inf, 0.0f, -0.0f, -1.0f, nan, amin, 0x1p-149f, inf};
  for (bool avx2 : {true, false}) {
    std::vector<float> r(sp.size());
    log10_f32(sp.data(), sp.size(), r.data(), avx2);
    EXPECT_EQ(r[0], 0.0f);
    EXPECT_EQ(r[1], inf);
    EXPECT_EQ(r[2], -inf);
    EXPECT_EQ(r[3], -inf);
    EXPECT_TRUE(std::isnan(r[4]));
    EXPECT_TRUE(std::isnan(r[5]));
    EXPECT_EQ(r[6], reference_log10(amin));
    EXPECT_EQ(r[7], reference_log10(0x1p-149f));
    EXPECT_EQ(r[8], inf);
  }
}

// power_to_db_f32 against the formula written out with the reference log10, the top it
// returns against the maximum, and the two builds bit for bit (NaN, negatives, zeros, +inf).
TEST(SimdLog10, PowerToDbStepMatchesFormula) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> e(-14.0, 3.0);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 1000u, 4099u}) {
    std::vector<float> S(n);
    for (auto& s : S) s = static_cast<float>(std::pow(10.0, e(rng)));
    if (n > 8) S[3] = nan, S[4] = -1.0f, S[5] = 0.0f, S[n - 1] = -0.0f;
    const float amin = 1e-10f, ref_db = -3.0103f;
    std::vector<float> a(n), b(n);
    const float ta = power_to_db_f32(S.data(), n, amin, ref_db, a.data());
    const float tb = power_to_db_f32(S.data(), n, amin, ref_db, b.data(), false);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(float)), 0) << n;
    EXPECT_EQ(std::bit_cast<std::uint32_t>(ta), std::bit_cast<std::uint32_t>(tb)) << n;
    float top = -inf;
    for (std::size_t i = 0; i < n; ++i) {
      const float want = 10.0f * reference_log10(std::max(amin, S[i])) - ref_db;
      EXPECT_EQ(a[i], want) << i;
      top = std::max(top, want);
    }
    EXPECT_EQ(ta, top) << n;
  }
  std::vector<float> S = {1.0f, 2.0f, inf, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, inf};
  std::vector<float> a(S.size());
  EXPECT_EQ(power_to_db_f32(S.data(), S.size(), 1e-10f, 0.0f, a.data()), inf);
  EXPECT_EQ(a[2], inf);
  EXPECT_EQ(a[8], inf);
}

// The public power_to_db (float) with top_db: the clamp applies to the maximum found here.
TEST(SimdLog10, PublicPowerToDbClampsAtTopDb) {
  Matrix S(2, 9);
  for (std::size_t i = 0; i < S.data.size(); ++i) S.data[i] = std::pow(10.0f, -static_cast<float>(i));
  features::PowerToDbParams p;
  p.top_db = 80.0;
  const Matrix db = features::power_to_db(S, p);
  for (std::size_t i = 0; i < S.data.size(); ++i) {
    const float raw = 10.0f * reference_log10(std::max(1e-10f, S.data[i]));
    EXPECT_EQ(db.data[i], std::max(raw, -80.0f)) << i;
  }
}
