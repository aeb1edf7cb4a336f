#include "echoelml/features/mel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>

#include "echoelml/core/error.h"
#include "simd_math.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

void validate(const PowerToDbParams& p) {
  if (!(p.amin > 0)) throw ParameterError("power_to_db: amin must be > 0");
  if (p.top_db && *p.top_db < 0) throw ParameterError("power_to_db: top_db must be >= 0");
}

// out may be S itself (each value is read once, before its slot is written).
template <typename T>
void to_db_into(const BasicMatrix<T>& S, BasicMatrix<T>& out, const PowerToDbParams& p) {
  validate(p);
  T top = -std::numeric_limits<T>::infinity();
  if constexpr (std::is_same_v<T, float>) {
    // simd_math.h: the same steps with a vectorised, correctly rounded (but for ~2^-26 of
    // values, then 1 ulp) log10 in place of glibc's log10f.
    const T amin = static_cast<T>(p.amin);
    const T ref_db = static_cast<T>(10.0 * std::log10(std::max(p.amin, std::abs(p.ref))));
    top = detail::power_to_db_f32(S.data.data(), S.data.size(), amin, ref_db, out.data.data());
  } else {
    const detail::DbScale db(p);
    for (std::size_t i = 0; i < S.data.size(); ++i) {
      const T v = db(S.data[i]);
      out.data[i] = v;
      top = std::max(top, v);
    }
  }
  if (p.top_db && !out.data.empty()) {
    const T floor = top - static_cast<T>(*p.top_db);
    for (auto& v : out.data) v = std::max(v, floor);
  }
}

template <typename T>
BasicMatrix<T> to_db(const BasicMatrix<T>& S, const PowerToDbParams& p) {
  BasicMatrix<T> out(S.rows, S.cols);
  to_db_into(S, out, p);
  return out;
}

}  // namespace

detail::DbScale::DbScale(const PowerToDbParams& p)
    : amin((validate(p), p.amin)), ref_db(10.0 * std::log10(std::max(p.amin, std::abs(p.ref)))) {}

std::vector<float> detail::mfcc_dct_basis(std::size_t n_bands, int n_mfcc) {
  const std::size_t N = n_bands;
  std::vector<float> basis(static_cast<std::size_t>(n_mfcc) * N);
  for (int k = 0; k < n_mfcc; ++k) {
    const double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / static_cast<double>(N));
    for (std::size_t n = 0; n < N; ++n)
      basis[static_cast<std::size_t>(k) * N + n] = static_cast<float>(
          scale * std::cos(std::numbers::pi * k * (2.0 * n + 1) / (2.0 * static_cast<double>(N))));
  }
  return basis;
}

Matrix power_to_db(const Matrix& S, const PowerToDbParams& p) { return to_db(S, p); }
void detail::power_to_db_in_place(Matrix& S, const PowerToDbParams& p) { to_db_into(S, S, p); }
MatrixD power_to_db(const MatrixD& S, const PowerToDbParams& p) { return to_db(S, p); }

Matrix melspectrogram(const Matrix& power, const dsp::MelParams& p) {
  return dsp::cached_mel_bank(p).apply(power);
}

Matrix melspectrogram(std::span<const float> y, const MelSpectrogramParams& p) {
  if (p.mel.n_fft != p.stft.n_fft)
    throw ParameterError("melspectrogram: mel.n_fft (" + std::to_string(p.mel.n_fft) +
                         ") must equal stft.n_fft (" + std::to_string(p.stft.n_fft) + ")");
  return melspectrogram(dsp::square(dsp::stft_magnitude(y, p.stft)), p.mel);
}

Matrix mfcc_from_mel_db(const Matrix& mel_db, const MfccParams& p) {
  const std::size_t N = mel_db.rows, T = mel_db.cols;
  if (p.n_mfcc < 1 || static_cast<std::size_t>(p.n_mfcc) > N)
    throw ParameterError("mfcc: n_mfcc must be in [1, " + std::to_string(N) + "], got " +
                         std::to_string(p.n_mfcc));
  // DCT-II with orthonormal scaling: c_k = s_k * sum_n x_n cos(pi k (2n+1) / 2N),
  // s_0 = sqrt(1/N), s_k = sqrt(2/N).
  Matrix out(static_cast<std::size_t>(p.n_mfcc), T);
  const std::vector<float> basis = detail::mfcc_dct_basis(N, p.n_mfcc);
  std::vector<double> acc(T);
  for (int k = 0; k < p.n_mfcc; ++k) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t n = 0; n < N; ++n) {
      const float b = basis[static_cast<std::size_t>(k) * N + n];
      const float* x = mel_db.data.data() + n * T;
      for (std::size_t t = 0; t < T; ++t) acc[t] += static_cast<double>(b) * x[t];
    }
    float* dst = out.data.data() + static_cast<std::size_t>(k) * T;
    for (std::size_t t = 0; t < T; ++t) dst[t] = static_cast<float>(acc[t]);
  }
  return out;
}

}  // namespace echoelml::features
