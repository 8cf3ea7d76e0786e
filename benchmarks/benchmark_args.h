// Copyright 2026 The multirun Authors.
//
// Benchmark arguments that come from the environment, so that one binary can
// be asked for other thread counts (or sizes) than the gate's without being
// rebuilt. Each variable is a comma-separated list of positive integers; a
// binary registers one run per value (Google Benchmark arguments), and the
// gate measures the defaults.
//
//   MULTIRUN_BENCH_THREADS    threads that run tasks, in ours and in every
//                             peer of a row alike (pool workers, TBB arena
//                             slots, io_context runners). Default "2".
//   MULTIRUN_BENCH_PRODUCERS  threads that post to a Strand / call a Sharer
//                             (executors/strand_benchmark.cc,
//                             sharer/sharer_benchmark.cc). Default "4".
//   MULTIRUN_BENCH_FIB        n of the fork-join fibonacci workloads
//                             (benchmarks/fork_join). Default "25,30".
//
// The thread count is the argument named "threads": a benchmark registered
// with
//
//   BENCHMARK(BM_Foo)->Apply(multirun::bench::ThreadArgs)->UseRealTime();
//
// is named "BM_Foo/threads:2/real_time" (one run per thread count), and reads
// its count with state.range(0). With other arguments before it, use
// ArgNames and ArgsProduct with ThreadCounts() as the last list.
//
// Not to be confused with Google Benchmark's ->Threads(n), which runs the
// benchmark function itself on n threads and names it ".../real_time/threads:n"
// (the count after the time type).
//
// An invalid value (not a list of integers in 1..1024, 2..40 for the
// fibonacci n) makes that list fall back to its default and EnvError()
// non-empty; benchmark_main.cc prints it
// and exits non-zero before running anything.

#ifndef MULTIRUN_BENCHMARKS_BENCHMARK_ARGS_H_
#define MULTIRUN_BENCHMARKS_BENCHMARK_ARGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace multirun {
namespace bench {

inline constexpr char kThreadsVariable[] = "MULTIRUN_BENCH_THREADS";
inline constexpr char kProducersVariable[] = "MULTIRUN_BENCH_PRODUCERS";
inline constexpr char kFibVariable[] = "MULTIRUN_BENCH_FIB";

// The values of MULTIRUN_BENCH_THREADS (default {2}), in the order given,
// duplicates removed. Safe to call during static initialization (the
// BENCHMARK macros run then).
const std::vector<int64_t>& ThreadCounts();

// The values of MULTIRUN_BENCH_PRODUCERS (default {4}).
const std::vector<int64_t>& ProducerCounts();

// The values of MULTIRUN_BENCH_FIB (default {25, 30}).
const std::vector<int64_t>& FibArgs();

// For ->Apply(): one run per thread count, the argument named "threads".
void ThreadArgs(benchmark::internal::Benchmark* b);

// The first invalid variable and why ("" when all are valid).
std::string EnvError();

}  // namespace bench
}  // namespace multirun

#endif  // MULTIRUN_BENCHMARKS_BENCHMARK_ARGS_H_
