// Streaming STFT -> (variance, mel, HPSS medians, masks) -> inverse STFT over chunks of frames.
//
// Why it is exact: every output of librosa's pipeline depends on a bounded neighbourhood of
// frames. The harmonic median of frame t reads frames t-15..t+15 (reflected at the ends), the
// percussive median and the masks only frame t, and an output sample of the inverse STFT the
// <= n_fft/hop frames that overlap it. So each chunk of frames is computed from a ring of
// frames that holds the chunk plus the median's reach, and inverse-STFT samples are summed
// the moment no later frame can touch them. The arithmetic per element is the one stft.cpp,
// hpss.cpp and istft use, in the same order, except two steps of the harmonic branch: the
// masked bin is mask * X rather than (|X| * mask) * (X / |X|) (float32 rounding, <= ~2 ulp
// per bin, saves two divisions per bin), and the inverse FFT runs in float32 on the masked
// spectrum (complex64, as librosa's). Only sum |h| is used, and both errors, relative to
// each frame's norm (~1e-7), are far inside the 3e-6 budget (docs/features.md,
// "Double-precision FFT").
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
#include "spectral_common.h"
#include "technique_simd.h"

namespace echoelml::features::detail {
namespace {

constexpr std::size_t kL = dsp::kMedianLanes;
static_assert(kL == 8, "the interleaving helpers below move 8 lanes");

// Population mean and sum of squared deviations, merged frame by frame (Chan et al.), so the
// variance needs no second pass over the spectrum and loses nothing to cancellation.
struct Moments {
  double count = 0, mean = 0, m2 = 0;
  // v: n values whose sum_f64 is `sum`.
  void add(const float* v, std::size_t n, double sum) {
    const double m = sum / static_cast<double>(n);
    const double q = sum_sq_dev(v, n, m);
    const double nb = static_cast<double>(n), tot = count + nb;
    const double delta = m - mean;
    mean += delta * nb / tot;
    m2 += q + delta * delta * count * nb / tot;
    count = tot;
  }
};

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

// Buffers reused by every call on one thread (~8 MB for a 2048/512 STFT): allocated afresh,
// their pages were faulted in and zeroed on every call, about a tenth of the pass's time.
struct Workspace {
  std::vector<std::complex<float>> X;
  std::vector<float> mag, H, P, ext, res, scratch, mel_acc;
  std::vector<double> ola, wss;
  std::vector<const float*> rows;
  Matrix mel;
  std::unique_ptr<MelRuns> runs;  // of the last bank used (banks are cached for the process)
};

Workspace& workspace() {
  thread_local Workspace w;
  return w;
}

class Pass {
 public:
  Pass(std::span<const float> y, double sr, const HpssParams& p)
      : y_(y), p_(p), nfft_(p.stft.n_fft), hop_(static_cast<std::size_t>(p.stft.hop_length)),
        bins_(static_cast<std::size_t>(nfft_ / 2 + 1)), stride_((bins_ + kL - 1) / kL * kL),
        T_(dsp::n_frames(y.size(), p.stft)), hh_(static_cast<std::size_t>(p.kernel_harmonic / 2)),
        hp_(static_cast<std::size_t>(p.kernel_percussive / 2)),
        chunk_(std::max<std::size_t>(128, 4 * hh_)), ring_(chunk_ + 2 * hh_ + 2),
        window_(dsp::hann_periodic(nfft_)), w2_(window_.size()), fft_(nfft_), ifft_(nfft_),
        frame_(dsp::fft_alloc_real(static_cast<std::size_t>(nfft_))),
        frame2_(dsp::fft_alloc_real(static_cast<std::size_t>(nfft_))), spec_(dsp::fft_alloc_complex(bins_)),
        hframe_(dsp::fft_alloc_realf(static_cast<std::size_t>(nfft_))), hspec_(dsp::fft_alloc_complexf(bins_)),
        ws_(workspace()) {
    ws_.X.resize(ring_ * bins_);
    ws_.mag.resize(ring_ * stride_);
    ws_.H.resize(chunk_ * stride_);
    ws_.P.resize(chunk_ * stride_);
    ws_.ext.resize((bins_ + 2 * hp_) * kL);
    ws_.res.resize(bins_ * kL);
    ws_.ola.resize(static_cast<std::size_t>(nfft_) + 64 * hop_);  // never read before written
    ws_.wss.resize(ws_.ola.size());
    ws_.rows.resize(chunk_ + 2 * hh_);
    ws_.scratch.resize(stride_);
    onset_.mel.mel.sr = sr;
    onset_.mel.mel.n_fft = nfft_;
    onset_.mel.stft = p.stft;
    onset_.aggregate = OnsetAggregate::Mean;
    bank_ = &dsp::cached_mel_bank(onset_.mel.mel);
    if (!ws_.runs || ws_.runs->w != &bank_->dense()) ws_.runs = std::make_unique<MelRuns>(bank_->dense());
    runs_ = ws_.runs.get();
    ws_.mel_acc.resize(runs_->lo.size() * kL);
    ws_.mel.rows = bank_->dense().rows;
    ws_.mel.cols = T_;
    ws_.mel.data.resize(ws_.mel.rows * T_);  // every element is written by percussive()
    for (std::size_t k = 0; k < window_.size(); ++k) w2_[k] = window_[k] * window_[k];
    // Window sum-square where all the frames that can overlap a sample exist: periodic in
    // the hop, so one period serves the whole interior.
    const auto N = static_cast<std::size_t>(nfft_);
    if (T_ * hop_ > N - 1) {
      wss_period_.resize(hop_);
      for (std::size_t P = N - 1; P < N - 1 + hop_; ++P) wss_period_[P % hop_] = wss_at(P);
    }
  }

