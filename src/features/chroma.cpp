// chroma_filterbank and chroma_stft (librosa 0.10.1 filters.py chroma, feature/spectral.py).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/chroma.h"
#include "chroma_runs.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

// The filterbank stored column by column (bin k -> its non-negligible (chroma, weight)
// pairs), applied in bin order with float32 accumulation as the reference BLAS sgemm does.
class ChromaBank {
 public:
  explicit ChromaBank(const ChromaFilterParams& p) : dense_(chroma_filterbank(p)) {
    const std::size_t C = dense_.rows, K = dense_.cols;
    start_.assign(K + 1, 0);
    for (std::size_t k = 0; k < K; ++k) {
      float colmax = 0.0f;
      for (std::size_t c = 0; c < C; ++c) colmax = std::max(colmax, dense_(c, k));
      for (std::size_t c = 0; c < C; ++c) {
        const float w = dense_(c, k);
        if (detail::chroma_weight_kept(w, colmax)) {
          rows_.push_back(static_cast<std::uint32_t>(c));
          weights_.push_back(w);
        }
      }
      start_[k + 1] = rows_.size();
    }
    if (C == kRegRows) {
      std::vector<float> kept(K * C, 0.0f);
      for (std::size_t k = 0; k < K; ++k)
        for (std::size_t e = start_[k]; e < start_[k + 1]; ++e) kept[k * C + rows_[e]] = weights_[e];
      runs_ = detail::chroma_run_table(kept.data(), K);
    }
  }

  static constexpr std::size_t kTile = 128;
  struct Tile {
    const float* power;  // row-major (K, stride), offset to the tile's first frame
    std::size_t stride, w;
    float* acc;  // (C, kTile)
  };

  // acc[c][j] += W[c][k] power[k][j] over the bins in order. Compiled twice (SSE2 and AVX2,
  // "avx2" alone: no FMA contraction), with the same float32 products and sums per element.
  [[gnu::always_inline]] void accumulate_body(const Tile& t) const {
    for (std::size_t k = 0; k < start_.size() - 1; ++k) {
      const float* __restrict src = t.power + k * t.stride;
      for (std::size_t e = start_[k]; e < start_[k + 1]; ++e) {
        float* __restrict dst = t.acc + rows_[e] * kTile;
        const float wt = weights_[e];
        for (std::size_t j = 0; j < t.w; ++j) dst[j] += wt * src[j];
      }
    }
  }
  [[gnu::target("avx2")]] void accumulate_avx2(const Tile& t) const { accumulate_body(t); }
  void accumulate_default(const Tile& t) const { accumulate_body(t); }

  struct TiledTile {
    const float* tiles;  // the first power tile: bin k, lane j at [k * kTileLanes + j]
    std::size_t tile_stride, n_tiles;  // floats between tiles; tiles used (<= kTile / lanes)
    float* acc;  // (C, kTile): frame s * kTileLanes + j of the chroma tile = lane j of tile s
  };
  // The same sums as accumulate_body, from power stored in tiles.
  [[gnu::always_inline]] void accumulate_tiles_body(const TiledTile& t) const {
    constexpr std::size_t L = detail::kTileLanes;
    for (std::size_t k = 0; k < start_.size() - 1; ++k) {
      const float* __restrict src = t.tiles + k * L;
      for (std::size_t e = start_[k]; e < start_[k + 1]; ++e) {
        float* __restrict dst = t.acc + rows_[e] * kTile;
        const float wt = weights_[e];
        for (std::size_t i = 0; i < t.n_tiles; ++i)
          for (std::size_t j = 0; j < L; ++j) dst[i * L + j] += wt * src[i * t.tile_stride + j];
      }
    }
  }
  [[gnu::target("avx2")]] void accumulate_tiles_avx2(const TiledTile& t) const {
    accumulate_tiles_body(t);
  }
  void accumulate_tiles_default(const TiledTile& t) const { accumulate_tiles_body(t); }

  static constexpr std::size_t kRegRows = detail::kChromaRunRows;

