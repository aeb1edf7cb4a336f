// EBU R128 / ITU-R BS.1770-4 loudness, our own implementation. It reproduces what libebur128
// 1.2.6 measures (tests/analysis/loudness_reference_test.cpp compares the two on real and
// synthetic audio) at a fraction of the cost:
//  - K-weighting: libebur128's two biquads (shelf + RLB high-pass, coefficients from the analog
//    prototype at the buffer's rate), run in double; two channels share one loop so the two
//    recursions overlap in the pipeline.
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

// Two channels' samples in one SSE2 register (GCC/Clang vector extension, baseline x86-64).
typedef double Double2 __attribute__((vector_size(16)));

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

// Adds the K-weighted energy of complete `seg`-frame segments to energy[segment]. The 4th-order
// direct form II recursion is written so that the newest state enters last: the loop-carried
// chain is then one multiply and one subtract per sample (the other terms overlap with it).
// V is double (one channel) or a 2-lane vector (two channels in one register, SSE2).
template <typename V>
void k_weighted_energy(const KFilter& f, const float* const* x, const double* w, std::size_t segments,
                       std::size_t seg, std::vector<double>& energy) {
  constexpr int L = sizeof(V) / sizeof(double);
  V z1{}, z2{}, z3{}, z4{};
  for (std::size_t s = 0; s < segments; ++s) {
    V acc{};
    const std::size_t base = s * seg;
    for (std::size_t i = 0; i < seg; ++i) {
      V in;
      if constexpr (L == 1) {
        in = static_cast<double>(x[0][base + i]);
      } else {
        in = V{static_cast<double>(x[0][base + i]), static_cast<double>(x[1][base + i])};
      }
      const V z0 = (in - f.a[2] * z2 - f.a[3] * z3 - f.a[4] * z4) - f.a[1] * z1;
      const V y = f.b[0] * z0 + f.b[1] * z1 + f.b[2] * z2 + f.b[3] * z3 + f.b[4] * z4;
      z4 = z3, z3 = z2, z2 = z1, z1 = z0;
      acc += y * y;
    }
    // Subnormal states only slow the loop down; they carry no audible energy.
    for (V* z : {&z1, &z2, &z3, &z4})
      for (int c = 0; c < L; ++c) {
        double& v = reinterpret_cast<double*>(z)[c];
        if (std::abs(v) < std::numeric_limits<double>::min()) v = 0.0;
      }
    for (int c = 0; c < L; ++c) energy[s] += w[c] * reinterpret_cast<const double*>(&acc)[c];
  }
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

typedef float Float8 __attribute__((vector_size(32)));

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

// Largest |interpolated sample| of x (zero history before x[0], outputs up to the last input
// as libebur128 emits them) that exceeds `best`; returns max(best, that).
double true_peak_channel(const Interpolator& ip, std::span<const float> x, double best) {
  constexpr std::size_t kBlock = 256;
  const std::size_t n = x.size();
  const auto D = static_cast<std::size_t>(ip.max_delay);
  std::vector<float> padded(D + kBlock);
  const double margin = 1.0 + 1e-5;  // float rounding of the filter sums
  for (std::size_t b0 = 0; b0 < n; b0 += kBlock) {
    const std::size_t len = std::min(kBlock, n - b0);
    const std::size_t lo = b0 >= D ? b0 - D : 0;
    float m = 0;
    for (std::size_t i = lo; i < b0 + len; ++i) m = std::max(m, std::abs(x[i]));
    if (static_cast<double>(m) * ip.gain_bound * margin <= best) continue;
    // padded[D + i] = x[b0 + i], with the D samples before (zeros before the start).
    for (std::size_t i = 0; i < D; ++i) padded[i] = b0 + i >= D ? x[b0 + i - D] : 0.0f;
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(b0), x.begin() + static_cast<std::ptrdiff_t>(b0 + len),
              padded.begin() + static_cast<std::ptrdiff_t>(D));
    for (const auto& ph : ip.phases)
      best = std::max(best, static_cast<double>(phase_block_max(padded.data() + D, len, ph.coeff.data(),
                                                                ph.delay.data(), ph.coeff.size())));
  }
  return best;
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

}  // namespace

Loudness measure_loudness(const AudioBuffer& a, const LoudnessParams& p) {
  if (a.channels == 0 || a.frames == 0)
    throw ParameterError("measure_loudness: empty buffer (" + std::to_string(a.channels) + " channels, " +
                         std::to_string(a.frames) + " frames)");
  if (a.data.size() != a.channels * a.frames)
    throw ParameterError("measure_loudness: data holds " + std::to_string(a.data.size()) +
                         " samples, expected channels*frames = " + std::to_string(a.channels * a.frames));
  if (!std::isfinite(a.sr) || a.sr < 5.0 || a.sr != std::floor(a.sr) || a.sr > 2822400.0)
    throw ParameterError("measure_loudness: sr must be a whole number of Hz in [5, 2822400], got " +
                         std::to_string(a.sr));

  const std::size_t C = a.channels;
  const auto seg = static_cast<std::size_t>((static_cast<unsigned long>(a.sr) + 5) / 10);  // 100 ms
  const std::size_t segments = a.frames / seg;
  const auto w = channel_weights(C);
  const KFilter kf = k_filter(a.sr);

  // Per-segment weighted energy of all channels, two channels per pass.
  std::vector<double> seg_energy(segments, 0.0);
  std::vector<std::size_t> used;
  for (std::size_t c = 0; c < C; ++c)
    if (w[c] > 0) used.push_back(c);
  for (std::size_t i = 0; i < used.size(); i += 2) {
    if (i + 1 < used.size()) {
      const float* x[2] = {a.channel(used[i]).data(), a.channel(used[i + 1]).data()};
      const double ww[2] = {w[used[i]], w[used[i + 1]]};
      k_weighted_energy<Double2>(kf, x, ww, segments, seg, seg_energy);
    } else {
      const float* x[1] = {a.channel(used[i]).data()};
      const double ww[1] = {w[used[i]]};
      k_weighted_energy<double>(kf, x, ww, segments, seg, seg_energy);
    }
  }

  Loudness out;
  out.integrated_lufs = integrated_loudness(seg_energy, seg);
  out.range_lu = p.range ? loudness_range(short_term_loudness(seg_energy, seg))
                         : std::numeric_limits<double>::quiet_NaN();

  double sample_peak = 0;
  for (float v : a.data) sample_peak = std::max(sample_peak, static_cast<double>(std::abs(v)));
  out.sample_peak_dbfs = to_db(sample_peak);
  if (p.true_peak) {
    // Like libebur128, the true peak is never below the sample peak.
    double tp = sample_peak;
    const int factor = a.sr < 96000.0 ? 4 : (a.sr < 192000.0 ? 2 : 1);
    if (factor > 1) {
      const Interpolator ip = make_interpolator(factor);
      for (std::size_t c = 0; c < C; ++c) tp = true_peak_channel(ip, a.channel(c), tp);
    }
    out.true_peak_dbtp = to_db(tp);
  } else {
    out.true_peak_dbtp = std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

}  // namespace echoelml::io
