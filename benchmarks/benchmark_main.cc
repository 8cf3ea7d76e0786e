// Copyright 2026 The multirun Authors.
//
// The main() of every multirun benchmark binary: RunBenchmarks()
// (benchmark_runner.h), Google Benchmark's main run in a process that is
// already multi-threaded.

#include "multirun/benchmarks/benchmark_runner.h"

int main(int argc, char** argv) {
  return multirun::bench::RunBenchmarks(argc, argv);
}
