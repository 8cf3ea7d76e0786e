// Copyright 2026 The multirun Authors.
//
// ThreadPool: a fixed set of worker threads that run tasks, with work
// stealing. The executor for CPU-bound work, and the default one.
//
// Use it through the Executor interface (Schedule(), or Submit() for a
// Future), for many small tasks, for tasks that spawn tasks (divide and
// conquer, continuations), or to cap how many threads run work at once. For
// work that must not share a process use the fork executor
// (processes/fork_executor.h); for serial access to one resource a Strand
// (strand.h) over a pool.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<multirun::ThreadPool>> pool =
//       multirun::ThreadPool::Create({.workers = 4, .name = "crunch"});
//   if (!pool.ok()) return pool.status();
//   std::atomic<int> done{0};
//   for (int i = 0; i < 100; ++i) {
//     absl::Status s = (*pool)->Schedule([&done] { done.fetch_add(1); });
//     if (!s.ok()) return s;
//   }
//   absl::Status s = (*pool)->Shutdown();  // runs all 100, joins the workers
//
// Scheduling. A task scheduled from inside a task of the pool runs on the
// same worker (newest first, while its data is still in cache) unless an idle
// worker steals it; tasks scheduled from outside start roughly oldest first.
// Work that keeps re-posting itself cannot starve outside submissions. An
// idle pool sleeps: it burns no CPU. (How: thread_pool.cc.)
//
// Tasks that throw. Schedule() takes an AnyInvocable<void()>; if one throws,
// the worker catches the exception, writes one line about it to stderr (the
// first one per pool only), and goes on with the next task. Submit() converts
// exceptions into a Status before they reach the pool, so this is only for
// tasks given to Schedule() directly; do not rely on it.
//
// Shutting down. Shutdown() drains: it stops accepting tasks from outside,
// runs every accepted task (including tasks that running tasks schedule while
// it drains) and joins the workers. ShutdownNow() stops: it destroys every
// queued task without running it, tells the workers to exit after their
// current task and returns at once. (A worker that took a batch from the
// shared queue as the stop began runs the tasks of that batch the sweep did
// not drop: at most 8 per worker.) The destructor calls Shutdown().
//
// Memory ordering: everything the scheduling thread wrote before Schedule()
// is visible to the task when it runs, and everything the tasks wrote is
// visible after Shutdown() returns.
//
// Thread-safety: every method may be called from any thread at once, also
// from the pool's own tasks, except that Shutdown() from a task of the pool
// fails and the destructor there aborts (see them).
//
// Waiting inside a task. A task that waits for a Future (Get(), Wait(),
// WaitFor(), WaitUntil()) does not hold its worker idle: the worker runs the
// pool's other pending tasks until the result is ready (its own first, then
// other workers' and outside ones), nested on its stack (on a fresh stack
// segment when little is left), and sleeps when there are none: an untimed
// wait wakes for the result or for new work, a timed one for the result or
// its deadline. So a task may submit subtasks to its own pool and Get()
// them, at any depth, on any number of workers. Other blocking (a lock, an
// Event, a Queue) does not help.
//
// The price of helping: a task run by a waiting task runs on top of it and
// must finish before the waiting task can go on. A task that the waiting
// task blocks (it takes a lock the waiting task holds across the wait, or
// waits for something the waiting task does after its wait) then waits
// forever. Do not hold a lock across a wait that other tasks of the pool
// take, or create the pool with `wait_helps = false`, where a wait blocks
// its worker (and a task that waits for a task of its own pool can then
// wait forever when every worker waits so).
//
// Guarantees: every accepted task runs exactly once, unless ShutdownNow()
// drops it (then its destructor runs, under the drop reason). Tasks are not
// ordered: no FIFO between tasks of one thread either. A task that blocks,
// other than on a Future, until another task of the same pool has run can
// wait forever when every worker is blocked so.

#ifndef MULTIRUN_EXECUTORS_THREAD_POOL_H_
#define MULTIRUN_EXECUTORS_THREAD_POOL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "multirun/base/deadline.h"
#include "multirun/base/wait_helper.h"
#include "multirun/executors/executor.h"
#include "multirun/executors/internal/event_count.h"
#include "multirun/executors/internal/injection_queue.h"
#include "multirun/sync/lock.h"

