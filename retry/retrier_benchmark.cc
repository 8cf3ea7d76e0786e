// Copyright 2026 The multirun Authors.
//
// The cost of retry when nothing fails.
//
// BM_DirectCall vs BM_WithRetrySuccess: a trivial callable (x + 1 on an
// opaque x) called directly, and through a WithRetry callable with the
// default policy, whose first attempt succeeds. The difference is what the
// decorator adds per call on the success path: the policy check, one relaxed
// atomic increment (the call count), the StatusOr result and the branch to
// the fast return. Nothing else is inside the timed region (the WithRetry
// callable is built before it). BM_RetryOneOff measures the one-off form,
// Retry(policy, fn), which also copies the policy into a fresh retrier at
// each call.
//
// BM_RetryAsyncRoundTrip vs BM_SubmitGet: one async retry of a trivial
// callable on a 2-worker ThreadPool (the machine has 2 cores), waited for with
// Get(), against one Submit + Get of the same callable on the same pool. The
// pool starts outside the timed region; the round trip includes the retry
// state's allocation, the hand-off to a worker and the wake-up of the caller.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "multirun/executors/future.h"
#include "multirun/executors/submit.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_async.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {
namespace {

auto Trivial() {
  return [](int x) -> absl::StatusOr<int> { return x + 1; };
}

void BM_DirectCall(benchmark::State& state) {
  auto fn = Trivial();
  int x = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(x);
    absl::StatusOr<int> r = fn(x);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DirectCall);

void BM_WithRetrySuccess(benchmark::State& state) {
  auto fn = WithRetry(RetryPolicy(), Trivial());
  int x = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(x);
    absl::StatusOr<int> r = fn(x);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WithRetrySuccess);

void BM_RetryOneOff(benchmark::State& state) {
  const RetryPolicy policy;
  auto fn = Trivial();
  int x = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(x);
    absl::StatusOr<int> r = Retry(policy, fn, x);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RetryOneOff);

void BM_RetryAsyncRoundTrip(benchmark::State& state) {
  ThreadPool pool(2);
  const RetryPolicy policy;
  for (auto _ : state) {
    Future<int> f = RetryAsync(pool, policy, [] { return 7; });
    absl::StatusOr<int> r = std::move(f).Get();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RetryAsyncRoundTrip)->UseRealTime();

void BM_SubmitGet(benchmark::State& state) {
  ThreadPool pool(2);
  for (auto _ : state) {
    Future<int> f = Submit(pool, [] { return 7; });
    absl::StatusOr<int> r = std::move(f).Get();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SubmitGet)->UseRealTime();

}  // namespace
}  // namespace multirun
