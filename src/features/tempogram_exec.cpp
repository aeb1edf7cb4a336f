// The sliding tempogram's bin-major executor (layout: tempogram_exec.h). Every value sees the
// operations of a frame-by-frame loop in the same order (acc terms added in frame order), so
// the result is bit-for-bit the same whatever the layout, block size or build.
//
// Cost per frame and block of NV vectors: the slide is 7 operations per state vector (an add,
// four multiplies, two adds), the Hann add 11 per output vector (2 x (add, multiply, subtract),
// two squares, their sum, the scale, the sum); NV - 2 output vectors. The state's chain per
// frame is add -> multiply -> subtract (~9 cycles), far below a block-frame's ~40 cycles of
// throughput, so the blocks need no interleaving; the register budget (2 NV state vectors,
// NV - 2 sums and a few temporaries) sets NV.
#include "features/tempogram_exec.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace echoelml::features::detail {
namespace {

// -Wpsabi stays off to the end of the file: GCC reports the vector arguments of the
// always-inlined helpers there, and they never cross a call.
#pragma GCC diagnostic ignored "-Wpsabi"
template <int V>
struct VecType;  // GCC vector type of V doubles
template <>
struct VecType<2> {
  typedef double T __attribute__((vector_size(16)));
};
template <>
struct VecType<4> {
  typedef double T __attribute__((vector_size(32)));
};
template <>
struct VecType<8> {
  typedef double T __attribute__((vector_size(64)));
};
template <int V>
using Vec = typename VecType<V>::T;

template <int V>
[[gnu::always_inline]] inline Vec<V> load(const double* p) {
  Vec<V> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <int V>
[[gnu::always_inline]] inline void store(double* p, const Vec<V>& v) {
  std::memcpy(p, &v, sizeof v);
}
// The pair (d0, d1) repeated over V lanes: one broadcast (building the vector lane by lane
// made GCC go through the stack, a store-forwarding stall per frame and block).
template <int V>
[[gnu::always_inline]] inline Vec<V> pairs(const double* d) {
  const Vec<2> p = load<2>(d);
  if constexpr (V == 2) return p;
  else if constexpr (V == 4) return __builtin_shufflevector(p, p, 0, 1, 0, 1);
  else return __builtin_shufflevector(p, p, 0, 1, 0, 1, 0, 1, 0, 1);
}

// re/im = (re + d + i im) * (c + i s) per slot, d by the bin's parity (the lane's).
template <int V, int NV>
[[gnu::always_inline]] inline void slide_regs(Vec<V> (&R)[NV], Vec<V> (&M)[NV], const double* c,
                                              const double* s, const FrameArgs& f) {
  const Vec<V> dd = pairs<V>(f.d);
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    const Vec<V> a = R[j] + dd, b = M[j], cj = load<V>(c + V * j), sj = load<V>(s + V * j);
    R[j] = a * cj - b * sj;
    M[j] = a * sj + b * cj;
  }
}

// The Hann filter doubled, 2 F[f] = R[f] - 0.5 (R[f-2] + R[f+2]), with the 1/4 folded into
// inv4 = inv / 4: scaling by powers of two is exact, so this rounds as |F|^2 * inv would.
template <int V, int NV>
[[gnu::always_inline]] inline void hann_regs(const Vec<V> (&R)[NV], const Vec<V> (&M)[NV],
                                             Vec<V> (&A)[NV - 2], double inv4) {
#pragma GCC unroll 16
  for (int j = 0; j < NV - 2; ++j) {  // scalars broadcast (GCC vector extension)
    const Vec<V> fr = R[j + 1] - 0.5 * (R[j] + R[j + 2]);
    const Vec<V> fi = M[j + 1] - 0.5 * (M[j] + M[j + 2]);
    A[j] += (fr * fr + fi * fi) * inv4;
  }
}

// All the chunk's frames for one block: its state and sums stay in registers, the twiddles
// come from L1.
template <int V, int NV>
[[gnu::always_inline]] inline void block_body(const ExecArgs& x, const BinLayout::Block& blk) {
  constexpr int NO = NV - 2;
  const Plan& plan = *x.plan;
  const double *c = x.c + blk.state, *s = x.s + blk.state;
  Vec<V> R[NV], M[NV], A[NO];
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    R[j] = load<V>(x.re + blk.state + V * j);
    M[j] = load<V>(x.im + blk.state + V * j);
  }
#pragma GCC unroll 16
  for (int j = 0; j < NO; ++j) A[j] = load<V>(x.acc + blk.out + V * j);
  const FrameArgs* frames = plan.frames.data();
  std::size_t t = 0;
  for (const Event& ev : plan.events) {
    for (; t < ev.t; ++t) {  // the common frames: slide, then add
      slide_regs<V, NV>(R, M, c, s, frames[t]);
      hann_regs<V, NV>(R, M, A, frames[t].inv4);
    }
    switch (ev.state) {
      case StateOp::kSlide: slide_regs<V, NV>(R, M, c, s, frames[t]); break;
      case StateOp::kZero:
#pragma GCC unroll 16
        for (int j = 0; j < NV; ++j) R[j] = M[j] = Vec<V>{};
        break;
      case StateOp::kSet: {
        const std::size_t o = ev.set_slot * plan.P + blk.state;
#pragma GCC unroll 16
        for (int j = 0; j < NV; ++j) {
          R[j] = load<V>(plan.set_re.data() + o + V * j);
          M[j] = load<V>(plan.set_im.data() + o + V * j);
        }
        break;
      }
    }
    switch (ev.add) {
      case AddOp::kNone: break;
      case AddOp::kHann: hann_regs<V, NV>(R, M, A, frames[t].inv4); break;
      case AddOp::kDirect: {
        const double* terms = plan.direct.data() + ev.direct_slot * plan.Q + blk.out;
#pragma GCC unroll 16
        for (int j = 0; j < NO; ++j) A[j] += load<V>(terms + V * j);
        break;
      }
    }
    ++t;
  }
  for (const std::size_t n = plan.frames.size(); t < n; ++t) {
    slide_regs<V, NV>(R, M, c, s, frames[t]);
    hann_regs<V, NV>(R, M, A, frames[t].inv4);
  }
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    store<V>(x.re + blk.state + V * j, R[j]);
    store<V>(x.im + blk.state + V * j, M[j]);
  }
