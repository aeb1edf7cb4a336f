// EBU R128 / ITU-R BS.1770-4 loudness, our own implementation. It reproduces what libebur128
// 1.2.6 measures (tests/analysis/loudness_reference_test.cpp compares the two on real and
// synthetic audio) at a fraction of the cost:
//  - K-weighting: libebur128's two biquads (shelf + RLB high-pass, coefficients from the analog
//    prototype at the buffer's rate), run in double; eight recursions share one loop (channels,
//    and stretches of a channel warmed up from zero state, see LoudnessMeter::Impl::filter) so
//    they overlap. The signal is measured in windows of up to 2^19 frames per channel, so it can
//    be fed in chunks while it is decoded (LoudnessMeter) with the same result as a whole buffer.
//  - Energies are summed per 100 ms segment once; each 400 ms gating block (75 % overlap) and
//    each 3 s short-term window is a sum of segments, so nothing is filtered or squared twice.
//  - True peak: libebur128's interpolator (49-tap Hann-windowed sinc, 4x below 96 kHz, 2x below
//    192 kHz, none above). A block of samples whose largest |x| times the filter's gain bound
//    cannot beat the peak found so far is skipped: the result is exact, the work mostly gone.
#include "echoelml/io/loudness.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "echoelml/core/error.h"

