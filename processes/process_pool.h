// Copyright 2026 The multirun Authors.
//
// ProcessPool: a fixed set of pre-forked worker processes that run functions
// registered by name; a port of Python's
// concurrent.futures.ProcessPoolExecutor.
//
// A function becomes a task with MULTIRUN_REGISTER_TASK(Name, fn) at
// namespace scope (static initialisation registers it, before any pool
// starts). The workers are fork()ed when the pool is created, so every worker
// has every registered function: a submission names the function (by its
// registration number) and sends its arguments serialized by multirun::Codec
// (codec.h); the worker sends the result back the same way. Arguments and
// results may be anything with a Codec: arithmetic types, enums,
// std::string, std::vector, std::map, std::pair, std::tuple, std::optional,
// absl::Status, absl::StatusOr and user types that add one. A task may
// return void, a value, absl::Status or absl::StatusOr<U>; the future is
// Future<void> for void and Status, Future<U> for StatusOr<U> and U.
//
// Use it for many small CPU-bound calls that must not share the caller's
// address space (code that may crash, leak, or is not thread-safe), where a
// fork per call (ForkExecutor, fork_executor.h) costs too much. For work that
// can share the process use ThreadPool.
//
// Example:
//
//   int SquareImpl(int x) { return x * x; }
//   MULTIRUN_REGISTER_TASK(Square, SquareImpl);  // At namespace scope.
//
//   absl::StatusOr<int> SumOfSquares() {
//     absl::StatusOr<std::unique_ptr<multirun::ProcessPool>> pool =
//         multirun::ProcessPool::Create({.workers = 4});
//     if (!pool.ok()) return pool.status();
//     multirun::Future<int> nine = (*pool)->Submit(Square, 3);
//     multirun::Future<int> four = (*pool)->Submit<int>("Square", 2);
//     absl::StatusOr<int> a = nine.Get();  // Blocks; 9.
//     absl::StatusOr<int> b = four.Get();  // 4.
//     // Waits for every accepted task, reaps the workers.
//     if (absl::Status s = (*pool)->Shutdown(); !s.ok()) return s;
//     if (!a.ok()) return a.status();
//     if (!b.ok()) return b.status();
//     return *a + *b;
//   }
//
// Errors. Every future completes. A worker that dies fails only the task it
// had started and is replaced; the pool stays usable:
//   - the task throws:              Unknown("<type>: <what>")
//   - it kills its worker (SIGSEGV, abort(), a SIGKILL from outside):
//                                   Aborted("task process <pid> killed by
//                                   SIGSEGV")
//   - it makes its worker exit:     Internal("task process <pid> exited with
//                                   code <n> without a result")
//   - it runs past task_timeout:    DeadlineExceeded; the worker is SIGKILLed
//                                   and replaced
//   - it writes to the worker's result pipe, so the pool cannot read the
//     answers:                      Internal("... sent a malformed or
//                                   unrequested answer"), also for the tasks
//                                   sent to that worker that may have started
//                                   after it
//   - its arguments do not fit in the worker's memory:
//                                   ResourceExhausted
//   - an unknown name or a signature that does not match the registration
//     (Submit by name):             NotFound / InvalidArgument, nothing sent
//   - Cancel() before it is sent:   Cancelled; it never runs
//   - after Shutdown():             FailedPrecondition
//   - ShutdownNow():                Cancelled
// Each worker is sent up to `pipeline_depth` tasks ahead of its answers, and
// runs them one at a time in order. It acknowledges each task as it starts
// it, before the task runs. When a worker dies, the task it had acknowledged
// and not answered fails as listed above; every other task sent to it had
// not started (it waited in the worker's pipe, was being read, or was sent
// to a worker that had just died, whenever and however it died): it is sent
// to another worker or the replacement, and runs there. So a task runs at
// most once, and a task that had not started never fails because its worker
// died (only for arguments that do not fit, or a malformed answer, above).
// A task cannot be stopped once it is sent: Cancel() returns false from then
// on.
//
// Thread-safety. Submit(), Shutdown(), ShutdownNow() and the accessors are
// thread-safe. In another process than the one that created the pool (a
// worker, another fork) Submit() fails with FailedPrecondition. One
// supervisor thread per pool forks, feeds and reaps the workers and
// completes the futures, so their callbacks run on it (see future.h; Then()
// moves them to an executor): Shutdown() called from such a callback fails
// with FailedPrecondition, and destroying the pool there aborts. The pool
// reaps its own workers: do not reap children with waitpid(-1) elsewhere in
// the process.
//
// Workers. A worker is a fork of the process that created the pool, made by
// the supervisor thread while other threads run. In a worker, tasks may
// compute, allocate (glibc's malloc is fork-safe), do file I/O, and create
// their own threads and executors; they must not use a lock that another
// thread of the parent may have held at the fork, nor the parent's thread
// pools, strands, timers or this pool. A worker ignores SIGPIPE, dies with
// SIGKILL if the supervisor thread ends (PR_SET_PDEATHSIG), and always
// leaves with _exit(): when its request pipe closes or says so (Shutdown),
// or after `max_tasks_per_worker` tasks (the pool has started its successor
// already). Inside a task, CurrentWorker() (worker.h) names the worker
// ("<name>-<index>") and its pid.
//
// Memory ordering: a worker sees the parent's memory as it was when the
// worker was forked, not as it is at Submit(): pass what the task needs as
// arguments. What the task computed reaches the parent only through its
// result.
//
// Defines MULTIRUN_REGISTER_TASK, RegisteredTask, ProcessPoolOptions,
// ProcessPoolStats and ProcessPool.

