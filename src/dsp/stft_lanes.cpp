#include "dsp/stft_lanes.h"

#include <cmath>
#include <cstdlib>
#include <new>
#include <numbers>
#include <string>

#include "dsp/stft_lanes_kernel.inc"
#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::dsp::detail {

namespace lanes {
void kernel_sse2(const KernelArgs& k) { kernel_body(k); }
}  // namespace lanes

namespace {
struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
}  // namespace

struct StftLanes::Tables {
  int M = 0, L = 0;
  std::vector<double> window;
  std::vector<std::vector<lanes::Twiddle3>> passes;
  std::vector<const lanes::Twiddle3*> pass_ptr;
  std::vector<int> digit_reversed;
  std::vector<double> split_c, split_s;
  std::unique_ptr<void, AlignedFree> work;
};

bool StftLanes::supports(int n_fft) {
  if (n_fft < 32 || n_fft % 2 != 0) return false;
  int m = n_fft / 2;
  while (m % 4 == 0) m /= 4;
  return m == 1;
}

StftLanes::StftLanes(int n_fft) : n_(n_fft), t_(std::make_unique<Tables>()) {
  if (!supports(n_fft))
    throw ParameterError("stft: the four-lane FFT needs n_fft = 2 * 4^L >= 32, got " +
                         std::to_string(n_fft));
  Tables& t = *t_;
  t.M = n_fft / 2;
  for (int m = t.M; m > 1; m /= 4) ++t.L;
  t.window = hann_periodic(n_fft);
  // Twiddles from long double angles: correctly rounded to well under an ulp of double.
  const long double two_pi = 2.0L * std::numbers::pi_v<long double>;
  auto unit = [&](long double turns, double& c, double& s) {
    c = static_cast<double>(std::cos(-two_pi * turns));
    s = static_cast<double>(std::sin(-two_pi * turns));
  };
  for (int s = 0; s < t.L; ++s) {
    const int n = t.M >> (2 * s);
    std::vector<lanes::Twiddle3> tw(static_cast<std::size_t>(n / 4));
    for (int p = 0; p < n / 4; ++p) {
      auto& w = tw[static_cast<std::size_t>(p)];
      unit(static_cast<long double>(p) / n, w.c1, w.s1);
      unit(static_cast<long double>(2 * p) / n, w.c2, w.s2);
      unit(static_cast<long double>(3 * p) / n, w.c3, w.s3);
    }
    t.passes.push_back(std::move(tw));
  }
  for (const auto& tw : t.passes) t.pass_ptr.push_back(tw.data());
  t.digit_reversed.resize(static_cast<std::size_t>(t.M));
  for (int i = 0; i < t.M; ++i) {
    int r = 0, x = i;
    for (int d = 0; d < t.L; ++d) r = r * 4 + (x & 3), x >>= 2;
    t.digit_reversed[static_cast<std::size_t>(i)] = r;
  }
  t.split_c.resize(static_cast<std::size_t>(t.M / 2 + 1));
  t.split_s.resize(t.split_c.size());
  for (std::size_t k = 0; k < t.split_c.size(); ++k)
    unit(static_cast<long double>(k) / n_fft, t.split_c[k], t.split_s[k]);
  t.work.reset(std::aligned_alloc(64, static_cast<std::size_t>(t.M) * 64));
  if (!t.work) throw std::bad_alloc();
}

StftLanes::~StftLanes() = default;

void StftLanes::magnitudes(const float* const frame[kLanes], float* out, std::size_t out_stride,
                           bool avx2) {
  const Tables& t = *t_;
  const lanes::KernelArgs args{frame,         t.window.data(),  t.pass_ptr.data(),
                               t.digit_reversed.data(), t.split_c.data(), t.split_s.data(),
                               t.work.get(),  t.M,              t.L,
                               out,           out_stride};
  if (avx2) lanes::kernel_avx2(args);
  else lanes::kernel_sse2(args);
}

}  // namespace echoelml::dsp::detail