  SpectralPassResult run() {
    for (std::size_t t0 = 0; t0 < T_; t0 += chunk_) {
      const std::size_t t1 = std::min(T_, t0 + chunk_);
      const std::size_t upto = std::max(computed_, std::min(T_, t1 + hh_));
      analyse_frames(computed_, upto);
      computed_ = upto;
      percussive(t0, t1);
      harmonic(t0, t1);
      for (std::size_t t = t0; t < t1; ++t) synthesise_frame(t, t - t0);
    }
    SpectralPassResult r;
    r.spectrum_variance = moments_.m2 / moments_.count;
    // onset_strength_from_mel's steps, with the dB spectrogram written over the pass's own mel
    // matrix: a fresh (128, T) array per call cost its page faults and zeroing (~1 ms).
    power_to_db_in_place(ws_.mel, onset_.db);
    const auto env = onset_strength_from_mel_db(ws_.mel, OnsetAggregate::Mean, p_.stft);
    double acc = 0;
    for (float v : env) acc += v;
    r.transient_strength = env.empty() ? 0.0 : acc / static_cast<double>(env.size());
    r.harmonic_sum = harmonic_sum_;
    return r;
  }

 private:
  float* mag_row(std::size_t t) { return ws_.mag.data() + (t % ring_) * stride_; }
  std::complex<float>* x_row(std::size_t t) { return ws_.X.data() + (t % ring_) * bins_; }

  // Frames [a, b): framed two at a time where both lie inside the signal, so the window is
  // read once per pair (it and the FFT's buffers overflow L1, and the window's reloads were
  // most of window_frame's time).
  void analyse_frames(std::size_t a, std::size_t b) {
    for (std::size_t t = a; t < b;) {
      if (t + 1 < b && inside(t) && inside(t + 1)) {
        window_frame2(y_.data() + start_of(t), hop_, window_.data(), static_cast<std::size_t>(nfft_), frame_.get(),
                      frame2_.get());
        transform(t, frame_.get());
        transform(t + 1, frame2_.get());
        t += 2;
      } else {
        frame_edge(t, frame_.get());
        transform(t, frame_.get());
        ++t;
      }
    }
  }

  std::ptrdiff_t start_of(std::size_t t) const {
    const std::ptrdiff_t pad = p_.stft.center ? nfft_ / 2 : 0;
    return static_cast<std::ptrdiff_t>(t * hop_) - pad;
  }
  bool inside(std::size_t t) const {
    return start_of(t) >= 0 && start_of(t) + nfft_ <= static_cast<std::ptrdiff_t>(y_.size());
  }

  // stft.cpp's framing for frame t, with its padding where the frame leaves the signal.
  void frame_edge(std::size_t t, double* f) const {
    const std::size_t n = y_.size();
    const std::ptrdiff_t start = start_of(t);
    if (inside(t)) {
      window_frame(y_.data() + start, window_.data(), static_cast<std::size_t>(nfft_), f);
      return;
    }
    for (int k = 0; k < nfft_; ++k) {
      const std::ptrdiff_t i = start + k;
      float v = 0.0f;
      if (i >= 0 && i < static_cast<std::ptrdiff_t>(n)) v = y_[static_cast<std::size_t>(i)];
      else if (p_.stft.pad_mode == dsp::PadMode::Edge) v = i < 0 ? y_.front() : y_.back();
      f[k] = static_cast<double>(v) * window_[static_cast<std::size_t>(k)];
    }
  }

  // stft.cpp's transform and rounding for framed frame t, then |X|, the variance moments and
  // the mel column (MelBank::apply's float32 order).
  void transform(std::size_t t, double* f) {
    fft_.forward(f, spec_.get());
    float* m = mag_row(t);
    const double sum = to_complex64_abs_sum(reinterpret_cast<const double*>(spec_.get()), bins_,
                                            reinterpret_cast<float*>(x_row(t)), m);
    std::fill(m + bins_, m + stride_, 0.0f);  // the last lane group's padding
    moments_.add(m, bins_, sum);
  }