  // sum[c] += acc[c * kTile + j] for the frames j < count in order, the kRows sums in registers.
  template <std::size_t kRows>
  static void add_frames(const float* acc, std::size_t count, double* sum) {
    double s[kRows];
    std::copy_n(sum, kRows, s);
    for (std::size_t j = 0; j < count; ++j)
      for (std::size_t c = 0; c < kRows; ++c) s[c] += static_cast<double>(acc[c * kTile + j]);
    std::copy_n(s, kRows, sum);
  }

  // Per-row means over the frames of the chroma of power stored in tiles of kTileLanes frames
  // (tile i: its K bins x kTileLanes frames at tiles[i * K * kTileLanes]). The same float32
  // products and sums as apply(), the same per-frame normalisation as chroma_stft_unchecked,
  // and the same frame-order float64 sums as a mean over each row of its result.
  std::vector<double> tile_means(const float* tiles, std::size_t T, ChromaNorm norm) const {
    constexpr std::size_t L = detail::kTileLanes;
    const std::size_t C = dense_.rows, K = dense_.cols;
    std::vector<double> sum(C, 0.0);
    std::vector<float> acc(C * kTile);
    std::vector<double> len(kTile);  // per frame: its maximum over the rows
    static const bool avx2 = core::use_avx2();
    // The register kernel needs AVX-512's 32 vector registers (12 accumulators of 16 lanes).
    const bool regs = avx2 && C == kRegRows && detail::chroma_runs_avx512_supported();
    const double tiny = std::numeric_limits<float>::min();
    static_assert(kTile % L == 0);
    for (std::size_t t0 = 0; t0 < T; t0 += kTile) {
      const std::size_t count = std::min(kTile, T - t0);
      // kTile frames = several power tiles, so each weight has 2 * kTile / L independent
      // vector updates (one tile's 2 would wait on the previous bin's store to the same row).
      const TiledTile tile{tiles + (t0 / L) * K * L, K * L, (count + L - 1) / L, acc.data()};
      bool done = false;
      if (regs) {
        // The lanes with an inf or NaN sum (non-finite power, or an overflow) are the only
        // ones where the run kernel may differ from the sparse sums; chunks with such a frame
        // (padding lanes ignored) are redone the sparse way.
        done = true;
        for (std::size_t i = 0; i < tile.n_tiles; ++i) {
          const std::size_t lanes = std::min(L, count - i * L);
          const std::uint32_t bad = detail::chroma_run_sums_avx512(
              runs_, tile.tiles + i * tile.tile_stride, acc.data() + i * L, kTile);
          if (bad & ((1u << lanes) - 1u)) done = false;  // lanes <= 16
        }
      }
      if (!done) {  // the sparse sums, from 0
        std::fill(acc.begin(), acc.end(), 0.0f);
        if (avx2) accumulate_tiles_avx2(tile);
        else accumulate_tiles_default(tile);
      }
      if (norm == ChromaNorm::Max) {
        // Row by row, so that the compiler vectorises the maxima and divisions over frames.
        std::fill_n(len.begin(), count, 0.0);
        for (std::size_t c = 0; c < C; ++c)
          for (std::size_t j = 0; j < count; ++j)
            len[j] = std::max(len[j], static_cast<double>(acc[c * kTile + j]));
        for (std::size_t j = 0; j < count; ++j) len[j] = len[j] < tiny ? 1.0 : len[j];
        for (std::size_t c = 0; c < C; ++c)
          for (std::size_t j = 0; j < count; ++j)
            acc[c * kTile + j] = static_cast<float>(static_cast<double>(acc[c * kTile + j]) / len[j]);
      }
      // Frame order, as a row mean of the matrix; with 12 rows the sums stay in registers.
      if (C == kRegRows) {
        add_frames<kRegRows>(acc.data(), count, sum.data());
      } else {
        for (std::size_t j = 0; j < count; ++j)
          for (std::size_t c = 0; c < C; ++c) sum[c] += static_cast<double>(acc[c * kTile + j]);
      }
    }
    for (auto& v : sum) v = T == 0 ? 0.0 : v / static_cast<double>(T);
    return sum;
  }

