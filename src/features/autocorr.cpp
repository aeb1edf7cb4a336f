#include "echoelml/core/cpu.h"
#include "echoelml/features/autocorr.h"

#include <fftw3.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// Every lag at once: irfft(|rfft(y, L)|^2) with L the power of two >= 2N - 1.
std::vector<double> full_transform(std::span<const float> y, std::size_t keep) {
  const std::size_t n = y.size();
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

// Block length for lags < keep. The general rule is the smallest 2^a 3^b 5^c 7^d >= max(keep,
// 4096) (the floor keeps the transform count reasonable for tiny keep). FFTW_ESTIMATE's speed
// for such 2B is uneven, though, and the lags the app asks for are 1 s at 22.05/44.1/88.2 kHz:
// there the sizes in kFastBlocks, 2^a 5^2 7 with a large power of two, were measured (FFTW
// 3.3.10, estimated r2c plans, Zen 4, per-transform CPU time) at 3.6 / 4.0 / 5.0 ns per sample
// against 4.9 / 4.6 / 5.3 for 22050 / 44100 / 88200. For 44.1 kHz, 44800 also beat every other
// 13-smooth B in [44100, 66000] and in-place, destroy-input and half-length complex plans: 30
// forward transforms of 0.176 ms instead of 0.208 ms (powers of two are slow here: 49152 and
// 65536 take 0.34 / 0.43 ms). A listed
// size replaces the general one when it is at most 2 % larger (the tail block grows a little).
// The choice is fixed by keep alone, never measured at run time: results stay deterministic.
constexpr std::size_t kFastBlocks[] = {22400, 44800, 89600};

std::size_t smooth_block_size(std::size_t keep) {
  for (std::size_t b = std::max<std::size_t>(keep, 4096);; ++b) {
    std::size_t m = b;
    for (std::size_t f : {2u, 3u, 5u, 7u})
      while (m % f == 0) m /= f;
    if (m == 1) return b;
  }
}

std::size_t block_size(std::size_t keep) {
  const std::size_t b = smooth_block_size(keep);
  for (std::size_t fast : kFastBlocks)
    if (fast >= b && fast * 50 <= b * 51) return fast;
  return b;
}

// Two consecutive blocks per pass over the accumulator, complex as interleaved (re, im):
//   acc[f] = (acc[f] + conj(A[f]) (A[f] + s B[f])) + conj(B[f]) (B[f] + s C[f]),  s = (-1)^f,
// where C (the block after B) is taken as 0 when absent; a single block (odd count) passes
// B = 0 and has_c = false. One pass reads A, B, C and acc for two blocks: 5 streams of L/2
// complex values instead of 8. The AVX2 build does 4 bins per step with the scalar's
// operations and order (ar * xr + ai * xi; the adds left to right; an absent C adds +0.0 in
// both), so both give the same bits.
[[gnu::target("avx2")]] std::size_t accumulate_avx2(const double* a, const double* b, const double* c, bool has_c,
                                                   std::size_t bins, double* acc) {
  // Bins f, f+2, f+1, f+3 per vector (unpack order); f even, so the signs are + + - -.
  const __m256d sign = _mm256_set_pd(-0.0, -0.0, 0.0, 0.0);
  const __m256d use = has_c ? _mm256_castsi256_pd(_mm256_set1_epi64x(-1)) : _mm256_setzero_pd();
  std::size_t f = 0;
  for (; f + 4 <= bins; f += 4) {
    const __m256d a0 = _mm256_loadu_pd(a + 2 * f), a1 = _mm256_loadu_pd(a + 2 * f + 4);
    const __m256d ar = _mm256_unpacklo_pd(a0, a1), ai = _mm256_unpackhi_pd(a0, a1);
    const __m256d b0 = _mm256_loadu_pd(b + 2 * f), b1 = _mm256_loadu_pd(b + 2 * f + 4);
    const __m256d br = _mm256_unpacklo_pd(b0, b1), bi = _mm256_unpackhi_pd(b0, b1);
    const __m256d c0 = _mm256_loadu_pd(c + 2 * f), c1 = _mm256_loadu_pd(c + 2 * f + 4);
    const __m256d cr = _mm256_and_pd(use, _mm256_xor_pd(sign, _mm256_unpacklo_pd(c0, c1)));
    const __m256d ci = _mm256_and_pd(use, _mm256_xor_pd(sign, _mm256_unpackhi_pd(c0, c1)));
    const __m256d xr = _mm256_add_pd(ar, _mm256_xor_pd(sign, br));
    const __m256d xi = _mm256_add_pd(ai, _mm256_xor_pd(sign, bi));
    const __m256d pr = _mm256_add_pd(_mm256_mul_pd(ar, xr), _mm256_mul_pd(ai, xi));
    const __m256d pi = _mm256_sub_pd(_mm256_mul_pd(ar, xi), _mm256_mul_pd(ai, xr));
    const __m256d yr = _mm256_add_pd(br, cr), yi = _mm256_add_pd(bi, ci);
    const __m256d qr = _mm256_add_pd(_mm256_mul_pd(br, yr), _mm256_mul_pd(bi, yi));
    const __m256d qi = _mm256_sub_pd(_mm256_mul_pd(br, yi), _mm256_mul_pd(bi, yr));
    const __m256d s0 = _mm256_loadu_pd(acc + 2 * f), s1 = _mm256_loadu_pd(acc + 2 * f + 4);
    const __m256d sr = _mm256_add_pd(_mm256_add_pd(_mm256_unpacklo_pd(s0, s1), pr), qr);
    const __m256d si = _mm256_add_pd(_mm256_add_pd(_mm256_unpackhi_pd(s0, s1), pi), qi);
    _mm256_storeu_pd(acc + 2 * f, _mm256_unpacklo_pd(sr, si));
    _mm256_storeu_pd(acc + 2 * f + 4, _mm256_unpackhi_pd(sr, si));
  }
  return f;
}

void accumulate(const double* a, const double* b, const double* c, bool has_c, std::size_t bins, double* acc) {
  static const bool avx2 = core::use_avx2();
  std::size_t f = avx2 ? accumulate_avx2(a, b, c, has_c, bins, acc) : 0;
  for (; f < bins; ++f) {
    const double s = (f & 1) ? -1.0 : 1.0;  // e^{-2 pi i f B / 2B}
    const double ar = a[2 * f], ai = a[2 * f + 1], br = b[2 * f], bi = b[2 * f + 1];
    const double xr = ar + s * br, xi = ai + s * bi;
    const double yr = br + (has_c ? s * c[2 * f] : 0.0), yi = bi + (has_c ? s * c[2 * f + 1] : 0.0);
    // conj(A) * X + conj(B) * Y
    acc[2 * f] = (acc[2 * f] + (ar * xr + ai * xi)) + (br * yr + bi * yi);
    acc[2 * f + 1] = (acc[2 * f + 1] + (ar * xi - ai * xr)) + (br * yi - bi * yr);
  }
}

// out[i] = y[i]. The conversion is exact, so the AVX2 build (4 per instruction instead of the
// baseline's 2) cannot change a bit.
[[gnu::target("avx2")]] std::size_t widen_avx2(const float* y, std::size_t n, double* out) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_pd(out + i, _mm256_cvtps_pd(_mm_loadu_ps(y + i)));
    _mm256_storeu_pd(out + i + 4, _mm256_cvtps_pd(_mm_loadu_ps(y + i + 4)));
  }
  return i;
}

