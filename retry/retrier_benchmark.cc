// Copyright 2026 The multirun Authors.
//
// The cost of retry when nothing fails.
//
// BM_DirectCall vs BM_WithRetrySuccess: a callable that does a little real
// work (FNV-1a over 64 bytes: 64 dependent multiplies, some tens of
// nanoseconds, as a small real function would) called directly, and through a
// WithRetry callable with the default policy, whose first attempt succeeds.
// The difference is what the decorator adds per call on the success path: the
// policy check, one relaxed atomic increment (the call count), the StatusOr
// result and the branch to the fast return. Nothing else is inside the timed
// region (the WithRetry callable is built before it). The work keeps the ratio
// meaningful across hosts: against a bare `x + 1` (well under a nanosecond)
// the ratio would mostly measure the host's cost of one atomic increment.
// BM_StdFunctionCall calls the same callable through a std::function, the
// cost of the plainest wrapper. BM_RetryOneOff measures the one-off form,
// Retry(policy, fn), which also copies the policy into a fresh retrier at
// each call.
//
// BM_RetryAsyncRoundTrip vs BM_SubmitGet: one async retry of a trivial
// callable on a 2-worker ThreadPool, waited for with Get(), against one
// Submit + Get of the same callable on the same pool. The pool starts outside
// the timed region; the round trip includes the retry state's allocation, the
// hand-off to a worker and the wake-up of the caller.

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_async.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {
namespace {

// FNV-1a over the 64 bytes of eight 64-bit words derived from `x`.
absl::StatusOr<int> Work(int x) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (int word = 0; word < 8; ++word) {
    uint64_t bytes = static_cast<uint64_t>(x) * (0x9E3779B97F4A7C15ull + word);
    for (int i = 0; i < 8; ++i) {
      hash ^= bytes & 0xff;
      hash *= 0x100000001b3ull;
      bytes >>= 8;
    }
  }
  return static_cast<int>(hash >> 33);
}

auto Trivial() {
  return [](int x) -> absl::StatusOr<int> { return Work(x); };
}

// Calls `fn` on an opaque argument once per iteration.
template <typename F>
void CallLoop(benchmark::State& state, F& fn) {
  int x = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(x);
    absl::StatusOr<int> r = fn(x);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DirectCall(benchmark::State& state) {
  auto fn = Trivial();
  CallLoop(state, fn);
}
BENCHMARK(BM_DirectCall);

void BM_StdFunctionCall(benchmark::State& state) {
  std::function<absl::StatusOr<int>(int)> fn = Trivial();
  CallLoop(state, fn);
}
BENCHMARK(BM_StdFunctionCall);

void BM_WithRetrySuccess(benchmark::State& state) {
  auto fn = WithRetry(RetryPolicy(), Trivial());
  CallLoop(state, fn);
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
