// Copyright 2026 The multirun Authors.
//
// TaskGroup: structured fork-join. Spawn children on an executor, wait for
// all of them, and let the first failure cancel the children that have not
// started.
//
// Loose futures do the same job (Submit the children, Get() them), but a
// group reads as the algorithm: it collects children spawned from anywhere
// (the owner, or the children themselves), reports the first error, and does
// not run the rest once the outcome is known. Waiting helps: Wait() on a
// worker of a ThreadPool runs the pool's pending tasks meanwhile (see
// futures/future.h, "Waits that help"), so groups nest at any depth on any
// number of workers.
//
// Example (fork-join fibonacci, one child per call):
//
//   int Fib(multirun::ThreadPool& pool, int n) {
//     if (n < 2) return n;
//     int a = 0, b = 0;
//     multirun::TaskGroup group(pool);
//     group.Spawn([&] { a = Fib(pool, n - 1); });
//     b = Fib(pool, n - 2);
//     if (absl::Status s = group.Wait(); !s.ok()) return -1;
//     return a + b;
//   }
//
// A child is a callable taking no arguments that returns void or an
// absl::Status; an exception it throws becomes Unknown("<type>: <what>").
//
// Guarantees:
// - Wait() returns after every child spawned before it returns has finished
//   or been cancelled, including children that children spawned.
// - Wait() returns OK, or the first error a child returned (in the order the
//   errors happened), or the executor's error for a child it rejected, or
//   Cancelled after Cancel() when no child failed.
// - Once a child has failed (or Cancel() was called), a child that has not
//   started never runs; children already running finish (they can poll
//   IsCancelled() to stop early).
//
// Thread-safety: Spawn(), Cancel() and IsCancelled() may be called from any
// thread, the children included. Wait() is for the owner (one thread at a
// time). The destructor waits, as Wait() does: the children may refer to the
// group.
//
// Memory ordering: everything a child wrote is visible after Wait() returns.

#ifndef MULTIRUN_FUTURES_TASK_GROUP_H_
#define MULTIRUN_FUTURES_TASK_GROUP_H_

#include <atomic>
#include <deque>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {

// Fork-join children on one executor (see the file comment).
class TaskGroup {
 public:
  // Children run on `executor`, which must outlive the group.
  explicit TaskGroup(Executor& executor) : executor_(executor) {}
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Waits for every child, as Wait() does (the result is dropped).
  ~TaskGroup() { Wait().IgnoreError(); }

  // Runs `fn()` on the executor as a child of this group, unless the group
  // is cancelled by the time it would start. Does not wait for `fn` (over
  // an InlineExecutor it runs before Spawn() returns). A child the executor
  // rejects is a failed child: its error cancels the group at once.
  template <typename F>
  void Spawn(F fn) {
    using R = std::invoke_result_t<F&>;
    static_assert(std::is_void_v<R> || std::is_same_v<R, absl::Status>,
                  "TaskGroup::Spawn: a child returns void or absl::Status");
    Future<void> child =
        Submit(executor_, [this, fn = std::move(fn)]() mutable -> absl::Status {
          if (IsCancelled()) {
            return absl::CancelledError(
                "TaskGroup: cancelled before the child started");
          }
          absl::Status status = base_internal::InvokeToResult(fn);
          if (!status.ok()) RecordError(status);
          return status;
        });
    // Rejected by the executor (or run inline and failed: then already
    // recorded, and recording again keeps the first error).
    if (child.IsReady()) {
      if (absl::Status status = child.Get(); !status.ok()) RecordError(status);
    }
    LockHolder hold(lock_);
    children_.push_back(std::move(child));
  }

  // Waits for every child (see the file comment) and returns OK or the first
  // error. The group may be used again afterwards; an error stays.
  absl::Status Wait();

  // Children that have not started will not run; Wait() returns Cancelled
  // unless a child failed. Never blocks.
  void Cancel();

  // Whether a child failed or Cancel() was called.
  bool IsCancelled() const {
    return cancelled_.load(std::memory_order_acquire);
  }

 private:
  // Keeps `status` as the group's error unless it has one, and cancels.
  void RecordError(const absl::Status& status);

  Executor& executor_;
  std::atomic<bool> cancelled_{false};
  Lock lock_;
  // A deque: Wait() holds a reference to an element while children push.
  std::deque<Future<void>> children_ ABSL_GUARDED_BY(lock_);
  absl::Status error_ ABSL_GUARDED_BY(lock_);
};

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_TASK_GROUP_H_