namespace echoelml::io {
namespace {

constexpr double kAbsoluteGateLufs = -70.0;   // BS.1770-4 absolute gate
constexpr double kRelativeGateLu = -10.0;     // integrated loudness relative gate
constexpr double kLraRelativeGate = -20.0;    // EBU Tech 3342 relative gate for the LRA
constexpr int kBlockSegments = 4;             // 400 ms gating block = 4 x 100 ms
constexpr int kShortTermSegments = 30;        // 3 s short-term window
constexpr int kInterpTaps = 49;               // libebur128's true-peak interpolator length


double to_db(double linear) {
  return linear > 0.0 ? 20.0 * std::log10(linear) : -std::numeric_limits<double>::infinity();
}
double energy_to_lufs(double e) { return 10.0 * std::log10(e) - 0.691; }
double lufs_to_energy(double l) { return std::pow(10.0, (l + 0.691) / 10.0); }

// BS.1770 channel weights with libebur128's default map: L, R, C = 1; the 4th channel is LFE
// (ignored) unless there are exactly 4 (L, R, Ls, Rs) or 5 (L, R, C, Ls, Rs); surrounds 1.41.
std::vector<double> channel_weights(std::size_t channels) {
  std::vector<double> w(channels, 0.0);
  if (channels == 4) return {1.0, 1.0, 1.41, 1.41};
  if (channels == 5) return {1.0, 1.0, 1.0, 1.41, 1.41};
  for (std::size_t c = 0; c < channels && c < 6; ++c) w[c] = (c == 3) ? 0.0 : (c >= 4 ? 1.41 : 1.0);
  return w;
}

// The K-weighting filter as one 4th-order direct-form-II section (the product of the shelf and
// the high-pass, as libebur128 builds it), a[0] = 1.
struct KFilter {
  std::array<double, 5> b{}, a{};
};

KFilter k_filter(double sr) {
  // Stage 1: high shelf (+4 dB above ~1.7 kHz). Stage 2: RLB high-pass at ~38 Hz.
  double f0 = 1681.974450955533, gain_db = 3.999843853973347, q = 0.7071752369554196;
  double k = std::tan(std::numbers::pi * f0 / sr);
  const double vh = std::pow(10.0, gain_db / 20.0), vb = std::pow(vh, 0.4996667741545416);
  const double a0 = 1.0 + k / q + k * k;
  const std::array<double, 3> pb{(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
                                 (vh - vb * k / q + k * k) / a0};
  const std::array<double, 3> pa{1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
  f0 = 38.13547087602444, q = 0.5003270373238773;
  k = std::tan(std::numbers::pi * f0 / sr);
  const std::array<double, 3> rb{1.0, -2.0, 1.0};
  const std::array<double, 3> ra{1.0, 2.0 * (k * k - 1.0) / (1.0 + k / q + k * k),
                                 (1.0 - k / q + k * k) / (1.0 + k / q + k * k)};
  KFilter f;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      f.b[i + j] += pb[i] * rb[j];
      f.a[i + j] += pa[i] * ra[j];
    }
  return f;
}

// One lane of the K-weighting kernel: channel samples x (segment 0 of the current window),
// filtered from segment `first` on; the energies of segments [own_from, own_to) are added to
// the result with weight w, earlier ones are the filter's warm-up and dropped.
struct Lane {
  const float* x = nullptr;
  double w = 0.0;
  std::size_t first = 0, own_from = 0, own_to = 0;
};

constexpr std::size_t kLanes = 8;  // recursions per kernel call: two vectors of four

// Eight recursions in two independent vector chains: one chain waits on its multiply-add
// latency every sample, two keep the floating-point units busy (same operations per lane).
__attribute__((target_clones("arch=x86-64-v3", "default")))
void k_weighted_lanes(const KFilter& f, const Lane* lanes, std::size_t count, std::size_t seg, double* energy,
                      double* state) {
  typedef double V __attribute__((vector_size(32)));
  V z1[2], z2[2], z3[2], z4[2];  // state of lanes 4h..4h+3, read here and written back at the end
  for (int h = 0; h < 2; ++h) {
    std::memcpy(&z1[h], state + 4 * h, sizeof(V));
    std::memcpy(&z2[h], state + 8 + 4 * h, sizeof(V));
    std::memcpy(&z3[h], state + 16 + 4 * h, sizeof(V));
    std::memcpy(&z4[h], state + 24 + 4 * h, sizeof(V));
  }
  for (std::size_t s = 0; s < count; ++s) {
    V acc[2] = {};
    const float* p[kLanes];
    for (std::size_t c = 0; c < kLanes; ++c) p[c] = lanes[c].x + (lanes[c].first + s) * seg;
    for (std::size_t i = 0; i < seg; ++i) {
      for (int h = 0; h < 2; ++h) {
        const V in{p[4 * h][i], p[4 * h + 1][i], p[4 * h + 2][i], p[4 * h + 3][i]};
        const V z0 = (in - f.a[2] * z2[h] - f.a[3] * z3[h] - f.a[4] * z4[h]) - f.a[1] * z1[h];
        const V y = f.b[0] * z0 + f.b[1] * z1[h] + f.b[2] * z2[h] + f.b[3] * z3[h] + f.b[4] * z4[h];
        z4[h] = z3[h], z3[h] = z2[h], z2[h] = z1[h], z1[h] = z0;
        acc[h] += y * y;
      }
    }
    // Subnormal states only slow the loop down; they carry no audible energy.
    for (int h = 0; h < 2; ++h)
      for (V* z : {&z1[h], &z2[h], &z3[h], &z4[h]})
        for (int c = 0; c < 4; ++c)
          if (std::abs((*z)[c]) < std::numeric_limits<double>::min()) (*z)[c] = 0.0;
    for (std::size_t c = 0; c < kLanes; ++c) {
      const std::size_t g = lanes[c].first + s;
      if (g >= lanes[c].own_from && g < lanes[c].own_to) energy[g] += lanes[c].w * acc[c / 4][c % 4];
    }
  }
  for (int h = 0; h < 2; ++h) {
    std::memcpy(state + 4 * h, &z1[h], sizeof(V));
    std::memcpy(state + 8 + 4 * h, &z2[h], sizeof(V));
    std::memcpy(state + 16 + 4 * h, &z3[h], sizeof(V));
    std::memcpy(state + 24 + 4 * h, &z4[h], sizeof(V));
  }
}

// A stretch after the first of a window starts kWarmupSegments early from zero state; the
// filter's slowest pole (the 38 Hz high-pass, a double pole at exp(-2 pi 38 / sr)) leaves
// (1 + 47.8) e^-47.8 < 1e-19 of that start-up after 0.2 s, far below double rounding, so the
// stretches join as one recursion would. The first stretch continues the state the previous
// window left.
constexpr std::size_t kWarmupSegments = 2;
constexpr std::size_t kWindowFrames = std::size_t{1} << 19;  // per channel: bounds the window buffer
constexpr std::size_t kMaxWindowSegments = 64;
// Room past the window for reserve() (MixStream reserves 8192-frame blocks), so the buffer is
// allocated once: growing it later costs a copy and fresh pages.
constexpr std::size_t kReserveSlack = 16384;

typedef float Float8 __attribute__((vector_size(32)));

// max |x[i]| over n samples: two vector registers of running maxima instead of one
// latency-bound scalar max chain (AVX2 where the CPU has it; max is exact in any order).
__attribute__((target_clones("avx2", "default"))) float abs_max(const float* x, std::size_t n) {
  Float8 m0{}, m1{};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    Float8 a, b;
    std::memcpy(&a, x + i, sizeof a);
    std::memcpy(&b, x + i + 8, sizeof b);
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    m0 = a > m0 ? a : m0;
    m1 = b > m1 ? b : m1;
  }
  m0 = m1 > m0 ? m1 : m0;
  float best = 0;
  for (int k = 0; k < 8; ++k) best = std::max(best, m0[k]);
  for (; i < n; ++i) best = std::max(best, std::abs(x[i]));
  return best;
}

// libebur128's polyphase interpolator: phase p holds the taps j = p (mod factor) of a
// Hann-windowed sinc; tap j reads the input `j / factor` samples back.
struct Interpolator {
  int factor = 0;
  struct Phase {
    std::vector<float> coeff;
    std::vector<int> delay;
  };
  std::vector<Phase> phases;
  int max_delay = 0;
  double gain_bound = 0;  // max over phases of sum |coeff|: |output| <= gain_bound * max |input|
};

Interpolator make_interpolator(int factor) {
  Interpolator ip;
  ip.factor = factor;
  ip.phases.resize(static_cast<std::size_t>(factor));
  for (int j = 0; j < kInterpTaps; ++j) {
    const double m = j - (kInterpTaps - 1) / 2.0;
    double c = 1.0;
    if (std::abs(m) > 1e-6) c = std::sin(m * std::numbers::pi / factor) / (m * std::numbers::pi / factor);
    c *= 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * j / (kInterpTaps - 1)));
    if (std::abs(c) <= 1e-6) continue;  // the sinc's zeros and the window's ends
    auto& ph = ip.phases[static_cast<std::size_t>(j % factor)];
    ph.coeff.push_back(static_cast<float>(c));
    ph.delay.push_back(j / factor);
    ip.max_delay = std::max(ip.max_delay, j / factor);
  }
  for (const auto& ph : ip.phases) {
    double sum = 0;
    for (float c : ph.coeff) sum += std::abs(c);
    ip.gain_bound = std::max(ip.gain_bound, sum);
  }
  return ip;
}

