// Copyright 2026 The multirun Authors.
//
// RunBenchmarks(): Google Benchmark's main, run in a process that is already
// multi-threaded.
//
// glibc locks and unlocks a pthread mutex with plain (non-atomic) instructions
// while the process has never started a thread, and with atomic ones from the
// moment it has. On some hosts that makes an uncontended std::mutex three to
// five times cheaper before the first thread than after it. A benchmark binary
// runs its benchmarks in random order (the gate interleaves repetitions), so a
// peer measured before the first threaded benchmark would be measured on the
// fast path and the same peer measured after it on the slow path: the ratio
// would depend on the order. Real users of a lock are multi-threaded, so every
// benchmark (ours and its peer) runs after a thread has existed, whatever the
// order; main() checks that glibc has noticed before anything is measured.
//
// It also refuses to run when an argument variable of benchmark_args.h
// (MULTIRUN_BENCH_THREADS, ...) is invalid, instead of silently measuring the
// defaults.

#include "multirun/benchmarks/benchmark_runner.h"

#include <sys/single_threaded.h>

#include <cstdio>
#include <string>
#include <thread>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/benchmark_args.h"

namespace multirun {
namespace bench {

int RunBenchmarks(int argc, char** argv) {
  if (const std::string error = EnvError(); !error.empty()) {
    std::fprintf(stderr, "benchmark_main: %s\n", error.c_str());
    return 2;
  }
  std::thread([] {}).join();
  if (__libc_single_threaded) {
    std::fputs(
        "benchmark_main: the process still counts as single-threaded after "
        "starting a thread; uncontended figures would not be comparable\n",
        stderr);
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
}  // namespace multirun