  // Median along frequency (kernel (31, 1)) for frames [t0, t1), 8 frames per call.
  void percussive(std::size_t t0, std::size_t t1) {
    const auto nb = static_cast<std::ptrdiff_t>(bins_), h = static_cast<std::ptrdiff_t>(hp_);
    float* ext = ws_.ext.data();
    for (std::size_t g = t0; g < t1; g += kL) {
      const float* rows[kL];
      for (std::size_t j = 0; j < kL; ++j) rows[j] = mag_row(std::min(g + j, t1 - 1));
      for (std::ptrdiff_t s = -h; s < nb + h; s = (s == -1 ? nb : s + 1)) {  // reflected edges
        const auto k = static_cast<std::size_t>(dsp::reflect_index(s, nb));
        float* dst = ext + static_cast<std::size_t>(s + h) * kL;
        for (std::size_t j = 0; j < kL; ++j) dst[j] = rows[j][k];
      }
      interleave8(rows, bins_, ext + hp_ * kL);
      dsp::median8(ext, bins_, p_.kernel_percussive, ws_.res.data());
      const std::size_t lanes = std::min(kL, t1 - g);
      mel_columns(ext + hp_ * kL, g, lanes);
      float* dst[kL];
      for (std::size_t j = 0; j < kL; ++j)
        dst[j] = j < lanes ? ws_.P.data() + (g + j - t0) * stride_ : ws_.scratch.data();
      deinterleave8(ws_.res.data(), bins_, dst);
    }
  }

  // MelBank::apply's float32 sums (bin order, power = |X|^2 in float32) for 8 frames whose
  // magnitudes are interleaved in `mag8` ([bin][lane]); the lanes vectorise, the order per
  // frame is the library's.
  void mel_columns(const float* mag8, std::size_t t, std::size_t lanes) {
    const std::size_t bands = runs_->lo.size();
    float* acc = ws_.mel_acc.data();
    mel_bands8(runs_->w->data.data(), runs_->w->cols, runs_->lo.data(), runs_->hi.data(), bands, mag8, acc);
    for (std::size_t b = 0; b < bands; ++b)
      for (std::size_t j = 0; j < lanes; ++j) ws_.mel(b, t + j) = acc[b * kL + j];
  }

  // Median along time (kernel (1, 31)) for frames [t0, t1), 8 adjacent bins per call.
  void harmonic(std::size_t t0, std::size_t t1) {
    const auto T = static_cast<std::ptrdiff_t>(T_), h = static_cast<std::ptrdiff_t>(hh_);
    const auto a = static_cast<std::ptrdiff_t>(t0) - h, b = static_cast<std::ptrdiff_t>(t1) + h;
    const float** r = ws_.rows.data();  // frame row of each step a..b (reflected at the ends)
    for (std::ptrdiff_t s = a; s < b; ++s)
      r[s - a] = mag_row(static_cast<std::size_t>(s >= 0 && s < T ? s : dsp::reflect_index(s, T)));
    const std::size_t n = t1 - t0;
    for (std::size_t c = 0; c < stride_; c += kL)
      dsp::median8_rows(r, c, n, p_.kernel_harmonic, ws_.H.data() + c, stride_);
  }