// max |output| of one interpolator phase for outputs 0..n-1 of a block; in[i] is input sample
// i of the block, readable back to in[-max_delay]. 8 outputs per step in a vector register:
// AVX2 where the CPU has it (resolved once at load time), else two SSE2 halves.
__attribute__((target_clones("avx2", "default")))
float phase_block_max(const float* in, std::size_t n, const float* coeff, const int* delay, std::size_t taps) {
  Float8 m{};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    Float8 acc{};
    for (std::size_t t = 0; t < taps; ++t) {
      Float8 x;
      std::memcpy(&x, in + i - delay[t], sizeof x);
      acc += coeff[t] * x;
    }
    const Float8 a = acc < 0 ? -acc : acc;
    m = a > m ? a : m;
  }
  float best = 0;
  for (int k = 0; k < 8; ++k) best = std::max(best, m[k]);
  for (; i < n; ++i) {  // the last outputs one by one: nothing past the input's end is emitted
    float acc = 0;
    for (std::size_t t = 0; t < taps; ++t) acc += coeff[t] * in[static_cast<std::ptrdiff_t>(i) - delay[t]];
    best = std::max(best, std::abs(acc));
  }
  return best;
}

constexpr std::size_t kPeakBlock = 256;  // true-peak skip granularity (samples)