namespace multirun {
namespace executors_internal {
struct PoolWakeToken;
struct PoolWorker;
struct TaskNode;
}  // namespace executors_internal

// ThreadPool::Options. (A namespace-scope struct: GCC rejects `Options
// options = {}` as a default argument inside the class that defines Options
// when its members have default initializers.)
struct ThreadPoolOptions {
  // Worker threads; 0 means one per core (std::thread::hardware_concurrency,
  // at least 1). At most ThreadPool::kMaxWorkers.
  int workers = 0;
  // The pool's name, in error messages and in worker names "<name>-<index>"
  // (also the threads' names, cut to 15 characters by the kernel).
  std::string name = "pool";
  // Whether a Future wait inside a task runs the pool's pending tasks (see
  // "Waiting inside a task"). Set it to false for a pool whose tasks hold a
  // lock across a wait that other tasks of the pool take, or wait for what
  // a waiting task does after its wait: a wait then blocks its worker.
  bool wait_helps = true;
};

// A fixed set of worker threads with work stealing (see the file comment).
class ThreadPool final : public Executor {
 public:
  static constexpr int kMaxWorkers = 1024;

  using Options = ThreadPoolOptions;

  // Starts a pool of `options.workers` threads (0: one per core). Returns
  // InvalidArgument for workers < 0 or > kMaxWorkers, or an empty name;
  // ResourceExhausted if a thread cannot be started.
  static absl::StatusOr<std::unique_ptr<ThreadPool>> Create(Options options);
  // Create() with `options.workers` set to `workers`.
  static absl::StatusOr<std::unique_ptr<ThreadPool>> Create(
      int workers, Options options = {});

  // As Create(), but aborts with a message on invalid input (or when a thread
  // cannot be started).
  explicit ThreadPool(Options options);
  explicit ThreadPool(int workers, Options options = {});

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Shutdown() (drains), then joins. Blocks. Aborts with a message when
  // called from one of the pool's own workers (it would join itself).
  ~ThreadPool() override;

  // Accepts `task`; see Executor::Schedule(). Returns InvalidArgument for a
  // null task. After Shutdown() or ShutdownNow() has begun, returns
  // FailedPrecondition("ThreadPool <name> is shut down") for a task scheduled
  // from outside the pool; a task scheduled from one of the pool's workers
  // (a running task spawning work, a continuation) is still accepted while
  // Shutdown() drains, and rejected after ShutdownNow(). A rejected task is
  // destroyed before this returns. Never blocks. Thread-safe.
  absl::Status Schedule(absl::AnyInvocable<void()> task) override;

  // Stops accepting tasks from outside the pool, runs every accepted task
  // (and those they schedule meanwhile), joins the workers. Blocks. Returns
  // OK, also when called again or concurrently (every caller returns after
  // the drain) or after ShutdownNow() (it then only joins). Called from one
  // of the pool's own workers it would wait for itself: returns
  // FailedPrecondition and has no effect.
  absl::Status Shutdown();

  // Stops accepting tasks, destroys every queued task that has not started,
  // without running it, inside a ScopedDropReason (Cancelled("cancelled by
  // ThreadPool::ShutdownNow")) so that their futures complete with that
  // status, and tells the workers to exit after their current task. Returns
  // the number of tasks it destroyed, without waiting for running tasks (the
  // destructor joins). A task that a worker had already taken off a queue
  // when ShutdownNow() began still runs, and so may the rest of a batch (at
  // most 8 tasks) that a worker takes from the shared queue as it begins.
  // Callable from any thread, also while another thread is inside
  // Shutdown(). Does not block (beyond the moment a concurrent Schedule()
  // needs to finish its push).
  size_t ShutdownNow();

  // The number of workers.
  int size() const { return static_cast<int>(workers_.size()); }

  const std::string& name() const { return name_; }

  // Whether Shutdown() or ShutdownNow() has begun. Once this returns true,
  // Schedule() from outside the pool fails.
  bool IsShutdown() const { return closed_.load(std::memory_order_acquire); }

 private:
  friend struct executors_internal::PoolWorker;
  struct Taken;
  struct PrivateTag {};

