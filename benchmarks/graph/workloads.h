// Copyright 2026 The multirun Authors.
//
// Taskflow's micro-workloads for task-graph schedulers, shared by the
// implementations in this directory (multirun_graph.cc: multirun::Graph;
// tbb_flow_graph.cc: oneTBB's flow graph), which register their benchmarks
// into the same binary so that the gate compares them in one run:
//
//   linear_chain             N nodes in a chain, each increments a counter;
//   binary_tree              N = 2^k - 1 nodes, node i (1-based) precedes 2i
//                            and 2i + 1, each does a relaxed fetch_add;
//   embarrassing_parallelism N independent nodes, each a small fixed
//                            computation (SmallWork) stored in its own slot;
//   wavefront                a side x side grid, (i, j) precedes (i + 1, j)
//                            and (i, j + 1), each a relaxed fetch_add.
//
// The first benchmark argument is the size: N (2^20 and 2^16), or the
// wavefront's side (1024 and 256, i.e. 2^20 and 2^16 nodes). The second,
// "threads", is the number of threads that run nodes
// (MULTIRUN_BENCH_THREADS, default 2; see benchmarks/benchmark_args.h).
//
// With work per node: embarrassing_parallelism (2^14 nodes) and wavefront
// (128 x 128) whose nodes also spin for about work_ns nanoseconds (the third
// argument, 1000 and 10000) on BusyWork, calibrated once per process
// (WorkIterations), so that both libraries run the same instructions:
// BM_EmbarrassingWork_<Impl> and BM_WavefrontWork_<Impl> (and Prebuilt).
//
// Two variants of each: "<Workload>_<Impl>" builds the graph inside the
// timed region (construction + run, the bar), and
// "<Workload>_<Impl>Prebuilt" builds it once, outside, and times only runs
// of it. Executor start-up is outside the timed region for both libraries:
// multirun's ThreadPool(N) and TBB's task_arena(N) (under
// global_control(max_allowed_parallelism, N)) are created and warmed up
// before the timed loop. Threads that run nodes: ours, the pool's N workers
// (the benchmark thread sleeps in Future::Get()); TBB, the benchmark thread
// (inside wait_for_all()) plus N - 1 TBB workers.

#ifndef MULTIRUN_BENCHMARKS_GRAPH_WORKLOADS_H_
#define MULTIRUN_BENCHMARKS_GRAPH_WORKLOADS_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <thread>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/benchmark_args.h"

