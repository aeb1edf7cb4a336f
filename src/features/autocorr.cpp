#include "echoelml/features/autocorr.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "echoelml/core/error.h"

namespace echoelml::features {
namespace {

// Long power-of-two transforms (2^20..2^23 for 10-60 s clips). FFTW_ESTIMATE plans them in
// microseconds, where the shared RealFft's FFTW_MEASURE would spend seconds per new size;
// for powers of two the estimated plan is as fast. Plans are kept for the process and run
// through the thread-safe new-array execute calls.
struct Plans {
  fftw_plan forward = nullptr;
  fftw_plan inverse = nullptr;
};

const Plans& plans_for(std::size_t n) {
  static std::mutex mutex;  // FFTW's planner is not thread-safe
  static auto* cache = new std::map<std::size_t, Plans>();  // never freed: plans outlive users
  std::lock_guard lock(mutex);
  if (auto it = cache->find(n); it != cache->end()) return it->second;
  double* r = fftw_alloc_real(n);
  fftw_complex* c = fftw_alloc_complex(n / 2 + 1);
  Plans p;
  const int ni = static_cast<int>(n);
  p.forward = fftw_plan_dft_r2c_1d(ni, r, c, FFTW_ESTIMATE);
  p.inverse = fftw_plan_dft_c2r_1d(ni, c, r, FFTW_ESTIMATE);
  fftw_free(r);
  fftw_free(c);
  if (!p.forward || !p.inverse)
    throw Error("autocorrelate: FFTW could not plan a transform of size " + std::to_string(n));
  return cache->emplace(n, p).first->second;
}

struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};

}  // namespace

std::vector<double> autocorrelate(std::span<const float> y, std::optional<std::size_t> max_size) {
  const std::size_t n = y.size();
  const std::size_t keep = std::min(max_size.value_or(n), n);
  if (n == 0 || keep == 0) return {};
  std::size_t L = 1;
  while (L < 2 * n - 1) L <<= 1;
  const Plans& plans = plans_for(L);
  std::unique_ptr<double[], FftwFree> buf(fftw_alloc_real(L));
  std::unique_ptr<fftw_complex[], FftwFree> spec(fftw_alloc_complex(L / 2 + 1));
  for (std::size_t i = 0; i < n; ++i) buf[i] = y[i];
  std::fill(buf.get() + n, buf.get() + L, 0.0);
  fftw_execute_dft_r2c(plans.forward, buf.get(), spec.get());
  for (std::size_t f = 0; f < L / 2 + 1; ++f) {
    spec[f][0] = spec[f][0] * spec[f][0] + spec[f][1] * spec[f][1];
    spec[f][1] = 0.0;
  }
  fftw_execute_dft_c2r(plans.inverse, spec.get(), buf.get());
  std::vector<double> r(keep);
  const double scale = 1.0 / static_cast<double>(L);  // numpy's irfft normalisation
  for (std::size_t k = 0; k < keep; ++k) r[k] = buf[k] * scale;
  return r;
}

std::optional<double> temporal_modulation(std::span<const float> y, double sr) {
  if (!(sr >= 1.0)) throw ParameterError("temporal_modulation: sr must be >= 1, got " + std::to_string(sr));
  const auto hi_full = static_cast<std::size_t>(sr);
  const std::size_t lo = hi_full / 10;
  const std::size_t hi = std::min(hi_full, y.size());
  if (lo >= hi) return std::nullopt;
  const auto r = autocorrelate(y, hi);
  return *std::max_element(r.begin() + static_cast<std::ptrdiff_t>(lo), r.end());
}

}  // namespace echoelml::features
