// Copyright 2026 The multirun Authors.
//
// Fork-join recursion spawned from inside the workers: fibonacci(n) with one
// task per inner call, written the way each library's users write it, one
// file per implementation, registered into one binary so that the gate
// compares them in one run:
//
//   multirun_fib.cc  multirun: Submit(pool, fib(n - 1)), fib(n - 2) inline,
//                    then Future::Get() on the submitted half, on a
//                    ThreadPool of N workers (the benchmark thread submits
//                    the root and sleeps in Future::WaitFor()).
//   tbb_fib.cc       oneTBB: a tbb::task_group per call, group.run(fib(n - 1)),
//                    fib(n - 2) inline, group.wait(), inside a task_arena(N)
//                    under global_control(max_allowed_parallelism, N) (the
//                    benchmark thread plus N - 1 TBB workers).
//   taskflow_fib.cc  Taskflow: runtime.silent_async(fib(n - 1)), fib(n - 2)
//                    inline, then co-running until the child is done, on a
//                    tf::Executor(N) (the benchmark thread waits). Compiled
//                    only where <taskflow/taskflow.hpp> is on the include
//                    path; elsewhere the benchmark reports an error.
//
// The same recursion tree in all three: FibCalls(n) calls (items), of which
// FibTasks(n) are spawned as tasks. No sequential cut-off: the cost of one
// task is what is measured.
//
// Arguments: n (MULTIRUN_BENCH_FIB, default 25 and 30) and "threads" N
// (MULTIRUN_BENCH_THREADS, default 2), see benchmarks/benchmark_args.h:
// BM_ForkJoinFib_<Impl>/25/threads:2/real_time.
//
// Timed region: the whole recursion from the benchmark thread's submission
// of the root to its result. The executors and their threads are created and
// warmed up (fib(10)) before the timed loop.

#ifndef MULTIRUN_BENCHMARKS_FORK_JOIN_WORKLOADS_H_
#define MULTIRUN_BENCHMARKS_FORK_JOIN_WORKLOADS_H_

#include <chrono>
#include <cstdint>
#include <thread>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/benchmark_args.h"

namespace multirun {
namespace fork_join_benchmark {

inline constexpr int kWarmUpN = 10;

// fibonacci(n), by iteration.
inline int64_t FibValue(int64_t n) {
  int64_t a = 0;
  int64_t b = 1;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

// Calls of the recursion fib(n) = fib(n - 1) + fib(n - 2), fib(0 or 1) leaves:
// 2 fib(n + 1) - 1.
inline int64_t FibCalls(int64_t n) { return 2 * FibValue(n + 1) - 1; }

// Calls with n >= 2, each of which spawns one task: fib(n + 1) - 1.
inline int64_t FibTasks(int64_t n) { return FibValue(n + 1) - 1; }

// The benchmark's n and thread count.
inline int FibN(const benchmark::State& state) {
  return static_cast<int>(state.range(0));
}
inline int Threads(const benchmark::State& state) {
  return static_cast<int>(state.range(1));
}

inline void SetFibCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * FibCalls(FibN(state)));
  state.counters["tasks"] =
      benchmark::Counter(static_cast<double>(FibTasks(FibN(state))));
}

// One run per n and thread count.
inline void FibArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"", "threads"})
      ->ArgsProduct({bench::FibArgs(), bench::ThreadCounts()});
}

// oneTBB's workers outlive an arena and spin before they sleep; the TBB
// benchmark gives them time to settle after its timed loop (untimed), as
// executors/thread_pool_benchmark.cc does.
inline void LetTbbWorkersSettle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace fork_join_benchmark
}  // namespace multirun

#endif  // MULTIRUN_BENCHMARKS_FORK_JOIN_WORKLOADS_H_
