// Copyright 2026 The multirun Authors.
//
// Strand vs Boost.Asio's strand.
//
// StrandPost: P producer threads post 1M tiny tasks in total (1M / P each)
// to one strand; each task increments a plain (non-atomic) counter, which
// the strand's serialization makes safe, and the task that brings it to the
// total sets an Event. Items per second: tasks run per second (real time).
//   Multirun: multirun::Strand over a multirun::ThreadPool of N workers.
//   Asio:     boost::asio::strand<io_context::executor_type> over an
//             io_context run by N threads.
// Arguments: "producers" P (MULTIRUN_BENCH_PRODUCERS, default 4) and
// "threads" N (MULTIRUN_BENCH_THREADS, default 2); see
// benchmarks/benchmark_args.h.
//
// Timed region (one iteration): releasing the producers, their 1M posts, and
// waiting until the last task has run and every producer has returned from
// its last post. Outside it: the pool's / io_context's start-up and shutdown,
// the strand's construction, and the producer threads' start-up (they are
// started once per benchmark run and wait for each iteration).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "multirun/benchmarks/benchmark_args.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/sync/event.h"
#include "multirun/testing/releasable_threads.h"

namespace multirun {
namespace {

constexpr int64_t kTasks = 1'000'000;

// The arguments of one run.
struct Shape {
  explicit Shape(const benchmark::State& state)
      : producers(static_cast<int>(state.range(0))),
        workers(static_cast<int>(state.range(1))),
        per_producer(kTasks / producers),
        tasks(per_producer * producers) {}
  int producers;
  int workers;
  int64_t per_producer;
  int64_t tasks;  // kTasks, rounded down to a multiple of producers
};

// What the tiny tasks touch. Only the strand's tasks write `count`.
struct Counter {
  explicit Counter(int64_t total) : total(total) {}
  const int64_t total;
  int64_t count = 0;
  Event done;
  void Increment() {
    if (++count == total) done.Set();
  }
};

// The timed loop. `counter` is reset once the last task has set `done`, before
// the next iteration's producers start.
void RunIterations(benchmark::State& state,
                   testing_internal::ReleasableThreads& producers,
                   Counter& counter) {
  for (auto _ : state) {
    producers.Run();
    counter.done.Wait();
    counter.count = 0;
    counter.done.Clear();
  }
  state.SetItemsProcessed(state.iterations() * counter.total);
}

void BM_StrandPost_Multirun(benchmark::State& state) {
  const Shape shape(state);
  ThreadPool pool(shape.workers, {.name = "bench"});
  Counter counter(shape.tasks);
  std::atomic<bool> failed{false};
  {
    Strand strand(pool);
    testing_internal::ReleasableThreads producers(shape.producers, [&](int) {
      for (int64_t i = 0; i < shape.per_producer; ++i) {
        if (!strand.Schedule([&counter] { counter.Increment(); }).ok()) {
          failed.store(true);
        }
      }
    });
    RunIterations(state, producers, counter);
  }
  if (failed.load()) state.SkipWithError("Strand::Schedule() failed");
  (void)pool.Shutdown();
}

void BM_StrandPost_Asio(benchmark::State& state) {
  const Shape shape(state);
  boost::asio::io_context io(shape.workers);
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> runners;
  for (int i = 0; i < shape.workers; ++i) {
    runners.emplace_back([&io] { io.run(); });
  }
  Counter counter(shape.tasks);
  {
    auto strand = boost::asio::make_strand(io);
    testing_internal::ReleasableThreads producers(shape.producers, [&](int) {
      for (int64_t i = 0; i < shape.per_producer; ++i) {
        boost::asio::post(strand, [&counter] { counter.Increment(); });
      }
    });
    RunIterations(state, producers, counter);
  }
  work.reset();
  for (auto& runner : runners) runner.join();
}

// One run per producer count and thread count.
void StrandArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"producers", "threads"})
      ->ArgsProduct({bench::ProducerCounts(), bench::ThreadCounts()});
}

BENCHMARK(BM_StrandPost_Multirun)
    ->Apply(StrandArgs)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StrandPost_Asio)
    ->Apply(StrandArgs)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace multirun
