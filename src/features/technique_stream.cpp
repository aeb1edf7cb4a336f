// Streaming STFT -> (variance, mel, HPSS medians, masks) -> inverse STFT over chunks of frames.
//
// Why it is exact: every output of librosa's pipeline depends on a bounded neighbourhood of
// frames. The harmonic median of frame t reads frames t-15..t+15 (reflected at the ends), the
// percussive median and the masks only frame t, and an output sample of the inverse STFT the
// <= n_fft/hop frames that overlap it. So each chunk of frames is computed from a ring of
// frames that holds the chunk plus the median's reach, and inverse-STFT samples are summed
// the moment no later frame can touch them. The arithmetic per element is the one stft.cpp,
// hpss.cpp and istft use, in the same order.
//
// Layout: frame-major rows of bins (not the library's (bins, frames)) because frames are
// produced one at a time; the time median reads 8 adjacent bins as one vector per frame.
#include "technique_stream.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/dsp/fft.h"
#include "echoelml/dsp/filters.h"
#include "echoelml/dsp/lane_median.h"
#include "echoelml/dsp/median_filter.h"
#include "echoelml/features/onset.h"
#include "hpss_common.h"

namespace echoelml::features::detail {
namespace {

constexpr std::size_t kL = dsp::kMedianLanes;
static_assert(kL == 8, "the interleaving helpers below move 8 lanes");

// Sum of f(v[i]) in float64 with four partial sums: one dependent add chain would cost its
// latency per element, and the order only changes float64 rounding.
template <typename F>
double sum4(const float* v, std::size_t n, F f) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += f(v[i]);
    a1 += f(v[i + 1]);
    a2 += f(v[i + 2]);
    a3 += f(v[i + 3]);
  }
  for (; i < n; ++i) a0 += f(v[i]);
  return (a0 + a1) + (a2 + a3);
}

// Population mean and sum of squared deviations, merged frame by frame (Chan et al.), so the
// variance needs no second pass over the spectrum and loses nothing to cancellation.
struct Moments {
  double count = 0, mean = 0, m2 = 0;
  void add(const float* v, std::size_t n) {
    const double m = sum4(v, n, [](double x) { return x; }) / static_cast<double>(n);
    const double q = sum4(v, n, [m](double x) { return (x - m) * (x - m); });
    const double nb = static_cast<double>(n), tot = count + nb;
    const double delta = m - mean;
    mean += delta * nb / tot;
    m2 += q + delta * delta * count * nb / tot;
    count = tot;
  }
};

// Rounds n double-precision bins to complex64 (x, interleaved) and takes np.abs of each:
// the double sqrt of the exact double squares, rounded once (glibc's hypotf). Two bins per
// SSE2 step; std::sqrt would stay scalar because of errno.
[[gnu::target("avx2")]] std::size_t to_complex64_and_abs_avx2(const double* spec, std::size_t n, float* x,
                                                             float* mag) {
  // Four bins per step: the double square root is the bottleneck, and a 256-bit one
  // does twice the work per instruction.
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m128 f01 = _mm256_cvtpd_ps(_mm256_loadu_pd(spec + 2 * k));      // re0 im0 re1 im1
    const __m128 f23 = _mm256_cvtpd_ps(_mm256_loadu_pd(spec + 2 * k + 4));  // re2 im2 re3 im3
    _mm_storeu_ps(x + 2 * k, f01);
    _mm_storeu_ps(x + 2 * k + 4, f23);
    const __m128 re = _mm_shuffle_ps(f01, f23, _MM_SHUFFLE(2, 0, 2, 0));
    const __m128 im = _mm_shuffle_ps(f01, f23, _MM_SHUFFLE(3, 1, 3, 1));
    const __m256d dr = _mm256_cvtps_pd(re), di = _mm256_cvtps_pd(im);
    const __m256d sum = _mm256_add_pd(_mm256_mul_pd(dr, dr), _mm256_mul_pd(di, di));
    _mm_storeu_ps(mag + k, _mm256_cvtpd_ps(_mm256_sqrt_pd(sum)));
  }
  return k;
}

