#include "dsp/fft_split.h"

#include <immintrin.h>

#include <cmath>
#include <numbers>

#include "echoelml/core/cpu.h"

namespace echoelml::dsp::detail {
namespace {

// One pair (k, N-k), k in [1, N/2]. The AVX2 loops do exactly these operations lane by lane:
// b = conj(u) first; forward h = (a + b) * 0.5, inverse h = a + b; d = a - b; t = w d as
// (wr dr - wi di, wr di + wi dr) with the direction's table; then h + t and conj(h - t).
template <class T, bool Inverse>
inline void split_pair(T* p, int N, const SplitTwiddles<T>& tw, int k) {
  const int j = N - k;
  const T ar = p[2 * k], ai = p[2 * k + 1];
  const T br = p[2 * j], bi = -p[2 * j + 1];
  T hr = ar + br, hi = ai + bi;
  if constexpr (!Inverse) hr = hr * T(0.5), hi = hi * T(0.5);
  const T dr = ar - br, di = ai - bi;
  const T wr = Inverse ? tw.inv_re[2 * k] : tw.fwd_re[2 * k];
  const T wi = Inverse ? tw.inv_im[2 * k] : tw.fwd_im[2 * k];
  const T tr = wr * dr - wi * di, ti = wr * di + wi * dr;
  p[2 * j] = hr - tr, p[2 * j + 1] = -(hi - ti);  // k == N - k: both writes agree
  p[2 * k] = hr + tr, p[2 * k + 1] = hi + ti;
}

// DC and Nyquist: forward X0 = Re Z0 + Im Z0, XN = Re Z0 - Im Z0; inverse Z0 = (X0 + XN) +
// i (X0 - XN) from the real parts only (FFTW's c2r ignores the imaginary ones).
template <class T, bool Inverse>
inline void split_ends(T* p, int N) {
  if constexpr (!Inverse) {
    const T r = p[0], i = p[1];
    p[0] = r + i, p[1] = 0;
    p[2 * N] = r - i, p[2 * N + 1] = 0;
  } else {
    const T r0 = p[0], rn = p[2 * N];
    p[0] = r0 + rn, p[1] = r0 - rn;
  }
}

template <class T, bool Inverse>
void split_scalar(std::complex<T>* z, int N, const SplitTwiddles<T>& tw, int from) {
  T* p = reinterpret_cast<T*>(z);
  for (int k = from; 2 * k <= N; ++k) split_pair<T, Inverse>(p, N, tw, k);
  split_ends<T, Inverse>(p, N);
}

// The mirror block in reversed complex order. Float: one cross-lane permute (faster here than
// two 128-bit halves plus an in-lane swap). Double: the two 128-bit halves swapped by the
// loads and stores themselves, with no shuffle. q points at the block's lowest complex.
[[gnu::target("avx2")]] inline __m256 load_reversed(const float* q) {  // c0 c1 c2 c3 -> c3 c2 c1 c0
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_loadu_ps(q)), 0x1B));
}
[[gnu::target("avx2")]] inline void store_reversed(float* q, __m256 v) {
  _mm256_storeu_ps(q, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0x1B)));
}
[[gnu::target("avx2")]] inline __m256d load_reversed(const double* q) {  // q[0..4) = c0 c1
  return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(q + 2)), _mm_loadu_pd(q), 1);
}
[[gnu::target("avx2")]] inline void store_reversed(double* q, __m256d v) {
  _mm_storeu_pd(q + 2, _mm256_castpd256_pd128(v));
  _mm_storeu_pd(q, _mm256_extractf128_pd(v, 1));
}

// Four bins k..k+3 and their mirrors N-k-3..N-k (reversed) per step, while the two blocks
// are disjoint; the scalar pairs finish the middle.
template <bool Inverse>
[[gnu::target("avx2")]] void split_avx2(std::complex<float>* z, int N, const SplitTwiddles<float>& tw) {
  float* p = reinterpret_cast<float*>(z);
  const __m256 conj = _mm256_setr_ps(0.0f, -0.0f, 0.0f, -0.0f, 0.0f, -0.0f, 0.0f, -0.0f);
  const __m256 half = _mm256_set1_ps(0.5f);
  int k = 1;
  const float* wre = Inverse ? tw.inv_re.data() : tw.fwd_re.data();
  const float* wim = Inverse ? tw.inv_im.data() : tw.fwd_im.data();
  for (; 2 * k + 6 < N; k += 4) {
    float* hi_p = p + 2 * (N - k - 3);
    const __m256 a = _mm256_loadu_ps(p + 2 * k);
    const __m256 b = _mm256_xor_ps(load_reversed(hi_p), conj);
    __m256 h = _mm256_add_ps(a, b);
    if constexpr (!Inverse) h = _mm256_mul_ps(h, half);
    const __m256 d = _mm256_sub_ps(a, b);
    const __m256 wr = _mm256_loadu_ps(wre + 2 * k), wi = _mm256_loadu_ps(wim + 2 * k);
    const __m256 t = _mm256_addsub_ps(_mm256_mul_ps(wr, d), _mm256_mul_ps(wi, _mm256_permute_ps(d, 0xB1)));
    store_reversed(hi_p, _mm256_xor_ps(_mm256_sub_ps(h, t), conj));
    _mm256_storeu_ps(p + 2 * k, _mm256_add_ps(h, t));
  }
  split_scalar<float, Inverse>(z, N, tw, k);
}

