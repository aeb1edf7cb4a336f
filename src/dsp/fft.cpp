#include "echoelml/dsp/fft.h"

#include <fftw3.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"

namespace echoelml::dsp {
namespace {
std::mutex& planner_mutex() {
  static std::mutex m;  // FFTW's planner is not thread-safe; execution is.
  return m;
}

// FFTW_MEASURE costs a few hundred ms per size, which dominated one-shot commands (a fresh
// `echoelml analyze` spent 41 % of its time planning). The plans found are kept as FFTW "wisdom"
// in a cache file and reused by later processes: ECHOELML_FFTW_WISDOM (empty = no cache), else
// $XDG_CACHE_HOME/echoelml/fftw-wisdom, else ~/.cache/echoelml/fftw-wisdom.
std::filesystem::path wisdom_path() {
  if (const char* p = std::getenv("ECHOELML_FFTW_WISDOM")) return p;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::filesystem::path(x) / "echoelml" / "fftw-wisdom";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::filesystem::path(h) / ".cache" / "echoelml" / "fftw-wisdom";
  return {};
}

// Called with the planner mutex held.
void import_wisdom_once(const std::filesystem::path& path) {
  static bool done = false;
  if (done || path.empty()) return;
  done = true;
  // A missing or damaged file only means measuring again; FFTW rejects what it cannot parse.
  fftw_import_wisdom_from_filename(path.c_str());
}

// Called with the planner mutex held. A cache that cannot be written is not an error.
void save_wisdom(const std::filesystem::path& path) {
  if (path.empty()) return;
  char* text = fftw_export_wisdom_to_string();
  if (text == nullptr) return;
  try {
    std::filesystem::create_directories(path.parent_path());
    write_file_atomic(path, std::string_view(text));
  } catch (const std::exception&) {
  }
  fftw_free(text);
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
  const auto wisdom = wisdom_path();
  import_wisdom_once(wisdom);
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
  save_wisdom(wisdom);
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
