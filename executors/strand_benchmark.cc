// Copyright 2026 The multirun Authors.
//
// Strand vs Boost.Asio's strand.
//
// StrandPost: 4 producer threads post 1M tiny tasks in total (250k each) to
// one strand; each task increments a plain (non-atomic) counter, which the
// strand's serialization makes safe, and the task that brings it to 1M sets
// an Event. Items per second: tasks run per second (real time).
//   Multirun: multirun::Strand over a 2-worker multirun::ThreadPool.
//   Asio:     boost::asio::strand<io_context::executor_type> over an
//             io_context run by 2 threads.
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
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/sync/event.h"
#include "multirun/testing/releasable_threads.h"

namespace multirun {
namespace {

constexpr int kProducers = 4;
constexpr int64_t kTasks = 1'000'000;
constexpr int64_t kTasksPerProducer = kTasks / kProducers;
constexpr int kWorkers = 2;

// What the tiny tasks touch. Only the strand's tasks write `count`.
struct Counter {
  int64_t count = 0;
  Event done;
  void Increment() {
    if (++count == kTasks) done.Set();
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
  state.SetItemsProcessed(state.iterations() * kTasks);
}

void BM_StrandPost_Multirun(benchmark::State& state) {
  ThreadPool pool(kWorkers, {.name = "bench"});
  Counter counter;
  std::atomic<bool> failed{false};
  {
    Strand strand(pool);
    testing_internal::ReleasableThreads producers(kProducers, [&](int) {
      for (int64_t i = 0; i < kTasksPerProducer; ++i) {
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
  boost::asio::io_context io(kWorkers);
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> runners;
  for (int i = 0; i < kWorkers; ++i) runners.emplace_back([&io] { io.run(); });
  Counter counter;
  {
    auto strand = boost::asio::make_strand(io);
    testing_internal::ReleasableThreads producers(kProducers, [&](int) {
      for (int64_t i = 0; i < kTasksPerProducer; ++i) {
        boost::asio::post(strand, [&counter] { counter.Increment(); });
      }
    });
    RunIterations(state, producers, counter);
  }
  work.reset();
  for (auto& runner : runners) runner.join();
}

BENCHMARK(BM_StrandPost_Multirun)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StrandPost_Asio)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace multirun
