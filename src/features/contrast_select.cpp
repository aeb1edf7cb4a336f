// spectral_contrast's peak/valley selection on tiles of 16 frames (ContrastSelector): per band
// and frame, the float32 mean of the q smallest / largest magnitudes, summed in ascending order
// as librosa's np.mean over the sorted band does (0.0f, then + v[0] + v[1] ... in order).
//
// Every band is done vertically, across the 16 frames of a bin-major tile at once:
// - q = 1: min and max; q = 2..4: a min/max insertion network of depth q.
// - 5 <= q <= 32 (at 44.1 kHz / n_fft 2048 the top band: q = 15 of 728 bins), per side (the
//   valley side written here; the peak side mirrors it):
//   1. Group minima, G = min(3q, 64, n) groups, group i = bins begin + i, begin + i + G, ...
//      (strided: a smooth or monotone spectrum spreads over every group; contiguous groups
//      left 5-16% of the frames of real clips to step 3's slow path); b = the q-th smallest
//      of the G minima (a sorting network across the frames).
//      Those q minima are distinct bins <= b, so at least q values are <= b; only about
//      q + 2 values are < b on noise, and on real spectra rarely more than 32.
//   2. One pass of vector compares over the band: every value x < b goes into a stream as
//      one word, its offset in the tile and its slot (16 x its rank among the frame's
//      candidates + the frame) (AVX-512: compress; AVX2: a permutation from a table; SSE2:
//      scalar). Branch-free: a branch per row mispredicts (measured 1.4x slower).
//   3. The stream is scattered into candidate rows (row r, lane j: frame j's r-th candidate)
//      prefilled with b, and a sorting network on the fewest rows that hold every frame's
//      candidates (16/24/32/48/64) puts each frame's q smallest in rows 0..q-1, ascending.
//      A frame with fewer than q candidates gets copies of b: exactly the values equal to b a
//      full sort puts next (at least q values are <= b).
//   4. Rows 0..q-1 are added in ascending order.
//   A frame with more than 64 candidates (many values just below b) is done alone by
//   nth_element, as is every frame of a band with q > 32 (quantiles far above the 0.02
//   default) or more than 2048 bins. For q = 15 (the genre set) the networks are generated at
//   compile time and run as straight-line code in the AVX2/AVX-512 builds (the loops over
//   comparator lists were a third of the time).
// The selected multisets are exact and every path adds the same values in the same order, so
// the results are bit-identical to a sort, on every instruction set.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ECHOELML_CONTRAST_X86 1
#define ECHOELML_AVX512_TARGET gnu::target("avx512f,avx512bw,avx512dq,avx512vl,popcnt")
#endif

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "contrast_stream.h"
#include "spectral_common.h"

