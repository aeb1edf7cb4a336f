#include "echoelml/dsp/fft.h"

#include <fftw3.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "dsp/fft_split.h"

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

// Each precision's FFTW calls, so one planner and one executor serve both.
template <class T>
struct Fftw;
template <>
struct Fftw<double> {
  using Plan = fftw_plan;
  using Cpx = fftw_complex;
  static constexpr const char* kName = "FFTW";
  static constexpr const WisdomApi& kWisdom = kDoubleWisdom;
  static std::filesystem::path wisdom() { return wisdom_path(); }
  static double* alloc_real(std::size_t n) { return fftw_alloc_real(n); }
  static Cpx* alloc_complex(std::size_t n) { return fftw_alloc_complex(n); }
  static void free(void* p) { fftw_free(p); }
  static Plan r2c(int n, double* r, Cpx* c, unsigned f) { return fftw_plan_dft_r2c_1d(n, r, c, f); }
  static Plan c2r(int n, Cpx* c, double* r, unsigned f) { return fftw_plan_dft_c2r_1d(n, c, r, f); }
  static Plan c2c(int n, Cpx* a, Cpx* b, int sign, unsigned f) { return fftw_plan_dft_1d(n, a, b, sign, f); }
  static void run_r2c(Plan p, double* r, Cpx* c) { fftw_execute_dft_r2c(p, r, c); }
  static void run_c2r(Plan p, Cpx* c, double* r) { fftw_execute_dft_c2r(p, c, r); }
  static void run_c2c(Plan p, Cpx* a, Cpx* b) { fftw_execute_dft(p, a, b); }
};
template <>
struct Fftw<float> {
  using Plan = fftwf_plan;
  using Cpx = fftwf_complex;
  static constexpr const char* kName = "FFTW3f";
  static constexpr const WisdomApi& kWisdom = kFloatWisdom;
  static std::filesystem::path wisdom() { return float_wisdom_path(); }
  static float* alloc_real(std::size_t n) { return fftwf_alloc_real(n); }
  static Cpx* alloc_complex(std::size_t n) { return fftwf_alloc_complex(n); }
  static void free(void* p) { fftwf_free(p); }
  static Plan r2c(int n, float* r, Cpx* c, unsigned f) { return fftwf_plan_dft_r2c_1d(n, r, c, f); }
  static Plan c2r(int n, Cpx* c, float* r, unsigned f) { return fftwf_plan_dft_c2r_1d(n, c, r, f); }
  static Plan c2c(int n, Cpx* a, Cpx* b, int sign, unsigned f) { return fftwf_plan_dft_1d(n, a, b, sign, f); }
  static void run_r2c(Plan p, float* r, Cpx* c) { fftwf_execute_dft_r2c(p, r, c); }
  static void run_c2r(Plan p, Cpx* c, float* r) { fftwf_execute_dft_c2r(p, c, r); }
  static void run_c2c(Plan p, Cpx* a, Cpx* b) { fftwf_execute_dft(p, a, b); }
};

// A real FFT of even size n is also a complex FFT of n/2 points on the samples read as pairs,
// plus a split step (fft_split.h). FFTW's float r2c plan for 2048 runs that split as a scalar
// codelet (hc2cfdft_2; 1.75 us r2c) while its AVX c2c of 1024 takes 0.65 us, so the packed form
// is the default for float from n = 64 up (below, FFTW's small r2c codelets win); with the
// current plans it gives the same bits as FFTW's r2c/c2r at 2048, only faster (0.95 us).
// Double stays on FFTW's r2c/c2r: its double plan already splits with an AVX codelet
// (hc2cfdftv_2_avx), and the packed form gained only 3-11 % (median of runs ~7 %) at 2048,
// under the 10 % that would justify new rounding on the librosa-parity STFT.
constexpr int kMinPacked = 64;
constexpr bool kPackedDouble = false;

template <class T>
bool choose_packed(int n, detail::FftMethod method) {
  using detail::FftMethod;
  if (method == FftMethod::packed_complex) {
    if (n % 2 != 0) throw ParameterError("fft: the packed method needs an even size, got " + std::to_string(n));
    return true;
  }
  if (method == FftMethod::fftw_real) return false;
  if constexpr (std::is_same_v<T, float>) return n % 2 == 0 && n >= kMinPacked;
  else return kPackedDouble && n % 2 == 0 && n >= kMinPacked;
}

// Plans live for the whole process (one per size and method), so no plan is ever destroyed
// while another thread executes it. Packed: forward/inverse are c2c plans of n/2 points.
template <class T>
struct PlanSet {
  typename Fftw<T>::Plan forward = nullptr;
  typename Fftw<T>::Plan inverse = nullptr;
  int half = 0;                       // n/2 when packed, else 0
  detail::SplitTwiddles<T> tw;        // the split's twiddles when packed
};

