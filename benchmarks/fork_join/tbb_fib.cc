// Copyright 2026 The multirun Authors.
//
// The fork-join fibonacci of workloads.h with oneTBB: a nested task_group per
// call inside a task_arena of N threads.

#include <cstdint>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/fork_join/workloads.h"
#include "tbb/global_control.h"
#include "tbb/task_arena.h"
#include "tbb/task_group.h"

namespace multirun {
namespace fork_join_benchmark {
namespace {

int TbbFib(int n) {
  if (n < 2) return n;
  int a = 0;
  tbb::task_group group;
  group.run([&] { a = TbbFib(n - 1); });
  int b = TbbFib(n - 2);
  group.wait();
  return a + b;
}

void BM_ForkJoinFib_TbbTaskGroup(benchmark::State& state) {
  {
    const int n = FibN(state);
    tbb::global_control parallelism(
        tbb::global_control::max_allowed_parallelism, Threads(state));
    tbb::task_arena arena(Threads(state));
    arena.execute([] { TbbFib(kWarmUpN); });  // Warm-up, untimed.
    for (auto _ : state) {
      int64_t result = 0;
      arena.execute([&result, n] { result = TbbFib(n); });
      if (result != FibValue(n)) {
        state.SkipWithError("wrong result");
        break;
      }
    }
    SetFibCounters(state);
  }
  LetTbbWorkersSettle();
}
BENCHMARK(BM_ForkJoinFib_TbbTaskGroup)->Apply(FibArgs)->UseRealTime();

}  // namespace
}  // namespace fork_join_benchmark
}  // namespace multirun