// max |x| of each kPeakBlock-sample block of x (the last block may be shorter).
std::vector<float> block_maxima(std::span<const float> x) {
  std::vector<float> m((x.size() + kPeakBlock - 1) / kPeakBlock);
  for (std::size_t b = 0; b < m.size(); ++b)
    m[b] = abs_max(x.data() + b * kPeakBlock, std::min(kPeakBlock, x.size() - b * kPeakBlock));
  return m;
}

// Loudness range from short-term values: abs and relative gates, then the 95th minus the 10th
// percentile, with ffmpeg's rank rule (the k-th smallest, k = floor(q*n + 0.5), at least 1).
double loudness_range(const std::vector<double>& short_term) {
  std::vector<double> v;
  for (double x : short_term)
    if (x > kAbsoluteGateLufs) v.push_back(x);
  if (v.size() < 2) return 0.0;
  double energy = 0.0;
  for (double x : v) energy += std::pow(10.0, x / 10.0);
  const double gate = 10.0 * std::log10(energy / static_cast<double>(v.size())) + kLraRelativeGate;
  std::vector<double> g;
  for (double x : v)
    if (x > gate) g.push_back(x);
  if (g.size() < 2) return 0.0;
  std::sort(g.begin(), g.end());
  const auto rank = [&](double q) {
    const auto k = static_cast<std::size_t>(q * static_cast<double>(g.size()) + 0.5);
    return g[std::max<std::size_t>(k, 1) - 1];
  };
  return rank(0.95) - rank(0.10);
}

double integrated_loudness(const std::vector<double>& seg_energy, std::size_t seg) {
  const double abs_gate = lufs_to_energy(kAbsoluteGateLufs);
  std::vector<double> blocks;
  for (std::size_t s = kBlockSegments - 1; s < seg_energy.size(); ++s) {
    // Each block re-sums its 4 segments (no running sum whose rounding drifts over hours).
    double e = 0;
    for (std::size_t k = s + 1 - kBlockSegments; k <= s; ++k) e += seg_energy[k];
    e /= static_cast<double>(kBlockSegments * seg);
    if (e >= abs_gate) blocks.push_back(e);
  }
  if (blocks.empty()) return -std::numeric_limits<double>::infinity();
  double mean = 0;
  for (double e : blocks) mean += e;
  const double rel_gate = mean / static_cast<double>(blocks.size()) * std::pow(10.0, kRelativeGateLu / 10.0);
  double sum = 0;
  std::size_t n = 0;
  for (double e : blocks)
    if (e >= rel_gate) sum += e, ++n;
  if (n == 0) return -std::numeric_limits<double>::infinity();
  return energy_to_lufs(sum / static_cast<double>(n));
}

std::vector<double> short_term_loudness(const std::vector<double>& seg_energy, std::size_t seg) {
  std::vector<double> out;
  if (seg_energy.size() < kShortTermSegments) return out;
  out.reserve(seg_energy.size() - kShortTermSegments + 1);
  for (std::size_t s = kShortTermSegments - 1; s < seg_energy.size(); ++s) {
    double e = 0;
    for (std::size_t k = s + 1 - kShortTermSegments; k <= s; ++k) e += seg_energy[k];
    e /= static_cast<double>(kShortTermSegments * seg);
    out.push_back(e > 0 ? energy_to_lufs(e) : -std::numeric_limits<double>::infinity());
  }
  return out;
}

