// Copyright 2026 The multirun Authors.
//
// The fork-join fibonacci of workloads.h with multirun's futures, written the
// natural way: submit one half, compute the other, Get() the first.
//
// Future::Get() on a pool worker runs the pool's pending work while it waits
// (futures/future.h, "Waits that help"), so the recursion runs on any number
// of workers. Should a wait ever block its worker instead, N workers that all
// wait on queued children would deadlock: the benchmark therefore waits for
// each root with a timeout (kStallTimeout), reports a run that does not
// finish in time as an error, leaks its pool (its workers are blocked for
// good, on frames that stay alive) and skips every later run in the process,
// so that the binary, its smoke test and the gate finish instead of hanging.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "multirun/benchmarks/fork_join/workloads.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"

namespace multirun {
namespace fork_join_benchmark {
namespace {

constexpr absl::Duration kStallTimeout = absl::Seconds(10);

int Fib(ThreadPool& pool, int n) {
  if (n < 2) return n;
  auto a = multirun::Submit(pool, [&] { return Fib(pool, n - 1); });
  int b = Fib(pool, n - 2);
  return *a.Get() + b;
}

// Why the first stalled run stalled; empty while none has.
std::string& Stalled() {
  static auto* const why = new std::string;
  return *why;
}

// Runs fib(n) on `pool` from this (outside) thread. Returns its result, or -1
// after recording in Stalled() that it did not finish within kStallTimeout.
int64_t RunRoot(ThreadPool& pool, int n, int threads) {
  Future<int> root =
      multirun::Submit(pool, [&pool, n] { return Fib(pool, n); });
  if (!root.WaitFor(kStallTimeout)) {
    Stalled() = "fib(" + std::to_string(n) + ") on a ThreadPool of " +
                std::to_string(threads) + " did not finish within " +
                absl::FormatDuration(kStallTimeout) +
                ": a Future::Get() on a pool worker blocked it while the "
                "task it waits for was queued; later runs are skipped";
    return -1;
  }
  absl::StatusOr<int> result = std::move(root).Get();
  return result.ok() ? *result : -1;
}

void BM_ForkJoinFib_MultirunSubmitGet(benchmark::State& state) {
  if (!Stalled().empty()) {
    state.SkipWithError(
        ("skipped: an earlier run stalled: " + Stalled()).c_str());
    return;
  }
  const int n = FibN(state);
  auto pool = std::make_unique<ThreadPool>(
      Threads(state), ThreadPool::Options{.name = "bench"});
  bool ok = RunRoot(*pool, kWarmUpN, Threads(state)) ==
            FibValue(kWarmUpN);  // Warm-up, untimed.
  if (ok) {
    for (auto _ : state) {
      if (RunRoot(*pool, n, Threads(state)) != FibValue(n)) {
        ok = false;
        break;
      }
    }
  }
  if (!ok) {
    if (Stalled().empty()) {
      state.SkipWithError("wrong result");
    } else {
      // Workers blocked for good cannot be joined: leave the pool running.
      (void)pool.release();
      state.SkipWithError(Stalled().c_str());
    }
    return;
  }
  SetFibCounters(state);
}
BENCHMARK(BM_ForkJoinFib_MultirunSubmitGet)->Apply(FibArgs)->UseRealTime();

}  // namespace
}  // namespace fork_join_benchmark
}  // namespace multirun