void widen(const float* y, std::size_t n, double* out) {
  static const bool avx2 = core::use_avx2();
  for (std::size_t i = avx2 ? widen_avx2(y, n, out) : 0; i < n; ++i) out[i] = y[i];
}

// Transform buffers kept per thread: ~3.6 MB for 1 s of lags at 44.1 kHz, which fresh
// allocations would page-fault in on every call.
struct BlockBuffers {
  std::size_t L = 0;
  std::unique_ptr<double[], FftwFree> buf;
  std::unique_ptr<fftw_complex[], FftwFree> s0, s1, s2, acc;
  void ensure(std::size_t length) {
    if (L == length) return;
    const std::size_t bins = length / 2 + 1;
    buf.reset(fftw_alloc_real(length));
    s0.reset(fftw_alloc_complex(bins));
    s1.reset(fftw_alloc_complex(bins));
    s2.reset(fftw_alloc_complex(bins));
    acc.reset(fftw_alloc_complex(bins));
    if (!buf || !s0 || !s1 || !s2 || !acc) throw Error("autocorrelate: out of memory for " + std::to_string(length));
    L = length;
  }
};

// Only lags < keep, block by block. With blocks a_j = y[jB, (j+1)B) and B >= keep, every
// product y[n] y[n+k] with n in block j has n+k in block j or j+1, so
//   r[k] = sum_j sum_{m<B} a_j[m] (a_j ++ a_{j+1})[m+k],
// a circular correlation of length L = 2B without wrap-around. In the frequency domain
// rfft(a_j ++ a_{j+1}) = A_j + (-1)^f A_{j+1} (A_j: a_j zero-padded to L), so one forward
// transform per block and a single inverse give all lags: N/B transforms of 2B points
// instead of two of 2..4 N, and they fit in cache. Same sums, different rounding order.
std::vector<double> blocked_transform(std::span<const float> y, std::size_t keep) {
  const std::size_t n = y.size();
  const std::size_t B = block_size(keep);
  const std::size_t L = 2 * B, bins = L / 2 + 1;
  const Plans& plans = plans_for(L);
  thread_local BlockBuffers bb;
  bb.ensure(L);
  double* buf = bb.buf.get();
  fftw_complex* s0 = bb.s0.get();
  fftw_complex* s1 = bb.s1.get();
  fftw_complex* s2 = bb.s2.get();
  double* acc = reinterpret_cast<double*>(bb.acc.get());
  std::fill(acc, acc + 2 * bins, 0.0);
  // The upper half of every block's input stays zero; only the lower half is rewritten.
  std::fill(buf + B, buf + L, 0.0);
  auto transform_block = [&](std::size_t j, fftw_complex* out) {
    const std::size_t lo = j * B, hi = std::min(n, lo + B);
    widen(y.data() + lo, hi - lo, buf);
    std::fill(buf + (hi - lo), buf + B, 0.0);
    fftw_execute_dft_r2c(plans.forward, buf, out);
  };
  auto d = [](fftw_complex* p) { return reinterpret_cast<const double*>(p); };
  const std::size_t blocks = (n + B - 1) / B;
  transform_block(0, s0);
  // Blocks j and j + 1 per pass, with j + 2 (transformed here, the next pass's first block).
  for (std::size_t j = 0; j < blocks; j += 2) {
    if (j + 1 < blocks) {
      transform_block(j + 1, s1);
    } else {
      // A lone last block: its partner B is zero (and C absent), leaving conj(A) A.
      std::fill(reinterpret_cast<double*>(s1), reinterpret_cast<double*>(s1) + 2 * bins, 0.0);
    }
    const bool has_c = j + 2 < blocks;
    if (has_c) transform_block(j + 2, s2);
    accumulate(d(s0), d(s1), d(s2), has_c, bins, acc);
    std::swap(s0, s2);
  }
  fftw_execute_dft_c2r(plans.inverse, reinterpret_cast<fftw_complex*>(acc), buf);
  std::vector<double> r(keep);
  const double scale = 1.0 / static_cast<double>(L);
  for (std::size_t k = 0; k < keep; ++k) r[k] = buf[k] * scale;
  return r;
}

}  // namespace

std::vector<double> autocorrelate(std::span<const float> y, std::optional<std::size_t> max_size) {
  const std::size_t n = y.size();
  const std::size_t keep = std::min(max_size.value_or(n), n);
  if (n == 0 || keep == 0) return {};
  // The blocked form pays off once a few blocks fit in the signal.
  return 4 * block_size(keep) <= n ? blocked_transform(y, keep) : full_transform(y, keep);
}

namespace detail {
std::size_t autocorrelate_block_size(std::size_t max_size) { return block_size(max_size); }
}  // namespace detail

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