// Vector types wider than the SSE2 build's registers never cross a call (always_inline).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace echoelml::features::detail {
namespace {

constexpr std::size_t kLanes = kTileLanes;
using contrast::Stream;
using Comparator = ContrastSelector::Comparator;
using WidePlan = ContrastSelector::WidePlan;

constexpr std::size_t kMaxRows = 64;  // candidate rows per frame and side
constexpr std::size_t kMaxWide = 2048;  // bins of a wide band (the stream's 16-bit halves)
constexpr std::size_t kNetRows[ContrastSelector::kNets] = {16, 24, 32, 48, 64};

float mean_ascending(const float* v, std::size_t q) {
  float s = 0.0f;
  for (std::size_t i = 0; i < q; ++i) s += v[i];
  return s / static_cast<float>(q);
}
float mean_descending(const float* v, std::size_t q) {
  float s = 0.0f;
  for (std::size_t i = q; i-- > 0;) s += v[i];
  return s / static_cast<float>(q);
}

// Batcher's odd-even merge sort on n rows (min to the lower row), keeping only the
// comparators that affect rows [first, last). Comparators with a row >= n are dropped: in the
// padded power-of-two network those rows would hold +inf, which never moves.
std::vector<Comparator> pruned_network(std::size_t n, std::size_t first, std::size_t last) {
  std::size_t P = 1;
  while (P < n) P *= 2;
  std::vector<Comparator> all;
  for (std::size_t p = 1; p < P; p *= 2)
    for (std::size_t k = p; k >= 1; k /= 2)
      for (std::size_t j = k % p; j + k < P; j += 2 * k)
        for (std::size_t i = 0; i < k && i + j + k < n; ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
            all.push_back({static_cast<std::uint16_t>(i + j),
                           static_cast<std::uint16_t>(i + j + k)});
  std::vector<bool> live(n, false);
  for (std::size_t i = first; i < last; ++i) live[i] = true;
  std::vector<Comparator> kept;
  for (auto c = all.rbegin(); c != all.rend(); ++c) {
    if (!live[c->lo] && !live[c->hi]) continue;
    live[c->lo] = live[c->hi] = true;
    kept.push_back(*c);
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

// ---- The same networks at compile time for librosa's default in the genre set (q = 15:
// 45 groups; candidates on 16, 24 or 32 rows), run as straight-line code on constant rows.
constexpr std::size_t kFixedQ = 15, kFixedGroups = 3 * kFixedQ;

struct NetBuf {
  Comparator c[600] = {};
  std::size_t size = 0;
};
constexpr NetBuf batcher(std::size_t n, std::size_t first, std::size_t last) {
  NetBuf all, kept;
  std::size_t P = 1;
  while (P < n) P *= 2;
  for (std::size_t p = 1; p < P; p *= 2)
    for (std::size_t k = p; k >= 1; k /= 2)
      for (std::size_t j = k % p; j + k < P; j += 2 * k)
        for (std::size_t i = 0; i < k && i + j + k < n; ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
            all.c[all.size++] = {static_cast<std::uint16_t>(i + j),
                                 static_cast<std::uint16_t>(i + j + k)};
  bool live[64] = {};
  for (std::size_t i = first; i < last; ++i) live[i] = true;
  for (std::size_t i = all.size; i-- > 0;) {
    const Comparator c = all.c[i];
    if (!live[c.lo] && !live[c.hi]) continue;
    live[c.lo] = live[c.hi] = true;
    kept.c[kept.size++] = c;
  }
  for (std::size_t i = 0; i < kept.size / 2; ++i) std::swap(kept.c[i], kept.c[kept.size - 1 - i]);
  return kept;
}
template <std::size_t N, std::size_t First, std::size_t Last>
struct FixedNet {
  static constexpr NetBuf buf = batcher(N, First, Last);
  static constexpr std::size_t size = buf.size;
};

// G about 3q: tight bounds, a small bound network. G >= 2q - 1 makes some group's minimum
// >= b_lo and its maximum <= b_hi, so b_lo <= b_hi and no value is a candidate of both sides.
WidePlan wide_plan(const ContrastBand& band) {
  WidePlan plan;
  const std::size_t n = band.end - band.begin, q = band.q;
  if (q < 5 || q > 32 || n > kMaxWide) return plan;
  const std::size_t groups = std::min({kMaxRows, 3 * q, n});  // group i: bins i, i + G, ...
  if (groups + 1 < 2 * q) return plan;
  plan.groups = groups;
  plan.bound_net = pruned_network(groups, q - 1, q);
  for (std::size_t i = 0; i < ContrastSelector::kNets; ++i)
    if (kNetRows[i] >= q) plan.final_net[i] = pruned_network(kNetRows[i], 0, q);
  return plan;
}

// ---- One bin row of 16 frames as 16 / W vectors of W floats: one AVX-512 register, two AVX2
// or four SSE registers, by the target each body is compiled for.
template <std::size_t W> struct VecOf;
template <> struct VecOf<4> { typedef float type __attribute__((vector_size(16))); };
template <> struct VecOf<8> { typedef float type __attribute__((vector_size(32))); };
template <> struct VecOf<16> { typedef float type __attribute__((vector_size(64))); };

template <std::size_t W>
struct Row {
  static constexpr std::size_t kParts = kLanes / W;
  typename VecOf<W>::type v[kParts];
  [[gnu::always_inline]] static Row load(const float* p) {
    Row r;
    for (std::size_t i = 0; i < kParts; ++i) __builtin_memcpy(&r.v[i], p + i * W, sizeof r.v[i]);
    return r;
  }
  [[gnu::always_inline]] void store(float* p) const {
    for (std::size_t i = 0; i < kParts; ++i) __builtin_memcpy(p + i * W, &v[i], sizeof v[i]);
  }
  [[gnu::always_inline]] static Row splat(float x) {
    Row r;
    for (std::size_t i = 0; i < kParts; ++i) r.v[i] = typename VecOf<W>::type{} + x;
    return r;
  }
  [[gnu::always_inline]] static Row min(const Row& a, const Row& b) {
    Row r;
    for (std::size_t i = 0; i < kParts; ++i) r.v[i] = b.v[i] < a.v[i] ? b.v[i] : a.v[i];
    return r;
  }
  [[gnu::always_inline]] static Row max(const Row& a, const Row& b) {
    Row r;
    for (std::size_t i = 0; i < kParts; ++i) r.v[i] = b.v[i] > a.v[i] ? b.v[i] : a.v[i];
    return r;
  }
};

// A network on rows of 16 frames: ascending (min to the lower row) or descending.
template <std::size_t W, bool Descending>
[[gnu::always_inline]] inline void run_network(const std::vector<Comparator>& net, float* rows) {
  for (const Comparator& c : net) {
    const Row<W> a = Row<W>::load(rows + c.lo * kLanes), b = Row<W>::load(rows + c.hi * kLanes);
    const Row<W> mn = Row<W>::min(a, b), mx = Row<W>::max(a, b);
    (Descending ? mx : mn).store(rows + c.lo * kLanes);
    (Descending ? mn : mx).store(rows + c.hi * kLanes);
  }
}

// A FixedNet on rows[0..N): straight-line comparators on constant rows (the compiler keeps
// rows in registers between comparators and drops the stores it does not need).
template <std::size_t W, bool Descending, std::size_t Lo, std::size_t Hi>
[[gnu::always_inline]] inline void fixed_cmp(float* rows) {
  const Row<W> a = Row<W>::load(rows + Lo * kLanes), b = Row<W>::load(rows + Hi * kLanes);
  const Row<W> mn = Row<W>::min(a, b), mx = Row<W>::max(a, b);
  (Descending ? mx : mn).store(rows + Lo * kLanes);
  (Descending ? mn : mx).store(rows + Hi * kLanes);
}
template <std::size_t W, bool Descending, class Net, std::size_t... I>
[[gnu::always_inline]] inline void run_fixed_seq(float* rows, std::index_sequence<I...>) {
  (fixed_cmp<W, Descending, Net::buf.c[I].lo, Net::buf.c[I].hi>(rows), ...);
}
template <std::size_t W, bool Descending, std::size_t N, std::size_t First, std::size_t Last>
[[gnu::always_inline]] inline void run_fixed(float* rows) {
  using Net = FixedNet<N, First, Last>;
  run_fixed_seq<W, Descending, Net>(rows, std::make_index_sequence<Net::size>{});
}

template <std::size_t W, bool Descending>
[[gnu::always_inline]] inline void bound_network(const WidePlan& plan, std::size_t q,
                                                 float* rows) {
  if constexpr (W >= 8)  // not in the SSE2 build: its code would be 4x the size, for no use
    if (q == kFixedQ && plan.groups == kFixedGroups)
      return run_fixed<W, Descending, kFixedGroups, kFixedQ - 1, kFixedQ>(rows);
  run_network<W, Descending>(plan.bound_net, rows);
}
template <std::size_t W, bool Descending>
[[gnu::always_inline]] inline void final_network(const WidePlan& plan, std::size_t q,
                                                 std::size_t f, float* rows) {
  if constexpr (W >= 8) {
    if (q == kFixedQ && f == 0) return run_fixed<W, Descending, 16, 0, kFixedQ>(rows);
    if (q == kFixedQ && f == 1) return run_fixed<W, Descending, 24, 0, kFixedQ>(rows);
    if (q == kFixedQ && f == 2) return run_fixed<W, Descending, 32, 0, kFixedQ>(rows);
  }
  run_network<W, Descending>(plan.final_net[f], rows);
}

// Step 1: minima (gmin) and maxima (gmax) of the strided groups, kBlock groups at a time in
// registers.
template <std::size_t W>
[[gnu::always_inline]] inline void group_extremes(const float* tile, std::size_t begin,
                                                  std::size_t end, std::size_t G, float* gmin,
                                                  float* gmax) {
  constexpr std::size_t kBlock = W / 2;
  std::size_t i0 = 0;
  for (; i0 + kBlock <= G; i0 += kBlock) {  // whole blocks: fixed trip counts, registers
    Row<W> mn[kBlock], mx[kBlock];
    for (std::size_t i = 0; i < kBlock; ++i)
      mn[i] = mx[i] = Row<W>::load(tile + (begin + i0 + i) * kLanes);
    std::size_t k0 = begin + i0 + G;
    for (; k0 + kBlock <= end; k0 += G)
      for (std::size_t i = 0; i < kBlock; ++i) {
        const Row<W> x = Row<W>::load(tile + (k0 + i) * kLanes);
        mn[i] = Row<W>::min(mn[i], x);
        mx[i] = Row<W>::max(mx[i], x);
      }
    for (std::size_t i = 0; i < kBlock; ++i) {
      if (k0 + i < end) {  // the last stride, cut short
        const Row<W> x = Row<W>::load(tile + (k0 + i) * kLanes);
        mn[i] = Row<W>::min(mn[i], x);
        mx[i] = Row<W>::max(mx[i], x);
      }
      mn[i].store(gmin + (i0 + i) * kLanes);
      mx[i].store(gmax + (i0 + i) * kLanes);
    }
  }
  for (; i0 < G; ++i0) {  // the groups left over, one at a time
    Row<W> mn = Row<W>::load(tile + (begin + i0) * kLanes), mx = mn;
    for (std::size_t k = begin + i0 + G; k < end; k += G) {
      const Row<W> x = Row<W>::load(tile + k * kLanes);
      mn = Row<W>::min(mn, x);
      mx = Row<W>::max(mx, x);
    }
    mn.store(gmin + i0 * kLanes);
    mx.store(gmax + i0 * kLanes);
  }
}

// Scratch for one tile (ContrastSelector's buffers).
struct Work {
  std::uint32_t* stream;
  float* cand;           // candidate rows: valley side, then the peak side at +hi_base
  std::uint32_t hi_base;
  float* groups;         // 2 x kMaxRows rows of 16
  float* column;         // 2 x n_max (frames done alone)
};

template <bool Largest>
void frame_alone(const float* tile, const ContrastBand& band, std::size_t j, float* buf,
                 float& out) {
  const std::size_t n = band.end - band.begin, q = band.q;
  for (std::size_t i = 0; i < n; ++i) buf[i] = tile[(band.begin + i) * kLanes + j];
  auto better = [](float a, float b) { return Largest ? a > b : a < b; };
  if (n > q) std::nth_element(buf, buf + (q - 1), buf + n, better);
  std::sort(buf, buf + q, better);
  out = Largest ? mean_descending(buf, q) : mean_ascending(buf, q);
}

// Steps 3-4 for one side, the candidates already in `rows`: the network on kNetRows[f] rows,
// then rows 0..q-1 added in ascending order.
template <std::size_t W, bool Largest>
[[gnu::always_inline]] inline void finish_side(const WidePlan& plan, std::size_t q, std::size_t f,
                                               float* rows, float* out) {
  final_network<W, Largest>(plan, q, f, rows);
  Row<W> s = Row<W>::splat(0.0f);
  for (std::size_t r = 0; r < q; ++r) {
    const Row<W> x = Row<W>::load(rows + (Largest ? q - 1 - r : r) * kLanes);
    for (std::size_t i = 0; i < Row<W>::kParts; ++i) s.v[i] += x.v[i];
  }
  for (std::size_t i = 0; i < Row<W>::kParts; ++i) s.v[i] /= static_cast<float>(q);
  s.store(out);
}

// The network size for one side: the fewest rows that hold every frame's candidates (frames
// with more than kMaxRows are done alone).
inline std::size_t net_index(const std::uint32_t* cnt, std::size_t count, std::size_t q,
                             bool* alone) {
  std::size_t need = q;
  for (std::size_t j = 0; j < count; ++j) {
    alone[j] = cnt[j] > kMaxRows;
    if (!alone[j]) need = std::max<std::size_t>(need, cnt[j]);
  }
  std::size_t f = 0;
  while (kNetRows[f] < need) ++f;
  return f;
}

template <std::size_t W>
[[gnu::always_inline]] inline void select_wide(const float* tile, const ContrastBand& band,
                                               const WidePlan& plan, std::size_t count,
                                               const Work& w, float* valley, float* peak) {
  float* gmin = w.groups;
  float* gmax = w.groups + kMaxRows * kLanes;
  group_extremes<W>(tile, band.begin, band.end, plan.groups, gmin, gmax);
  bound_network<W, false>(plan, band.q, gmin);
  bound_network<W, true>(plan, band.q, gmax);
  const float* b_lo = gmin + (band.q - 1) * kLanes;
  const float* b_hi = gmax + (band.q - 1) * kLanes;
  Stream s{w.stream};
  const float* rows = tile + band.begin * kLanes;
  const std::size_t n = band.end - band.begin;
#if defined(ECHOELML_CONTRAST_X86)
  if constexpr (W == 16) contrast::compress_avx512(rows, n, b_lo, b_hi, w.hi_base, s);
  if constexpr (W == 8) contrast::compress_avx2(rows, n, b_lo, b_hi, w.hi_base, s);
  if constexpr (W == 4)
#endif
    contrast::compress_sse2(rows, n, b_lo, b_hi, w.hi_base, s);
  // Step 3: rows prefilled with b, then the candidates.
  float* lo_rows = w.cand;
  float* hi_rows = w.cand + w.hi_base;
  bool alone_lo[kLanes], alone_hi[kLanes];
  const std::size_t f_lo = net_index(s.c_lo, count, band.q, alone_lo);
  const std::size_t f_hi = net_index(s.c_hi, count, band.q, alone_hi);
  const Row<W> blo = Row<W>::load(b_lo), bhi = Row<W>::load(b_hi);
  for (std::size_t r = 0; r < kNetRows[f_lo]; ++r) blo.store(lo_rows + r * kLanes);
  for (std::size_t r = 0; r < kNetRows[f_hi]; ++r) bhi.store(hi_rows + r * kLanes);
  for (std::size_t i = 0; i < s.m; ++i) w.cand[s.word[i] >> 16] = rows[s.word[i] & 0xFFFF];
  alignas(64) float lo[kLanes], hi[kLanes];
  finish_side<W, false>(plan, band.q, f_lo, lo_rows, lo);
  finish_side<W, true>(plan, band.q, f_hi, hi_rows, hi);
  for (std::size_t j = 0; j < count; ++j) {
    valley[j] = lo[j];
    peak[j] = hi[j];
    if (alone_lo[j]) frame_alone<false>(tile, band, j, w.column, valley[j]);
    if (alone_hi[j]) frame_alone<true>(tile, band, j, w.column, peak[j]);
  }
}

// q = 2..4: the q smallest and largest of every frame, kept sorted by a min/max insertion
// network across the frames (no branches).
template <std::size_t W, std::size_t Q>
[[gnu::always_inline]] inline void small_q(const float* tile, const ContrastBand& band,
                                           std::size_t count, float* valley, float* peak) {
  Row<W> lo[Q], hi[Q];
  for (std::size_t i = 0; i < Q; ++i) {
    lo[i] = Row<W>::splat(std::numeric_limits<float>::infinity());
    hi[i] = Row<W>::splat(-std::numeric_limits<float>::infinity());
  }
  for (std::size_t k = band.begin; k < band.end; ++k) {
    Row<W> tl = Row<W>::load(tile + k * kLanes), th = tl;
    for (std::size_t i = 0; i < Q; ++i) {
      const Row<W> a = lo[i], c = hi[i];
      lo[i] = Row<W>::min(a, tl);  // the smaller stays at level i, the larger moves on
      tl = Row<W>::max(a, tl);
      hi[i] = Row<W>::max(c, th);
      th = Row<W>::min(c, th);
    }
  }
  alignas(64) float l[Q][kLanes], h[Q][kLanes];
  for (std::size_t i = 0; i < Q; ++i) {
    lo[i].store(l[i]);
    hi[i].store(h[i]);
  }
  if constexpr (Q == 1) {  // the extremes themselves (np.mean of one value is that value)
    for (std::size_t j = 0; j < count; ++j) {
      valley[j] = l[0][j];
      peak[j] = h[0][j];
    }
    return;
  }
  for (std::size_t j = 0; j < count; ++j) {
    float sl[Q], sh[Q];
    for (std::size_t i = 0; i < Q; ++i) {
      sl[i] = l[i][j];
      sh[i] = h[i][j];
    }
    valley[j] = mean_ascending(sl, Q);
    peak[j] = mean_descending(sh, Q);
  }
}

// Every band of a tile; compiled once per instruction set.
template <std::size_t W>
[[gnu::always_inline]] inline void run_body(const std::vector<ContrastBand>& bands,
                                            const std::vector<WidePlan>& plans, const Work& w,
                                            const float* tile, std::size_t count, float* valley,
                                            float* peak) {
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const ContrastBand& band = bands[b];
    float* vo = valley + b * kLanes;
    float* po = peak + b * kLanes;
    if (band.q == 1) {
      small_q<W, 1>(tile, band, count, vo, po);
    } else if (band.q == 2) {
      small_q<W, 2>(tile, band, count, vo, po);
    } else if (band.q == 3) {
      small_q<W, 3>(tile, band, count, vo, po);
    } else if (band.q == 4) {
      small_q<W, 4>(tile, band, count, vo, po);
    } else if (plans[b].groups > 0) {
      select_wide<W>(tile, band, plans[b], count, w, vo, po);
    } else {
      for (std::size_t j = 0; j < count; ++j) {
        frame_alone<false>(tile, band, j, w.column, vo[j]);
        frame_alone<true>(tile, band, j, w.column, po[j]);
      }
    }
  }
}

using Bands = std::vector<ContrastBand>;
using Plans = std::vector<WidePlan>;
void run_sse2(const Bands& bands, const Plans& plans, const Work& w, const float* tile,
              std::size_t count, float* valley, float* peak) {
  run_body<4>(bands, plans, w, tile, count, valley, peak);
}
#if defined(ECHOELML_CONTRAST_X86)
[[gnu::target("avx2,popcnt")]] void run_avx2(const Bands& bands, const Plans& plans,
                                             const Work& w, const float* tile, std::size_t count,
                                             float* valley, float* peak) {
  run_body<8>(bands, plans, w, tile, count, valley, peak);
}
[[ECHOELML_AVX512_TARGET]] void run_avx512(const Bands& bands, const Plans& plans, const Work& w,
                                           const float* tile, std::size_t count, float* valley,
                                           float* peak) {
  run_body<16>(bands, plans, w, tile, count, valley, peak);
}
#endif

}  // namespace

bool ContrastSelector::supported(ContrastIsa isa) {
#if defined(ECHOELML_CONTRAST_X86)
  static const bool avx2 = core::use_avx2();
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                             __builtin_cpu_supports("avx512bw") &&
                             __builtin_cpu_supports("avx512dq") &&
                             __builtin_cpu_supports("avx512vl");
  if (isa == ContrastIsa::kAvx2) return avx2;
  if (isa == ContrastIsa::kAvx512) return avx512;
  return true;
#else
  return isa == ContrastIsa::kSse2;
#endif
}

ContrastIsa ContrastSelector::best_isa() {
  static const ContrastIsa isa = supported(ContrastIsa::kAvx512) ? ContrastIsa::kAvx512
                                 : supported(ContrastIsa::kAvx2) ? ContrastIsa::kAvx2
                                                                 : ContrastIsa::kSse2;
  return isa;
}

ContrastSelector::ContrastSelector(std::vector<ContrastBand> bands, std::size_t lanes)
    : bands_(std::move(bands)), lanes_(lanes) {
  if (lanes_ != kLanes) throw ParameterError("spectral_contrast: tiles must hold 16 frames");
  std::size_t nmax = 1;
  for (const auto& b : bands_) {
    nmax = std::max(nmax, b.end - b.begin);
    plans_.push_back(wide_plan(b));
  }
  stream_.resize(nmax * kLanes + kLanes);  // + 16: whole vectors are stored past the end
  // Candidate rows per side: every value of a frame may be a candidate; the networks read
  // up to kMaxRows rows.
  std::size_t wide_max = kMaxRows;
  for (std::size_t b = 0; b < bands_.size(); ++b)
    if (plans_[b].groups > 0) wide_max = std::max(wide_max, bands_[b].end - bands_[b].begin);
  hi_base_ = static_cast<std::uint32_t>(wide_max * kLanes);
  cand_.resize(2 * static_cast<std::size_t>(hi_base_));
  groups_.resize(2 * kMaxRows * kLanes);
  column_.resize(nmax);
}

void ContrastSelector::run(const float* tile, std::size_t count, float* valley, float* peak) {
  run_isa(best_isa(), tile, count, valley, peak);
}

void ContrastSelector::run_isa(ContrastIsa isa, const float* tile, std::size_t count,
                               float* valley, float* peak) {
  if (!supported(isa))
    throw ParameterError("spectral_contrast: this CPU lacks the requested instruction set");
  const Work w{stream_.data(), cand_.data(), hi_base_, groups_.data(),
               column_.data()};
#if defined(ECHOELML_CONTRAST_X86)
  if (isa == ContrastIsa::kAvx512) return run_avx512(bands_, plans_, w, tile, count, valley, peak);
  if (isa == ContrastIsa::kAvx2) return run_avx2(bands_, plans_, w, tile, count, valley, peak);
#endif
  run_sse2(bands_, plans_, w, tile, count, valley, peak);
}

}  // namespace echoelml::features::detail