#ifndef MULTIRUN_PROCESSES_PROCESS_POOL_H_
#define MULTIRUN_PROCESSES_PROCESS_POOL_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/codec/codec.h"
#include "multirun/futures/future.h"
#include "multirun/processes/internal/pool_job.h"  // IWYU pragma: export
#include "multirun/sync/event.h"
#include "multirun/sync/lock.h"

namespace multirun {

// Registers the function `...` (a function, or a captureless lambda
// converted with `+`) as a task named `name`, and defines `name`, a
// RegisteredTask handle to it. Use at namespace scope, in one .cc file or in
// a header (the handle is an inline variable). Names must be unique in the
// program: registering another function under a taken name aborts with a
// message at start-up.
//
// Example:
//
//   int SquareImpl(int x) { return x * x; }
//   MULTIRUN_REGISTER_TASK(Square, SquareImpl);
//   MULTIRUN_REGISTER_TASK(Add, +[](int a, int b) { return a + b; });
#define MULTIRUN_REGISTER_TASK(name, ...) \
  inline const auto name =                \
      ::multirun::processes_internal::RegisterTask<__VA_ARGS__>(#name)

// A handle to a function registered with MULTIRUN_REGISTER_TASK: what the
// typed ProcessPool::Submit() takes. `R(Params...)` is the function's type.
// Copyable; valid for the life of the program.
template <typename R, typename... Params>
class RegisteredTask<R(Params...)> {
 public:
  // The value type of the futures Submit() returns for this task.
  using value_type = typename base_internal::ValueOf<R>::type;

  // The name it was registered under.
  absl::string_view name() const { return name_; }
  // Its registration number (the same in every worker).
  uint32_t id() const { return id_; }

 private:
  friend struct processes_internal::PoolTaskAccess;
  explicit RegisteredTask(processes_internal::PoolTaskKey key)
      : id_(key.id), name_(key.name) {}

  uint32_t id_;
  absl::string_view name_;
};

// What ProcessPool::Create() takes.
struct ProcessPoolOptions {
  // The number of workers; 0 means the number of cores.
  int workers = 0;
  // A worker exits after this many tasks and a fresh fork replaces it (to
  // bound leaks); 0 means never.
  int max_tasks_per_worker = 0;
  // A task that runs longer than this (from when its worker acknowledges
  // that it starts it) is failed with DeadlineExceeded and its worker is
  // SIGKILLed and replaced. A task waiting for its worker is not timed.
  absl::Duration task_timeout = absl::InfiniteDuration();
  // The most requests sent to one worker ahead of its answers (see "Errors"
  // at the top of this file); 1 sends the next request only after the
  // previous answer. Fewer are sent while a worker's recent tasks were slow.
  int pipeline_depth = 32;
  // In error messages, and the workers' names "<name>-<index>"
  // (CurrentWorker(), and their process names cut to 15 characters).
  std::string name = "process-pool";
};

// Counts since the pool started. Each is exact once the pool is shut down;
// before, a snapshot.
struct ProcessPoolStats {
  int64_t tasks_submitted = 0;   // accepted by Submit()
  int64_t tasks_answered = 0;    // a worker sent a result (a value or error)
  int64_t tasks_cancelled = 0;   // cancelled before sent, or by ShutdownNow()
  int64_t tasks_killed = 0;      // failed: their worker died after their start
  int64_t tasks_timed_out = 0;   // of those, by task_timeout
  int64_t tasks_resent = 0;      // sent again: worker died before their start
  int64_t workers_started = 0;   // forks, the first ones included
  int64_t workers_replaced = 0;  // after a death or a timeout
  int64_t workers_recycled = 0;  // after max_tasks_per_worker
};

// A fixed set of worker processes that run registered tasks; see the top of
// this file.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<multirun::ProcessPool>> pool =
//       multirun::ProcessPool::Create({.workers = 4, .name = "squares"});
//   if (!pool.ok()) return pool.status();
//   multirun::Future<int> nine = (*pool)->Submit(Square, 3);
//   absl::StatusOr<int> result = nine.Get();  // 9
//   // Waits for every accepted task, reaps the workers.
//   if (absl::Status s = (*pool)->Shutdown(); !s.ok()) return s;
class ProcessPool {
 public:
  static constexpr int kMaxWorkers = 1024;
  static constexpr int kMaxPipelineDepth = 1024;

  using Options = ProcessPoolOptions;

  // Starts the supervisor, which forks the workers. Returns InvalidArgument
  // for workers outside [0, kMaxWorkers], a negative max_tasks_per_worker, a
  // task_timeout that is not positive, pipeline_depth outside [1,
  // kMaxPipelineDepth] or an empty name; ResourceExhausted or Internal, with
  // the errno text, when a pipe, a fork or the thread fails (no worker is
  // left behind). Blocks until every worker is forked.
  static absl::StatusOr<std::unique_ptr<ProcessPool>> Create(
      Options options = {});

  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  // Shutdown(): waits for every accepted task. Aborts with a message when
  // called on the supervisor thread (from a future's callback).
  ~ProcessPool();

  // Runs `task(args...)` on a worker. The arguments are converted to the
  // task's parameter types (decayed) and encoded on the calling thread. The
  // returned future always completes (see the list at the top of this file).
  // Never blocks. Thread-safe.
  template <typename R, typename... Params, typename... Args>
  requires(sizeof...(Params) == sizeof...(Args) &&
           (std::is_constructible_v<std::decay_t<Params>, Args&&> && ...))
      Future<typename base_internal::ValueOf<R>::type> Submit(
          const RegisteredTask<R(Params...)>& task, Args&&... args) {
    using T = typename base_internal::ValueOf<R>::type;
    auto job = std::make_unique<processes_internal::TypedPoolJob<T>>();
    Future<T> future = job->GetFuture();
    job->task_name = task.name();
    processes_internal::EncodePoolRequest<std::decay_t<Params>...>(
        task.id(), job->frame, std::forward<Args>(args)...);
    Enqueue(std::move(job));
    return future;
  }

  // Runs the task registered as `name` with `args`: `T` is the future's value
  // type and the arguments' decayed types are the parameters, so
  // Submit<int>("Square", 3) runs a registered `int SquareImpl(int)` (or an
  // `absl::StatusOr<int> SquareImpl(int)`); pass std::string("x"), not "x",
  // for a std::string parameter. NotFound for an unknown name,
  // InvalidArgument when the task's signature is not T(Args...), both
  // without running anything. Never blocks. Thread-safe.
  template <typename T, typename... Args>
  Future<T> Submit(absl::string_view name, Args&&... args) {
    static_assert(Encodable<std::tuple<std::decay_t<Args>...>>,
                  "ProcessPool::Submit: an argument type has no "
                  "multirun::Codec; add one (see codec/codec.h)");
    static_assert(Encodable<FutureResult<T>>,
                  "ProcessPool::Submit: the result type has no "
                  "multirun::Codec; add one (see codec/codec.h)");
    auto job = std::make_unique<processes_internal::TypedPoolJob<T>>();
    Future<T> future = job->GetFuture();
    if (processes_internal::PrepareNamedPoolRequest<T>(
            "ProcessPool", name_, name, *job, std::forward<Args>(args)...)) {
      Enqueue(std::move(job));
    }
    return future;
  }

  // Stops accepting tasks, waits until every accepted task has run (queued
  // ones included; a worker that dies meanwhile is replaced), then closes
  // the workers' request pipes, reaps every worker, and joins the
  // supervisor. Blocks. Returns OK, also when called again, concurrently or
  // after ShutdownNow(); FailedPrecondition, without waiting, when called on
  // the supervisor thread (from a future's callback).
  absl::Status Shutdown();

  // Stops accepting tasks, completes every task that has not finished with
  // Cancelled("cancelled by ProcessPool::ShutdownNow"), queued ones and
  // those sent to workers alike, and SIGKILLs the workers. Returns how many
  // tasks it stopped. Waits for the supervisor to fail them, not for the
  // workers to be reaped (the destructor or Shutdown() waits). On the
  // supervisor thread it drops only the queued tasks itself (and counts
  // those); the supervisor stops the rest when the callback returns.
  size_t ShutdownNow();

  // The number of workers (options.workers, or the number of cores).
  int size() const { return workers_; }

  // options.name.
  const std::string& name() const { return name_; }

  // The pids of the workers serving now, by worker index (a hint: a worker
  // may die or be replaced as soon as this returns). Empty after shutdown.
  std::vector<pid_t> WorkerPids() const;

  // A snapshot of the counters (see ProcessPoolStats).
  ProcessPoolStats stats() const;

  // Whether Shutdown() or ShutdownNow() has begun.
  bool IsShutdown() const;

 private:
  // The supervisor thread's state, and its record of a worker process:
  // internal/pool_supervisor.h.
  struct Worker;
  struct Supervisor;

  ProcessPool(const Options& options, int workers);

  friend struct processes_internal::PoolAccess;

  void Enqueue(std::unique_ptr<processes_internal::PoolJob> job);
  // Enqueue() of each job, under one lock and with at most one wake-up.
  void EnqueueAll(
      std::vector<std::unique_ptr<processes_internal::PoolJob>> jobs);
  bool OnSupervisorThread() const;
  void Wake();
  void Supervise();

  const int workers_;
  const int max_tasks_per_worker_;
  const absl::Duration task_timeout_;
  const int pipeline_depth_;
  const std::string name_;
  const pid_t owner_pid_;
  int epoll_fd_ = -1;
  int event_fd_ = -1;

  mutable Lock queue_lock_;
  std::deque<std::unique_ptr<processes_internal::PoolJob>> queue_
      ABSL_GUARDED_BY(queue_lock_);
  bool closed_ ABSL_GUARDED_BY(queue_lock_) = false;
  bool stop_now_ ABSL_GUARDED_BY(queue_lock_) = false;
  // The supervisor is about to sleep (or sleeps) in epoll_wait: a
  // submission must write the eventfd. See Enqueue().
  std::atomic<bool> sleeping_{false};

  // Set once the workers are forked (or failed to be), with the outcome.
  Event started_;
  absl::Status start_status_;
  // Set once the supervisor has stopped every task after ShutdownNow() (or
  // has exited); what it stopped.
  Event stopped_;
  std::atomic<size_t> stopped_count_{0};

  mutable Lock pids_lock_;
  std::vector<pid_t> pids_ ABSL_GUARDED_BY(pids_lock_);

  struct Counters {
    std::atomic<int64_t> tasks_submitted{0};
    std::atomic<int64_t> tasks_answered{0};
    std::atomic<int64_t> tasks_cancelled{0};
    std::atomic<int64_t> tasks_killed{0};
    std::atomic<int64_t> tasks_timed_out{0};
    std::atomic<int64_t> tasks_resent{0};
    std::atomic<int64_t> workers_started{0};
    std::atomic<int64_t> workers_replaced{0};
    std::atomic<int64_t> workers_recycled{0};
  };
  Counters counters_;

  Lock join_lock_;
  std::thread supervisor_ ABSL_GUARDED_BY(join_lock_);
};

namespace processes_internal {

// For the executors that run registered tasks on a ProcessPool of their own
// and move requests and answers as bytes (the cluster's ranks): submits a
// job whose frame is already sealed (SealPoolRequest()), or several.
struct PoolAccess {
  static void Enqueue(ProcessPool& pool, std::unique_ptr<PoolJob> job) {
    pool.Enqueue(std::move(job));
  }
  static void EnqueueAll(ProcessPool& pool,
                         std::vector<std::unique_ptr<PoolJob>> jobs) {
    pool.EnqueueAll(std::move(jobs));
  }
};

}  // namespace processes_internal
}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_PROCESS_POOL_H_