  // out (n_chroma, frames) = W * power, float32.
  Matrix apply(const Matrix& power) const {
    const std::size_t C = dense_.rows, K = dense_.cols, T = power.cols;
    if (power.rows != K)
      throw ParameterError("chroma_stft: spectrum has " + std::to_string(power.rows) +
                           " bins, the filterbank expects " + std::to_string(K));
    Matrix out(C, T);
    // Tiles of frames keep the accumulators (C x kTile floats) in L1 while every bin row is
    // streamed once.
    std::vector<float> acc(C * kTile);
    static const bool avx2 = core::use_avx2();
    for (std::size_t t0 = 0; t0 < T; t0 += kTile) {
      const std::size_t w = std::min(kTile, T - t0);
      std::fill(acc.begin(), acc.end(), 0.0f);
      const Tile tile{power.data.data() + t0, T, w, acc.data()};
      if (avx2) accumulate_avx2(tile);
      else accumulate_default(tile);
      for (std::size_t c = 0; c < C; ++c)
        std::copy(acc.begin() + static_cast<std::ptrdiff_t>(c * kTile),
                  acc.begin() + static_cast<std::ptrdiff_t>(c * kTile + w),
                  out.data.begin() + static_cast<std::ptrdiff_t>(c * T + t0));
    }
    return out;
  }

 private:
  Matrix dense_;
  std::vector<std::size_t> start_;     // entries of bin k: [start_[k], start_[k+1])
  std::vector<std::uint32_t> rows_;    // chroma index of each entry
  std::vector<float> weights_;
  detail::ChromaRunTable runs_;     // the kept weights as runs of bins (12 rows only)
};

// librosa memoises filters.chroma; tunings are quantised to the histogram resolution, so a
// dataset needs only a handful of banks.
const ChromaBank& cached_chroma_bank(const ChromaFilterParams& p) {
  using Key = std::tuple<double, int, int, double, double, double, bool>;
  static std::mutex mutex;
  static auto* cache = new std::map<Key, std::unique_ptr<ChromaBank>>();  // process lifetime
  Key key{p.sr, p.n_fft, p.n_chroma, p.tuning, p.ctroct, p.octwidth.value_or(-1.0), p.base_c};
  std::lock_guard lock(mutex);
  auto& slot = (*cache)[key];
  if (!slot) slot = std::make_unique<ChromaBank>(p);
  return *slot;
}

// np.remainder for float64: the result takes the sign of the divisor.
double py_mod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0.0 && ((b < 0) != (m < 0))) m += b;
  return m;
}

}  // namespace

void validate(const ChromaFilterParams& p) {
  if (!(p.sr > 0)) throw ParameterError("chroma: sr must be > 0");
  if (p.n_fft < 2 || p.n_fft % 2 != 0)
    throw ParameterError("chroma: n_fft must be an even number >= 2, got " +
                         std::to_string(p.n_fft));
  if (p.n_chroma < 1)
    throw ParameterError("chroma: n_chroma must be >= 1, got " + std::to_string(p.n_chroma));
  if (!std::isfinite(p.tuning)) throw ParameterError("chroma: tuning must be finite");
  if (p.octwidth && !(*p.octwidth > 0))
    throw ParameterError("chroma: octwidth must be > 0 (or unset), got " +
                         std::to_string(*p.octwidth));
}

