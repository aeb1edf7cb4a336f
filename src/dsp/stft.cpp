#include "echoelml/core/cpu.h"
#include "echoelml/dsp/stft.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

#include "echoelml/core/error.h"
#include "echoelml/dsp/complex_abs.h"
#include "echoelml/dsp/fft.h"
#include "dsp/stft_lanes.h"

namespace echoelml::dsp {

void validate(const StftParams& p) {
  if (p.n_fft < 2 || p.n_fft % 2 != 0)
    throw ParameterError("stft: n_fft must be an even number >= 2, got " + std::to_string(p.n_fft));
  if (p.hop_length < 1)
    throw ParameterError("stft: hop_length must be >= 1, got " + std::to_string(p.hop_length));
}

std::size_t n_frames(std::size_t n, const StftParams& p) {
  const auto hop = static_cast<std::size_t>(p.hop_length);
  if (p.center) return 1 + n / hop;
  const auto nfft = static_cast<std::size_t>(p.n_fft);
  return n < nfft ? 0 : 1 + (n - nfft) / hop;
}

std::vector<double> hann_periodic(int n) {
  std::vector<double> w(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) w[k] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * k / n);
  return w;
}

std::vector<double> fft_frequencies(double sr, int n_fft) {
  std::vector<double> f(static_cast<std::size_t>(n_fft / 2 + 1));
  // numpy.fft.rfftfreq: k * (1 / (n * d)) with d = 1/sr, in this rounding order
  const double val = 1.0 / (n_fft * (1.0 / sr));
  for (std::size_t k = 0; k < f.size(); ++k) f[k] = static_cast<double>(k) * val;
  return f;
}

namespace {

constexpr std::size_t kBlock = 32;  // frames per block: spectra are transposed block-wise

// frame = double(src) * window, the product numpy forms; compiled twice (SSE2 and AVX2), the
// same exact conversion and one rounded product per sample either way.
[[gnu::always_inline]] inline void window_frame_body(const float* __restrict src,
                                                     const double* __restrict window,
                                                     double* __restrict frame, int n) {
  for (int k = 0; k < n; ++k) frame[k] = static_cast<double>(src[k]) * window[k];
}
[[gnu::target("avx2")]] void window_frame_avx2(const float* src, const double* window,
                                               double* frame, int n) {
  window_frame_body(src, window, frame, n);
}
void window_frame_default(const float* src, const double* window, double* frame, int n) {
  window_frame_body(src, window, frame, n);
}

// Computes the windowed FFT of every frame, kBlock frames at a time, and calls
// sink(t0, count, spectra) with spectra laid out [count][bins]. Framing follows librosa:
// frame t covers padded samples [t*hop, t*hop + n_fft); the product y*window and the FFT run
// in double, as numpy does.
template <typename Sink>
void for_each_block(std::span<const float> y, const StftParams& p, Sink&& sink,
                    std::size_t block_frames = kBlock) {
  validate(p);
  if (block_frames == 0) throw ParameterError("stft: block size must be >= 1");
  const std::size_t n = y.size();
  const std::size_t T = n_frames(n, p);
  const int nfft = p.n_fft;
  const std::size_t bins = static_cast<std::size_t>(nfft / 2 + 1);
  const std::ptrdiff_t pad = p.center ? nfft / 2 : 0;
  const auto window = hann_periodic(nfft);
  RealFft fft(nfft);
  RealBuffer frame(fft_alloc_real(static_cast<std::size_t>(nfft)));
  ComplexBuffer block(fft_alloc_complex(bins * block_frames));
  static const bool avx2 = core::use_avx2();
  for (std::size_t t0 = 0; t0 < T; t0 += block_frames) {
    const std::size_t count = std::min(block_frames, T - t0);
    for (std::size_t j = 0; j < count; ++j) {
      const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t0 + j) * p.hop_length - pad;
      if (start >= 0 && start + nfft <= static_cast<std::ptrdiff_t>(n)) {
        const float* src = y.data() + start;
        if (avx2) window_frame_avx2(src, window.data(), frame.get(), nfft);
        else window_frame_default(src, window.data(), frame.get(), nfft);
      } else {
        for (int k = 0; k < nfft; ++k) {
          const std::ptrdiff_t i = start + k;
          float v = 0.0f;
          if (i >= 0 && i < static_cast<std::ptrdiff_t>(n)) v = y[static_cast<std::size_t>(i)];
          else if (p.pad_mode == PadMode::Edge && n > 0) v = i < 0 ? y.front() : y.back();
          frame[k] = static_cast<double>(v) * window[k];
        }
      }
      fft.forward(frame.get(), block.get() + j * bins);
    }
    sink(t0, count, block.get());
  }
}

}  // namespace

