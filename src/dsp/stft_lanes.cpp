#include "dsp/stft_lanes.h"

#include <cmath>
#include <cstdlib>
#include <new>
#include <numbers>
#include <string>

#include "dsp/stft_lanes_kernel.inc"
#include "echoelml/core/cpu.h"
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
  int M = 0;
  std::vector<double> window;
  std::vector<lanes::Twiddle3> first;
  std::vector<std::vector<lanes::Twiddle3>> tw4;  // per radix-4 middle pass
  std::vector<std::vector<lanes::Twiddle7>> tw8;  // per radix-8 middle pass
  std::vector<lanes::MiddlePass> middle;
  std::vector<int> group_of;
  std::vector<double> split_c, split_s;
  std::unique_ptr<void, AlignedFree> work;
};

bool StftLanes::supports(int n_fft) {
  if (n_fft < 32 || n_fft % 2 != 0) return false;
  int m = n_fft / 2;
  while (m % 4 == 0) m /= 4;
  return m == 1;
}

StftLanes::Isa StftLanes::best_isa() {
  if (!core::use_avx2()) return Isa::kSse2;  // no AVX2, or ECHOELML_NO_AVX2=1
  return supported(Isa::kAvx512) ? Isa::kAvx512 : Isa::kAvx2;
}

bool StftLanes::supported(Isa isa) {
  switch (isa) {
    case Isa::kSse2: return true;
    case Isa::kAvx2: return __builtin_cpu_supports("avx2");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
  }
  return false;
}

StftLanes::StftLanes(int n_fft) : n_(n_fft), t_(std::make_unique<Tables>()) {
  if (!supports(n_fft))
    throw ParameterError("stft: the multi-lane FFT needs n_fft = 2 * 4^L >= 32, got " +
                         std::to_string(n_fft));
  Tables& t = *t_;
  const int M = t.M = n_fft / 2, Q = M / 4;
  t.window = hann_periodic(n_fft);
  // Twiddles from long double angles: correctly rounded to well under an ulp of double.
  const long double two_pi = 2.0L * std::numbers::pi_v<long double>;
  auto unit = [&](long double turns, double& c, double& s) {
    c = static_cast<double>(std::cos(-two_pi * turns));
    s = static_cast<double>(std::sin(-two_pi * turns));
  };
  auto radix4_twiddles = [&](int n) {
    std::vector<lanes::Twiddle3> tw(static_cast<std::size_t>(n / 4));
    for (int p = 0; p < n / 4; ++p) {
      auto& w = tw[static_cast<std::size_t>(p)];
      unit(static_cast<long double>(p) / n, w.c1, w.s1);
      unit(static_cast<long double>(2 * p) / n, w.c2, w.s2);
      unit(static_cast<long double>(3 * p) / n, w.c3, w.s3);
    }
    return tw;
  };
  t.first = radix4_twiddles(M);
  // The quarters (Q = 4^(L-1) points) take radix-8 passes while the remaining power of two
  // allows, radix-4 passes for the rest, and the fused last pass of radix 4: Q / 4 = 2^e with
  // e = 3a + 2b, b as small as possible.
  int e = 0;
  for (int m = Q / 4; m > 1; m /= 2) ++e;
  const int b = e % 3 == 0 ? 0 : (e % 3 == 2 ? 1 : 2), a8 = (e - 2 * b) / 3;
  std::vector<int> radices(static_cast<std::size_t>(a8), 8);
  radices.insert(radices.end(), static_cast<std::size_t>(b), 4);
  t.tw4.reserve(radices.size());
  t.tw8.reserve(radices.size());
  for (int n = Q; const int radix : radices) {
    if (radix == 8) {
      std::vector<lanes::Twiddle7> tw(static_cast<std::size_t>(n / 8));
      for (int p = 0; p < n / 8; ++p)
        for (int j = 1; j < 8; ++j)
          unit(static_cast<long double>(j * p) / n, tw[static_cast<std::size_t>(p)].c[j],
               tw[static_cast<std::size_t>(p)].s[j]);
      t.tw8.push_back(std::move(tw));
      t.middle.push_back({8, n, t.tw8.back().data()});
    } else {
      t.tw4.push_back(radix4_twiddles(n));
      t.middle.push_back({4, n, t.tw4.back().data()});
    }
    n /= radix;
  }
  // Decimation in frequency leaves storage digits in reverse: storage i = quarter r, then one
  // digit per middle pass (its output index, most significant first), then the last pass's j;
  // natural k = r + 4 (d_1 + R_1 (d_2 + R_2 (... + R_t j))). The last pass's group c (j = 0)
  // starts at group_of[c] and holds the natural points c + jQ.
  t.group_of.assign(static_cast<std::size_t>(Q), -1);
  for (int g = 0; g < M; g += 4) {
    int rem = g % Q, k = g / Q, weight = 4;
    for (const auto& pass : t.middle) {
      const int q = pass.n / pass.radix;
      k += weight * (rem / q);
      rem %= q;
      weight *= pass.radix;
    }
    t.group_of[static_cast<std::size_t>(k)] = g;
  }
  t.split_c.resize(static_cast<std::size_t>(M / 2 + 1));
  t.split_s.resize(t.split_c.size());
  for (std::size_t k = 0; k < t.split_c.size(); ++k)
    unit(static_cast<long double>(k) / n_fft, t.split_c[k], t.split_s[k]);
  t.work.reset(std::aligned_alloc(64, static_cast<std::size_t>(M) * 16 * kMaxLanes));
  if (!t.work) throw std::bad_alloc();
}

StftLanes::~StftLanes() = default;

void StftLanes::magnitudes(const float* const* frame, float* out, std::size_t out_stride,
                           Isa isa) {
  const Tables& t = *t_;
  const lanes::KernelArgs args{frame,
                               t.window.data(),
                               t.first.data(),
                               t.middle.data(),
                               static_cast<int>(t.middle.size()),
                               t.group_of.data(),
                               t.split_c.data(),
                               t.split_s.data(),
                               t.work.get(),
                               t.M,
                               out,
                               out_stride};
  switch (isa) {
    case Isa::kAvx512: lanes::kernel_avx512(args); break;
    case Isa::kAvx2: lanes::kernel_avx2(args); break;
    case Isa::kSse2: lanes::kernel_sse2(args); break;
  }
}

}  // namespace echoelml::dsp::detail
