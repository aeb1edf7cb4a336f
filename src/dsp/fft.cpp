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

// FFTW and FFTW3f keep separate wisdom; the float one lives next to the double one.
std::filesystem::path float_wisdom_path() {
  auto p = wisdom_path();
  if (!p.empty()) p += "-float";
  return p;
}

// The two libraries' wisdom calls, so one import/save routine serves both precisions.
struct WisdomApi {
  int (*import_file)(const char*);
  char* (*export_string)();
  void (*free_string)(void*);
};
constexpr WisdomApi kDoubleWisdom{fftw_import_wisdom_from_filename, fftw_export_wisdom_to_string, fftw_free};
constexpr WisdomApi kFloatWisdom{fftwf_import_wisdom_from_filename, fftwf_export_wisdom_to_string, fftwf_free};

// Called with the planner mutex held; `done` is the precision's own flag.
void import_wisdom_once(const WisdomApi& api, bool& done, const std::filesystem::path& path) {
  if (done || path.empty()) return;
  done = true;
  // A missing or damaged file only means measuring again; FFTW rejects what it cannot parse.
  api.import_file(path.c_str());
}

// Called with the planner mutex held. A cache that cannot be written is not an error.
void save_wisdom(const WisdomApi& api, const std::filesystem::path& path) {
  if (path.empty()) return;
  char* text = api.export_string();
  if (text == nullptr) return;
  try {
    std::filesystem::create_directories(path.parent_path());
    write_file_atomic(path, std::string_view(text));
  } catch (const std::exception&) {
  }
  api.free_string(text);
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
  static bool imported = false;
  import_wisdom_once(kDoubleWisdom, imported, wisdom);
  auto plans = std::make_shared<Plans>();
  double* r = fftw_alloc_real(static_cast<std::size_t>(n));
  fftw_complex* c = fftw_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
  // FFTW_MEASURE picks the fastest codelets for this machine once; plans are cached per size.
  // The wisdom is tried first (FFTW_WISDOM_ONLY); only a size it lacks is measured, and only then
  // is the cache file rewritten (exporting and writing it cost a fresh process ~5 ms per size).
  plans->forward = fftw_plan_dft_r2c_1d(n, r, c, FFTW_MEASURE | FFTW_WISDOM_ONLY);
  plans->inverse = fftw_plan_dft_c2r_1d(n, c, r, FFTW_MEASURE | FFTW_WISDOM_ONLY);
  bool measured = false;
  if (!plans->forward) plans->forward = fftw_plan_dft_r2c_1d(n, r, c, FFTW_MEASURE), measured = true;
  if (!plans->inverse) plans->inverse = fftw_plan_dft_c2r_1d(n, c, r, FFTW_MEASURE), measured = true;
  fftw_free(r);
  fftw_free(c);
  if (!plans->forward || !plans->inverse)
    throw Error("fft: FFTW could not plan a transform of size " + std::to_string(n));
  (*cache)[n] = plans;
  plans_ = std::move(plans);
  if (measured) save_wisdom(kDoubleWisdom, wisdom);
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

struct RealFftFloat::Plans {
  fftwf_plan forward = nullptr;
  fftwf_plan inverse = nullptr;
};

RealFftFloat::RealFftFloat(int n) : n_(n) {
  if (n <= 0) throw ParameterError("fft: size must be > 0, got " + std::to_string(n));
  static auto* cache = new std::map<int, std::shared_ptr<Plans>>();  // never freed on purpose
  std::lock_guard lock(planner_mutex());  // one mutex: FFTW and FFTW3f may share planner state
  if (auto it = cache->find(n); it != cache->end()) {
    plans_ = it->second;
    return;
  }
  const auto wisdom = float_wisdom_path();
  static bool imported = false;
  import_wisdom_once(kFloatWisdom, imported, wisdom);
  auto plans = std::make_shared<Plans>();
  float* r = fftwf_alloc_real(static_cast<std::size_t>(n));
  fftwf_complex* c = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
  plans->forward = fftwf_plan_dft_r2c_1d(n, r, c, FFTW_MEASURE | FFTW_WISDOM_ONLY);
  plans->inverse = fftwf_plan_dft_c2r_1d(n, c, r, FFTW_MEASURE | FFTW_WISDOM_ONLY);
  bool measured = false;
  if (!plans->forward) plans->forward = fftwf_plan_dft_r2c_1d(n, r, c, FFTW_MEASURE), measured = true;
  if (!plans->inverse) plans->inverse = fftwf_plan_dft_c2r_1d(n, c, r, FFTW_MEASURE), measured = true;
  fftwf_free(r);
  fftwf_free(c);
  if (!plans->forward || !plans->inverse)
    throw Error("fft: FFTW3f could not plan a transform of size " + std::to_string(n));
  (*cache)[n] = plans;
  plans_ = std::move(plans);
  if (measured) save_wisdom(kFloatWisdom, wisdom);
}

RealFftFloat::~RealFftFloat() = default;
RealFftFloat::RealFftFloat(RealFftFloat&&) noexcept = default;
RealFftFloat& RealFftFloat::operator=(RealFftFloat&&) noexcept = default;

void RealFftFloat::forward(float* in, std::complex<float>* out) const {
  fftwf_execute_dft_r2c(plans_->forward, in, reinterpret_cast<fftwf_complex*>(out));
}

void RealFftFloat::inverse(std::complex<float>* in, float* out) const {
  fftwf_execute_dft_c2r(plans_->inverse, reinterpret_cast<fftwf_complex*>(in), out);
}

float* fft_alloc_realf(std::size_t n) { return fftwf_alloc_real(n); }
std::complex<float>* fft_alloc_complexf(std::size_t n) {
  return reinterpret_cast<std::complex<float>*>(fftwf_alloc_complex(n));
}
void fftf_free(void* p) { fftwf_free(p); }

}  // namespace echoelml::dsp