  // Mask, inverse FFT (float32) and overlap-add of frame t; sums |h| over the samples it
  // completes.
  void synthesise_frame(std::size_t t, std::size_t i) {
    const bool split = p_.margin_harmonic == 1.0 && p_.margin_percussive == 1.0;
    const auto power = static_cast<float>(p_.power), mh = static_cast<float>(p_.margin_harmonic);
    const float* x = reinterpret_cast<const float*>(x_row(t));
    const float* hm = ws_.H.data() + i * stride_;
    const float* pm = ws_.P.data() + i * stride_;
    if (power == 2.0f) {
      harmonic_bins(x, hm, pm, mh, split, bins_, reinterpret_cast<float*>(hspec_.get()));
    } else {
      const auto* xc = x_row(t);
      for (std::size_t k = 0; k < bins_; ++k) hspec_[k] = mask_bin(xc[k], softmask(hm[k], pm[k] * mh, power, split));
    }
    float* f = hframe_.get();
    ifft_.inverse(hspec_.get(), f);
    // Overlap-add into ola (padded samples base_ ..). Samples [p, filled_) hold the earlier
    // frames' sums, [filled_, p + N) no frame has reached: those are stored, not added, so the
    // buffer never needs zeroing. After this frame, samples before the next frame's start are
    // final and are normalised and summed at once.
    const auto N = static_cast<std::size_t>(nfft_);
    const double scale = 1.0 / nfft_;
    const std::size_t p = t * hop_;
    auto& ola = ws_.ola;
    if (p - base_ + N > ola.size()) {  // everything before p is emitted: keep [p, filled_)
      const std::size_t keep = filled_ > p ? filled_ - p : 0;
      std::move(ola.begin() + static_cast<std::ptrdiff_t>(p - base_),
                ola.begin() + static_cast<std::ptrdiff_t>(p - base_ + keep), ola.begin());
      base_ = p;
    }
    double* o = ola.data() + (p - base_);
    const std::size_t a = filled_ > p ? std::min(filled_ - p, N) : 0;  // samples to add to
    const std::size_t start = p_.stft.center ? N / 2 : 0;
    // The frame's first hop samples are final, interior (periodic window sum-square) output
    // samples: add, normalise and sum them in one pass.
    if (hop_ <= a && t + 1 < T_ && !wss_period_.empty() && p >= N - 1 && p + hop_ <= T_ * hop_ && p >= start &&
        p + hop_ <= start + y_.size() && emitted_ == p) {
      harmonic_sum_ += overlap_add_emit(f, window_.data(), scale, hop_, o, wss_period_.data());
      overlap_add(f + hop_, window_.data() + hop_, scale, a - hop_, o + hop_);
      overlap_store(f + a, window_.data() + a, scale, N - a, o + a);
      emitted_ = p + hop_;
    } else {
      overlap_add(f, window_.data(), scale, a, o);
      overlap_store(f + a, window_.data() + a, scale, N - a, o + a);
      // Samples between the last frame's end and p (hop > n_fft) are zero: nothing to add.
      const std::size_t from = std::max(emitted_, p);
      const std::size_t to = t + 1 < T_ ? std::min(p + hop_, p + N) : p + N;
      if (to > from) emit(from, to);
      emitted_ = std::max(emitted_, to);
    }
    filled_ = p + N;
  }

  // istft's window sum-square at padded sample P: window^2 of every frame covering P, added
  // in frame order (as the frame-by-frame accumulation does).
  double wss_at(std::size_t P) const {
    const auto N = static_cast<std::size_t>(nfft_);
    const std::size_t t_lo = P + 1 > N ? (P + 1 - N + hop_ - 1) / hop_ : 0;
    const std::size_t t_hi = std::min(P / hop_, T_ - 1);
    double s = 0.0;
    for (std::size_t t = t_lo; t <= t_hi; ++t) s += w2_[P - t * hop_];
    return s;
  }

  // istft's normalisation, centre trim and length cut for padded samples [P0, P1), all final
  // and held in ola.
  void emit(std::size_t P0, std::size_t P1) {
    const std::size_t start = p_.stft.center ? static_cast<std::size_t>(nfft_ / 2) : 0;
    P0 = std::max(P0, start);  // output samples: padded index in [start, start + len(y))
    P1 = std::min(P1, start + y_.size());
    if (P0 >= P1) return;
    const std::size_t interior_lo = static_cast<std::size_t>(nfft_) - 1, interior_hi = T_ * hop_;
    double* w = ws_.wss.data();
    for (std::size_t P = P0; P < P1;) {
      if (!wss_period_.empty() && P >= interior_lo && P < interior_hi) {
        const std::size_t r = P % hop_, len = std::min({P1 - P, hop_ - r, interior_hi - P});
        std::copy_n(wss_period_.data() + r, len, w + (P - P0));
        P += len;
      } else {
        w[P - P0] = wss_at(P);
        ++P;
      }
    }
    harmonic_sum_ += normalised_abs_sum(ws_.ola.data() + (P0 - base_), w, P1 - P0);
  }

  std::span<const float> y_;
  HpssParams p_;
  int nfft_;
  std::size_t hop_, bins_, stride_, T_, hh_, hp_, chunk_, ring_;
  std::vector<double> window_, w2_, wss_period_;
  dsp::RealFft fft_;
  dsp::RealFftFloat ifft_;
  dsp::RealBuffer frame_, frame2_;
  dsp::ComplexBuffer spec_;
  dsp::RealBufferF hframe_;
  dsp::ComplexBufferF hspec_;
  Workspace& ws_;
  OnsetStrengthParams onset_;
  const dsp::MelBank* bank_ = nullptr;
  const MelRuns* runs_ = nullptr;
  Moments moments_;
  std::size_t computed_ = 0;
  std::size_t base_ = 0;     // padded sample index of ola[0]
  std::size_t filled_ = 0;   // ola holds earlier frames' sums below this padded index
  std::size_t emitted_ = 0;  // padded samples below this are summed into harmonic_sum_
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