// Two bins per step; the 128-bit halves are the complex values.
template <bool Inverse>
[[gnu::target("avx2")]] void split_avx2(std::complex<double>* z, int N, const SplitTwiddles<double>& tw) {
  double* p = reinterpret_cast<double*>(z);
  const __m256d conj = _mm256_setr_pd(0.0, -0.0, 0.0, -0.0);
  const __m256d half = _mm256_set1_pd(0.5);
  int k = 1;
  const double* wre = Inverse ? tw.inv_re.data() : tw.fwd_re.data();
  const double* wim = Inverse ? tw.inv_im.data() : tw.fwd_im.data();
  for (; 2 * k + 2 < N; k += 2) {
    double* hi_p = p + 2 * (N - k - 1);
    const __m256d a = _mm256_loadu_pd(p + 2 * k);
    const __m256d b = _mm256_xor_pd(load_reversed(hi_p), conj);
    __m256d h = _mm256_add_pd(a, b);
    if constexpr (!Inverse) h = _mm256_mul_pd(h, half);
    const __m256d d = _mm256_sub_pd(a, b);
    const __m256d wr = _mm256_loadu_pd(wre + 2 * k), wi = _mm256_loadu_pd(wim + 2 * k);
    const __m256d t = _mm256_addsub_pd(_mm256_mul_pd(wr, d), _mm256_mul_pd(wi, _mm256_permute_pd(d, 0x5)));
    store_reversed(hi_p, _mm256_xor_pd(_mm256_sub_pd(h, t), conj));
    _mm256_storeu_pd(p + 2 * k, _mm256_add_pd(h, t));
  }
  split_scalar<double, Inverse>(z, N, tw, k);
}

template <class T, bool Inverse>
void split(std::complex<T>* z, int N, const SplitTwiddles<T>& tw, bool avx2) {
  if (avx2) split_avx2<Inverse>(z, N, tw);
  else split_scalar<T, Inverse>(z, N, tw, 1);
}

}  // namespace

template <class T>
SplitTwiddles<T> split_twiddles(int n) {
  const int N = n / 2;
  const auto count = static_cast<std::size_t>(N / 2 + 1);
  SplitTwiddles<T> tw;
  tw.w.resize(count);
  for (auto* v : {&tw.fwd_re, &tw.fwd_im, &tw.inv_re, &tw.inv_im}) v->resize(2 * count);
  const long double pi = std::numbers::pi_v<long double>;
  for (int k = 0; k <= N / 2; ++k) {
    // theta = 2 pi k / n in [0, pi/2]. Above pi/4 use its mirror pi/2 - theta = 2 pi (n/4 - k) / n,
    // written with integers (pi (n - 4k) / (2n)) so the reduction is exact.
    long double c, s;
    if (8L * k <= n) {
      const long double th = 2 * pi * k / n;
      c = std::cos(th), s = std::sin(th);
    } else {
      const long double th = pi * (n - 4L * k) / (2.0L * n);
      c = std::sin(th), s = std::cos(th);
    }
    const auto i = static_cast<std::size_t>(k);
    tw.w[i] = {static_cast<T>(-s), static_cast<T>(-c)};  // -i (c - i s)
    const T re = tw.w[i].real(), im = tw.w[i].imag();
    tw.fwd_re[2 * i] = tw.fwd_re[2 * i + 1] = re * T(0.5);
    tw.fwd_im[2 * i] = tw.fwd_im[2 * i + 1] = im * T(0.5);
    tw.inv_re[2 * i] = tw.inv_re[2 * i + 1] = re;
    tw.inv_im[2 * i] = tw.inv_im[2 * i + 1] = -im;
  }
  return tw;
}
template SplitTwiddles<float> split_twiddles<float>(int);
template SplitTwiddles<double> split_twiddles<double>(int);

void split_forward(std::complex<float>* z, int N, const SplitTwiddles<float>& tw, bool avx2) {
  split<float, false>(z, N, tw, avx2);
}
void split_forward(std::complex<double>* z, int N, const SplitTwiddles<double>& tw, bool avx2) {
  split<double, false>(z, N, tw, avx2);
}
void split_inverse(std::complex<float>* x, int N, const SplitTwiddles<float>& tw, bool avx2) {
  split<float, true>(x, N, tw, avx2);
}
void split_inverse(std::complex<double>* x, int N, const SplitTwiddles<double>& tw, bool avx2) {
  split<double, true>(x, N, tw, avx2);
}

bool split_has_avx2() {
  static const bool avx2 = core::use_avx2();
  return avx2;
}

}  // namespace echoelml::dsp::detail
