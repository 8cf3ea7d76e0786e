// Copyright 2026 The multirun Authors.
//
// Running modes: the same user code inline, on threads or on processes,
// chosen by one argument.
//
// `RunOnWorkers(mode, workers, fn)` calls `fn()` once on each of `workers`
// workers and returns one WorkerRun per worker: who ran it and what it returned
// (or the error it returned or threw). `RunMap(mode, fn, inputs)` calls
// `fn(input)` once per input, each on its own worker, and returns the records
// in input order. Both block until every call has finished.
//
//   kInline   every call runs on the calling thread, one after the other
//             (worker names "inline-<index>"); for debugging and tests.
//   kThreads  one thread per worker ("run-<index>"), started for the call
//             and joined before returning.
//   kProcesses one forked process per worker ("process-<index>", a
//             ForkExecutor): the same closure runs in the children, whose
//             results come back through their Codec (codec.h). The result
//             type must have one; if it has not, RunOnWorkers() returns
//             InvalidArgument. A worker that crashes or is killed reports
//             Aborted naming the signal; the others are unaffected.
//
// Errors: workers below 0 or above 1024 (0 means one per core), or more than
// 1024 inputs, give InvalidArgument; a null `fn` gives InvalidArgument.

#ifndef MULTIRUN_PROCESSES_RUNNING_MODE_H_
#define MULTIRUN_PROCESSES_RUNNING_MODE_H_

#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <ranges>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/futex.h"
#include "multirun/base/invoke.h"
#include "multirun/codec/codec.h"
#include "multirun/executors/worker.h"
#include "multirun/futures/future.h"
#include "multirun/processes/fork_executor.h"