// max |interpolated sample| of one window of a channel that exceeds `best`; returns max(best,
// that). hist holds the max_delay samples before x[0] (zeros before the start); block_max[b] is
// max |x| over block b of the window and prev_max that of the previous window's last block. An
// output of block b reads back at most max_delay <= kPeakBlock samples, so the larger of the two
// block maxima bounds every input it uses.
double true_peak_window(const Interpolator& ip, const float* x, std::size_t n, const std::vector<float>& hist,
                        const std::vector<float>& block_max, float prev_max, double best) {
  const auto D = static_cast<std::size_t>(ip.max_delay);
  std::vector<float> padded(D + kPeakBlock);
  const double margin = 1.0 + 1e-5;  // float rounding of the filter sums
  for (std::size_t b = 0, b0 = 0; b0 < n; ++b, b0 += kPeakBlock) {
    const std::size_t len = std::min(kPeakBlock, n - b0);
    const float m = std::max(b > 0 ? block_max[b - 1] : prev_max, block_max[b]);
    if (static_cast<double>(m) * ip.gain_bound * margin <= best) continue;
    // padded[D + i] = x[b0 + i], with the D samples before it.
    for (std::size_t i = 0; i < D; ++i) padded[i] = b0 + i >= D ? x[b0 + i - D] : hist[b0 + i];
    std::copy(x + b0, x + b0 + len, padded.begin() + static_cast<std::ptrdiff_t>(D));
    for (const auto& ph : ip.phases)
      best = std::max(best, static_cast<double>(phase_block_max(padded.data() + D, len, ph.coeff.data(),
                                                                ph.delay.data(), ph.coeff.size())));
  }
  return best;
}

}  // namespace

// The meter cuts the signal into windows of window_frames frames (counted from the first frame,
// whatever the callers' chunk sizes) and measures each window as a whole; the last, shorter
// window is measured by finish(). Full windows given in place are measured without a copy.
struct LoudnessMeter::Impl {
  double sr = 0;
  std::size_t C = 0, seg = 0, window_segments = 0, window_frames = 0, parts = 1, total = 0, fill = 0;
  LoudnessParams p;
  KFilter kf;
  std::vector<double> w;
  std::vector<std::size_t> used;                 // channels with a non-zero weight
  std::vector<std::array<double, 4>> carry;      // z1..z4 of each used channel's recursion
  std::vector<std::vector<float>> buf;           // the window being filled, per channel
  std::vector<float*> write;                     // reserve(): where the caller writes
  std::size_t reserved = 0;
  std::vector<double> seg_energy;
  // Peaks.
  int factor = 1;
  Interpolator ip;
  std::vector<std::vector<float>> hist;          // the max_delay samples before the window
  std::vector<float> prev_max;                   // max |x| of the previous window's last block
  double sample_peak = 0, true_peak = 0;

  // K-weighted energies of the window's complete segments, in `parts` stretches side by side.
  void filter(const float* const* ch, std::size_t nseg) {
    std::size_t P = parts;
    while (P > 1 && nseg < P * 4 * kWarmupSegments) --P;  // keeps the warm-up overhead <= 1/4
    const std::size_t K = kWarmupSegments, L = (nseg + P - 1) / P, count = std::min(L + K, nseg);
    std::vector<Lane> lanes;
    std::vector<std::array<double, 4>> init;
    for (std::size_t j = 0; j < P; ++j) {
      const std::size_t from = j * L, to = j + 1 == P ? nseg : (j + 1) * L;
      const std::size_t first = j == 0 ? 0 : std::min(from - K, nseg - count);
      for (std::size_t u = 0; u < used.size(); ++u) {
        lanes.push_back({ch[used[u]], w[used[u]], first, from, to});
        init.push_back(j == 0 ? carry[u] : std::array<double, 4>{});
      }
    }
    while (lanes.size() % kLanes != 0) lanes.push_back({ch[used[0]], 0.0, 0, 0, 0}), init.push_back({});
    seg_energy.resize(seg_energy.size() + nseg, 0.0);
    double* energy = seg_energy.data() + seg_energy.size() - nseg;
    for (std::size_t g = 0; g < lanes.size(); g += kLanes) {
      double state[4 * kLanes];
      for (std::size_t z = 0; z < 4; ++z)
        for (std::size_t c = 0; c < kLanes; ++c) state[kLanes * z + c] = init[g + c][z];
      k_weighted_lanes(kf, lanes.data() + g, count, seg, energy, state);
      for (std::size_t c = 0; c < kLanes; ++c) {
        const std::size_t lane = g + c;
        if (lane / used.size() + 1 == P && lane < P * used.size())  // the last stretch carries on
          for (std::size_t z = 0; z < 4; ++z) carry[lane % used.size()][z] = state[kLanes * z + c];
      }
    }
  }

