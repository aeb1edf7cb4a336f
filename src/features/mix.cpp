// MixAnalyzer input (a 1024-value mean log-power spectrum) and the measured mix targets.
// One pass over the signal in cache-sized blocks feeds every accumulator (the Welch spectrum,
// peak/RMS, mid/side energies, the app technique sums); EBU R128 is io::measure_loudness, or
// io::LoudnessMeter when the signal is streamed (MixStream), which gives the same numbers.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <utility>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/dsp/fft.h"
#include "echoelml/features/mix_stream.h"
#include "echoelml/features/sets.h"
#include "echoelml/io/loudness.h"
#include "features/app_technique_sums.h"

namespace echoelml::features {
namespace {

constexpr int kSpectrumBins = 1024;  // 2048-point FFT without the Nyquist bin
constexpr int kFft = 2048;
constexpr int kHop = 1024;  // 50 % overlap: Hann windows sum to a constant; no overlap lost short sounds at frame edges
constexpr std::size_t kBlock = 8192;     // frames per accumulator call: a few L1/L2-resident arrays
// The app's MixAnalysisResult bands (Hz): sub, bass, low-mid, mid, high-mid, high.
constexpr std::array<double, 7> kBandEdges{20, 60, 250, 500, 2000, 6000, 20000};

using detail::Double2;
using detail::Sum8;  // eight independent double partial sums (app_technique_sums.h)

// frame = x * window and partial[k] += |bins[k]|^2 for one Welch frame; compiled for SSE2 and
// AVX2 (no FMA), the same float operations per element, so both give the same bits.
[[gnu::always_inline]] inline void window_body(const float* __restrict x, const float* __restrict w,
                                               float* __restrict out, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) out[j] = x[j] * w[j];
}
[[gnu::always_inline]] inline void power_body(const float* __restrict c, float* __restrict partial, std::size_t bins) {
  for (std::size_t k = 0; k < bins; ++k) partial[k] += c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
}
[[gnu::target("avx2")]] void window_avx2(const float* x, const float* w, float* out, std::size_t n) {
  window_body(x, w, out, n);
}
[[gnu::target("avx2")]] void power_avx2(const float* c, float* partial, std::size_t bins) {
  power_body(c, partial, bins);
}
void window_default(const float* x, const float* w, float* out, std::size_t n) { window_body(x, w, out, n); }
void power_default(const float* c, float* partial, std::size_t bins) { power_body(c, partial, bins); }

// Welch estimate of the mid channel: the mean of |rfft(w * frame)|^2 over 2048-sample frames
// every 1024 samples (periodic Hann w, float32 FFT, no padding; a clip shorter than one frame
// is one zero-padded frame).
class WelchSpectrum {
 public:
  WelchSpectrum()
      : fft_(kFft), frame_(dsp::fft_alloc_realf(kFft)), bins_(dsp::fft_alloc_complexf(kFft / 2 + 1)),
        window_(kFft), power_(kFft / 2 + 1, 0.0) {
    for (int j = 0; j < kFft; ++j)
      window_[j] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * j / kFft));
    pending_.reserve(kFft + kBlock);
  }

  // Appends n mid samples, written by fill(out) into the pending buffer, and transforms every
  // frame that is complete.
  template <typename Fill>
  void add(std::size_t n, Fill&& fill) {
    const std::size_t old = pending_.size();
    pending_.resize(old + n);
    fill(pending_.data() + old);
    std::size_t pos = 0;
    for (; pos + kFft <= pending_.size(); pos += kHop) transform(pending_.data() + pos, kFft);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pos));
    seen_ += n;
  }

  // Mean power per bin (k = 0..1024).
  std::vector<double> finish() {
    if (frames_ == 0 && seen_ > 0) transform(pending_.data(), pending_.size());
    flush();
    std::vector<double> mean(power_.size(), 0.0);
    for (std::size_t k = 0; frames_ > 0 && k < power_.size(); ++k) mean[k] = power_[k] / static_cast<double>(frames_);
    return mean;
  }

 private:
  // Frames' powers are summed in float for at most kFlushFrames frames, then added in double:
  // vectorisable, and each float partial sum is good to ~2e-6 relative (32 roundings).
  static constexpr int kFlushFrames = 32;

  void transform(const float* x, std::size_t len) {
    static const bool avx2 = core::use_avx2();
    (avx2 ? window_avx2 : window_default)(x, window_.data(), frame_.get(), len);
    for (std::size_t j = len; j < static_cast<std::size_t>(kFft); ++j) frame_[j] = 0.0f;
    fft_.forward(frame_.get(), bins_.get());
    (avx2 ? power_avx2 : power_default)(reinterpret_cast<const float*>(bins_.get()), partial_.data(), partial_.size());
    ++frames_;
    if (++unflushed_ == kFlushFrames) flush();
  }

  void flush() {
    for (std::size_t k = 0; k < power_.size(); ++k) power_[k] += partial_[k], partial_[k] = 0.0f;
    unflushed_ = 0;
  }

  dsp::RealFftFloat fft_;
  dsp::RealBufferF frame_;
  dsp::ComplexBufferF bins_;
  std::vector<float> window_;
  std::vector<double> power_;
  std::vector<float> partial_ = std::vector<float>(kFft / 2 + 1, 0.0f);
  std::vector<float> pending_;  // mid samples not yet consumed by a frame
  std::size_t frames_ = 0, seen_ = 0;
  int unflushed_ = 0;
};