namespace multirun {

enum class RunningMode { kInline, kThreads, kProcesses };

// What one worker did: MultiRunnable's result record (worker name, ident,
// pid, state, data, exception). `result` holds the value, or the error the
// function returned or threw (as Unknown("<type>: <what>")).
template <typename T>
struct WorkerRun {
  WorkerInfo worker;
  FutureResult<T> result;
};

namespace processes_internal {

inline constexpr int kMaxRunWorkers = 1024;

// Runs calls(index) for index in [0, count) in `mode`, one worker each.
template <typename T, typename Call>
absl::StatusOr<std::vector<WorkerRun<T>>> RunWorkers(RunningMode mode,
                                                     int count, Call call) {
  std::vector<WorkerRun<T>> runs;
  runs.reserve(count);
  if (mode == RunningMode::kInline) {
    for (int i = 0; i < count; ++i) {
      WorkerInfo info{"inline", i, absl::StrCat("inline-", i),
                      base_internal::CurrentThreadId(), getpid()};
      ScopedCurrentWorker scope(&info);
      FutureResult<T> result = call(i);
      runs.push_back(WorkerRun<T>{std::move(info), std::move(result)});
    }
    return runs;
  }
  if (mode == RunningMode::kProcesses) {
    if constexpr (!Encodable<FutureResult<T>>) {
      return absl::InvalidArgumentError(
          "RunOnWorkers: RunningMode::kProcesses needs a result type with a "
          "multirun::Codec (see codec/codec.h)");
    } else {
      ForkExecutor forks({.workers = count, .name = "process"});
      std::vector<ForkTask<T>> tasks;
      tasks.reserve(count);
      for (int i = 0; i < count; ++i) {
        tasks.push_back(forks.Start({}, [&call, i] { return call(i); }));
      }
      for (int i = 0; i < count; ++i) {
        absl::StatusOr<pid_t> pid = tasks[i].pid.Get();
        const pid_t worker_pid = pid.ok() ? *pid : 0;
        WorkerInfo info{"process", i, absl::StrCat("process-", i),
                        static_cast<uint32_t>(worker_pid), worker_pid};
        runs.push_back(
            WorkerRun<T>{std::move(info), std::move(tasks[i].result).Get()});
      }
      return runs;
    }
  }
  // kThreads: one thread per worker, as MultiRunnable starts them, so that
  // each call has a worker of its own.
  std::vector<std::optional<WorkerRun<T>>> slots(count);
  std::vector<std::thread> threads;
  threads.reserve(count);
  absl::Status started = absl::OkStatus();
  for (int i = 0; i < count; ++i) {
    try {
      threads.emplace_back([&slots, &call, i] {
        WorkerInfo info{"run", i, absl::StrCat("run-", i),
                        base_internal::CurrentThreadId(), getpid()};
        pthread_setname_np(pthread_self(), info.name.substr(0, 15).c_str());
        ScopedCurrentWorker scope(&info);
        FutureResult<T> result = call(i);
        slots[i].emplace(WorkerRun<T>{std::move(info), std::move(result)});
      });
    } catch (const std::system_error& e) {
      started = absl::ResourceExhaustedError(
          absl::StrCat("RunOnWorkers: could not start worker thread ", i,
                       " of ", count, ": ", e.what()));
      break;
    }
  }
  for (std::thread& thread : threads) thread.join();
  if (!started.ok()) return started;
  for (auto& slot : slots) runs.push_back(std::move(*slot));
  return runs;
}

}  // namespace processes_internal

// The value type RunOnWorkers() and RunMap() report for fn returning R.
template <typename F, typename... Args>
using WorkerRunValue =
    typename base_internal::ValueOf<std::invoke_result_t<F&, Args...>>::type;

// Example:
//
//   auto runs = multirun::RunOnWorkers(multirun::RunningMode::kThreads, 3, [] {
//     return multirun::CurrentWorker()->name;
//   });
//   for (const auto& run : *runs) Print(run.worker.name, run.result);
template <typename F>
absl::StatusOr<std::vector<WorkerRun<WorkerRunValue<F>>>> RunOnWorkers(
    RunningMode mode, int workers, F fn) {
  using T = WorkerRunValue<F>;
  static_assert(!base_internal::kIsFuture<std::invoke_result_t<F&>>,
                "RunOnWorkers: fn must return a value, not a Future");
  if (workers < 0 || workers > processes_internal::kMaxRunWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("RunOnWorkers: workers must be in [0, ",
                     processes_internal::kMaxRunWorkers,
                     "] (0: one per core), got ", workers));
  }
  if (workers == 0) {
    workers = static_cast<int>(std::clamp<unsigned>(
        std::thread::hardware_concurrency(), 1,
        static_cast<unsigned>(processes_internal::kMaxRunWorkers)));
  }
  if (base_internal::IsNullCallable(fn)) {
    return absl::InvalidArgumentError("RunOnWorkers: null callable");
  }
  return processes_internal::RunWorkers<T>(
      mode, workers, [&fn](int) { return base_internal::InvokeToResult(fn); });
}

// Example:
//
//   std::vector<std::string> files = {"a.csv", "b.csv"};
//   auto runs = multirun::RunMap(multirun::RunningMode::kThreads, CountRows,
//   files);
template <typename F, std::ranges::forward_range Range>
absl::StatusOr<std::vector<
    WorkerRun<WorkerRunValue<F, const std::ranges::range_value_t<Range>&>>>>
RunMap(RunningMode mode, F fn, const Range& inputs) {
  using Input = std::ranges::range_value_t<Range>;
  using T = WorkerRunValue<F, const Input&>;
  static_assert(
      !base_internal::kIsFuture<std::invoke_result_t<F&, const Input&>>,
      "RunMap: fn must return a value, not a Future");
  std::vector<const Input*> items;
  for (const Input& input : inputs) items.push_back(&input);
  if (items.size() > static_cast<size_t>(processes_internal::kMaxRunWorkers)) {
    return absl::InvalidArgumentError(
        absl::StrCat("RunMap: at most ", processes_internal::kMaxRunWorkers,
                     " inputs (one worker each), got ", items.size()));
  }
  if (base_internal::IsNullCallable(fn)) {
    return absl::InvalidArgumentError("RunMap: null callable");
  }
  return processes_internal::RunWorkers<T>(
      mode, static_cast<int>(items.size()), [&fn, &items](int i) {
        return base_internal::InvokeToResult(fn, *items[i]);
      });
}

}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_RUNNING_MODE_H_
