// Copyright 2026 The multirun Authors.
//
// InlineExecutor: runs each task on the scheduling thread, before Schedule()
// returns.
//
// Use it where an Executor is required but the work is too small to be worth
// a hand-off (a continuation that only converts a value), in tests, and as
// RunningMode::kInline. A task that schedules another task on the same
// InlineExecutor runs it nested, on the same stack, up to
// base_internal::kMaxInlineDepth (32) levels; a deeper one runs on the same
// thread once the outermost inline task has returned, before the outermost
// Schedule() returns (and a blocking wait for a future on that thread runs
// it first). A chain of any length therefore runs in bounded stack. Code
// that deep must not block on such a task by other means than a Future (an
// Event, a Strand's destructor): the task runs only once it returns. An
// exception from a task run later is reported on stderr and dropped.
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
#include "multirun/base/run_inline.h"
#include "multirun/executors/executor.h"

namespace multirun {

// Runs each task before Schedule() returns (see the file comment).
class InlineExecutor final : public Executor {
 public:
  // Runs `task` now (or, nested deeper than the bound, once the outermost
  // inline task returns). Returns InvalidArgument for a null task.
  absl::Status Schedule(absl::AnyInvocable<void()> task) override {
    if (!task) return absl::InvalidArgumentError("InlineExecutor: null task");
    base_internal::RunInline(std::move(task));
    return absl::OkStatus();
  }
};

}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INLINE_EXECUTOR_H_