void stft_blocks(std::span<const float> y, const StftParams& p, std::size_t block,
                 const StftBlockSink& sink) {
  for_each_block(
      y, p, [&](std::size_t t0, std::size_t count, const std::complex<double>* b) { sink(t0, count, b); },
      block);
}

void stft_magnitude_tiles(std::span<const float> y, const StftParams& p, std::size_t lanes,
                          const StftTileSink& sink) {
  validate(p);
  if (lanes == 0 || lanes % 4 != 0)
    throw ParameterError("stft: tile lanes must be a positive multiple of 4, got " +
                         std::to_string(lanes));
  const std::size_t n = y.size(), T = n_frames(n, p);
  const std::size_t bins = static_cast<std::size_t>(p.n_fft / 2 + 1);
  if (!detail::StftLanes::supports(p.n_fft)) {
    std::vector<float> tile(bins * lanes);
    for_each_block(
        y, p,
        [&](std::size_t t0, std::size_t count, const std::complex<double>* b) {
          std::fill(tile.begin(), tile.end(), 0.0f);
          for (std::size_t j = 0; j < count; ++j)
            for (std::size_t k = 0; k < bins; ++k) {
              const std::complex<float> x(b[j * bins + k]);  // complex64 first, as numpy
              tile[k * lanes + j] = std::sqrt(x.real() * x.real() + x.imag() * x.imag());
            }
          sink(t0, count, tile.data());
        },
        lanes);
    return;
  }
  const std::size_t nfft = static_cast<std::size_t>(p.n_fft);
  const std::ptrdiff_t pad = p.center ? p.n_fft / 2 : 0;
  // Tables, work buffer and tile per thread (so a sink must not call this function again):
  // building the twiddles costs ~0.25 ms, a tenth of a 30 s clip's transforms, and clearing
  // fresh buffers another ~0.04 ms per call.
  thread_local std::unique_ptr<detail::StftLanes> cached;
  if (!cached || cached->n_fft() != p.n_fft) cached = std::make_unique<detail::StftLanes>(p.n_fft);
  detail::StftLanes& fft = *cached;
  static const auto best = detail::StftLanes::best_isa();
  // A tile narrower than the widest build's lanes takes the four-lane AVX2 build (same bits).
  const auto isa = lanes % detail::StftLanes::lanes(best) == 0 ? best
                   : best == detail::StftLanes::Isa::kAvx512 ? detail::StftLanes::Isa::kAvx2
                                                            : best;
  const std::size_t G = detail::StftLanes::lanes(isa);
  // Frames reaching past either end of y are copied, padded, into `edge`; frames past the
  // last one read zeros, so their lanes come out 0. Every lane of every tile row is written.
  struct Scratch {
    std::vector<float> tile, edge, zeros;
  };
  thread_local Scratch scratch;
  auto& [tile, edge, zeros] = scratch;
  if (tile.size() < bins * lanes) tile.resize(bins * lanes);
  if (edge.size() < G * nfft) edge.resize(G * nfft);
  if (zeros.size() < nfft) zeros.assign(nfft, 0.0f);
  auto frame_at = [&](std::size_t t, std::size_t slot) -> const float* {
    if (t >= T) return zeros.data();
    const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t) * p.hop_length - pad;
    if (start >= 0 && start + p.n_fft <= static_cast<std::ptrdiff_t>(n)) return y.data() + start;
    float* f = edge.data() + slot * nfft;
    for (std::size_t k = 0; k < nfft; ++k) {
      const std::ptrdiff_t i = start + static_cast<std::ptrdiff_t>(k);
      float v = 0.0f;
      if (i >= 0 && i < static_cast<std::ptrdiff_t>(n)) v = y[static_cast<std::size_t>(i)];
      else if (p.pad_mode == PadMode::Edge && n > 0) v = i < 0 ? y.front() : y.back();
      f[k] = v;
    }
    return f;
  };
  for (std::size_t t0 = 0; t0 < T; t0 += lanes) {
    const std::size_t count = std::min(lanes, T - t0);
    for (std::size_t g = 0; g < lanes; g += G) {
      const float* frames[detail::StftLanes::kMaxLanes];
      for (std::size_t j = 0; j < G; ++j) frames[j] = frame_at(t0 + g + j, j);
      fft.magnitudes(frames, tile.data() + g, lanes, isa);
    }
    sink(t0, count, tile.data());
  }
}

