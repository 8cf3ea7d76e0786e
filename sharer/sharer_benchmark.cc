// Copyright 2026 The multirun Authors.
//
// Sharer vs Boost.Asio's strand vs a std::mutex, on the same work.
//
// The resource: a plain (non-atomic) counter; each call increments it and
// returns the new value. The call that brings it to kCalls sets an Event.
//
// Calls (throughput): P caller threads make 1M calls in total (1M / P
// each), without waiting for each result. Items per second: calls run per
// second (real time). N worker threads in every variant that has workers, as
// in executors/strand_benchmark.cc.
//   Multirun:   Sharer<Counter>::Run over a multirun::ThreadPool of N
//               workers; each call returns a multirun::Future<int64_t>
//               (dropped).
//   AsioFuture: boost::asio::post(strand, use_future(fn)) over an io_context
//               run by N threads: each call returns a std::future<int64_t>
//               (dropped). The same work as Sharer: the result reaches a
//               future.
//   AsioPost:   boost::asio::post(strand, fn): no result is delivered (a
//               floor for Asio's cost, report-only).
//   StdMutex:   the P callers call the counter themselves under one
//               std::mutex (synchronous; no hand-off; no workers, so its
//               only argument is P).
// Arguments: "callers" P (MULTIRUN_BENCH_PRODUCERS, default 4) and "threads"
// N (MULTIRUN_BENCH_THREADS, default 2); see benchmarks/benchmark_args.h.
// Timed region (one iteration): releasing the callers, their 1M calls, and
// waiting until the last call has run and every caller has returned from its
// last call. Outside it: the pool's / io_context's start-up and shutdown,
// the Sharer's / strand's construction, the callers' start-up (started once
// per benchmark run; they wait for each iteration).
//
// RoundTrip (latency): one thread makes a call and waits for its result,
// again and again; the time per iteration is the latency of one call on an
// idle Sharer (idle strand), hand-off and wake-up included.
//   Multirun:   Sharer::Run(fn).Get().
//   AsioFuture: post(strand, use_future(fn)).get().
//   StdMutex:   lock, call, unlock (no hand-off: the floor).
// Argument: "threads" N, as above (not for StdMutex).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/use_future.hpp"
#include "multirun/benchmarks/benchmark_args.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/sharer/sharer.h"
#include "multirun/sync/event.h"
#include "multirun/testing/releasable_threads.h"