#pragma GCC unroll 16
  for (int j = 0; j < NO; ++j) store<V>(x.acc + blk.out + V * j, A[j]);
}

// A block of blk.vectors (3 .. NV) vectors.
template <int V, int NV>
[[gnu::always_inline]] inline void run_block(const ExecArgs& x, const BinLayout::Block& blk) {
  if constexpr (NV > 3) {
    if (blk.vectors < NV) return run_block<V, NV - 1>(x, blk);
  }
  block_body<V, NV>(x, blk);
}

template <int V, int NV>
[[gnu::always_inline]] inline void execute_body(const ExecArgs& x) {
  for (const auto& blk : x.layout->blocks) run_block<V, NV>(x, blk);
}

// ---- Frame energies: E_t = sum (x[t+k] w[k])^2 and U_t = sum x[t+k]^2, k < W ----
// The per-frame kernel sums in eight lanes (k % 8, the tail k >= 8 floor(W/8) in lane 0 after
// them, then a fixed tree). U's lane j of frame t sums x^2 over t + j + 8i, i < floor(W/8):
// the same terms in the same order as lane j - 1 of frame t + 1, so one sum S(m) per sample
// position serves eight frames (U_t's lanes are S(t) .. S(t + 7)), and x^2 is squared once per
// sample. E's window moves with the frame: its lanes are summed per frame, F frames at a time
// (independent chains, shared window loads; the AVX-512VL build: 256-bit vectors, 4 frames).