void to_complex64_and_abs(const double* spec, std::size_t n, float* x, float* mag) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  std::size_t k = avx2 ? to_complex64_and_abs_avx2(spec, n, x, mag) : 0;
  for (; k + 2 <= n; k += 2) {
    const __m128 f0 = _mm_cvtpd_ps(_mm_loadu_pd(spec + 2 * k));      // re0 im0 0 0
    const __m128 f1 = _mm_cvtpd_ps(_mm_loadu_pd(spec + 2 * k + 2));  // re1 im1 0 0
    _mm_storeu_ps(x + 2 * k, _mm_movelh_ps(f0, f1));
    const __m128d d0 = _mm_cvtps_pd(f0), d1 = _mm_cvtps_pd(f1);
    const __m128d s0 = _mm_mul_pd(d0, d0), s1 = _mm_mul_pd(d1, d1);
    const __m128d sum = _mm_add_pd(_mm_unpacklo_pd(s0, s1), _mm_unpackhi_pd(s0, s1));
    const __m128 r = _mm_cvtpd_ps(_mm_sqrt_pd(sum));
    _mm_storel_pi(reinterpret_cast<__m64*>(mag + k), r);
  }
  for (; k < n; ++k) {
    const float re = static_cast<float>(spec[2 * k]), im = static_cast<float>(spec[2 * k + 1]);
    x[2 * k] = re;
    x[2 * k + 1] = im;
    mag[k] = abs_c64({re, im});
  }
}

