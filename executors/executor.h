// Copyright 2026 The multirun Authors.
//
// Executor: where a piece of work runs.
//
// Every multirun component that runs user work (futures' continuations, the
// strand, the sharer, the graph, async retry) takes an `Executor&` and does not
// care whether the work runs inline, on a thread pool, serially on a strand or
// in a forked process. The interface is one virtual function, Schedule(), which
// accepts a task or says why it cannot.
//
// A task that an executor accepted runs exactly once, or, if the executor is
// shut down with ShutdownNow(), is destroyed without running. A task that was
// rejected is destroyed before Schedule() returns. Either way the task's
// destructor runs, which is how a Promise captured in a task completes its
// Future (with Cancelled) instead of leaving it pending forever; see
// base/drop_reason.h for how the Future learns why.
//
// Lifetime: a task can complete, and its owner destroy the executor, while
// the thread that scheduled it is still returning from Schedule().
// Implementations must not touch their state after the hand-off without
// guarding against that (ThreadPool's destructor waits for such calls to
// leave).
//
// To run a function and get its result, use Submit() (futures/submit.h),
// which wraps the function in a task and returns a Future.
//
// Example: an executor that runs each task on a new detached thread.
//
//   class ThreadPerTask : public multirun::Executor {
//    public:
//     absl::Status Schedule(absl::AnyInvocable<void()> task) override {
//       if (!task) return absl::InvalidArgumentError("null task");
//       std::thread(std::move(task)).detach();
//       return absl::OkStatus();
//     }
//   };
//
// Thread-safety: Schedule() must be safe to call from any thread at once,
// also from inside a task of the same executor.
//
// Memory ordering: everything the scheduling thread wrote before Schedule()
// is visible to the task when it runs.

#ifndef MULTIRUN_EXECUTORS_EXECUTOR_H_
#define MULTIRUN_EXECUTORS_EXECUTOR_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace multirun {

// Where a piece of work runs (see the file comment).
class Executor {
 public:
  virtual ~Executor() = default;

  // Accepts `task` to run once, later or now (InlineExecutor runs it before
  // returning, unless nested deeper than its bound: see inline_executor.h).
  // Returns OK when accepted. Otherwise returns InvalidArgument for a null
  // task, FailedPrecondition when the executor has been shut down, or another
  // code its implementation documents; a rejected task is destroyed without
  // running. Thread-safe.
  virtual absl::Status Schedule(absl::AnyInvocable<void()> task) = 0;
};

}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_EXECUTOR_H_