[[gnu::always_inline]] inline double lane_tree(const double* l) {
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

template <int V, int F>
[[gnu::always_inline]] inline void energies_e(const double* xd, std::size_t t,
                                              const double* win, std::size_t w, double* e) {
  constexpr int K = 8 / V;
  Vec<V> a[F][K];
#pragma GCC unroll 16
  for (int f = 0; f < F; ++f)
#pragma GCC unroll 16
    for (int q = 0; q < K; ++q) a[f][q] = Vec<V>{};
  std::size_t k = 0;
  for (; k + 8 <= w; k += 8)
#pragma GCC unroll 16
    for (int q = 0; q < K; ++q) {
      const Vec<V> wv = load<V>(win + k + V * q);
#pragma GCC unroll 16
      for (int f = 0; f < F; ++f) {
        const Vec<V> y = load<V>(xd + t + f + k + V * q) * wv;
        a[f][q] += y * y;
      }
    }
  for (int f = 0; f < F; ++f) {
    double l[8];
    for (int q = 0; q < K; ++q) store<V>(l + V * q, a[f][q]);
    for (std::size_t r = k; r < w; ++r) {
      const double y = xd[t + f + r] * win[r];
      l[0] += y * y;
    }
    e[t + f] = lane_tree(l);
  }
}

template <int V, int F>
[[gnu::always_inline]] inline void energies_body(const float* x, std::size_t frames,
                                                 const double* win, std::size_t w, double* e,
                                                 double* u) {
  const std::size_t len = frames + w - 1, B = w / 8, ns = frames + 7;
  std::vector<double> xd(len), sq(len), S(ns, 0.0);
  for (std::size_t m = 0; m < len; ++m) {
    xd[m] = static_cast<double>(x[m]);
    sq[m] = xd[m] * xd[m];
  }
  // S(m) = sum_{i < B} sq[m + 8i] in order of i (m + 8i <= len - 1 for m < ns), in L1-sized
  // runs of m
  for (std::size_t m0 = 0; m0 < ns; m0 += 512) {
    const std::size_t m1 = std::min(ns, m0 + 512);
    for (std::size_t i = 0; i < B; ++i)
      for (std::size_t m = m0; m < m1; ++m) S[m] += sq[m + 8 * i];
  }
  for (std::size_t t = 0; t < frames; ++t) {
    double l[8];
    for (int j = 0; j < 8; ++j) l[j] = S[t + j];
    for (std::size_t r = 8 * B; r < w; ++r) l[0] += sq[t + r];
    u[t] = lane_tree(l);
  }
  std::size_t t = 0;
  for (; t + F <= frames; t += F) energies_e<V, F>(xd.data(), t, win, w, e);
  for (; t < frames; ++t) energies_e<V, 1>(xd.data(), t, win, w, e);
}

[[gnu::target("avx512f,avx512vl"), gnu::optimize("fp-contract=off")]] void energies_avx512(
    const float* x, std::size_t frames, const double* win, std::size_t w, double* e,
    double* u) {
  energies_body<4, 4>(x, frames, win, w, e, u);
}
[[gnu::target("avx2")]] void energies_avx2(const float* x, std::size_t frames,
                                           const double* win, std::size_t w, double* e,
                                           double* u) {
  energies_body<4, 2>(x, frames, win, w, e, u);
}
void energies_sse2(const float* x, std::size_t frames, const double* win, std::size_t w,
                   double* e, double* u) {
  energies_body<2, 2>(x, frames, win, w, e, u);
}

// Lanes and largest block per build, chosen by measurement (register budget: 2 NV state
// vectors + NV - 2 sums + ~4 temporaries). The AVX-512VL build runs 256-bit vectors in its 32
// registers: 512-bit ones (4 segments per vector) measured ~40 % slower on the Zen 4 machine
// (each is split in two there, so they save instructions, not flops). AVX2 and SSE2 have 16.
struct Build {
  int lanes, vectors;
};
constexpr Build kAvx512{4, 10}, kAvx2{4, 6}, kSse2{2, 7};
constexpr Build build_of(SimdBuild b) {
  return b == SimdBuild::kAvx512 ? kAvx512 : b == SimdBuild::kAvx2 ? kAvx2 : kSse2;
}

// AVX-512F implies FMA: contraction is switched off so that a * b + c stays two roundings.
[[gnu::target("avx512f,avx512vl"), gnu::optimize("fp-contract=off")]] void execute_avx512(
    const ExecArgs& x) {
  execute_body<kAvx512.lanes, kAvx512.vectors>(x);
}
[[gnu::target("avx2")]] void execute_avx2(const ExecArgs& x) {
  execute_body<kAvx2.lanes, kAvx2.vectors>(x);
}
void execute_sse2(const ExecArgs& x) { execute_body<kSse2.lanes, kSse2.vectors>(x); }

}  // namespace

BinLayout make_layout(SimdBuild build, std::size_t W) {
  const Build b = build_of(build);
  BinLayout lay;
  lay.lanes = b.lanes;
  lay.vectors = b.vectors;
  const long segments = b.lanes / 2, need = static_cast<long>(W) + 1;  // output bins 0..W
  long f0 = 0;
  while (f0 < need) {
    int nv = b.vectors;  // the last block: the fewest vectors that cover the rest
    while (nv > 3 && segments * (2 * (nv - 1) - 4) >= need - f0) --nv;
    const long seg_len = 2 * nv - 4;  // output bins per segment
    lay.blocks.push_back({f0, lay.state_bin.size(), lay.out_bin.size(), nv});
    for (int j = 0; j < nv; ++j)
      for (int l = 0; l < b.lanes; ++l)
        lay.state_bin.push_back(f0 + (l / 2) * seg_len + 2 * j + l % 2 - 2);
    for (int j = 0; j < nv - 2; ++j)
      for (int l = 0; l < b.lanes; ++l)
        lay.out_bin.push_back(f0 + (l / 2) * seg_len + 2 * j + l % 2);
    f0 += segments * seg_len;
  }
  return lay;
}

void execute(SimdBuild build, const ExecArgs& x) {
  switch (build) {
    case SimdBuild::kAvx512: execute_avx512(x); break;
    case SimdBuild::kAvx2: execute_avx2(x); break;
    case SimdBuild::kSse2: execute_sse2(x); break;
  }
}

void frame_energies(const float* x, std::size_t frames, const double* window, std::size_t w,
                    SimdBuild build, double* e, double* u) {
  if (frames == 0) return;
  switch (build) {
    case SimdBuild::kAvx512: energies_avx512(x, frames, window, w, e, u); break;
    case SimdBuild::kAvx2: energies_avx2(x, frames, window, w, e, u); break;
    case SimdBuild::kSse2: energies_sse2(x, frames, window, w, e, u); break;
  }
}

void frame_energies_reference(const float* x, const double* window, std::size_t n, double* e,
                              double* u) {
  double e8[8] = {}, u8[8] = {};
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (std::size_t j = 0; j < 8; ++j) {
      const double v = static_cast<double>(x[k + j]);
      const double y = v * window[k + j];
      e8[j] += y * y;
      u8[j] += v * v;
    }
  for (; k < n; ++k) {
    const double v = static_cast<double>(x[k]);
    const double y = v * window[k];
    e8[0] += y * y;
    u8[0] += v * v;
  }
  *e = lane_tree(e8);
  *u = lane_tree(u8);
}

}  // namespace echoelml::features::detail
