// One training step (forward + backward + Adam, batch 32, one thread) per model, with the
// achieved GFLOP/s of the matrix products. Compare with bench/pytorch_train_step.py, which runs
// the same architectures in PyTorch. Run with OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive.
#include <benchmark/benchmark.h>

#include "echoelml/train/trainer.h"

namespace {

using echoelml::train::ModelKind;

void train_step(benchmark::State& state, ModelKind kind) {
  echoelml::train::TrainConfig cfg;
  cfg.batch_size = 32;
  cfg.threads = 1;
  echoelml::train::TrainStepper stepper(kind, cfg);
  stepper.step();  // warm-up: first-touch allocations, Adam state
  for (auto _ : state) benchmark::DoNotOptimize(stepper.step());
  state.counters["GFLOP/s"] = benchmark::Counter(stepper.flops_per_step() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if (stepper.lstm_flops_per_step() > 0)
    state.counters["lstm_GFLOP"] = stepper.lstm_flops_per_step() * 1e-9;
}

// Wall time (as the Python reference), median of repetitions: the machine is shared.
BENCHMARK_CAPTURE(train_step, GenreClassifier, ModelKind::Genre)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(train_step, TechniqueRecognizer, ModelKind::Technique)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(train_step, MixAnalyzer, ModelKind::Mix)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly(true);
// ~0.7 s per step at LSTM width 512: 3 steps per repetition.
BENCHMARK_CAPTURE(train_step, PatternGenerator, ModelKind::Pattern)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3)->Repetitions(3)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