// Peak and sum of squares of channel 0; mid and side energies of channels 0 and 1. Every call
// but the last must pass a multiple of 8 frames (the lanes then see the same samples whatever
// the blocks).
struct LevelSums {
  float peak = 0.0f;
  Sum8 sq, mid, side;
  double sq_tail = 0, mid_tail = 0, side_tail = 0;

  template <bool Stereo>
  std::size_t add_main(const float* l, const float* r, std::size_t n) {
    float m[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      for (int k = 0; k < 4; ++k) {
        const Double2 v{l[i + 2 * k], l[i + 2 * k + 1]};
        sq.v[k] += v * v;
        if constexpr (Stereo) {
          const Double2 w{r[i + 2 * k], r[i + 2 * k + 1]};
          const Double2 md = 0.5 * (v + w), sd = 0.5 * (v - w);
          mid.v[k] += md * md, side.v[k] += sd * sd;
        }
      }
      for (int k = 0; k < 8; ++k) m[k] = std::max(m[k], std::abs(l[i + k]));
    }
    for (float v : m) peak = std::max(peak, v);
    return i;
  }

  // add_main with 4 doubles per register: lanes 0-3 and 4-7 of each Sum8 in a and b, the same
  // samples and operations per lane (multiply, then add: no FMA), so the sums are bit-identical.
  template <bool Stereo>
  [[gnu::target("avx2")]] std::size_t add_main_avx2(const float* l, const float* r, std::size_t n) {
    __m256d qa = lanes_load(sq, 0), qb = lanes_load(sq, 1), ma = lanes_load(mid, 0), mb = lanes_load(mid, 1), sa = lanes_load(side, 0),
            sb = lanes_load(side, 1);
    const __m256d half = _mm256_set1_pd(0.5);
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 x = _mm256_loadu_ps(l + i);
      const __m256d va = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), vb = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
      qa = _mm256_add_pd(qa, _mm256_mul_pd(va, va)), qb = _mm256_add_pd(qb, _mm256_mul_pd(vb, vb));
      if constexpr (Stereo) {
        const __m256 y = _mm256_loadu_ps(r + i);
        const __m256d wa = _mm256_cvtps_pd(_mm256_castps256_ps128(y)), wb = _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1));
        const __m256d mda = _mm256_mul_pd(half, _mm256_add_pd(va, wa)), mdb = _mm256_mul_pd(half, _mm256_add_pd(vb, wb));
        const __m256d sda = _mm256_mul_pd(half, _mm256_sub_pd(va, wa)), sdb = _mm256_mul_pd(half, _mm256_sub_pd(vb, wb));
        ma = _mm256_add_pd(ma, _mm256_mul_pd(mda, mda)), mb = _mm256_add_pd(mb, _mm256_mul_pd(mdb, mdb));
        sa = _mm256_add_pd(sa, _mm256_mul_pd(sda, sda)), sb = _mm256_add_pd(sb, _mm256_mul_pd(sdb, sdb));
      }
      m = _mm256_max_ps(_mm256_and_ps(x, abs_mask), m);  // std::max(m, |x|)
    }
    lanes_store(sq, 0, qa), lanes_store(sq, 1, qb), lanes_store(mid, 0, ma), lanes_store(mid, 1, mb), lanes_store(side, 0, sa), lanes_store(side, 1, sb);
    alignas(32) float m8[8];
    _mm256_store_ps(m8, m);
    for (float v : m8) peak = std::max(peak, v);
    return i;
  }

  template <bool Stereo>
  std::size_t add_dispatch(const float* l, const float* r, std::size_t n) {
    static const bool avx2 = core::use_avx2();
    return avx2 ? add_main_avx2<Stereo>(l, r, n) : add_main<Stereo>(l, r, n);
  }

  void add(const float* l, const float* r, std::size_t n) {
    std::size_t i = r ? add_dispatch<true>(l, r, n) : add_dispatch<false>(l, r, n);
    for (; i < n; ++i) {
      sq_tail += static_cast<double>(l[i]) * l[i];
      peak = std::max(peak, std::abs(l[i]));
      if (r) {
        const double m = 0.5 * (static_cast<double>(l[i]) + r[i]), s = 0.5 * (static_cast<double>(l[i]) - r[i]);
        mid_tail += m * m;
        side_tail += s * s;
      }
    }
  }
};

