// Copyright 2026 The multirun Authors.
//
// InlineExecutor: runs each task on the scheduling thread, before Schedule()
// returns.
//
// Use it where an Executor is required but the work is too small to be worth
// a hand-off (a continuation that only converts a value), in tests, and as
// RunningMode::kInline. A task that schedules another task on the same
// InlineExecutor runs it nested, on the same stack.
//
// Example:
//
//   multirun::InlineExecutor inline_executor;
//   multirun::Future<int> f =
//       multirun::Submit(inline_executor, [] { return 7; });
//   // f is ready here.
//
// Thread-safety: Schedule() may be called from any thread at once; each task
// runs on the thread that scheduled it.
//
// Memory ordering: the task runs on the scheduling thread, in program order.

#ifndef MULTIRUN_EXECUTORS_INLINE_EXECUTOR_H_
#define MULTIRUN_EXECUTORS_INLINE_EXECUTOR_H_

#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "multirun/executors/executor.h"

namespace multirun {

// Runs each task before Schedule() returns (see the file comment).
class InlineExecutor final : public Executor {
 public:
  // Runs `task` now. Returns InvalidArgument for a null task.
  absl::Status Schedule(absl::AnyInvocable<void()> task) override {
    if (!task) return absl::InvalidArgumentError("InlineExecutor: null task");
    std::move(task)();
    return absl::OkStatus();
  }
};

}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INLINE_EXECUTOR_H_
