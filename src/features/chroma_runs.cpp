// chroma_runs.h: the run table of a 12-row chroma bank and its AVX-512 register kernel.
#include "chroma_runs.h"

#include <cstdint>
#include <utility>

#include "spectral_common.h"

// Products and sums rounded separately, as in the sparse SSE2/AVX2 loops (same bits).
#pragma GCC optimize("fp-contract=off")

namespace echoelml::features::detail {
namespace {

constexpr unsigned R = kChromaRunRows;
constexpr std::size_t L = kTileLanes;

struct Range {
  unsigned first, count;
  bool operator==(const Range&) const = default;
};

// The shortest cyclic range of rows holding the set bits of mask (R bits): the complement of
// its longest cyclic gap of unset bits.
Range cyclic_range(unsigned mask) {
  if (mask == 0) return {0, 0};
  if (mask == (1u << R) - 1) return {0, R};
  unsigned best_len = 0, best_end = 0;
  for (unsigned start = 0; start < R; ++start) {
    const bool starts_gap = !(mask >> start & 1u) && (mask >> ((start + R - 1) % R) & 1u);
    if (!starts_gap) continue;
    unsigned len = 0;
    while (!(mask >> ((start + len) % R) & 1u)) ++len;
    if (len > best_len) best_len = len, best_end = (start + len) % R;
  }
  return {best_end, R - best_len};
}

using V = float __attribute__((vector_size(4 * L)));  // one zmm: 16 frames

// The genre set's power tiles come from DRAM (its STFT writes them with streaming stores), and
// the loads of the sums wait on memory: each bin also asks for the line 256 bins (16 KB) ahead
// into L2 (prefetcht2), across page and tile boundaries (the tiles of a chunk are contiguous).
// Measured on the genre set's 10.6 MB of tiles just written with streaming stores: 0.61-0.65
// -> 0.41-0.44 ms; 64 or 512 bins ahead, or prefetcht0, gained less. A prefetch past the end of the buffer is harmless
// (prefetches never fault), so its address is computed on integers.
constexpr std::uintptr_t kPrefetchBytes = 256 * 4 * L;

// One bin of a run: the rows F, F + 1, ... (mod R) of the range, each one product and one sum.
template <unsigned F, unsigned... I>
[[gnu::target("avx512f,avx512vl"), gnu::always_inline]] inline void add_bin(
    V (&a)[R], const float* w, V p, std::integer_sequence<unsigned, I...>) {
  ((a[(F + I) % R] += w[I] * p), ...);
}

// The bins of a run whose range is rows F .. F + N - 1 (mod R); w and p walk on.
template <unsigned F, unsigned N>
[[gnu::target("avx512f,avx512vl"), gnu::always_inline]] inline void add_run(
    V (&a)[R], const float*& w, const float*& p, std::size_t bins) {
  for (std::size_t k = 0; k < bins; ++k, w += N, p += L) {
    __builtin_prefetch(
        reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + kPrefetchBytes), 0, 1);
    V pk;
    __builtin_memcpy(&pk, p, sizeof pk);
    add_bin<F>(a, w, pk, std::make_integer_sequence<unsigned, N>{});
  }
}

// Stores the sums and returns the lanes where one is inf or NaN. Every access to a has a
// constant index (as in add_bin), so GCC keeps a in registers: with a loop here it kept a in
// memory too, and moved each run loop's stores out behind flags that took general registers
// (and spilled loop counters).
template <unsigned... C>
[[gnu::target("avx512f,avx512vl"), gnu::always_inline]] inline std::uint32_t finish(
    const V (&a)[R], float* acc, std::size_t stride, std::integer_sequence<unsigned, C...>) {
  using VU = float __attribute__((vector_size(4 * L), aligned(4), may_alias));
  ((*reinterpret_cast<VU*>(acc + C * stride) = a[C]), ...);
  const V bad = (V{} + ... + (a[C] - a[C]));  // x - x: +0 for finite x, NaN for inf or NaN
  std::uint32_t mask = 0;
  for (unsigned j = 0; j < L; ++j)
    if (bad[j] != bad[j]) mask |= 1u << j;
  return mask;
}

}  // namespace

ChromaRunTable chroma_run_table(const float* kept, std::size_t K) {
  ChromaRunTable t;
  for (std::size_t k = 0; k < K; ++k) {
    unsigned mask = 0;
    for (unsigned c = 0; c < R; ++c)
      if (kept[k * R + c] != 0.0f) mask |= 1u << c;
    const Range r = cyclic_range(mask);
    if (t.runs.empty() || Range{t.runs.back().first, t.runs.back().count} != r)
      t.runs.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k),
                        static_cast<std::uint8_t>(r.first), static_cast<std::uint8_t>(r.count)});
    t.runs.back().end = static_cast<std::uint32_t>(k + 1);
    for (unsigned i = 0; i < r.count; ++i) t.weights.push_back(kept[k * R + (r.first + i) % R]);
  }
  return t;
}

bool chroma_runs_avx512_supported() {
  static const bool ok =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return ok;
}

// Each run is one case of one switch, so every row index is a constant and the 12 sums stay
// in zmm registers for the whole tile (32 of them with AVX-512; the power is read in bin
// order, one contiguous walk).
#define ECHOELML_CHROMA_RUN(F, N) \
  case (F) * 16 + (N):            \
    add_run<F, N>(a, w, p, bins); \
    break;
#define ECHOELML_CHROMA_RUNS(F)                                                         \
  ECHOELML_CHROMA_RUN(F, 1) ECHOELML_CHROMA_RUN(F, 2) ECHOELML_CHROMA_RUN(F, 3)         \
  ECHOELML_CHROMA_RUN(F, 4) ECHOELML_CHROMA_RUN(F, 5) ECHOELML_CHROMA_RUN(F, 6)         \
  ECHOELML_CHROMA_RUN(F, 7) ECHOELML_CHROMA_RUN(F, 8) ECHOELML_CHROMA_RUN(F, 9)         \
  ECHOELML_CHROMA_RUN(F, 10) ECHOELML_CHROMA_RUN(F, 11)

[[gnu::target("avx512f,avx512vl")]] std::uint32_t chroma_run_sums_avx512(
    const ChromaRunTable& table, const float* tile, float* acc, std::size_t acc_stride) {
  V a[R] = {};
  const float* w = table.weights.data();
  const float* p = tile;
  for (const ChromaRun& run : table.runs) {
    const std::size_t bins = run.end - run.begin;
    switch (run.first * 16u + run.count) {
      ECHOELML_CHROMA_RUN(0, 12)
      ECHOELML_CHROMA_RUNS(0) ECHOELML_CHROMA_RUNS(1) ECHOELML_CHROMA_RUNS(2)
      ECHOELML_CHROMA_RUNS(3) ECHOELML_CHROMA_RUNS(4) ECHOELML_CHROMA_RUNS(5)
      ECHOELML_CHROMA_RUNS(6) ECHOELML_CHROMA_RUNS(7) ECHOELML_CHROMA_RUNS(8)
      ECHOELML_CHROMA_RUNS(9) ECHOELML_CHROMA_RUNS(10) ECHOELML_CHROMA_RUNS(11)
      default:  // count 0: bins without kept weights
        p += bins * L;
    }
  }
  return finish(a, acc, acc_stride, std::make_integer_sequence<unsigned, R>{});
}

#undef ECHOELML_CHROMA_RUNS
#undef ECHOELML_CHROMA_RUN

}  // namespace echoelml::features::detail
