// Copyright 2026 The multirun Authors.
//
// Strand: a serial executor over any executor.
//
// A Strand runs the tasks scheduled on it one at a time, in the order they were
// scheduled, on the threads of the executor it wraps (a ThreadPool, an
// InlineExecutor, another Strand...). It owns no thread. Use it to give work
// that touches one non-thread-safe resource (a connection, a file, a cache) a
// private serial queue without a lock and without a dedicated thread, as
// Boost.Asio's `strand` and folly's `SerialExecutor` do.
//
// Example:
//
//   multirun::ThreadPool pool({.workers = 4});
//   {
//     multirun::Strand strand(pool);
//     std::vector<int> log;  // only touched by the strand's tasks
//     for (int i = 0; i < 100; ++i) {
//       absl::Status s = strand.Schedule([&log, i] { log.push_back(i); });
//       if (!s.ok()) return s;  // the pool was shut down
//     }
//   }  // ~Strand() waits for the 100 tasks; log is 0, 1, ..., 99.
//
// Guarantees:
// - FIFO: tasks scheduled by one thread run in the order of its Schedule()
//   calls; tasks of different threads in the order their Schedule() calls
//   were linearized.
// - Never two tasks of one strand at once. Different strands over one
//   executor run in parallel.
// - No lock is held while a task runs: a task may block on a thread that
//   schedules onto the same strand.
// - A task scheduled from inside the strand runs after the current task has
//   returned, never nested inside it (even over an InlineExecutor). So a
//   task that waits for a later task of its own strand waits forever. A
//   task that waits for a Future of other work on the strand's ThreadPool
//   helps the pool meanwhile (futures/future.h, "Waits that help"), but
//   never runs the strand's own tasks.
// - Fairness: the strand hands the executor one "drain" task at a time, which
//   runs at most kBatchSize tasks and then schedules itself again, so a busy
//   strand gives the executor's thread back between batches instead of
//   holding it.
//
// Errors: when the executor rejects the drain task (it was shut down), or
// destroys it without running it (ThreadPool::ShutdownNow()), the strand
// closes: every task it had accepted and not yet run is destroyed without
// running, with that status (with context) as the drop reason
// (base/drop_reason.h), so a Promise captured in such a task completes its
// Future with the reason, and every later Schedule() returns that status.
// (ThreadPool's graceful Shutdown() still accepts tasks from its own workers
// while it drains, so there the drain goes on and every accepted task runs; an
// executor that rejects even those drops the tasks left after the batch.)
//
// A task that throws: the exception is caught, reported on stderr, and the
// strand keeps serving. (Submit() turns exceptions into a Status before they
// reach an executor; this is a safety net for raw Schedule() calls.)
//
// Cost: Schedule() holds the strand's lock only for a push, which seldom
// allocates; the first Schedule() on an idle strand also schedules the drain
// task on the executor. (How: strand.cc and internal/strand_queue.h.)
//
// Thread-safety: Schedule() and RunningInThisStrand() may be called from any
// thread at once, also from the strand's own tasks; see ~Strand() for the
// destructor.
//
// Memory ordering: everything a thread wrote before Schedule() is visible to
// the task when it runs, and everything task N of a strand wrote is visible to
// task N + 1 of the same strand, whichever threads of the executor they run
// on (each hand-off is a release and acquire of the strand's lock, or an
// executor Schedule(), which orders the same way). Everything the strand's
// tasks wrote is visible to the thread whose ~Strand() returns.

#ifndef MULTIRUN_EXECUTORS_STRAND_H_
#define MULTIRUN_EXECUTORS_STRAND_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "multirun/executors/executor.h"
#include "multirun/executors/internal/strand_queue.h"
#include "multirun/sync/lock.h"

namespace multirun {

// A serial executor over another executor (see the file comment).
class Strand final : public Executor {
 public:
  // The most tasks one drain task runs before it schedules itself again.
  static constexpr int kBatchSize = 64;

  // A strand over `executor`, which must outlive it. For a strand over another
  // strand, pass that one as an Executor& (`Strand(lower)` names the deleted
  // copy constructor).
  explicit Strand(Executor& executor);

  // Blocks until every task the strand accepted has run (or was dropped
  // because the executor closed the strand), including tasks those tasks
  // schedule on the strand. It is an error, and aborts with a message, to
  // destroy a strand from inside one of its own tasks (the wait could never
  // end). Other threads must not call Schedule() once the destructor has
  // begun; the strand's own tasks may.
  ~Strand() override;

  Strand(const Strand&) = delete;
  Strand& operator=(const Strand&) = delete;

  // Accepts `task` to run after every task accepted before it. Returns OK when
  // accepted; InvalidArgument for a null task; once the executor has rejected
  // or dropped the strand's drain task, that status (FailedPrecondition for a
  // shut-down ThreadPool) with context. A rejected task is destroyed before
  // Schedule() returns. Does not wait for the strand's tasks: it holds the
  // strand's lock only for the push (over an InlineExecutor, the call that
  // finds the strand idle runs the tasks itself). Thread-safe.
  absl::Status Schedule(absl::AnyInvocable<void()> task) override;

  // Whether the calling thread is running one of this strand's tasks (or is
  // inside a task of this strand that is blocked in a nested call, such as an
  // InlineExecutor running another strand's task). Use it to assert that code
  // runs on the strand.
  bool RunningInThisStrand() const;

 private:
  class DrainTask;

  // Schedules the drain task on the executor. The caller owns the "drain
  // token" (the right to touch ready_ and to run tasks) and hands it to the
  // drain task. Returns the executor's error, if any, with the token back.
  absl::Status ScheduleDrain();
  // Runs tasks as the drain task; see strand.cc.
  void RunDrain();
  // Called by a drain task destroyed without running.
  void DrainDropped();
  // For the token owner: closes the strand with `status` (with context) and
  // destroys every queued task without running it. Returns the status the
  // strand closed with. The strand may be destroyed when it returns.
  absl::Status CloseAndDrop(const absl::Status& status,
                            const char* what_happened);
  // For the token owner, with ready_ empty: moves the tasks scheduled since
  // the last call into ready_ and returns true; when there are none, makes the
  // strand idle, gives the token up and returns false (the strand may be
  // destroyed as soon as it does).
  bool TakeScheduledOrGoIdle();

  // Shared with the threads that schedule, on its own cache line.
  alignas(64) Lock lock_;
  // kActive: a drain task (or the thread scheduling it) owns the token.
  // kClosed: Schedule() fails with status_. kWaiting: ~Strand() waits for
  // destroy_waiter_ to be signalled.
  uint32_t state_ ABSL_GUARDED_BY(lock_) = 0;
  executors_internal::TaskQueue incoming_ ABSL_GUARDED_BY(lock_);
  absl::Status status_ ABSL_GUARDED_BY(lock_);
  std::atomic<uint32_t>* destroy_waiter_ ABSL_GUARDED_BY(lock_) = nullptr;

  // The batch being run; owned by the token holder.
  alignas(64) executors_internal::TaskQueue ready_;
  Executor& executor_;
};

}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_STRAND_H_