namespace multirun {
namespace {

constexpr int64_t kCalls = 1'000'000;

// The arguments of one Calls run: callers, then workers (absent for
// StdMutex, which passes has_workers = false).
struct Shape {
  explicit Shape(const benchmark::State& state, bool has_workers = true)
      : callers(static_cast<int>(state.range(0))),
        workers(has_workers ? static_cast<int>(state.range(1)) : 0),
        per_caller(kCalls / callers),
        calls(per_caller * callers) {}
  int callers;
  int workers;
  int64_t per_caller;
  int64_t calls;  // kCalls, rounded down to a multiple of callers
};

// The resource. Only one call at a time touches `count`.
struct Counter {
  explicit Counter(int64_t total) : total(total) {}
  const int64_t total;
  int64_t count = 0;
  Event done;
  int64_t Increment() {
    if (++count == total) done.Set();
    return count;
  }
};

// The timed loop. `counter` is reset once the last call has set `done`,
// before the next iteration's callers start.
void RunIterations(benchmark::State& state,
                   testing_internal::ReleasableThreads& callers,
                   Counter& counter) {
  for (auto _ : state) {
    callers.Run();
    counter.done.Wait();
    counter.count = 0;
    counter.done.Clear();
  }
  state.SetItemsProcessed(state.iterations() * counter.total);
}

void BM_SharerCalls_Multirun(benchmark::State& state) {
  const Shape shape(state);
  ThreadPool pool(shape.workers, {.name = "bench"});
  Counter counter(shape.calls);
  std::atomic<bool> failed{false};
  {
    Sharer<Counter> sharer({.executor = &pool}, std::ref(counter));
    testing_internal::ReleasableThreads callers(shape.callers, [&](int) {
      for (int64_t i = 0; i < shape.per_caller; ++i) {
        Future<int64_t> result =
            sharer.Run([](Counter& c) { return c.Increment(); });
        // A refused call is ready at once; an accepted one is not yet run.
        if (result.IsReady() && !result.Get().ok()) failed.store(true);
      }
    });
    RunIterations(state, callers, counter);
  }
  if (failed.load()) state.SkipWithError("Sharer::Run() failed");
  (void)pool.Shutdown();
}

// An io_context run by `workers` threads, for the lifetime of the object.
class AsioWorkers {
 public:
  explicit AsioWorkers(int workers)
      : io_(workers), work_(boost::asio::make_work_guard(io_)) {
    for (int i = 0; i < workers; ++i) {
      runners_.emplace_back([this] { io_.run(); });
    }
  }
  ~AsioWorkers() {
    work_.reset();
    for (auto& runner : runners_) runner.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  std::vector<std::thread> runners_;
};

void BM_SharerCalls_AsioFuture(benchmark::State& state) {
  const Shape shape(state);
  AsioWorkers workers(shape.workers);
  Counter counter(shape.calls);
  auto strand = boost::asio::make_strand(workers.io());
  testing_internal::ReleasableThreads callers(shape.callers, [&](int) {
    for (int64_t i = 0; i < shape.per_caller; ++i) {
      std::future<int64_t> result = boost::asio::post(
          strand,
          boost::asio::use_future([&counter] { return counter.Increment(); }));
      benchmark::DoNotOptimize(result);
    }
  });
  RunIterations(state, callers, counter);
}

void BM_SharerCalls_AsioPost(benchmark::State& state) {
  const Shape shape(state);
  AsioWorkers workers(shape.workers);
  Counter counter(shape.calls);
  auto strand = boost::asio::make_strand(workers.io());
  testing_internal::ReleasableThreads callers(shape.callers, [&](int) {
    for (int64_t i = 0; i < shape.per_caller; ++i) {
      boost::asio::post(strand, [&counter] { counter.Increment(); });
    }
  });
  RunIterations(state, callers, counter);
}

void BM_SharerCalls_StdMutex(benchmark::State& state) {
  const Shape shape(state, /*has_workers=*/false);
  Counter counter(shape.calls);
  std::mutex mutex;
  testing_internal::ReleasableThreads callers(shape.callers, [&](int) {
    for (int64_t i = 0; i < shape.per_caller; ++i) {
      std::lock_guard<std::mutex> lock(mutex);
      benchmark::DoNotOptimize(counter.Increment());
    }
  });
  RunIterations(state, callers, counter);
}

// One run per caller count and thread count.
void CallsArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"callers", "threads"})
      ->ArgsProduct({bench::ProducerCounts(), bench::ThreadCounts()});
}

// One run per caller count (no workers).
void CallersOnlyArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("callers")->ArgsProduct({bench::ProducerCounts()});
}

BENCHMARK(BM_SharerCalls_Multirun)
    ->Apply(CallsArgs)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SharerCalls_AsioFuture)
    ->Apply(CallsArgs)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SharerCalls_AsioPost)
    ->Apply(CallsArgs)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SharerCalls_StdMutex)
    ->Apply(CallersOnlyArgs)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Latency: one call at a time, each waited for.

void BM_SharerRoundTrip_Multirun(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)), {.name = "bench"});
  {
    Sharer<int64_t> sharer({.executor = &pool}, std::in_place, 0);
    for (auto _ : state) {
      absl::StatusOr<int64_t> value =
          sharer.Run([](int64_t& n) { return ++n; }).Get();
      if (!value.ok()) {
        state.SkipWithError("Sharer::Run() failed");
        break;
      }
      benchmark::DoNotOptimize(*value);
    }
  }
  state.SetItemsProcessed(state.iterations());
  (void)pool.Shutdown();
}

void BM_SharerRoundTrip_AsioFuture(benchmark::State& state) {
  AsioWorkers workers(static_cast<int>(state.range(0)));
  auto strand = boost::asio::make_strand(workers.io());
  int64_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        boost::asio::post(strand, boost::asio::use_future([&n] { return ++n; }))
            .get());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SharerRoundTrip_StdMutex(benchmark::State& state) {
  std::mutex mutex;
  int64_t n = 0;
  for (auto _ : state) {
    std::lock_guard<std::mutex> lock(mutex);
    benchmark::DoNotOptimize(++n);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SharerRoundTrip_Multirun)->Apply(bench::ThreadArgs)->UseRealTime();
BENCHMARK(BM_SharerRoundTrip_AsioFuture)
    ->Apply(bench::ThreadArgs)
    ->UseRealTime();
BENCHMARK(BM_SharerRoundTrip_StdMutex)->UseRealTime();

}  // namespace
}  // namespace multirun
