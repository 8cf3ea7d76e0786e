// Copyright 2026 The multirun Authors.
//
// inparallel's `waitfor(in_flight, concurrency_factor)` on threads: tasks run
// in parallel, at most `concurrency_factor` in flight, results taken as they
// complete (the forking versions are fork_say_hello.cc, fork_waitfor_all.cc
// and fork_waitfor.cc); the same work as a coroutine; and the running modes
// (a port of MultiRunnable's), where one argument moves the same function
// from inline to threads and every result says which worker produced it.
//
// Checks its own outcome and exits non-zero on a failure (it runs as a test).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/as_completed.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/futures/task.h"
#include "multirun/futures/when.h"
#include "multirun/processes/running_mode.h"

namespace {

// A task that takes a while.
absl::StatusOr<int> SlowSquare(int x) {
  absl::SleepFor(absl::Milliseconds(5));
  if (x < 0) return absl::InvalidArgumentError("negative input");
  return x * x;
}

// The same work as a coroutine: no callbacks, no blocked thread.
multirun::Task<int> SumOfSquares(multirun::Executor& pool, int n) {
  std::vector<multirun::Future<int>> parts;
  for (int i = 1; i <= n; ++i)
    parts.push_back(multirun::Submit(pool, SlowSquare, i));
  absl::StatusOr<std::vector<absl::StatusOr<int>>> all =
      co_await multirun::WhenAll(std::move(parts));
  int sum = 0;
  for (const absl::StatusOr<int>& part : *all) {
    if (!part.ok()) co_return part.status();
    sum += *part;
  }
  co_return sum;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  multirun::ThreadPool pool(4);

  // waitfor(in_flight, concurrency_factor=3) over 20 inputs, one of them bad.
  std::vector<multirun::Future<int>> in_flight;
  int next = 0;
  size_t most_in_flight = 0;
  auto more = [&](std::vector<multirun::Future<int>>& futures) {
    if (next == 20) return;
    const int x = next == 7 ? -1 : next;
    futures.push_back(multirun::Submit(pool, SlowSquare, x));
    ++next;
    most_in_flight = std::max(most_in_flight, futures.size());
  };
  int sum = 0, errors = 0, done = 0;
  for (multirun::Future<int> finished :
       multirun::InFlightCompletions<int>(in_flight, 3, more)) {
    absl::StatusOr<int> square = std::move(finished).Get();
    ++done;
    if (square.ok()) {
      sum += *square;
    } else {
      ++errors;
    }
  }
  std::printf("waitfor: %d tasks, %d failed, sum %d, at most %zu in flight\n",
              done, errors, sum, most_in_flight);
  // Squares of 0..19 without 7.
  if (done != 20 || errors != 1 || sum != 2470 - 49 || most_in_flight != 3) {
    return Fail("waitfor");
  }

  absl::StatusOr<int> coroutine_sum = SumOfSquares(pool, 10).Get();
  std::printf("coroutine: sum of squares 1..10 = %d\n", *coroutine_sum);
  if (!coroutine_sum.ok() || *coroutine_sum != 385) return Fail("coroutine");

  // The running modes: the same function, one argument apart.
  for (multirun::RunningMode mode :
       {multirun::RunningMode::kInline, multirun::RunningMode::kThreads}) {
    auto runs = multirun::RunOnWorkers(mode, 3, [] {
      return std::string("hello from ") + multirun::CurrentWorker()->name;
    });
    if (!runs.ok() || runs->size() != 3) return Fail("Run");
    for (const auto& run : *runs) {
      std::printf("  worker %s (tid %u, pid %d): %s\n", run.worker.name.c_str(),
                  run.worker.thread_id, static_cast<int>(run.worker.pid),
                  run.result.ok() ? run.result->c_str()
                                  : run.result.status().ToString().c_str());
      if (!run.result.ok() || *run.result != "hello from " + run.worker.name) {
        return Fail("Run result");
      }
    }
  }
  return 0;
}
