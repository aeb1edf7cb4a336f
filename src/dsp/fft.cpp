#include "echoelml/dsp/fft.h"

#include <fftw3.h>

#include <map>
#include <mutex>

#include "echoelml/core/error.h"

namespace echoelml::dsp {
namespace {
std::mutex& planner_mutex() {
  static std::mutex m;  // FFTW's planner is not thread-safe; execution is.
  return m;
}
}  // namespace

// Plans live for the whole process (one per size), so no plan is ever destroyed while
// another thread executes it.
struct RealFft::Plans {
  fftw_plan forward = nullptr;
  fftw_plan inverse = nullptr;
};

RealFft::RealFft(int n) : n_(n) {
  if (n <= 0) throw ParameterError("fft: size must be > 0, got " + std::to_string(n));
  static auto* cache = new std::map<int, std::shared_ptr<Plans>>();  // never freed on purpose
  std::lock_guard lock(planner_mutex());
  if (auto it = cache->find(n); it != cache->end()) {
    plans_ = it->second;
    return;
  }
  auto plans = std::make_shared<Plans>();
  double* r = fftw_alloc_real(static_cast<std::size_t>(n));
  fftw_complex* c = fftw_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
  // FFTW_MEASURE picks the fastest codelets for this machine once; plans are cached per size.
  plans->forward = fftw_plan_dft_r2c_1d(n, r, c, FFTW_MEASURE);
  plans->inverse = fftw_plan_dft_c2r_1d(n, c, r, FFTW_MEASURE);
  fftw_free(r);
  fftw_free(c);
  if (!plans->forward || !plans->inverse)
    throw Error("fft: FFTW could not plan a transform of size " + std::to_string(n));
  (*cache)[n] = plans;
  plans_ = std::move(plans);
}

RealFft::~RealFft() = default;
RealFft::RealFft(RealFft&&) noexcept = default;
RealFft& RealFft::operator=(RealFft&&) noexcept = default;

void RealFft::forward(double* in, std::complex<double>* out) const {
  fftw_execute_dft_r2c(plans_->forward, in, reinterpret_cast<fftw_complex*>(out));
}

void RealFft::inverse(std::complex<double>* in, double* out) const {
  fftw_execute_dft_c2r(plans_->inverse, reinterpret_cast<fftw_complex*>(in), out);
}

double* fft_alloc_real(std::size_t n) { return fftw_alloc_real(n); }
std::complex<double>* fft_alloc_complex(std::size_t n) {
  return reinterpret_cast<std::complex<double>*>(fftw_alloc_complex(n));
}
void fft_free(void* p) { fftw_free(p); }

}  // namespace echoelml::dsp