  // Measures the first n buffered frames of every channel.
  void measure_buffer(std::size_t n) {
    std::vector<const float*> b(C);
    for (std::size_t c = 0; c < C; ++c) b[c] = buf[c].data();
    measure(b.data(), n);
  }

  void measure(const float* const* ch, std::size_t n) {
    if (const std::size_t nseg = n / seg; nseg > 0) filter(ch, nseg);
    std::vector<std::vector<float>> bm(C);
    for (std::size_t c = 0; c < C; ++c) {
      bm[c] = block_maxima({ch[c], n});
      for (float m : bm[c]) sample_peak = std::max(sample_peak, static_cast<double>(m));
    }
    if (p.true_peak && factor > 1) {
      const std::size_t D = hist.empty() ? 0 : hist[0].size();
      true_peak = std::max(true_peak, sample_peak);
      for (std::size_t c = 0; c < C; ++c) {
        true_peak = true_peak_window(ip, ch[c], n, hist[c], bm[c], prev_max[c], true_peak);
        std::vector<float> h(hist[c]);
        h.insert(h.end(), ch[c] + (n > D ? n - D : 0), ch[c] + n);
        hist[c].assign(h.end() - static_cast<std::ptrdiff_t>(D), h.end());
      }
    }
    for (std::size_t c = 0; c < C; ++c)
      if (!bm[c].empty()) prev_max[c] = bm[c].back();
  }
};

LoudnessMeter::LoudnessMeter(double sr, std::size_t channels, const LoudnessParams& p) : impl_(std::make_unique<Impl>()) {
  if (channels == 0) throw ParameterError("LoudnessMeter: 0 channels");
  if (!std::isfinite(sr) || sr < 5.0 || sr != std::floor(sr) || sr > 2822400.0)
    throw ParameterError("measure_loudness: sr must be a whole number of Hz in [5, 2822400], got " + std::to_string(sr));
  Impl& m = *impl_;
  m.sr = sr, m.C = channels, m.p = p;
  m.seg = static_cast<std::size_t>((static_cast<unsigned long>(sr) + 5) / 10);  // 100 ms
  m.kf = k_filter(sr);
  m.w = channel_weights(channels);
  for (std::size_t c = 0; c < channels; ++c)
    if (m.w[c] > 0) m.used.push_back(c);
  m.carry.assign(m.used.size(), {});
  m.parts = sr < 8000.0 || m.used.size() >= kLanes ? 1 : kLanes / m.used.size();
  m.window_segments = std::clamp<std::size_t>(kWindowFrames / m.seg, 1, kMaxWindowSegments);
  m.window_frames = m.window_segments * m.seg;
  m.buf.assign(channels, std::vector<float>(m.window_frames + kReserveSlack));
  m.write.assign(channels, nullptr);
  m.factor = sr < 96000.0 ? 4 : (sr < 192000.0 ? 2 : 1);
  if (m.factor > 1) {
    m.ip = make_interpolator(m.factor);
    m.hist.assign(channels, std::vector<float>(static_cast<std::size_t>(m.ip.max_delay), 0.0f));
  }
  m.prev_max.assign(channels, 0.0f);
}

LoudnessMeter::~LoudnessMeter() = default;
LoudnessMeter::LoudnessMeter(LoudnessMeter&&) noexcept = default;
LoudnessMeter& LoudnessMeter::operator=(LoudnessMeter&&) noexcept = default;

void LoudnessMeter::add(const float* const* channels, std::size_t frames) {
  Impl& m = *impl_;
  m.total += frames;
  std::vector<const float*> ch(channels, channels + m.C);
  while (frames > 0) {
    if (m.fill == 0 && frames >= m.window_frames) {  // a whole window in place: no copy
      m.measure(ch.data(), m.window_frames);
    } else {
      const std::size_t n = std::min(frames, m.window_frames - m.fill);
      for (std::size_t c = 0; c < m.C; ++c) std::copy(ch[c], ch[c] + n, m.buf[c].begin() + static_cast<std::ptrdiff_t>(m.fill));
      m.fill += n;
      for (auto& p : ch) p += n;
      frames -= n;
      if (m.fill == m.window_frames) {
        m.measure_buffer(m.window_frames);
        m.fill = 0;
      }
      continue;
    }
    for (auto& p : ch) p += m.window_frames;
    frames -= m.window_frames;
  }
}

