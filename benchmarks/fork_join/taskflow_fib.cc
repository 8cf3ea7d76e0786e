// Copyright 2026 The multirun Authors.
//
// The fork-join fibonacci of workloads.h with Taskflow: tf::Runtime tasks
// (Taskflow 3.7 or later) on a tf::Executor of N workers.
//
// Taskflow is header-only and not a Debian package: this file uses it where
// <taskflow/taskflow.hpp> is on the compiler's include path (installed under
// /usr/include or /usr/local/include, or `bazel build
// --copt=-isystem/path/to/taskflow ...`, the directory holding taskflow/).
// Elsewhere, and with a Taskflow older than 3.7, the benchmark is registered
// all the same and reports an error saying so, so that the binary's list of
// benchmarks is the same everywhere.

#include <cstdint>
#include <string>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/fork_join/workloads.h"

#if __has_include(<taskflow/taskflow.hpp>)
#include <taskflow/taskflow.hpp>
#if TF_VERSION >= 300700
#define MULTIRUN_HAVE_TASKFLOW 1
#endif
#endif

namespace multirun {
namespace fork_join_benchmark {
namespace {

#ifdef MULTIRUN_HAVE_TASKFLOW

// Co-runs until every task `runtime` spawned is done: corun_all() before
// Taskflow renamed it to corun().
template <typename Runtime>
void CorunChildren(Runtime& runtime) {
  if constexpr (requires { runtime.corun_all(); }) {
    runtime.corun_all();
  } else {
    runtime.corun();
  }
}

int TaskflowFib(int n, tf::Runtime& runtime) {
  if (n < 2) return n;
  int a = 0;
  runtime.silent_async(
      [&a, n](tf::Runtime& child) { a = TaskflowFib(n - 1, child); });
  int b = TaskflowFib(n - 2, runtime);
  CorunChildren(runtime);
  return a + b;
}

// Runs fib(n) as one runtime task of a one-task taskflow; returns its result.
int64_t RunTaskflowFib(tf::Executor& executor, int n) {
  int result = 0;
  tf::Taskflow taskflow;
  taskflow.emplace(
      [&result, n](tf::Runtime& runtime) { result = TaskflowFib(n, runtime); });
  executor.run(taskflow).wait();
  return result;
}

void BM_ForkJoinFib_Taskflow(benchmark::State& state) {
  const int n = FibN(state);
  tf::Executor executor(static_cast<size_t>(Threads(state)));
  RunTaskflowFib(executor, kWarmUpN);  // Warm-up, untimed.
  for (auto _ : state) {
    if (RunTaskflowFib(executor, n) != FibValue(n)) {
      state.SkipWithError("wrong result");
      break;
    }
  }
  SetFibCounters(state);
}

#else  // !MULTIRUN_HAVE_TASKFLOW

void BM_ForkJoinFib_Taskflow(benchmark::State& state) {
  state.SkipWithError(
      "Taskflow 3.7 or later is not on the include path "
      "(<taskflow/taskflow.hpp>); see benchmarks/fork_join/taskflow_fib.cc");
}

#endif  // MULTIRUN_HAVE_TASKFLOW

BENCHMARK(BM_ForkJoinFib_Taskflow)->Apply(FibArgs)->UseRealTime();

}  // namespace
}  // namespace fork_join_benchmark
}  // namespace multirun
