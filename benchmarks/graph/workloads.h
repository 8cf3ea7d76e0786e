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
// The benchmark argument is the size: N (2^20 and 2^16), or the wavefront's
// side (1024 and 256, i.e. 2^20 and 2^16 nodes).
//
// Two variants of each: "<Workload>_<Impl>" builds the graph inside the
// timed region (construction + run, the bar), and
// "<Workload>_<Impl>Prebuilt" builds it once, outside, and times only runs
// of it. Executor start-up is outside the timed region for both libraries:
// multirun's ThreadPool(2) and TBB's task_arena(2) (under
// global_control(max_allowed_parallelism, 2)) are created and warmed up
// before the timed loop. Threads that run nodes: ours, the pool's 2 workers
// (the benchmark thread sleeps in Future::Get()); TBB, the benchmark thread
// (inside wait_for_all()) plus 1 TBB worker.

#ifndef MULTIRUN_BENCHMARKS_GRAPH_WORKLOADS_H_
#define MULTIRUN_BENCHMARKS_GRAPH_WORKLOADS_H_

#include <chrono>
#include <cstdint>
#include <thread>

#include "benchmark/benchmark.h"

namespace multirun {
namespace graph_benchmark {

inline constexpr int kThreads = 2;
inline constexpr int64_t kLarge = int64_t{1} << 20;
inline constexpr int64_t kSmall = int64_t{1} << 16;
inline constexpr int64_t kLargeSide = 1024;
inline constexpr int64_t kSmallSide = 256;

// The embarrassing_parallelism node's work: a few dozen cycles.
inline uint64_t SmallWork(uint64_t i) {
  uint64_t x = i * 0x9E3779B97F4A7C15ull;
  for (int k = 0; k < 8; ++k) x = (x ^ (x >> 29)) * 0xBF58476D1CE4E5B9ull;
  return x;
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

// Defines and registers the eight benchmarks of one implementation,
// BM_<Workload>_<impl> and BM_<Workload>_<impl>Prebuilt for the four
// workloads, each at its two sizes, from the implementation's own
// RunBuilt(state, builder) and RunPrebuilt(state, builder) and its builders
// BuildLinearChain, BuildBinaryTree, BuildEmbarrassing and BuildWavefront,
// which must be visible where the macro is used.
#define MULTIRUN_GRAPH_BENCHMARK_ONE(workload, impl, large, small) \
  void BM_##workload##_##impl(benchmark::State& s) {               \
    RunBuilt(s, Build##workload);                                  \
  }                                                                \
  void BM_##workload##_##impl##Prebuilt(benchmark::State& s) {     \
    RunPrebuilt(s, Build##workload);                               \
  }                                                                \
  BENCHMARK(BM_##workload##_##impl)                                \
      ->Arg(large)                                                 \
      ->Arg(small)                                                 \
      ->UseRealTime()                                              \
      ->Unit(benchmark::kMillisecond);                             \
  BENCHMARK(BM_##workload##_##impl##Prebuilt)                      \
      ->Arg(large)                                                 \
      ->Arg(small)                                                 \
      ->UseRealTime()                                              \
      ->Unit(benchmark::kMillisecond)

#define MULTIRUN_GRAPH_BENCHMARKS(impl)                             \
  MULTIRUN_GRAPH_BENCHMARK_ONE(LinearChain, impl, kLarge, kSmall);  \
  MULTIRUN_GRAPH_BENCHMARK_ONE(BinaryTree, impl, kLarge, kSmall);   \
  MULTIRUN_GRAPH_BENCHMARK_ONE(Embarrassing, impl, kLarge, kSmall); \
  MULTIRUN_GRAPH_BENCHMARK_ONE(Wavefront, impl, kLargeSide, kSmallSide)

#endif  // MULTIRUN_BENCHMARKS_GRAPH_WORKLOADS_H_
