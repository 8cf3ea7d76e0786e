// Copyright 2026 The multirun Authors.
//
// RunBenchmarks(): what the main() of every multirun benchmark binary does
// (benchmark_main.cc), for a binary that needs a main() of its own (one that
// joins an MPI job first): validates the MULTIRUN_BENCH_* variables
// (benchmark_args.h), makes the process multi-threaded before anything is
// measured, and runs Google Benchmark with `argc`/`argv`.

#ifndef MULTIRUN_BENCHMARKS_BENCHMARK_RUNNER_H_
#define MULTIRUN_BENCHMARKS_BENCHMARK_RUNNER_H_

namespace multirun {
namespace bench {

// Returns main()'s exit code: 0, or non-zero after printing why to stderr.
int RunBenchmarks(int argc, char** argv);

}  // namespace bench
}  // namespace multirun

#endif  // MULTIRUN_BENCHMARKS_BENCHMARK_RUNNER_H_