Matrix chroma_filterbank(const ChromaFilterParams& p) {
  validate(p);
  const int N = p.n_fft, C = p.n_chroma;
  const double nc = C;
  // frqbins: chroma-bin position of each of the N FFT bins (all N, cut to N/2+1 at the end),
  // relative to A0 = A440/16 shifted by the tuning.
  const double a440 = 440.0 * std::pow(2.0, p.tuning / nc);
  const double ref = a440 / 16.0;
  const double step = p.sr / N;  // np.linspace(0, sr, N, endpoint=False)
  std::vector<double> frq(static_cast<std::size_t>(N)), width(static_cast<std::size_t>(N));
  for (int i = 1; i < N; ++i) frq[i] = nc * std::log2((i * step) / ref);
  frq[0] = frq[1] - 1.5 * nc;  // 0 Hz: 1.5 octaves below bin 1
  for (int i = 0; i + 1 < N; ++i) width[i] = std::max(frq[i + 1] - frq[i], 1.0);
  width[N - 1] = 1.0;
  const double half = std::nearbyint(nc / 2.0);  // np.round: half to even
  std::vector<double> w(static_cast<std::size_t>(C) * N);
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < N; ++i) {
      // Distance to chroma c folded into [-C/2, C/2); the + 10 C keeps the argument positive.
      const double d = py_mod((frq[i] - c + half) + 10.0 * nc, nc) - half;
      const double z = 2.0 * d / width[i];
      w[static_cast<std::size_t>(c) * N + i] = std::exp(-0.5 * (z * z));
    }
  // Unit L2 norm per column (util.normalize(norm=2, axis=0); zero columns stay as they are).
  const double tiny = std::numeric_limits<double>::min();
  for (int i = 0; i < N; ++i) {
    double ss = 0.0;
    for (int c = 0; c < C; ++c) ss += w[static_cast<std::size_t>(c) * N + i] * w[static_cast<std::size_t>(c) * N + i];
    double len = std::sqrt(ss);
    if (len < tiny) len = 1.0;
    double oct = 1.0;
    if (p.octwidth) {
      const double o = (frq[i] / nc - p.ctroct) / *p.octwidth;
      oct = std::exp(-0.5 * (o * o));
    }
    for (int c = 0; c < C; ++c) {
      double& v = w[static_cast<std::size_t>(c) * N + i];
      v = v / len * oct;
    }
  }
  // np.roll(-3 * (C // 12)) puts C in row 0; keep the N/2 + 1 non-aliased columns.
  const int shift = p.base_c ? 3 * (C / 12) : 0;
  const std::size_t K = static_cast<std::size_t>(N / 2 + 1);
  Matrix out(static_cast<std::size_t>(C), K);
  for (int r = 0; r < C; ++r) {
    const int src = ((r + shift) % C + C) % C;
    for (std::size_t k = 0; k < K; ++k)
      out(static_cast<std::size_t>(r), k) = static_cast<float>(w[static_cast<std::size_t>(src) * N + k]);
  }
  return out;
}

Matrix chroma_stft(const Matrix& power, const ChromaParams& p) {
  if (!(p.sr > 0)) throw ParameterError("chroma_stft: sr must be > 0");
  detail::check_magnitude(power, "chroma_stft");
  const double tuning = p.tuning ? *p.tuning : estimate_tuning(power, p.sr, p.tuning_estimate);
  return detail::chroma_stft_unchecked(power, p, tuning);
}

std::vector<double> detail::chroma_means_from_tiles(const float* tiles, std::size_t n_bins,
                                                    std::size_t n_frames, const ChromaParams& p,
                                                    double tuning) {
  ChromaFilterParams fp;
  fp.sr = p.sr;
  fp.n_fft = static_cast<int>(2 * (n_bins - 1));
  fp.n_chroma = p.n_chroma;
  fp.tuning = tuning;
  return cached_chroma_bank(fp).tile_means(tiles, n_frames, p.norm);
}

Matrix detail::chroma_stft_unchecked(const Matrix& power, const ChromaParams& p, double tuning) {
  ChromaFilterParams fp;
  fp.sr = p.sr;
  fp.n_fft = static_cast<int>(2 * (power.rows - 1));
  fp.n_chroma = p.n_chroma;
  fp.tuning = tuning;
  Matrix chroma = cached_chroma_bank(fp).apply(power);
  if (p.norm == ChromaNorm::None) return chroma;
  // util.normalize(norm=inf): divide each frame by its max in float64, store float32; frames
  // whose max is below tiny(float32) are left unnormalised.
  const std::size_t C = chroma.rows, T = chroma.cols;
  std::vector<double> len(T, 0.0);
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t t = 0; t < T; ++t) len[t] = std::max(len[t], static_cast<double>(chroma(c, t)));
  const double tiny = std::numeric_limits<float>::min();
  for (auto& l : len) l = l < tiny ? 1.0 : l;
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t t = 0; t < T; ++t)
      chroma(c, t) = static_cast<float>(static_cast<double>(chroma(c, t)) / len[t]);
  return chroma;
}

Matrix chroma_stft(std::span<const float> y, const ChromaParams& p, const dsp::StftParams& stft) {
  return chroma_stft(dsp::square(dsp::stft_magnitude(y, stft)), p);
}

}  // namespace echoelml::features