// The same with 8 bins per AVX2 step (the divisions dominate); returns the bins done.
[[gnu::target("avx2")]] std::size_t harmonic_bins_avx2(const float* x, const float* mag, const float* hm,
                                                      const float* pm, float margin, bool split,
                                                      std::size_t n, double* out) {
  const __m256 one = _mm256_set1_ps(1.0f), tiny = _mm256_set1_ps(std::numeric_limits<float>::min());
  const __m256 vm = _mm256_set1_ps(margin), vsplit = _mm256_set1_ps(split ? 0.5f : 0.0f);
  const __m256 zero = _mm256_setzero_ps();
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256 h = _mm256_loadu_ps(hm + k), q = _mm256_mul_ps(_mm256_loadu_ps(pm + k), vm);
    const __m256 z = _mm256_max_ps(h, q);
    const __m256 is_tiny = _mm256_cmp_ps(z, tiny, _CMP_LT_OQ);
    const __m256 zz = _mm256_blendv_ps(z, one, is_tiny);
    const __m256 a = _mm256_div_ps(h, zz), b = _mm256_div_ps(q, zz);
    const __m256 ma = _mm256_mul_ps(a, a), mr = _mm256_mul_ps(b, b);
    const __m256 mask = _mm256_blendv_ps(_mm256_div_ps(ma, _mm256_add_ps(ma, mr)), vsplit, is_tiny);
    const __m256 s = _mm256_loadu_ps(mag + k);
    const __m256 is_zero = _mm256_cmp_ps(s, zero, _CMP_EQ_OQ);
    const __m256 denom = _mm256_blendv_ps(s, one, is_zero);
    const __m256 x0 = _mm256_loadu_ps(x + 2 * k), x1 = _mm256_loadu_ps(x + 2 * k + 8);
    // shuffle gives [0 1 4 5 | 2 3 6 7] per 128-bit half; the 64-bit permute restores 0..7.
    const __m256 re = _mm256_castpd_ps(_mm256_permute4x64_pd(
        _mm256_castps_pd(_mm256_shuffle_ps(x0, x1, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
    const __m256 im = _mm256_castpd_ps(_mm256_permute4x64_pd(
        _mm256_castps_pd(_mm256_shuffle_ps(x0, x1, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
    const __m256 pr = _mm256_add_ps(_mm256_div_ps(re, denom), _mm256_and_ps(is_zero, one));
    const __m256 pi = _mm256_div_ps(im, denom);
    const __m256 amp = _mm256_mul_ps(s, mask);
    const __m256 orr = _mm256_mul_ps(amp, pr), oi = _mm256_mul_ps(amp, pi);
    const __m256 lo = _mm256_unpacklo_ps(orr, oi);  // bins 0 1 | 4 5, interleaved
    const __m256 hi = _mm256_unpackhi_ps(orr, oi);  // bins 2 3 | 6 7
    _mm256_storeu_pd(out + 2 * k, _mm256_cvtps_pd(_mm256_castps256_ps128(lo)));
    _mm256_storeu_pd(out + 2 * k + 4, _mm256_cvtps_pd(_mm256_castps256_ps128(hi)));
    _mm256_storeu_pd(out + 2 * k + 8, _mm256_cvtps_pd(_mm256_extractf128_ps(lo, 1)));
    _mm256_storeu_pd(out + 2 * k + 12, _mm256_cvtps_pd(_mm256_extractf128_ps(hi, 1)));
  }
  return k;
}

// softmask(h, p * margin, 2, split) and apply_mask for n bins, 4 per SSE2 step, into
// interleaved complex128 `out`: the same float32 operations in the same order as
// hpss_common.h (z = max(h, q) only decides the tiny case and divides, so a signed-zero
// difference from std::max cannot matter), with selects instead of branches.
void harmonic_bins_sse(const float* x, const float* mag, const float* hm, const float* pm, float margin,
                       bool split, std::size_t k0, std::size_t n, double* out) {
  const __m128 one = _mm_set1_ps(1.0f), tiny = _mm_set1_ps(std::numeric_limits<float>::min());
  const __m128 vm = _mm_set1_ps(margin), vsplit = _mm_set1_ps(split ? 0.5f : 0.0f), zero = _mm_setzero_ps();
  auto select = [](__m128 mask, __m128 a, __m128 b) {  // mask ? a : b
    return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
  };
  std::size_t k = k0;
  for (; k + 4 <= n; k += 4) {
    const __m128 h = _mm_loadu_ps(hm + k), q = _mm_mul_ps(_mm_loadu_ps(pm + k), vm);
    const __m128 z = _mm_max_ps(h, q);
    const __m128 is_tiny = _mm_cmplt_ps(z, tiny);
    const __m128 zz = select(is_tiny, one, z);
    const __m128 a = _mm_div_ps(h, zz), b = _mm_div_ps(q, zz);
    const __m128 ma = _mm_mul_ps(a, a), mr = _mm_mul_ps(b, b);
    const __m128 mask = select(is_tiny, vsplit, _mm_div_ps(ma, _mm_add_ps(ma, mr)));
    const __m128 s = _mm_loadu_ps(mag + k);
    const __m128 is_zero = _mm_cmpeq_ps(s, zero);
    const __m128 denom = select(is_zero, one, s);
    const __m128 x0 = _mm_loadu_ps(x + 2 * k), x1 = _mm_loadu_ps(x + 2 * k + 4);
    const __m128 re = _mm_shuffle_ps(x0, x1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m128 im = _mm_shuffle_ps(x0, x1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 pr = _mm_add_ps(_mm_div_ps(re, denom), _mm_and_ps(is_zero, one));
    const __m128 pi = _mm_div_ps(im, denom);
    const __m128 amp = _mm_mul_ps(s, mask);
    const __m128 orr = _mm_mul_ps(amp, pr), oi = _mm_mul_ps(amp, pi);
    const __m128 lo = _mm_unpacklo_ps(orr, oi), hi = _mm_unpackhi_ps(orr, oi);
    _mm_storeu_pd(out + 2 * k, _mm_cvtps_pd(lo));
    _mm_storeu_pd(out + 2 * k + 2, _mm_cvtps_pd(_mm_movehl_ps(lo, lo)));
    _mm_storeu_pd(out + 2 * k + 4, _mm_cvtps_pd(hi));
    _mm_storeu_pd(out + 2 * k + 6, _mm_cvtps_pd(_mm_movehl_ps(hi, hi)));
  }
  for (; k < n; ++k) {
    const std::complex<float> d{x[2 * k], x[2 * k + 1]};
    const auto v = apply_mask(d, mag[k], softmask(hm[k], pm[k] * margin, 2.0f, split));
    out[2 * k] = v.real();
    out[2 * k + 1] = v.imag();
  }
}

// 8 floats; spelled out because std::copy_n of a runtime pointer pair became a memmove call.
inline void copy8(const float* src, float* dst) {
  _mm_storeu_ps(dst, _mm_loadu_ps(src));
  _mm_storeu_ps(dst + 4, _mm_loadu_ps(src + 4));
}

// out[i * 8 + j] = rows[j][i] for i < n, by 4x4 SSE transposes.
void interleave8(const float* const* rows, std::size_t n, float* out) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (std::size_t h = 0; h < 8; h += 4) {
      __m128 r0 = _mm_loadu_ps(rows[h] + i), r1 = _mm_loadu_ps(rows[h + 1] + i);
      __m128 r2 = _mm_loadu_ps(rows[h + 2] + i), r3 = _mm_loadu_ps(rows[h + 3] + i);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(out + i * 8 + h, r0);
      _mm_storeu_ps(out + (i + 1) * 8 + h, r1);
      _mm_storeu_ps(out + (i + 2) * 8 + h, r2);
      _mm_storeu_ps(out + (i + 3) * 8 + h, r3);
    }
  for (; i < n; ++i)
    for (std::size_t j = 0; j < 8; ++j) out[i * 8 + j] = rows[j][i];
}

// rows[j][i] = in[i * 8 + j] for i < n: the inverse of interleave8.
void deinterleave8(const float* in, std::size_t n, float* const* rows) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (std::size_t h = 0; h < 8; h += 4) {
      __m128 r0 = _mm_loadu_ps(in + i * 8 + h), r1 = _mm_loadu_ps(in + (i + 1) * 8 + h);
      __m128 r2 = _mm_loadu_ps(in + (i + 2) * 8 + h), r3 = _mm_loadu_ps(in + (i + 3) * 8 + h);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(rows[h] + i, r0);
      _mm_storeu_ps(rows[h + 1] + i, r1);
      _mm_storeu_ps(rows[h + 2] + i, r2);
      _mm_storeu_ps(rows[h + 3] + i, r3);
    }
  for (; i < n; ++i)
    for (std::size_t j = 0; j < 8; ++j) rows[j][i] = in[i * 8 + j];
}

// Sparse view of the cached Slaney filterbank: band m's non-zero run [lo, hi).
struct MelRuns {
  const Matrix* w = nullptr;
  std::vector<std::size_t> lo, hi;
  explicit MelRuns(const Matrix& dense) : w(&dense), lo(dense.rows), hi(dense.rows) {
    for (std::size_t m = 0; m < dense.rows; ++m) {
      auto row = dense.row(m);
      std::size_t a = 0, b = row.size();
      while (a < b && row[a] == 0.0f) ++a;
      while (b > a && row[b - 1] == 0.0f) --b;
      lo[m] = a;
      hi[m] = b;
    }
  }
};

class Pass {
 public:
  Pass(std::span<const float> y, double sr, const HpssParams& p)
      : y_(y), p_(p), nfft_(p.stft.n_fft), hop_(static_cast<std::size_t>(p.stft.hop_length)),
        bins_(static_cast<std::size_t>(nfft_ / 2 + 1)), stride_((bins_ + kL - 1) / kL * kL),
        T_(dsp::n_frames(y.size(), p.stft)), hh_(static_cast<std::size_t>(p.kernel_harmonic / 2)),
        hp_(static_cast<std::size_t>(p.kernel_percussive / 2)),
        chunk_(std::max<std::size_t>(256, 4 * hh_)), ring_(chunk_ + 2 * hh_ + 2),
        window_(dsp::hann_periodic(nfft_)), fft_(nfft_),
        frame_(dsp::fft_alloc_real(static_cast<std::size_t>(nfft_))),
        spec_(dsp::fft_alloc_complex(bins_)), X_(ring_ * bins_), mag_(ring_ * stride_, 0.0f),
        H_(chunk_ * stride_), P_(chunk_ * stride_), ext_((std::max(chunk_, bins_) + 2 * std::max(hh_, hp_)) * kL),
        res_(std::max(chunk_, bins_) * kL), ola_(static_cast<std::size_t>(nfft_) + 64 * hop_, 0.0),
        wss_(ola_.size(), 0.0), rows_(chunk_ + 2 * hh_) {
    out_.resize(ola_.size());
    scratch_.resize(stride_);
    onset_.mel.mel.sr = sr;
    onset_.mel.mel.n_fft = nfft_;
    onset_.mel.stft = p.stft;
    onset_.aggregate = OnsetAggregate::Mean;
    bank_ = &dsp::cached_mel_bank(onset_.mel.mel);
    runs_ = std::make_unique<MelRuns>(bank_->dense());
    mel_ = Matrix(bank_->dense().rows, T_);
  }

  SpectralPassResult run() {
    for (std::size_t t0 = 0; t0 < T_; t0 += chunk_) {
      const std::size_t t1 = std::min(T_, t0 + chunk_);
      while (computed_ < std::min(T_, t1 + hh_)) analyse_frame(computed_++);
      percussive(t0, t1);
      harmonic(t0, t1);
      for (std::size_t t = t0; t < t1; ++t) synthesise_frame(t, t - t0);
    }
    SpectralPassResult r;
    r.spectrum_variance = moments_.m2 / moments_.count;
    const auto env = onset_strength_from_mel(mel_, onset_);
    double acc = 0;
    for (float v : env) acc += v;
    r.transient_strength = env.empty() ? 0.0 : acc / static_cast<double>(env.size());
    r.harmonic_sum = harmonic_sum_;
    return r;
  }

 private:
  float* mag_row(std::size_t t) { return mag_.data() + (t % ring_) * stride_; }
  std::complex<float>* x_row(std::size_t t) { return X_.data() + (t % ring_) * bins_; }

  // stft.cpp's framing and rounding for frame t, then |X|, the variance moments and the
  // mel column (MelBank::apply's float32 order).
  void analyse_frame(std::size_t t) {
    const std::size_t n = y_.size();
    const std::ptrdiff_t pad = p_.stft.center ? nfft_ / 2 : 0;
    const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t * hop_) - pad;
    double* f = frame_.get();
    if (start >= 0 && start + nfft_ <= static_cast<std::ptrdiff_t>(n)) {
      const float* src = y_.data() + start;
      for (int k = 0; k < nfft_; ++k) f[k] = static_cast<double>(src[k]) * window_[static_cast<std::size_t>(k)];
    } else {
      for (int k = 0; k < nfft_; ++k) {
        const std::ptrdiff_t i = start + k;
        float v = 0.0f;
        if (i >= 0 && i < static_cast<std::ptrdiff_t>(n)) v = y_[static_cast<std::size_t>(i)];
        else if (p_.stft.pad_mode == dsp::PadMode::Edge) v = i < 0 ? y_.front() : y_.back();
        f[k] = static_cast<double>(v) * window_[static_cast<std::size_t>(k)];
      }
    }
    fft_.forward(f, spec_.get());
    float* m = mag_row(t);
    to_complex64_and_abs(reinterpret_cast<const double*>(spec_.get()), bins_,
                         reinterpret_cast<float*>(x_row(t)), m);
    moments_.add(m, bins_);
  }

  // Median along frequency (kernel (31, 1)) for frames [t0, t1), 8 frames per call.
  void percussive(std::size_t t0, std::size_t t1) {
    const auto nb = static_cast<std::ptrdiff_t>(bins_), h = static_cast<std::ptrdiff_t>(hp_);
    for (std::size_t g = t0; g < t1; g += kL) {
      const float* rows[kL];
      for (std::size_t j = 0; j < kL; ++j) rows[j] = mag_row(std::min(g + j, t1 - 1));
      for (std::ptrdiff_t s = -h; s < nb + h; s = (s == -1 ? nb : s + 1)) {  // reflected edges
        const auto k = static_cast<std::size_t>(dsp::reflect_index(s, nb));
        float* dst = ext_.data() + static_cast<std::size_t>(s + h) * kL;
        for (std::size_t j = 0; j < kL; ++j) dst[j] = rows[j][k];
      }
      interleave8(rows, bins_, ext_.data() + hp_ * kL);
      dsp::median8(ext_.data(), bins_, p_.kernel_percussive, res_.data());
      const std::size_t lanes = std::min(kL, t1 - g);
      mel_columns(ext_.data() + hp_ * kL, g, lanes);
      float* dst[kL];
      for (std::size_t j = 0; j < kL; ++j)
        dst[j] = j < lanes ? P_.data() + (g + j - t0) * stride_ : scratch_.data();
      deinterleave8(res_.data(), bins_, dst);
    }
  }

  // MelBank::apply's float32 sums (bin order, power = |X|^2 in float32) for 8 frames whose
  // magnitudes are interleaved in `mag8` ([bin][lane]); the lanes vectorise, the order per
  // frame is the library's.
  void mel_columns(const float* mag8, std::size_t t, std::size_t lanes) {
    for (std::size_t b = 0; b < runs_->lo.size(); ++b) {
      float acc[kL] = {};
      const float* wr = runs_->w->data.data() + b * runs_->w->cols;
      for (std::size_t k = runs_->lo[b]; k < runs_->hi[b]; ++k) {
        const float w = wr[k];
        const float* mk = mag8 + k * kL;
        for (std::size_t j = 0; j < kL; ++j) acc[j] += w * (mk[j] * mk[j]);
      }
      for (std::size_t j = 0; j < lanes; ++j) mel_(b, t + j) = acc[j];
    }
  }

  // Median along time (kernel (1, 31)) for frames [t0, t1), 8 adjacent bins per call.
  void harmonic(std::size_t t0, std::size_t t1) {
    const auto T = static_cast<std::ptrdiff_t>(T_), h = static_cast<std::ptrdiff_t>(hh_);
    const auto a = static_cast<std::ptrdiff_t>(t0) - h, b = static_cast<std::ptrdiff_t>(t1) + h;
    const float** r = rows_.data();  // frame row of each step a..b (reflected at the ends)
    for (std::ptrdiff_t s = a; s < b; ++s)
      r[s - a] = mag_row(static_cast<std::size_t>(s >= 0 && s < T ? s : dsp::reflect_index(s, T)));
    const std::size_t steps = static_cast<std::size_t>(b - a), n = t1 - t0;
    for (std::size_t c = 0; c < stride_; c += kL) {
      for (std::size_t s = 0; s < steps; ++s) copy8(r[s] + c, ext_.data() + s * kL);
      dsp::median8(ext_.data(), n, p_.kernel_harmonic, res_.data());
      for (std::size_t i = 0; i < n; ++i) copy8(res_.data() + i * kL, H_.data() + i * stride_ + c);
    }
  }

  // Mask, inverse FFT and overlap-add of frame t; sums |h| over the samples it completes.
  void synthesise_frame(std::size_t t, std::size_t i) {
    const bool split = p_.margin_harmonic == 1.0 && p_.margin_percussive == 1.0;
    const auto power = static_cast<float>(p_.power), mh = static_cast<float>(p_.margin_harmonic);
    const float* x = reinterpret_cast<const float*>(x_row(t));
    const float* m = mag_row(t);
    const float* hm = H_.data() + i * stride_;
    const float* pm = P_.data() + i * stride_;
    double* spec = reinterpret_cast<double*>(spec_.get());
    if (power == 2.0f) {
      static const bool avx2 = __builtin_cpu_supports("avx2");
      const std::size_t done = avx2 ? harmonic_bins_avx2(x, m, hm, pm, mh, split, bins_, spec) : 0;
      harmonic_bins_sse(x, m, hm, pm, mh, split, done, bins_, spec);
    } else {
      const auto* xc = x_row(t);
      for (std::size_t k = 0; k < bins_; ++k)
        spec_[k] = std::complex<double>(apply_mask(xc[k], m[k], softmask(hm[k], pm[k] * mh, power, split)));
    }
    double* f = frame_.get();
    fft_.inverse(spec_.get(), f);
    const double inv_n = 1.0 / nfft_;
    const auto N = static_cast<std::size_t>(nfft_);
    std::size_t off = t * hop_ - base_;
    if (off + N > ola_.size()) {  // samples before t * hop are final: no later frame reaches them
      emit(off);
      std::move(ola_.begin() + static_cast<std::ptrdiff_t>(off), ola_.end(), ola_.begin());
      std::move(wss_.begin() + static_cast<std::ptrdiff_t>(off), wss_.end(), wss_.begin());
      std::fill(ola_.end() - static_cast<std::ptrdiff_t>(off), ola_.end(), 0.0);
      std::fill(wss_.end() - static_cast<std::ptrdiff_t>(off), wss_.end(), 0.0);
      base_ += off;
      off = 0;
    }
    double* o = ola_.data() + off;
    double* w = wss_.data() + off;
    for (std::size_t k = 0; k < N; ++k) {
      o[k] += f[k] * inv_n * window_[k];
      w[k] += window_[k] * window_[k];
    }
    if (t + 1 == T_) emit(off + N);
  }

  // istft's normalisation, centre trim and length cut for the first `count` buffered samples
  // (padded positions base_ .. base_ + count).
  void emit(std::size_t count) {
    const double tiny = std::numeric_limits<float>::min();
    const std::size_t start = p_.stft.center ? static_cast<std::size_t>(nfft_ / 2) : 0;
    // Buffered positions that are output samples: padded index in [start, start + len(y)).
    const std::size_t lo = base_ < start ? start - base_ : 0;
    const std::size_t end = start + y_.size();
    const std::size_t hi = std::min(count, end > base_ ? end - base_ : 0);
    if (lo >= hi) return;
    // v = wss > tiny ? ola / wss : ola, rounded to float32, |.|: two samples per SSE2 step.
    const __m128d vt = _mm_set1_pd(tiny);
    const __m128 sign = _mm_set1_ps(-0.0f);
    std::size_t k = lo;
    for (; k + 2 <= hi; k += 2) {
      const __m128d o = _mm_loadu_pd(ola_.data() + k), w = _mm_loadu_pd(wss_.data() + k);
      const __m128d big = _mm_cmpgt_pd(w, vt);
      const __m128d v = _mm_or_pd(_mm_and_pd(big, _mm_div_pd(o, w)), _mm_andnot_pd(big, o));
      _mm_storel_pi(reinterpret_cast<__m64*>(out_.data() + (k - lo)), _mm_andnot_ps(sign, _mm_cvtpd_ps(v)));
    }
    for (; k < hi; ++k) {
      const double v = wss_[k] > tiny ? ola_[k] / wss_[k] : ola_[k];
      out_[k - lo] = std::abs(static_cast<float>(v));
    }
    harmonic_sum_ += sum4(out_.data(), hi - lo, [](double v) { return v; });
  }

  std::span<const float> y_;
  HpssParams p_;
  int nfft_;
  std::size_t hop_, bins_, stride_, T_, hh_, hp_, chunk_, ring_;
  std::vector<double> window_;
  dsp::RealFft fft_;
  dsp::RealBuffer frame_;
  dsp::ComplexBuffer spec_;
  std::vector<std::complex<float>> X_;
  std::vector<float> mag_, H_, P_, ext_, res_;
  std::vector<double> ola_, wss_;
  std::vector<const float*> rows_;
  OnsetStrengthParams onset_;
  const dsp::MelBank* bank_ = nullptr;
  std::unique_ptr<MelRuns> runs_;
  Matrix mel_;
  Moments moments_;
  std::size_t computed_ = 0;
  std::size_t base_ = 0;  // padded sample index of ola_[0]
  std::vector<float> out_, scratch_;
  double harmonic_sum_ = 0;
};

}  // namespace

SpectralPassResult technique_spectral_pass(std::span<const float> y, double sr, const HpssParams& hpss) {
  validate(hpss);
  if (y.empty()) throw ParameterError("technique features: empty signal");
  if (dsp::n_frames(y.size(), hpss.stft) == 0)
    throw ParameterError("technique features: signal of " + std::to_string(y.size()) +
                         " samples is shorter than one frame");
  return Pass(y, sr, hpss).run();
}

}  // namespace echoelml::features::detail
