// Copyright 2026 The multirun Authors.
//
// ThreadPool vs oneTBB (task_group, task_arena::enqueue) vs std::async.
//
// Thread counts: every benchmark but StdAsync takes its count N as the
// argument "threads" (MULTIRUN_BENCH_THREADS, default 2; see
// benchmarks/benchmark_args.h), and N threads run tasks in every variant:
//   - Multirun: a ThreadPool of N workers. The benchmark thread only submits
//     (Schedule()) and then sleeps until the last task is done.
//   - Tbb: a tbb::task_arena of concurrency N under a tbb::global_control of
//     max_allowed_parallelism N: the benchmark thread (which runs tasks while
//     it waits in task_group::wait(), as TBB is meant to be used) plus N - 1
//     TBB workers.
//   - TbbEnqueue: a tbb::task_arena of concurrency N with no slot reserved
//     for an outside thread, under max_allowed_parallelism N + 1: N TBB
//     workers run tasks; the benchmark thread only enqueues
//     (task_arena::enqueue) and then sleeps until the last task is done, as
//     with ours.
//   - StdAsync: one new thread per task (std::launch::async); no argument.
//
// BM_EmptyTasks_*: the benchmark thread submits empty tasks and waits for
// all of them (items = tasks). Ours and TbbEnqueue wait through a counter
// that each task decrements (the last one sets an Event); Tbb through
// task_group::wait(). 2^20 tasks for ours and TBB; 2^10 for std::async (it
// starts a thread per task; items per second is what is compared).
//
// BM_Fib_*: fibonacci(25) with one task per call (242785 tasks; items =
// tasks). TBB: the idiomatic nested task_group (each call runs its two
// children with group.run() and waits). Ours: each call schedules its two
// children from inside the pool and returns; the child that finishes last
// adds the two results and completes its parent (continuation passing, no
// blocking wait), with a small heap-allocated join node per inner call.
// (benchmarks/fork_join has the same recursion written with Submit/Get.)
//
// Timed region: submitting and running the tasks. The pool, the arena and
// their threads are created and warmed up before the timed loop.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/benchmark_args.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/sync/event.h"
#include "tbb/global_control.h"
#include "tbb/task_arena.h"
#include "tbb/task_group.h"

namespace multirun {
namespace {

constexpr int64_t kEmptyTasks = int64_t{1} << 20;
constexpr int64_t kAsyncTasks = int64_t{1} << 10;
constexpr int kFibN = 25;
constexpr int64_t kFibResult = 75025;
constexpr int64_t kFibCalls = 242785;  // 2 * fib(26) - 1

using Clock = std::chrono::steady_clock;

// The benchmark's thread count (its "threads" argument).
int Threads(const benchmark::State& state) {
  return static_cast<int>(state.range(0));
}

// Reports how long submitting took, per task: when the workers and the
// submitting thread outnumber the cores, a pool whose idle workers spun too
// long would show here, by starving the submitting thread.
void ReportSubmitTime(benchmark::State& state, Clock::duration submit,
                      int64_t tasks) {
  state.counters["submit_ns"] = benchmark::Counter(
      std::chrono::duration<double, std::nano>(submit).count() /
      static_cast<double>(tasks));
}

// Schedules `count` empty tasks on `pool` and waits until all have run. Adds
// the time the Schedule() loop took to `*submit`. Returns false if the pool
// rejected a task.
bool RunEmptyTasks(ThreadPool& pool, int64_t count, Clock::duration* submit) {
  std::atomic<int64_t> remaining{count};
  Event done;
  const Clock::time_point start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    const absl::Status status = pool.Schedule([&remaining, &done] {
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) done.Set();
    });
    if (!status.ok()) return false;
  }
  *submit += Clock::now() - start;
  done.Wait();
  return true;
}