// Called with the planner mutex held. FFTW_MEASURE picks the fastest codelets for this machine
// once; the wisdom is tried first (FFTW_WISDOM_ONLY) and only a size it lacks is measured, and
// only then is the cache file rewritten (exporting and writing it cost a fresh process ~5 ms).
template <class T>
void make_plans(PlanSet<T>& ps, int n, bool packed) {
  using F = Fftw<T>;
  const auto wisdom = F::wisdom();
  static bool imported = false;
  import_wisdom_once(F::kWisdom, imported, wisdom);
  T* r = F::alloc_real(static_cast<std::size_t>(n));
  typename F::Cpx* c = F::alloc_complex(static_cast<std::size_t>(n / 2 + 1));
  auto* rc = reinterpret_cast<typename F::Cpx*>(r);
  const int half = n / 2;
  // The inverse may overwrite its input (RealFft*::inverse destroys `in`, as FFTW's c2r does).
  auto plan_forward = [&](unsigned f) {
    return packed ? F::c2c(half, rc, c, FFTW_FORWARD, f) : F::r2c(n, r, c, f);
  };
  auto plan_inverse = [&](unsigned f) {
    return packed ? F::c2c(half, c, rc, FFTW_BACKWARD, f | FFTW_DESTROY_INPUT) : F::c2r(n, c, r, f);
  };
  ps.forward = plan_forward(FFTW_MEASURE | FFTW_WISDOM_ONLY);
  ps.inverse = plan_inverse(FFTW_MEASURE | FFTW_WISDOM_ONLY);
  bool measured = false;
  if (!ps.forward) ps.forward = plan_forward(FFTW_MEASURE), measured = true;
  if (!ps.inverse) ps.inverse = plan_inverse(FFTW_MEASURE), measured = true;
  F::free(r);
  F::free(c);
  if (!ps.forward || !ps.inverse)
    throw Error(std::string("fft: ") + F::kName + " could not plan a transform of size " + std::to_string(n));
  if (packed) ps.half = half, ps.tw = detail::split_twiddles<T>(n);
  if (measured) save_wisdom(F::kWisdom, wisdom);
}

// The shared plan set of (n, method) for the precision's Plans type P (derived from PlanSet<T>).
template <class P, class T>
std::shared_ptr<P> shared_plans(int n, detail::FftMethod method) {
  if (n <= 0) throw ParameterError("fft: size must be > 0, got " + std::to_string(n));
  const bool packed = choose_packed<T>(n, method);
  static auto* cache = new std::map<std::pair<int, bool>, std::shared_ptr<P>>();  // never freed on purpose
  std::lock_guard lock(planner_mutex());  // one mutex: FFTW and FFTW3f may share planner state
  auto& slot = (*cache)[{n, packed}];
  if (!slot) {
    auto plans = std::make_shared<P>();
    make_plans<T>(*plans, n, packed);
    slot = std::move(plans);
  }
  return slot;
}

template <class T>
void run_forward(const PlanSet<T>& ps, T* in, std::complex<T>* out) {
  using F = Fftw<T>;
  auto* c = reinterpret_cast<typename F::Cpx*>(out);
  if (ps.half == 0) return F::run_r2c(ps.forward, in, c);
  F::run_c2c(ps.forward, reinterpret_cast<typename F::Cpx*>(in), c);
  detail::split_forward(out, ps.half, ps.tw, detail::split_has_avx2());
}

template <class T>
void run_inverse(const PlanSet<T>& ps, std::complex<T>* in, T* out) {
  using F = Fftw<T>;
  auto* c = reinterpret_cast<typename F::Cpx*>(in);
  if (ps.half == 0) return F::run_c2r(ps.inverse, c, out);
  detail::split_inverse(in, ps.half, ps.tw, detail::split_has_avx2());
  F::run_c2c(ps.inverse, c, reinterpret_cast<typename F::Cpx*>(out));
}
}  // namespace

struct RealFft::Plans : PlanSet<double> {};

RealFft::RealFft(int n) : RealFft(n, detail::FftMethod::automatic) {}
RealFft::RealFft(int n, detail::FftMethod method) : n_(n), plans_(shared_plans<Plans, double>(n, method)) {}
RealFft::~RealFft() = default;
RealFft::RealFft(RealFft&&) noexcept = default;
RealFft& RealFft::operator=(RealFft&&) noexcept = default;

void RealFft::forward(double* in, std::complex<double>* out) const { run_forward(*plans_, in, out); }
void RealFft::inverse(std::complex<double>* in, double* out) const { run_inverse(*plans_, in, out); }

double* fft_alloc_real(std::size_t n) { return fftw_alloc_real(n); }
std::complex<double>* fft_alloc_complex(std::size_t n) {
  return reinterpret_cast<std::complex<double>*>(fftw_alloc_complex(n));
}
void fft_free(void* p) { fftw_free(p); }

struct RealFftFloat::Plans : PlanSet<float> {};

RealFftFloat::RealFftFloat(int n) : RealFftFloat(n, detail::FftMethod::automatic) {}
RealFftFloat::RealFftFloat(int n, detail::FftMethod method)
    : n_(n), plans_(shared_plans<Plans, float>(n, method)) {}
RealFftFloat::~RealFftFloat() = default;
RealFftFloat::RealFftFloat(RealFftFloat&&) noexcept = default;
RealFftFloat& RealFftFloat::operator=(RealFftFloat&&) noexcept = default;

void RealFftFloat::forward(float* in, std::complex<float>* out) const { run_forward(*plans_, in, out); }
void RealFftFloat::inverse(std::complex<float>* in, float* out) const { run_inverse(*plans_, in, out); }

float* fft_alloc_realf(std::size_t n) { return fftwf_alloc_real(n); }
std::complex<float>* fft_alloc_complexf(std::size_t n) {
  return reinterpret_cast<std::complex<float>*>(fftwf_alloc_complex(n));
}
void fftf_free(void* p) { fftwf_free(p); }

}  // namespace echoelml::dsp