void LoudnessMeter::add_interleaved(const float* x, std::size_t frames) {
  Impl& m = *impl_;
  m.total += frames;
  while (frames > 0) {
    const std::size_t n = std::min(frames, m.window_frames - m.fill);
    for (std::size_t c = 0; c < m.C; ++c) {
      float* out = m.buf[c].data() + m.fill;
      for (std::size_t i = 0; i < n; ++i) out[i] = x[i * m.C + c];
    }
    m.fill += n;
    x += n * m.C;
    frames -= n;
    if (m.fill == m.window_frames) {
      m.measure_buffer(m.window_frames);
      m.fill = 0;
    }
  }
}

float* const* LoudnessMeter::reserve(std::size_t frames) {
  Impl& m = *impl_;
  for (std::size_t c = 0; c < m.C; ++c) {
    if (m.buf[c].size() < m.fill + frames) m.buf[c].resize(m.fill + frames);
    m.write[c] = m.buf[c].data() + m.fill;
  }
  m.reserved = frames;
  return m.write.data();
}

void LoudnessMeter::commit(std::size_t frames) {
  Impl& m = *impl_;
  if (frames > m.reserved)
    throw ParameterError("LoudnessMeter::commit: " + std::to_string(frames) + " frames, only " +
                         std::to_string(m.reserved) + " reserved");
  m.reserved = 0;
  m.total += frames;
  m.fill += frames;
  while (m.fill >= m.window_frames) {  // the reserve may have run past the window's end
    m.measure_buffer(m.window_frames);
    m.fill -= m.window_frames;
    for (std::size_t c = 0; c < m.C; ++c)
      std::copy_n(m.buf[c].begin() + static_cast<std::ptrdiff_t>(m.window_frames), m.fill, m.buf[c].begin());
  }
}

std::size_t LoudnessMeter::frames() const { return impl_->total; }

Loudness LoudnessMeter::finish() {
  Impl& m = *impl_;
  if (m.total == 0) throw ParameterError("measure_loudness: empty buffer (" + std::to_string(m.C) + " channels, 0 frames)");
  if (m.fill > 0) {
    m.measure_buffer(m.fill);
    m.fill = 0;
  }
  Loudness out;
  out.integrated_lufs = integrated_loudness(m.seg_energy, m.seg);
  out.range_lu = m.p.range ? loudness_range(short_term_loudness(m.seg_energy, m.seg))
                           : std::numeric_limits<double>::quiet_NaN();
  out.sample_peak_dbfs = to_db(m.sample_peak);
  // Like libebur128, the true peak is never below the sample peak.
  out.true_peak_dbtp = !m.p.true_peak ? std::numeric_limits<double>::quiet_NaN()
                                      : to_db(std::max(m.true_peak, m.sample_peak));
  m.total = 0;
  return out;
}

Loudness measure_loudness(const AudioBuffer& a, const LoudnessParams& p) {
  if (a.channels == 0 || a.frames == 0)
    throw ParameterError("measure_loudness: empty buffer (" + std::to_string(a.channels) + " channels, " +
                         std::to_string(a.frames) + " frames)");
  if (a.data.size() != a.channels * a.frames)
    throw ParameterError("measure_loudness: data holds " + std::to_string(a.data.size()) +
                         " samples, expected channels*frames = " + std::to_string(a.channels * a.frames));
  LoudnessMeter meter(a.sr, a.channels, p);
  std::vector<const float*> ch(a.channels);
  for (std::size_t c = 0; c < a.channels; ++c) ch[c] = a.data.data() + c * a.frames;
  meter.add(ch.data(), a.frames);
  return meter.finish();
}

}  // namespace echoelml::io
