// Vectorised float32 log10 for power_to_db (mel.cpp). glibc's log10f is a scalar call per
// value; here 8 values are evaluated at once in float64 and rounded once to float32, which
// gives the correctly rounded log10 except when log10(x) lies within about 2^-50 (relative)
// of a float32 rounding boundary (never seen in tests; such a result is then 1 ulp off).
// The AVX-512 build (on CPUs that have it, 8 doubles per operation), the AVX2 build
// ([[gnu::target("avx2")]]) and the scalar build run the same float64 operations in the same
// order, none contracted to FMA, so all give the same bits; allow_avx2 = false forces the
// scalar build (tests compare them), as does ECHOELML_NO_AVX2=1 for the whole process.
#pragma once

#include <cstddef>

namespace echoelml::features::detail {

/// out[i] = log10(x[i]) rounded to float32 for i < n (out may alias x). Special values as
/// std::log10: +inf -> +inf, 0 -> -inf, negative or NaN -> NaN.
void log10_f32(const float* x, std::size_t n, float* out, bool allow_avx2 = true);

/// librosa.power_to_db's elementwise step in float32:
///   out[i] = 10 * log10(max(amin, S[i])) - ref_db   (max as std::max(amin, S[i]): NaN -> amin)
/// with log10 as log10_f32. Returns the largest out[i] (-inf when n == 0) for the top_db
/// clamp. out may alias S.
float power_to_db_f32(const float* S, std::size_t n, float amin, float ref_db, float* out,
                      bool allow_avx2 = true);

}  // namespace echoelml::features::detail