// The mean over channels in float32, summed in channel order (io::load's downmix for stereo;
// a power-of-two channel count divides by multiplying, which is exact).
void mid_block(const float* const* ch, std::size_t channels, std::size_t n, float* out) {
  std::copy(ch[0], ch[0] + n, out);
  for (std::size_t c = 1; c < channels; ++c) {
    const float* x = ch[c];
    for (std::size_t i = 0; i < n; ++i) out[i] += x[i];
  }
  if (channels > 1 && (channels & (channels - 1)) == 0) {
    const float inv = 1.0f / static_cast<float>(channels);
    for (std::size_t i = 0; i < n; ++i) out[i] *= inv;
  } else if (channels > 1) {
    const auto C = static_cast<float>(channels);
    for (std::size_t i = 0; i < n; ++i) out[i] /= C;
  }
}

// Every accumulator of the mix set and the app technique set but R128, fed kBlock-frame blocks
// (the last one shorter) in order: each block is used while it is in cache.
struct MixAccumulator {
  std::size_t channels = 0, frames = 0;
  WelchSpectrum welch;
  LevelSums lv;
  detail::AppTechniqueSums app;

  explicit MixAccumulator(std::size_t c) : channels(c) {}

  void block(const float* const* ch, std::size_t n, bool with_app) {
    const float* l = ch[0];
    const float* r = channels >= 2 ? ch[1] : nullptr;
    welch.add(n, [&](float* mid) { mid_block(ch, channels, n, mid); });
    lv.add(l, r, n);
    if (with_app) app.add(l, r, n);
    frames += n;
  }

  MixFeatures finish(const io::Loudness& loud) {
    MixFeatures f;
    const std::vector<double> mean_power = welch.finish();
    f.spectrum.resize(kSpectrumBins);
    for (int k = 0; k < kSpectrumBins; ++k)
      f.spectrum[k] = static_cast<float>(10.0 * std::log10(mean_power[k] + 1e-10));

    const double bin_hz = kAnalysisSr / kFft;
    double total = 0;
    for (std::size_t k = 0; k < mean_power.size(); ++k) {
      const double hz = static_cast<double>(k) * bin_hz;
      for (std::size_t b = 0; b < 6; ++b) {
        if (hz >= kBandEdges[b] && hz < kBandEdges[b + 1]) {
          f.band_balance[b] += mean_power[k];
          total += mean_power[k];
        }
      }
    }
    if (total > 0)
      for (auto& v : f.band_balance) v /= total;

    // Peak, RMS and crest in dB on channel 0, as the app's RuleBasedMixAnalyzer measures them.
    const double peak = lv.peak;
    f.peak_level = std::min(1.0, peak);
    f.rms_level = std::min(1.0, std::sqrt((lv.sq.total() + lv.sq_tail) / static_cast<double>(frames)));
    f.dynamic_range_db = 20.0 * std::log10(std::max(peak, 1e-12) / (f.rms_level + 1e-4));
    f.dynamic_range_db = std::max(0.0, f.dynamic_range_db);

    // Width as the side share of mid+side energy: 0 for mono or L = R, 1 for L = -R.
    if (channels >= 2) {
      const double mid_e = lv.mid.total() + lv.mid_tail, side_e = lv.side.total() + lv.side_tail;
      f.stereo_width = mid_e + side_e > 0 ? side_e / (mid_e + side_e) : 0.0;
    }

    f.loudness_lufs = std::max(loud.integrated_lufs, io::kLufsFloor);
    f.loudness_range_lu = loud.range_lu;
    f.true_peak_dbtp = std::isfinite(loud.true_peak_dbtp) ? loud.true_peak_dbtp : -120.0;
    return f;
  }
};