  ThreadPool(PrivateTag, Options options);
  static absl::Status Validate(const Options& options);
  // Validates (aborting on invalid input) before any member is built.
  static Options CheckedOptions(Options& options);
  // options.workers, with 0 resolved to the number of cores.
  static int WorkerCount(const Options& options);
  absl::Status Start();
  bool IsOwnWorker() const;

  void WorkerMain(executors_internal::PoolWorker& worker);
  bool FindTask(executors_internal::PoolWorker& worker, Taken& taken);
  // `as_thief`: whether the worker counts itself in `thieves_`.
  bool TryTake(executors_internal::PoolWorker& worker, Taken& taken,
               bool as_thief);
  bool TrySteal(executors_internal::PoolWorker& worker, Taken& taken);
  // The oldest task of the worker's own deque, or nullptr when it is empty.
  static executors_internal::TaskNode* TakeOldestOwn(
      executors_internal::PoolWorker& worker);
  void Exploit(executors_internal::PoolWorker& worker, Taken& taken);
  // The next task of the worker's own deque: the oldest while the rest of a
  // batch from the shared queue is on it, else the newest. nullptr if none.
  static executors_internal::TaskNode* NextOwn(
      executors_internal::PoolWorker& worker);
  // A blocking wait on `worker` (see "Waiting inside a task" above).
  base_internal::WaitHelper::Outcome HelpUntil(
      executors_internal::PoolWorker& worker, absl::FunctionRef<bool()> ready,
      absl::FunctionRef<void(absl::AnyInvocable<void()>)> on_ready,
      const base_internal::Deadline& deadline);
  // Runs what HelpUntil took (as RunTaken), on a fresh stack segment when
  // little stack is left.
  void RunHelped(executors_internal::PoolWorker& worker,
                 executors_internal::TaskNode* node);
  void Invoke(absl::AnyInvocable<void()>& task);
  // Runs the task in `worker.injected`, or `node`'s task (then recycles the
  // node), and counts it as executed.
  void RunInjected(executors_internal::PoolWorker& worker);
  void RunNode(executors_internal::PoolWorker& worker,
               executors_internal::TaskNode* node);
  // Runs what a search took: `node`'s task, or (`node` null) the one in
  // worker.injected.
  void RunTaken(executors_internal::PoolWorker& worker,
                executors_internal::TaskNode* node);
  bool HasWork() const;
  bool Quiescent() const;
  absl::Status ShutDownError() const;
  void DropLeftovers();
  // Takes and releases claim_gate_.
  void LockClaims();
  void UnlockClaims();

  const std::string name_;
  const bool wait_helps_;
  std::vector<std::unique_ptr<executors_internal::PoolWorker>> workers_;
  executors_internal::InjectionQueue<absl::AnyInvocable<void()>> injection_;
  executors_internal::EventCount event_count_;
  // Workers searching for work (see "Waking" in thread_pool.cc).
  alignas(64) std::atomic<int> thieves_{0};
  // Held by the worker that claims a batch from the shared queue until the
  // rest of the batch is on its deque (see TryTake in thread_pool.cc).
  alignas(64) std::atomic<bool> claim_gate_{false};
  // Schedule() calls from outside the pool still running. A task can complete
  // (and its owner destroy the pool) while the thread that scheduled it is
  // still inside Schedule(), after the push; the destructor waits for those
  // calls to leave.
  alignas(64) std::atomic<int> outside_schedules_{0};
  // Rarely written flags, read on every Schedule() and by searching workers.
  alignas(64) std::atomic<bool> closed_{false};  // Shutdown*() began.
  std::atomic<bool> stop_{false};                // ShutdownNow() began.
  std::atomic<bool> draining_{false};            // Shutdown() began.
  std::atomic<bool> finished_{false};            // The drain is complete.
  std::atomic<bool> reported_exception_{false};
  // Lets the callbacks of helping waits wake the workers (see PoolWakeToken).
  const std::shared_ptr<executors_internal::PoolWakeToken> wake_token_;
  Lock shutdown_lock_;
  bool joined_ ABSL_GUARDED_BY(shutdown_lock_) = false;
};

}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_THREAD_POOL_H_
