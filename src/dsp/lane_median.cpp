// Two kernels, both exact order statistics (so equal to scipy's median bit for bit):
//
// Running window (any size <= 63). Each lane keeps its window as a sorted array of vectors
// w[0..size). One step removes the leaving value xo and inserts the entering value xi without
// branches:
//   d[k] = w[k] < xo ? w[k] : w[k+1]          (xo's first copy dropped: w is sorted)
//   w'[k] = max(d[k-1], min(d[k], xi))        (insertion into sorted d, d[-1] = -inf)
// which is 4 vector operations per window slot and output, independent of the data.
//
// Shared-core blocks (size = 2K - 1, K = 16 or 8), after Adams' separable sorting networks
// (2021): the windows of K consecutive outputs share a core, and a group's children share a
// larger one, so sorting work is done once per group instead of once per output (~28 vector
// operations per output for size 31 instead of ~124). See block_kernel below.
//
// Every min/max is one MINPS/MAXPS (see Sse2/Avx2 below), in SSE2, AVX2 and AVX-512VL builds
// of the same code; all give the same bits.
#include "echoelml/core/cpu.h"
#include "echoelml/dsp/lane_median.h"

#include <array>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

// The 32-byte vector helpers are always inlined, so no vector crosses a call boundary and
// the ABI note GCC gives for them in the SSE2 build does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace echoelml::dsp {
namespace {

typedef float v8 __attribute__((vector_size(32)));
constexpr int kMaxStackSize = 63;  // larger windows take the generic path below in chunks

[[gnu::always_inline]] inline v8 load(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }
typedef float v4 __attribute__((vector_size(16)));

// min(a, b) = a < b ? a : b and max(a, b) = a < b ? b : a, lane by lane, as one MINPS/MAXPS
// each (their definitions are exactly these selections, operand order included, so ties
// and signed zeros resolve as before). Written with `?:`, GCC shares the a < b mask of a
// compare-exchange and emits a compare and two blends instead. The ISA structs are not
// always_inline (a target-specific callee cannot be force-inlined into the target-neutral
// templates); the flatten dispatchers below inline them into their own target.
struct Sse2 {
  static v4 lo(v8 a) { return __builtin_shufflevector(a, a, 0, 1, 2, 3); }
  static v4 hi(v8 a) { return __builtin_shufflevector(a, a, 4, 5, 6, 7); }
  static v8 join(v4 l, v4 h) { return __builtin_shufflevector(l, h, 0, 1, 2, 3, 4, 5, 6, 7); }
  static v8 min(v8 a, v8 b) {
    return join(__builtin_ia32_minps(lo(a), lo(b)), __builtin_ia32_minps(hi(a), hi(b)));
  }
  static v8 max(v8 a, v8 b) {
    return join(__builtin_ia32_maxps(lo(b), lo(a)), __builtin_ia32_maxps(hi(b), hi(a)));
  }
};
struct Avx2 {
  [[gnu::target("avx2")]] static v8 min(v8 a, v8 b) { return __builtin_ia32_minps256(a, b); }
  [[gnu::target("avx2")]] static v8 max(v8 a, v8 b) { return __builtin_ia32_maxps256(b, a); }
};
[[gnu::always_inline]] inline v8 splat(float x) { return v8{x, x, x, x, x, x, x, x}; }

// Where step s's 8 lane values are read and output i's are written: interleaved arrays
// (step s at p + 8 s) or one row pointer per step plus a column offset.
struct Interleaved {
  const float* p;
  [[gnu::always_inline]] const float* at(std::size_t s) const { return p + s * kMedianLanes; }
};
struct RowTable {
  const float* const* rows;
  std::size_t offset;
  [[gnu::always_inline]] const float* at(std::size_t s) const { return rows[s] + offset; }
};
struct Dest {
  float* p;
  std::size_t stride;
  [[gnu::always_inline]] float* at(std::size_t i) const { return p + i * stride; }
};

// S > 0: compile-time window size (fully unrolled); S == 0: size given at run time.
template <class I, int S, class In>
[[gnu::always_inline]] inline void kernel(In in, std::size_t n, int size_rt, Dest out) {
  const int size = S > 0 ? S : size_rt;
  const int h = size / 2;
  const v8 inf = splat(std::numeric_limits<float>::infinity());
  const v8 ninf = splat(-std::numeric_limits<float>::infinity());
  v8 w[(S > 0 ? S : kMaxStackSize) + 1];
  for (int k = 0; k <= size; ++k) w[k] = inf;
  // Sort the first window by insertion (descending k keeps w[k-1] unread-before-write).
  for (int m = 0; m < size; ++m) {
    const v8 x = load(in.at(static_cast<std::size_t>(m)));
    for (int k = m; k > 0; --k) w[k] = I::max(w[k - 1], I::min(w[k], x));
    w[0] = I::min(w[0], x);
  }
  store(out.at(0), w[h]);
  for (std::size_t i = 1; i < n; ++i) {
    const v8 xo = load(in.at(i - 1));
    const v8 xi = load(in.at(i - 1 + static_cast<std::size_t>(size)));
    v8 dprev = ninf;
    for (int k = 0; k < size - 1; ++k) {
      const v8 dk = w[k] < xo ? w[k] : w[k + 1];
      w[k] = I::max(dprev, I::min(dk, xi));
      dprev = dk;
    }
    w[size - 1] = I::max(dprev, xi);
    store(out.at(i), w[h]);
  }
}

// ---- Shared-core block kernel --------------------------------------------------------------
//
// Window N = 2K - 1, median = rank K - 1 (0-based). Outputs are done in groups of K. The
// windows of the g outputs i..i+g-1 all contain the core [i+g-1, i+N) (2K - g values); of the
// core only ranks K-g..K-1 can still become a median, since g - 1 more values join before any
// window is complete. Halving a group adds h = g/2 values to the core: its left child gains
// [i+h-1, i+g-1), its right child [i+N, i+N+h). The child's kept ranks are the middle h of
// the parent's kept ranks C (sorted, 2h) and the added values E (sorted, h): two bitonic
// half-cleaners and two bitonic sorts (select_ranks). Down to single outputs that is ~20
// min/max operations per output for K = 16, plus ~8 for sorting the blocks. The added runs are
// aligned sorted sub-blocks of the input shifted by one step (u[p] = in[p - 1]): block
// j = in[Kj - 1, Kj + K - 1); the group at i = Km reads its left runs from block m, its top
// core (exactly block m + 1, sorted) and its right runs from block m + 2. Each block is sorted
// once by Batcher's odd-even merge sort, keeping every level (sorted runs of 1, 2, 4, ... K),
// so all three roles reuse it.

// Batcher's odd-even merge of n = 2^k values whose halves are sorted: its comparators.
constexpr int merge_count(int n) { return n == 2 ? 1 : 2 * merge_count(n / 2) + n / 2 - 1; }

template <int N>
constexpr auto merge_network() {
  std::array<std::pair<int, int>, merge_count(N)> net{};
  int c = 0;
  // lo..hi inclusive, elements r apart: merge the even and the odd subsequences, then one
  // compare-exchange per adjacent (odd, even) pair (Batcher 1968).
  auto rec = [&](auto& self, int lo, int hi, int r) -> void {
    const int step = r * 2;
    if (step < hi - lo) {
      self(self, lo, hi, step);
      self(self, lo + r, hi, step);
      for (int i = lo + r; i < hi - r; i += step) net[c++] = {i, i + r};
    } else {
      net[c++] = {lo, lo + r};
    }
  };
  rec(rec, 0, N - 1, 1);
  return net;
}

constexpr int log2i(int k) { return k <= 1 ? 0 : 1 + log2i(k / 2); }

// One block of K steps with every merge-sort level: lv[l] holds sorted runs of 2^l.
template <int K>
struct Block {
  v8 lv[log2i(K) + 1][K];
  // Level 0 as 8 floats per slot: the interleaved input itself for interior blocks (saves K
  // stores and reloads per block), else lv[0].
  const float* run1;
};

// Run values of level L from slot `slot` on, 8 floats per slot.
template <int L, int K>
[[gnu::always_inline]] inline const float* runs(const Block<K>& b, int slot) {
  if constexpr (L == 0) return b.run1 + 8 * slot;
  else return reinterpret_cast<const float*>(b.lv[L] + slot);
}

// Level L + 1 from level L: runs of 2^L merged pairwise. Templates, not lambdas, all the way
// down: a lambda would not inherit the caller's target("avx2") and would run as SSE2 code.
template <class I, int K, int L>
[[gnu::always_inline]] inline void merge_level(Block<K>& b, const v8* level0) {
  constexpr int run = 2 << L;
  constexpr auto net = merge_network<run>();
  v8* d = b.lv[L + 1];
  for (int q = 0; q < K; ++q) d[q] = L == 0 ? level0[q] : b.lv[L][q];
#pragma GCC unroll 64
  for (int base = 0; base < K; base += run)
#pragma GCC unroll 64
    for (std::size_t c = 0; c < net.size(); ++c) {
      const v8 x = d[base + net[c].first], y = d[base + net[c].second];
      d[base + net[c].first] = I::min(x, y);
      d[base + net[c].second] = I::max(x, y);
    }
  if constexpr (L + 1 < log2i(K)) merge_level<I, K, L + 1>(b, level0);
}

// Sorts a bitonic sequence of H values ascending: Batcher's half-cleaners at distances
// H/2, H/4, ... 1 ((H/2) log2 H compare-exchanges).
template <class I, int H>
[[gnu::always_inline]] inline void bitonic_sort(v8* a) {
#pragma GCC unroll 8
  for (int d = H / 2; d >= 1; d /= 2)
#pragma GCC unroll 32
    for (int i = 0; i < H; ++i)
      if ((i & d) == 0) {
        const v8 x = a[i], y = a[i + d];
        a[i] = I::min(x, y);
        a[i + d] = I::max(x, y);
      }
}

// Ranks [h, 2h) of C u E, sorted (C: the 2h kept ranks of the parent core, E: h added
// values, both sorted), i.e. ranks [K-h, K) of the child's core. With E padded by +inf to 2h,
// min(C[i], E'[2h-1-i]) are the 2h smallest of C u E (Batcher's half-cleaner): C[0, h) and
// M[i] = min(C[h+i], E[h-1-i]). The wanted ranks are the h largest of those, the max half
// of C[0, h) against M sorted. 2h + 2h log2 h operations per child; the closed form
//   rank r = min over a + b = r - 1 of max(C[a], E[b])
// costs 2h^2, twice as much for h = 8.
template <class I, int H>
[[gnu::always_inline]] inline void select_ranks(const v8* c, const float* e, v8* out) {
  v8 m[H];
#pragma GCC unroll 32
  for (int i = 0; i < H; ++i) m[i] = I::min(c[H + i], load(e + 8 * (H - 1 - i)));
  bitonic_sort<I, H>(m);
#pragma GCC unroll 32
  for (int i = 0; i < H; ++i) out[i] = I::max(c[i], m[H - 1 - i]);
  bitonic_sort<I, H>(out);
}

template <class I, int K, int G>
[[gnu::always_inline]] inline void descend(const v8* kept, const Block<K>& left, const Block<K>& right, int pos,
                                           v8* out) {
  if constexpr (G == 1) {
    out[pos] = kept[0];
  } else {
    constexpr int H = G / 2, L = log2i(H);
    v8 child[H];
    select_ranks<I, H>(kept, runs<L>(left, pos + H), child);
    descend<I, K, H>(child, left, right, pos, out);
    select_ranks<I, H>(kept, runs<L>(right, pos), child);
    descend<I, K, H>(child, left, right, pos + H, out);
  }
}

// Block j covers steps Kj - 1 .. Kj + K - 2 of the `steps` valid ones. Step -1 lands only in
// runs no group reads, steps past the input only in windows of outputs >= n; both get a
// harmless value.
template <class I, int K, class In>
[[gnu::always_inline]] inline void load_block(In in, std::size_t steps, std::size_t j, Block<K>& b) {
  const std::size_t first = K * j;  // step + 1 of slot 0
  if (first >= 1 && first - 1 + K <= steps) {
    v8 x[K];
    for (int q = 0; q < K; ++q) x[q] = load(in.at(first - 1 + static_cast<std::size_t>(q)));
    if constexpr (std::is_same_v<In, Interleaved>) {
      b.run1 = in.at(first - 1);
    } else {
      for (int q = 0; q < K; ++q) b.lv[0][q] = x[q];
      b.run1 = reinterpret_cast<const float*>(b.lv[0]);
    }
    merge_level<I, K, 0>(b, x);
    return;
  }
  const v8 inf = splat(std::numeric_limits<float>::infinity());
  for (int q = 0; q < K; ++q) {
    const std::size_t s1 = first + static_cast<std::size_t>(q);
    b.lv[0][q] = s1 == 0 ? load(in.at(0)) : (s1 - 1 < steps ? load(in.at(s1 - 1)) : inf);
  }
  b.run1 = reinterpret_cast<const float*>(b.lv[0]);
  merge_level<I, K, 0>(b, b.lv[0]);
}

template <class I, int K, class In>
[[gnu::always_inline]] inline void block_kernel(In in, std::size_t n, Dest out) {
  constexpr int N = 2 * K - 1;
  const std::size_t steps = n + N - 1;  // valid input steps [0, steps)
  Block<K> blk[3];
  load_block<I, K>(in, steps, 0, blk[0]);
  load_block<I, K>(in, steps, 1, blk[1]);
  for (std::size_t m = 0; K * m < n; ++m) {
    load_block<I, K>(in, steps, m + 2, blk[(m + 2) % 3]);
    v8 res[K];
    descend<I, K, K>(blk[(m + 1) % 3].lv[log2i(K)], blk[m % 3], blk[(m + 2) % 3], 0, res);
    const std::size_t i0 = K * m, count = std::min<std::size_t>(K, n - i0);
    // A full group of interleaved output: K stores straight from registers (the counted loop
    // became a stack copy, ~6 % of the kernel). Along rows (strided output) the counted loop
    // measured faster.
    if (std::is_same_v<In, Interleaved> && count == K) {
#pragma GCC unroll 16
      for (int q = 0; q < K; ++q) store(out.at(i0 + static_cast<std::size_t>(q)), res[q]);
    } else {
      for (std::size_t q = 0; q < count; ++q) store(out.at(i0 + q), res[q]);
    }
  }
}

// Sizes with a block kernel, else the running window.
template <class I, class In>
[[gnu::always_inline]] inline void run_kernel(In in, std::size_t n, int size, Dest out) {
  if (size == 31) block_kernel<I, 16>(in, n, out);
  else if (size == 15) block_kernel<I, 8>(in, n, out);
  else kernel<I, 0>(in, n, size, out);
}

// AVX-512VL: the same 8-lane code (the same MINPS/MAXPS, EVEX-encoded) with 32 registers.
template <class In>
[[gnu::target("avx512f,avx512vl"), gnu::flatten]] void dispatch_avx512(In in, std::size_t n, int size, Dest out) {
  run_kernel<Avx2>(in, n, size, out);
}

template <class In>
[[gnu::flatten]] void dispatch_generic(In in, std::size_t n, int size, Dest out) {
  run_kernel<Sse2>(in, n, size, out);
}

template <class In>
[[gnu::target("avx2"), gnu::flatten]] void dispatch_avx2(In in, std::size_t n, int size, Dest out) {
  run_kernel<Avx2>(in, n, size, out);
}

// Windows longer than kMaxStackSize: a plain per-lane sorted copy (rare; not on HPSS paths).
template <class In>
void large_window(In in, std::size_t n, int size, Dest out) {
  const int h = size / 2;
  for (std::size_t j = 0; j < kMedianLanes; ++j)
    for (std::size_t i = 0; i < n; ++i) {
      // Partial selection by repeated minimum extraction would be O(size^2); nth_element
      // needs a buffer, so count ranks instead: the median is the value with
      // #less <= h < #less + #equal.
      for (int a = 0; a < size; ++a) {
        const float v = in.at(i + static_cast<std::size_t>(a))[j];
        int less = 0, equal = 0;
        for (int b = 0; b < size; ++b) {
          const float u = in.at(i + static_cast<std::size_t>(b))[j];
          less += u < v ? 1 : 0;
          equal += u == v ? 1 : 0;
        }
        if (less <= h && h < less + equal) {
          out.at(i)[j] = v;
          break;
        }
      }
    }
}

// The build for `isa`, or the best the CPU has for kAuto. The block sizes (15, 31) use
// AVX-512VL where present: 32 registers keep the block's runs and the selection tree out of
// memory (median8 on the HPSS shapes: ~6 % faster interleaved, ~10 % along rows, Zen 4). The
// running kernel stays AVX2 (its AVX-512VL build measured no faster).
enum class Build { kSse2, kAvx2, kAvx512 };

Build best_build(int size) {
  static const bool avx2 = core::use_avx2();
  static const bool avx512 =
      avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  if (avx512 && (size == 31 || size == 15)) return Build::kAvx512;
  return avx2 ? Build::kAvx2 : Build::kSse2;
}

template <class In>
void run(In in, std::size_t n, int size, Dest out, Build build) {
  if (n == 0 || size < 1) return;
  if (size > kMaxStackSize) return large_window(in, n, size, out);
  if (build == Build::kAvx512) dispatch_avx512(in, n, size, out);
  else if (build == Build::kAvx2) dispatch_avx2(in, n, size, out);
  else dispatch_generic(in, n, size, out);
}

}  // namespace

void median8(const float* in, std::size_t n, int size, float* out) noexcept {
  run(Interleaved{in}, n, size, Dest{out, kMedianLanes}, best_build(size));
}

void median8_rows(const float* const* rows, std::size_t offset, std::size_t n, int size, float* out,
                  std::size_t out_stride) noexcept {
  run(RowTable{rows, offset}, n, size, Dest{out, out_stride}, best_build(size));
}

namespace detail {

bool median8_isa(MedianIsa isa, const float* in, std::size_t n, int size, float* out) noexcept {
  static const bool avx2 = core::use_avx2();
  static const bool avx512 =
      avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  Build b = Build::kSse2;
  if (isa == MedianIsa::kAvx2) {
    if (!avx2) return false;
    b = Build::kAvx2;
  } else if (isa == MedianIsa::kAvx512) {
    if (!avx512) return false;
    b = Build::kAvx512;
  }
  run(Interleaved{in}, n, size, Dest{out, kMedianLanes}, b);
  return true;
}

}  // namespace detail

}  // namespace echoelml::dsp