void check_mix_input(const io::AudioBuffer& audio) {
  if (audio.channels == 0 || audio.frames == 0)
    throw ParameterError("mix features: the buffer is empty");
  if (audio.sr != kAnalysisSr)
    throw ParameterError("mix features: expected a 44100 Hz buffer, got " + std::to_string(audio.sr));
  if (audio.data.size() != audio.channels * audio.frames)
    throw ParameterError("mix features: data holds " + std::to_string(audio.data.size()) +
                         " samples, expected channels*frames");
}

// The whole buffer through the accumulators, block by block in place.
MixFeatures mix_pass(const io::AudioBuffer& audio, MixAccumulator& acc, bool with_app) {
  check_mix_input(audio);
  std::vector<const float*> ch(audio.channels);
  for (std::size_t start = 0; start < audio.frames; start += kBlock) {
    const std::size_t n = std::min(kBlock, audio.frames - start);
    for (std::size_t c = 0; c < audio.channels; ++c) ch[c] = audio.data.data() + c * audio.frames + start;
    acc.block(ch.data(), n, with_app);
  }
  return acc.finish(io::measure_loudness(audio));
}

}  // namespace

MixFeatures mix_features(const io::AudioBuffer& audio) {
  MixAccumulator acc(audio.channels);
  return mix_pass(audio, acc, false);
}

std::pair<AppTechniqueFeatures, MixFeatures> app_and_mix_features(const io::AudioBuffer& audio) {
  MixAccumulator acc(audio.channels);
  MixFeatures mix = mix_pass(audio, acc, true);
  return {acc.app.finish(audio.channels >= 2), std::move(mix)};
}

// Interleaved chunks are regrouped into kBlock-frame planar blocks, so the accumulators see
// exactly the blocks mix_pass gives them; R128 gets the same blocks (its windows do not
// depend on how it is fed). The blocks are written straight into the meter's window buffer
// (reserve/commit), which saves copying every sample a second time.
struct MixStream::Impl {
  MixAccumulator acc;
  io::LoudnessMeter meter;
  float* const* block = nullptr;  // the meter's room for the block being filled
  std::vector<const float*> ptrs;
  std::size_t fill = 0;
  explicit Impl(std::size_t channels) : acc(channels), meter(kAnalysisSr, channels), ptrs(channels) {}
  void open() {
    block = meter.reserve(kBlock);
    for (std::size_t c = 0; c < ptrs.size(); ++c) ptrs[c] = block[c];
  }
  void flush() {
    acc.block(ptrs.data(), fill, true);
    meter.commit(fill);
    block = nullptr;
    fill = 0;
  }
};

MixStream::MixStream(std::size_t channels) {
  if (channels == 0) throw ParameterError("mix features: 0 channels");
  impl_ = std::make_unique<Impl>(channels);
}
MixStream::~MixStream() = default;
MixStream::MixStream(MixStream&&) noexcept = default;
MixStream& MixStream::operator=(MixStream&&) noexcept = default;

void MixStream::add_interleaved(const float* x, std::size_t frames) {
  Impl& m = *impl_;
  const std::size_t C = m.acc.channels;
  while (frames > 0) {
    if (!m.block) m.open();
    const std::size_t n = std::min(frames, kBlock - m.fill);
    if (C == 2) {
      float* l = m.block[0] + m.fill;
      float* r = m.block[1] + m.fill;
      for (std::size_t i = 0; i < n; ++i) l[i] = x[2 * i], r[i] = x[2 * i + 1];
    } else {
      for (std::size_t c = 0; c < C; ++c) {
        float* out = m.block[c] + m.fill;
        for (std::size_t i = 0; i < n; ++i) out[i] = x[i * C + c];
      }
    }
    m.fill += n, x += n * C, frames -= n;
    if (m.fill == kBlock) m.flush();
  }
}

std::size_t MixStream::frames() const { return impl_->acc.frames + impl_->fill; }

std::pair<AppTechniqueFeatures, MixFeatures> MixStream::finish() {
  Impl& m = *impl_;
  if (m.fill > 0) m.flush();
  if (m.acc.frames == 0) throw ParameterError("mix features: the buffer is empty");
  MixFeatures mix = m.acc.finish(m.meter.finish());
  return {m.acc.app.finish(m.acc.channels >= 2), std::move(mix)};
}

}  // namespace echoelml::features
