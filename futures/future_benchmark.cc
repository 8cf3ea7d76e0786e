// Copyright 2026 The multirun Authors.
//
// Futures on the hot path, each against its standard-library peer in the
// same binary:
//   PromiseRoundTrip  create a promise, take its future, set a value, get it
//                     (one thread; multirun::Promise vs std::promise).
//   ThenChain         a chain of kChain continuations on one promise, set once
//                     and read at the end; the chain's construction is inside
//                     the timed region (it is the work). Items are
//                     continuations. No standard peer: std::future has no
//                     continuations; compare with PromiseRoundTrip's items/s.
//   SubmitGet         kBatch functions submitted to a ThreadPool of N workers
//                     and their futures read, vs
//                     std::async(std::launch::async); the pool is started
//                     outside the timed region. N is the argument "threads"
//                     (MULTIRUN_BENCH_THREADS, default 2; see
//                     benchmarks/benchmark_args.h); std::async starts a thread
//                     per call and takes no argument.

#include <future>
#include <vector>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/benchmark_args.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"

namespace multirun {
namespace {

constexpr int kChain = 1000;
constexpr int kBatch = 1000;

void BM_PromiseRoundTrip_Multirun(benchmark::State& state) {
  for (auto _ : state) {
    Promise<int> promise;
    Future<int> future = promise.GetFuture();
    promise.SetValue(1);
    benchmark::DoNotOptimize(*std::move(future).Get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PromiseRoundTrip_Multirun);

void BM_PromiseRoundTrip_Std(benchmark::State& state) {
  for (auto _ : state) {
    std::promise<int> promise;
    std::future<int> future = promise.get_future();
    promise.set_value(1);
    benchmark::DoNotOptimize(future.get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PromiseRoundTrip_Std);

void BM_ThenChain_Multirun(benchmark::State& state) {
  InlineExecutor executor;
  for (auto _ : state) {
    Promise<int> promise;
    Future<int> future = promise.GetFuture();
    for (int i = 0; i < kChain; ++i) {
      future = std::move(future).Then(executor, [](int x) { return x + 1; });
    }
    promise.SetValue(0);
    benchmark::DoNotOptimize(*std::move(future).Get());
  }
  state.SetItemsProcessed(state.iterations() * kChain);
}
BENCHMARK(BM_ThenChain_Multirun);

void BM_SubmitGet_Multirun(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::vector<Future<int>> futures;
  futures.reserve(kBatch);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      futures.push_back(Submit(pool, [i] { return i; }));
    }
    for (Future<int>& future : futures) {
      benchmark::DoNotOptimize(*std::move(future).Get());
    }
    futures.clear();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_SubmitGet_Multirun)->Apply(bench::ThreadArgs)->UseRealTime();

void BM_SubmitGet_StdAsync(benchmark::State& state) {
  std::vector<std::future<int>> futures;
  futures.reserve(kBatch);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      futures.push_back(std::async(std::launch::async, [i] { return i; }));
    }
    for (std::future<int>& future : futures) {
      benchmark::DoNotOptimize(future.get());
    }
    futures.clear();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_SubmitGet_StdAsync)->UseRealTime();

}  // namespace
}  // namespace multirun