ComplexMatrix stft(std::span<const float> y, const StftParams& p) {
  const std::size_t bins = static_cast<std::size_t>(p.n_fft / 2 + 1);
  ComplexMatrix X(bins, n_frames(y.size(), p));
  const std::size_t T = X.cols;
  for_each_block(y, p, [&](std::size_t t0, std::size_t count, const std::complex<double>* b) {
    for (std::size_t k = 0; k < bins; ++k) {
      std::complex<float>* dst = X.data.data() + k * T + t0;
      for (std::size_t j = 0; j < count; ++j) dst[j] = std::complex<float>(b[j * bins + k]);
    }
  });
  return X;
}

Matrix stft_magnitude(std::span<const float> y, const StftParams& p) {
  const std::size_t bins = static_cast<std::size_t>(p.n_fft / 2 + 1);
  Matrix S(bins, n_frames(y.size(), p));
  const std::size_t T = S.cols;
  std::vector<std::complex<float>> z;
  std::vector<float> mag;
  for_each_block(y, p, [&](std::size_t t0, std::size_t count, const std::complex<double>* b) {
    // Round to complex64 first, then np.abs in float32 (a block at a time, frame-major).
    const std::size_t m = count * bins;
    z.resize(m);
    mag.resize(m);
    for (std::size_t i = 0; i < m; ++i) z[i] = std::complex<float>(b[i]);
    abs_complex64(z.data(), m, mag.data());
    for (std::size_t k = 0; k < bins; ++k) {
      float* dst = S.data.data() + k * T + t0;
      for (std::size_t j = 0; j < count; ++j) dst[j] = mag[j * bins + k];
    }
  });
  return S;
}

Matrix square(const Matrix& m) {
  Matrix out(m.rows, m.cols);
  for (std::size_t i = 0; i < m.data.size(); ++i) out.data[i] = m.data[i] * m.data[i];
  return out;
}

std::vector<float> istft(const ComplexMatrix& X, std::size_t length, const StftParams& p) {
  validate(p);
  const int nfft = p.n_fft;
  const std::size_t bins = static_cast<std::size_t>(nfft / 2 + 1);
  if (X.rows != bins)
    throw ParameterError("istft: expected " + std::to_string(bins) + " bins for n_fft " +
                         std::to_string(nfft) + ", got " + std::to_string(X.rows));
  const std::size_t T = X.cols;
  const std::size_t hop = static_cast<std::size_t>(p.hop_length);
  const std::size_t total = T == 0 ? 0 : static_cast<std::size_t>(nfft) + hop * (T - 1);
  const auto window = hann_periodic(nfft);
  std::vector<double> ola(total, 0.0), wss(total, 0.0);
  RealFft fft(nfft);
  ComplexBuffer spec(fft_alloc_complex(bins));
  RealBuffer frame(fft_alloc_real(static_cast<std::size_t>(nfft)));
  const double inv_n = 1.0 / nfft;
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t k = 0; k < bins; ++k) spec[k] = std::complex<double>(X.data[k * T + t]);
    fft.inverse(spec.get(), frame.get());
    const std::size_t off = t * hop;
    for (int k = 0; k < nfft; ++k) {
      ola[off + k] += frame[k] * inv_n * window[k];
      wss[off + k] += window[k] * window[k];
    }
  }
  const double tiny = std::numeric_limits<float>::min();
  for (std::size_t i = 0; i < total; ++i)
    if (wss[i] > tiny) ola[i] /= wss[i];
  std::vector<float> y(length, 0.0f);
  const std::size_t start = p.center ? static_cast<std::size_t>(nfft / 2) : 0;
  for (std::size_t i = 0; i < length && start + i < total; ++i)
    y[i] = static_cast<float>(ola[start + i]);
  return y;
}

}  // namespace echoelml::dsp