void BM_EmptyTasks_Multirun(benchmark::State& state) {
  ThreadPool pool(Threads(state), {.name = "bench"});
  Clock::duration submit{};
  RunEmptyTasks(pool, 1000, &submit);  // Warm-up, untimed.
  submit = {};
  for (auto _ : state) {
    if (!RunEmptyTasks(pool, kEmptyTasks, &submit)) {
      state.SkipWithError("Schedule failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kEmptyTasks);
  ReportSubmitTime(state, submit, state.iterations() * kEmptyTasks);
}
BENCHMARK(BM_EmptyTasks_Multirun)->Apply(bench::ThreadArgs)->UseRealTime();

void RunTbbEmptyTasks(tbb::task_arena& arena, int64_t count,
                      Clock::duration* submit) {
  arena.execute([count, submit] {
    tbb::task_group group;
    const Clock::time_point start = Clock::now();
    for (int64_t i = 0; i < count; ++i) group.run([] {});
    *submit += Clock::now() - start;
    group.wait();
  });
}

// oneTBB's worker threads outlive an arena and spin for a while before they
// sleep; on a machine with few cores, the benchmark that runs next (the gate
// interleaves repetitions at random) would pay for that spinning. Each TBB
// benchmark therefore gives them time to settle after its timed loop, untimed.
void LetTbbWorkersSettle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void BM_EmptyTasks_Tbb(benchmark::State& state) {
  {
    tbb::global_control parallelism(
        tbb::global_control::max_allowed_parallelism, Threads(state));
    tbb::task_arena arena(Threads(state));
    Clock::duration submit{};
    RunTbbEmptyTasks(arena, 1000, &submit);  // Warm-up, untimed.
    submit = {};
    for (auto _ : state) RunTbbEmptyTasks(arena, kEmptyTasks, &submit);
    state.SetItemsProcessed(state.iterations() * kEmptyTasks);
    ReportSubmitTime(state, submit, state.iterations() * kEmptyTasks);
  }
  LetTbbWorkersSettle();
}
BENCHMARK(BM_EmptyTasks_Tbb)->Apply(bench::ThreadArgs)->UseRealTime();

// Enqueues `count` empty tasks into `arena` from this (outside) thread and
// waits until all have run, as RunEmptyTasks does for the pool.
void RunTbbEnqueuedTasks(tbb::task_arena& arena, int64_t count,
                         Clock::duration* submit) {
  std::atomic<int64_t> remaining{count};
  Event done;
  const Clock::time_point start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    arena.enqueue([&remaining, &done] {
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) done.Set();
    });
  }
  *submit += Clock::now() - start;
  done.Wait();
}

void BM_EmptyTasks_TbbEnqueue(benchmark::State& state) {
  {
    // max_allowed_parallelism counts the outside thread: N + 1 lets TBB
    // start N workers, and the arena reserves no slot for the outside thread.
    tbb::global_control parallelism(
        tbb::global_control::max_allowed_parallelism, Threads(state) + 1);
    tbb::task_arena arena(Threads(state), /*reserved_for_masters=*/0);
    Clock::duration submit{};
    RunTbbEnqueuedTasks(arena, 1000, &submit);  // Warm-up, untimed.
    submit = {};
    for (auto _ : state) RunTbbEnqueuedTasks(arena, kEmptyTasks, &submit);
    state.SetItemsProcessed(state.iterations() * kEmptyTasks);
    ReportSubmitTime(state, submit, state.iterations() * kEmptyTasks);
  }
  LetTbbWorkersSettle();
}
BENCHMARK(BM_EmptyTasks_TbbEnqueue)->Apply(bench::ThreadArgs)->UseRealTime();

void BM_EmptyTasks_StdAsync(benchmark::State& state) {
  std::vector<std::future<void>> futures;
  futures.reserve(kAsyncTasks);
  for (auto _ : state) {
    for (int64_t i = 0; i < kAsyncTasks; ++i) {
      futures.push_back(std::async(std::launch::async, [] {}));
    }
    for (auto& future : futures) future.get();
    futures.clear();
  }
  state.SetItemsProcessed(state.iterations() * kAsyncTasks);
}
BENCHMARK(BM_EmptyTasks_StdAsync)->UseRealTime();

// Ours: continuation passing. A join node per inner call collects the two
// children's results; the child that finishes last completes it.
struct FibRoot;
struct FibJoin {
  std::atomic<int> pending;
  int64_t values[2];
  FibJoin* parent;  // nullptr for the root's join
  int side;         // which of parent->values this join's sum goes to
  FibRoot* root;
};
struct FibRoot {
  ThreadPool* pool;
  Event done;
  int64_t result = 0;
  std::atomic<bool> failed{false};
};

void FibCall(FibJoin* join, int side, int n);

void FibComplete(FibJoin* join, int side, int64_t value) {
  for (;;) {
    join->values[side] = value;
    if (join->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    value = join->values[0] + join->values[1];
    FibJoin* parent = join->parent;
    if (parent == nullptr) {  // The root's join lives on the caller's stack.
      join->root->result = value;
      join->root->done.Set();
      return;
    }
    side = join->side;
    delete join;
    join = parent;
  }
}

void FibSchedule(FibJoin* join, int side, int n) {
  // The lambda (a pointer and two ints) fits AnyInvocable's inline storage.
  const absl::Status status =
      join->root->pool->Schedule([join, side, n] { FibCall(join, side, n); });
  if (!status.ok()) join->root->failed.store(true);
}

void FibCall(FibJoin* join, int side, int n) {
  if (n < 2) {
    FibComplete(join, side, n);
    return;
  }
  auto* child = new FibJoin{{2}, {0, 0}, join, side, join->root};
  FibSchedule(child, 0, n - 1);
  FibSchedule(child, 1, n - 2);
}

int64_t MultirunFib(ThreadPool& pool, int n) {
  FibRoot root{.pool = &pool};
  FibJoin join{{1}, {0, 0}, nullptr, 0, &root};
  FibSchedule(&join, 0, n);
  root.done.Wait();
  return root.failed.load() ? -1 : root.result;
}

void BM_Fib_Multirun(benchmark::State& state) {
  ThreadPool pool(Threads(state), {.name = "bench"});
  MultirunFib(pool, 10);  // Warm-up, untimed.
  for (auto _ : state) {
    if (MultirunFib(pool, kFibN) != kFibResult) {
      state.SkipWithError("wrong result");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kFibCalls);
}
BENCHMARK(BM_Fib_Multirun)->Apply(bench::ThreadArgs)->UseRealTime();

// TBB: the nested task_group of TBB's own documentation.
int64_t TbbFib(int n) {
  if (n < 2) return n;
  int64_t x = 0;
  int64_t y = 0;
  tbb::task_group group;
  group.run([&] { x = TbbFib(n - 1); });
  group.run([&] { y = TbbFib(n - 2); });
  group.wait();
  return x + y;
}

void BM_Fib_Tbb(benchmark::State& state) {
  {
    tbb::global_control parallelism(
        tbb::global_control::max_allowed_parallelism, Threads(state));
    tbb::task_arena arena(Threads(state));
    arena.execute([] { TbbFib(10); });  // Warm-up, untimed.
    for (auto _ : state) {
      int64_t result = 0;
      arena.execute([&result] { result = TbbFib(kFibN); });
      if (result != kFibResult) {
        state.SkipWithError("wrong result");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations() * kFibCalls);
  }
  LetTbbWorkersSettle();
}
BENCHMARK(BM_Fib_Tbb)->Apply(bench::ThreadArgs)->UseRealTime();

}  // namespace
}  // namespace multirun