namespace multirun {
namespace graph_benchmark {

inline constexpr int64_t kLarge = int64_t{1} << 20;
inline constexpr int64_t kSmall = int64_t{1} << 16;
inline constexpr int64_t kLargeSide = 1024;
inline constexpr int64_t kSmallSide = 256;
// The workloads with work per node.
inline constexpr int64_t kWorkNodes = int64_t{1} << 14;
inline constexpr int64_t kWorkSide = 128;
inline constexpr int64_t kWorkNsLight = 1000;
inline constexpr int64_t kWorkNsHeavy = 10000;

// The embarrassing_parallelism node's work: a few dozen cycles.
inline uint64_t SmallWork(uint64_t i) {
  uint64_t x = i * 0x9E3779B97F4A7C15ull;
  for (int k = 0; k < 8; ++k) x = (x ^ (x >> 29)) * 0xBF58476D1CE4E5B9ull;
  return x;
}

// Spins for `iterations` rounds of a multiply-xorshift; the result escapes,
// so the compiler keeps the loop.
inline void BusyWork(int64_t iterations) {
  uint64_t x = static_cast<uint64_t>(iterations) | 1;
  for (int64_t k = 0; k < iterations; ++k) {
    x = (x ^ (x >> 29)) * 0xBF58476D1CE4E5B9ull;
  }
  benchmark::DoNotOptimize(x);
}

// The BusyWork iterations that take about `ns` nanoseconds on one core of
// this machine: calibrated on the first call (the fastest of 7 timings of
// 2^16 iterations, a few milliseconds in all), then fixed for the process.
inline int64_t WorkIterations(int64_t ns) {
  static const double ns_per_iteration = [] {
    constexpr int64_t kRounds = int64_t{1} << 16;
    double best = 1e30;
    for (int trial = 0; trial < 7; ++trial) {
      const auto start = std::chrono::steady_clock::now();
      BusyWork(kRounds);
      const std::chrono::duration<double, std::nano> took =
          std::chrono::steady_clock::now() - start;
      best = std::min(best, took.count() / kRounds);
    }
    return std::max(best, 1e-3);
  }();
  return std::max<int64_t>(1, std::llround(ns / ns_per_iteration));
}

// Node counts, for SetItemsProcessed.
inline int64_t BinaryTreeNodes(int64_t n) { return n - 1; }

// oneTBB's workers outlive an arena and spin before they sleep; each TBB
// benchmark gives them time to settle after its timed loop (untimed), as
// executors/thread_pool_benchmark.cc does.
inline void LetTbbWorkersSettle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace graph_benchmark
}  // namespace multirun

// Defines and registers the twelve benchmarks of one implementation,
// BM_<Workload>_<impl> and BM_<Workload>_<impl>Prebuilt for the four
// workloads, each at its two sizes and every thread count, and the four with
// work per node, from the implementation's own RunBuilt(state, builder) and
// RunPrebuilt(state, builder) and its builders BuildLinearChain,
// BuildBinaryTree, BuildEmbarrassing, BuildWavefront, BuildEmbarrassingWork
// and BuildWavefrontWork, which must be visible where the macro is used.
#define MULTIRUN_GRAPH_BENCHMARK_ONE(workload, impl, large, small)       \
  void BM_##workload##_##impl(benchmark::State& s) {                     \
    RunBuilt(s, Build##workload);                                        \
  }                                                                      \
  void BM_##workload##_##impl##Prebuilt(benchmark::State& s) {           \
    RunPrebuilt(s, Build##workload);                                     \
  }                                                                      \
  BENCHMARK(BM_##workload##_##impl)                                      \
      ->ArgNames({"", "threads"})                                        \
      ->ArgsProduct({{large, small}, ::multirun::bench::ThreadCounts()}) \
      ->UseRealTime()                                                    \
      ->Unit(benchmark::kMillisecond);                                   \
  BENCHMARK(BM_##workload##_##impl##Prebuilt)                            \
      ->ArgNames({"", "threads"})                                        \
      ->ArgsProduct({{large, small}, ::multirun::bench::ThreadCounts()}) \
      ->UseRealTime()                                                    \
      ->Unit(benchmark::kMillisecond)

// The same with work per node (BuildEmbarrassingWork, BuildWavefrontWork):
// BM_<Workload>Work_<impl>[Prebuilt]/<size>/threads:N/work_ns:W.
#define MULTIRUN_GRAPH_WORK_BENCHMARK_ONE(workload, impl, size)    \
  void BM_##workload##Work_##impl(benchmark::State& s) {           \
    RunBuilt(s, Build##workload##Work);                            \
  }                                                                \
  void BM_##workload##Work_##impl##Prebuilt(benchmark::State& s) { \
    RunPrebuilt(s, Build##workload##Work);                         \
  }                                                                \
  BENCHMARK(BM_##workload##Work_##impl)                            \
      ->ArgNames({"", "threads", "work_ns"})                       \
      ->ArgsProduct({{size},                                       \
                     ::multirun::bench::ThreadCounts(),            \
                     {kWorkNsLight, kWorkNsHeavy}})                \
      ->UseRealTime()                                              \
      ->Unit(benchmark::kMillisecond);                             \
  BENCHMARK(BM_##workload##Work_##impl##Prebuilt)                  \
      ->ArgNames({"", "threads", "work_ns"})                       \
      ->ArgsProduct({{size},                                       \
                     ::multirun::bench::ThreadCounts(),            \
                     {kWorkNsLight, kWorkNsHeavy}})                \
      ->UseRealTime()                                              \
      ->Unit(benchmark::kMillisecond)

#define MULTIRUN_GRAPH_BENCHMARKS(impl)                                  \
  MULTIRUN_GRAPH_BENCHMARK_ONE(LinearChain, impl, kLarge, kSmall);       \
  MULTIRUN_GRAPH_BENCHMARK_ONE(BinaryTree, impl, kLarge, kSmall);        \
  MULTIRUN_GRAPH_BENCHMARK_ONE(Embarrassing, impl, kLarge, kSmall);      \
  MULTIRUN_GRAPH_BENCHMARK_ONE(Wavefront, impl, kLargeSide, kSmallSide); \
  MULTIRUN_GRAPH_WORK_BENCHMARK_ONE(Embarrassing, impl, kWorkNodes);     \
  MULTIRUN_GRAPH_WORK_BENCHMARK_ONE(Wavefront, impl, kWorkSide)

#endif  // MULTIRUN_BENCHMARKS_GRAPH_WORKLOADS_H_
