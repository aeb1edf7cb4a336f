// Real FFTs, FFTW's own r2c/c2r plans (OLD, method 1) against the packed form (NEW, method 2:
// FFTW's complex FFT of n/2 points plus our split, src/dsp/fft_split.h), float and double, in
// one binary. Args: n, method. The inverse destroys its input, so each iteration first copies
// the spectrum back; BM_CopySpectrum* times that copy alone.
// Run: taskset -c 1 build/bench/bench_fft --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <complex>
#include <random>
#include <type_traits>
#include <vector>

#include "bench_clip.h"
#include "echoelml/dsp/fft.h"
#include "echoelml/dsp/stft.h"

using namespace echoelml;

namespace {

template <class T>
using FftOf = std::conditional_t<std::is_same_v<T, float>, dsp::RealFftFloat, dsp::RealFft>;

template <class T>
struct Buffers {
  explicit Buffers(int n) {
    if constexpr (std::is_same_v<T, float>) real = dsp::fft_alloc_realf(n), spec = dsp::fft_alloc_complexf(n / 2 + 1);
    else real = dsp::fft_alloc_real(n), spec = dsp::fft_alloc_complex(n / 2 + 1);
    std::mt19937 rng(1);
    std::uniform_real_distribution<T> u(T(-1), T(1));
    for (int i = 0; i < n; ++i) real[i] = u(rng);
    keep.assign(static_cast<std::size_t>(n / 2 + 1), {});
    for (auto& c : keep) c = {u(rng), u(rng)};
  }
  ~Buffers() {
    if constexpr (std::is_same_v<T, float>) dsp::fftf_free(real), dsp::fftf_free(spec);
    else dsp::fft_free(real), dsp::fft_free(spec);
  }
  T* real;
  std::complex<T>* spec;
  std::vector<std::complex<T>> keep;
};

dsp::detail::FftMethod method(const benchmark::State& st) {
  return st.range(1) == 1 ? dsp::detail::FftMethod::fftw_real : dsp::detail::FftMethod::packed_complex;
}

template <class T>
void BM_Forward(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0));
  const FftOf<T> f(n, method(st));
  Buffers<T> b(n);
  for (auto _ : st) {
    f.forward(b.real, b.spec);
    benchmark::DoNotOptimize(b.spec);
    benchmark::ClobberMemory();
  }
}

template <class T>
void BM_Inverse(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0));
  const FftOf<T> f(n, method(st));
  Buffers<T> b(n);
  for (auto _ : st) {
    std::copy(b.keep.begin(), b.keep.end(), b.spec);
    f.inverse(b.spec, b.real);
    benchmark::DoNotOptimize(b.real);
    benchmark::ClobberMemory();
  }
}

template <class T>
void BM_CopySpectrum(benchmark::State& st) {
  Buffers<T> b(static_cast<int>(st.range(0)));
  for (auto _ : st) {
    std::copy(b.keep.begin(), b.keep.end(), b.spec);
    benchmark::DoNotOptimize(b.spec);
    benchmark::ClobberMemory();
  }
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {2048, 256, 1024, 4096, 64, 32, 16})
    for (int m : {1, 2}) b->Args({n, m});
}

}  // namespace

BENCHMARK(BM_Forward<float>)->Apply(sizes);
BENCHMARK(BM_Inverse<float>)->Apply(sizes);
BENCHMARK(BM_Forward<double>)->Apply(sizes);
BENCHMARK(BM_Inverse<double>)->Apply(sizes);
BENCHMARK(BM_CopySpectrum<float>)->Arg(2048);
BENCHMARK(BM_CopySpectrum<double>)->Arg(2048);
// The genre set's STFT of the 30 s clip: the four-lane FFT with windowing and float32
// magnitudes in 16-frame tiles, against FFTW's one-frame transforms with windowing alone (the
// old path also converted the spectra to magnitudes and transposed them, not counted here).
void BM_StftMagnitudeTiles30s(benchmark::State& state) {
  const auto y = echoelml::bench::clip_mono().channel(0);
  for (auto _ : state) {
    float acc = 0.0f;
    echoelml::dsp::stft_magnitude_tiles(y, {}, 16, [&](std::size_t, std::size_t, const float* t) { acc += t[17]; });
    benchmark::DoNotOptimize(acc);
  }
}
void BM_StftBlocksFftw30s(benchmark::State& state) {
  const auto y = echoelml::bench::clip_mono().channel(0);
  for (auto _ : state) {
    double acc = 0.0;
    echoelml::dsp::stft_blocks(y, {}, 16, [&](std::size_t, std::size_t, const std::complex<double>* b) { acc += b[17].real(); });
    benchmark::DoNotOptimize(acc);
  }
}
BENCHMARK(BM_StftMagnitudeTiles30s)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StftBlocksFftw30s)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
