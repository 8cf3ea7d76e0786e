// Copyright 2026 The multirun Authors.
//
// ProcessPool: a fixed set of pre-forked worker processes that run functions
// registered by name, Python's concurrent.futures.ProcessPoolExecutor for
// C++.
//
// A function becomes a task with MULTIRUN_REGISTER_TASK(Name, fn) at
// namespace scope (static initialisation registers it, before any pool
// starts). The workers are fork()ed when the pool is created, so every worker
// has every registered function: a submission names the function (by its
// registration number, as Python pickles a function by reference) and sends
// its arguments serialized by multirun::Codec (codec.h); the worker sends the
// result back the same way. Arguments and results may be anything with a
// Codec: arithmetic types, enums, std::string, std::vector, std::map,
// std::pair, std::tuple, std::optional, absl::Status, absl::StatusOr and
// user types that add one. A task may return void, a value, absl::Status or
// absl::StatusOr<U>; the future is Future<void> for void and Status,
// Future<U> for StatusOr<U> and U.
//
// Use it for many small CPU-bound calls that must not share the caller's
// address space (code that may crash, leak, or is not thread-safe), where a
// fork per call (ForkExecutor, fork_executor.h) costs too much. For work that
// can share the process use ThreadPool.
//
// Self-healing. Unlike Python's BrokenProcessPool, a worker that dies fails
// only the task it was running and is replaced; the pool stays usable:
//   - the task throws:              Unknown("<type>: <what>")
//   - it kills its worker (SIGSEGV, abort(), a SIGKILL from outside):
//                                   Aborted("task process <pid> killed by
//                                   SIGSEGV")
//   - it makes its worker exit:     Internal("task process <pid> exited with
//                                   code <n> without a result")
//   - it runs past task_timeout:    DeadlineExceeded; the worker is SIGKILLed
//                                   and replaced
//   - an unknown name or a signature that does not match the registration
//     (Submit by name):             NotFound / InvalidArgument, nothing sent
//   - Cancel() before it is sent:   Cancelled; it never runs
//   - after Shutdown():             FailedPrecondition
//   - ShutdownNow():                Cancelled
// Tasks that were waiting behind a dying worker's task (see "Pipelining")
// never started: they go to the other workers and do not fail.
//
// Pipelining. To keep workers busy on tiny tasks, the pool sends each worker
// up to `pipeline_depth` requests ahead (fewer when its recent tasks were
// slow, so that a slow task holds few others back). A worker runs its
// requests one at a time in order and answers each before it starts the
// next, so when a worker dies, its first unanswered request is the one that
// was running (it fails, unless the pool itself killed the worker for
// another task's sake) and the later ones never started (they are sent
// again). A task that is cancelled after it was sent to a worker cannot be
// stopped: Cancel() returns false once the request is in a worker's pipe.
// (A worker killed from outside while it had not yet read its first request
// fails that request: the pool cannot tell the difference.)
//
// Supervision. One thread per pool blocks in epoll_wait over the result
// pipes, a pidfd per worker and an eventfd for submissions and shutdown; its
// timeout is the nearest task deadline (no polling). It forks the workers
// (at Create(), and to replace or recycle one), writes requests in batches
// (writev, no copy of the arguments), reads results in batches, completes
// the futures (their callbacks run on this thread, see future.h; Then() moves
// them to an executor), reaps every worker (no zombies) and closes every
// descriptor. Do not reap children with waitpid(-1) elsewhere in the process.
//
// Workers. A worker is a fork of the process that created the pool, made by
// the supervisor thread while other threads run. In a worker, tasks may
// compute, allocate (glibc's malloc is fork-safe), do file I/O, and create
// their own threads and executors; they must not use a lock that another
// thread of the parent may have held at the fork, nor the parent's thread
// pools, strands, timers or this pool (Submit() from a worker fails with
// FailedPrecondition). A worker ignores SIGPIPE, dies with SIGKILL if the
// supervisor thread ends (PR_SET_PDEATHSIG), and always leaves with _exit():
// when its request pipe closes or says so (Shutdown), or after
// `max_tasks_per_worker` tasks (the pool has started its successor already).
// Inside a task, CurrentWorker() (worker.h) names the worker
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
#include "multirun/codec/codec.h"
#include "multirun/futures/future.h"
#include "multirun/base/invoke.h"
#include "multirun/sync/event.h"
#include "multirun/sync/lock.h"

namespace multirun {

template <typename Signature>
class RegisteredTask;

namespace processes_internal {

// What a worker runs for a request: decodes `args` (a Codec-encoded tuple of
// the parameters), calls the function, and appends its encoded
// FutureResult<T> to `*out`. May throw (bad_alloc, a throwing user codec).
using PoolTaskRunner = void (*)(absl::string_view args, std::string* out);

// A registered task: its number (the same in every worker) and its name
// (static storage).
struct PoolTaskKey {
  uint32_t id = 0;
  absl::string_view name;
};

// Registers a task. Aborts with a message when `name` is empty, is already
// registered for another function, or when more than 4096 tasks are
// registered. Registering the same function under the same name again
// returns the first registration. Thread-safe; meant for static
// initialisation.
PoolTaskKey RegisterPoolTask(absl::string_view name,
                             const std::type_info& signature,
                             PoolTaskRunner runner);

// Task `name` if it is registered with `signature`: NotFound for an unknown
// name, InvalidArgument for another signature. Thread-safe.
absl::StatusOr<PoolTaskKey> FindPoolTask(absl::string_view name,
                                         const std::type_info& signature);

// A request frame starts with an 8-byte length and a 4-byte task number;
// the encoded arguments follow.
inline constexpr size_t kPoolRequestPrefix = 12;

// Fills in the prefix of `frame` (kPoolRequestPrefix bytes, then the
// arguments).
void SealPoolRequest(uint32_t task, std::string* frame);

// The signature a task is registered with: its future's value type and its
// parameters, decayed.
template <typename T, typename... Params>
using PoolSignature = T(std::decay_t<Params>...);

template <auto Fn, typename T, typename... Params>
void RunPoolTask(absl::string_view encoded, std::string* out) {
  using Args = std::tuple<std::decay_t<Params>...>;
  absl::StatusOr<Args> args = Decode<Args>(encoded);
  if (!args.ok()) {
    EncodeTo(FutureResult<T>(absl::DataLossError(absl::StrCat(
                 "task arguments do not decode: ", args.status().message()))),
             out);
    return;
  }
  // An lvalue for a reference parameter, an rvalue otherwise.
  FutureResult<T> result = std::apply(
      [](auto&... unpacked) {
        return base_internal::InvokeToResult(
            Fn, std::forward<std::conditional_t<
                    std::is_lvalue_reference_v<Params>, std::decay_t<Params>&,
                    std::decay_t<Params>>>(unpacked)...);
      },
      *args);
  EncodeTo(result, out);
}

template <typename F>
struct PoolFunctionTraits;
template <typename R, typename... Params>
struct PoolFunctionTraits<R (*)(Params...)> {
  using Signature = R(Params...);
};
template <typename R, typename... Params>
struct PoolFunctionTraits<R (*)(Params...) noexcept> {
  using Signature = R(Params...);
};

struct PoolTaskAccess;

// One submitted task, as the pool sees it (without its types).
class PoolJob {
 public:
  PoolJob() = default;
  PoolJob(const PoolJob&) = delete;
  PoolJob& operator=(const PoolJob&) = delete;
  virtual ~PoolJob() = default;

  // Marks the task as started (sent to a worker). False when its future was
  // cancelled: it must not be sent.
  virtual bool TryStart() = 0;
  // The worker `pid` answered with `encoded` (an encoded FutureResult<T>).
  virtual void Complete(absl::string_view encoded, pid_t pid) = 0;
  // Fails the task. Returns whether this set its result (false when it was
  // already set or cancelled).
  virtual bool Fail(absl::Status status) = 0;

  // The request: see kPoolRequestPrefix.
  std::string frame;
  // The registered name, for messages (static storage).
  absl::string_view task_name;
  // The supervisor's: whether TryStart() succeeded.
  bool started = false;
};

template <typename T>
class TypedPoolJob final : public PoolJob {
 public:
  Future<T> GetFuture() { return promise_.GetFuture(); }
  bool TryStart() override { return promise_.TryStart(); }
  void Complete(absl::string_view encoded, pid_t pid) override {
    absl::StatusOr<FutureResult<T>> decoded = Decode<FutureResult<T>>(encoded);
    if (decoded.ok()) {
      promise_.Set(*std::move(decoded));
    } else {
      promise_.SetError(absl::InternalError(
          absl::StrCat("task ", task_name, ": process ", pid,
                       " sent a result that does not decode: ",
                       decoded.status().message())));
    }
  }
  bool Fail(absl::Status status) override {
    return promise_.SetError(std::move(status));
  }

 private:
  Promise<T> promise_;
};

}  // namespace processes_internal

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

namespace processes_internal {

struct PoolTaskAccess {
  template <auto Fn>
  static auto Register(absl::string_view name) {
    using Signature = typename PoolFunctionTraits<decltype(Fn)>::Signature;
    return Make<Fn>(name, static_cast<Signature*>(nullptr));
  }

 private:
  template <auto Fn, typename R, typename... Params>
  static RegisteredTask<R(Params...)> Make(absl::string_view name,
                                           R (*)(Params...)) {
    using T = typename base_internal::ValueOf<R>::type;
    static_assert(!base_internal::kIsFuture<R>,
                  "MULTIRUN_REGISTER_TASK: the function must return a value, "
                  "not a Future (a future cannot cross a process boundary)");
    static_assert(Encodable<FutureResult<T>>,
                  "MULTIRUN_REGISTER_TASK: the result type has no "
                  "multirun::Codec; add one (see codec/codec.h)");
    static_assert(Encodable<std::tuple<std::decay_t<Params>...>>,
                  "MULTIRUN_REGISTER_TASK: a parameter type has no "
                  "multirun::Codec; add one (see codec/codec.h)");
    return RegisteredTask<R(Params...)>(
        RegisterPoolTask(name, typeid(PoolSignature<T, Params...>),
                         &RunPoolTask<Fn, T, Params...>));
  }
};

// Registers function `Fn` as task `name` and returns its handle. What
// MULTIRUN_REGISTER_TASK expands to; call it directly to register later (a
// worker forked before the registration answers its requests with
// NotFound).
template <auto Fn>
auto RegisterTask(absl::string_view name) {
  return PoolTaskAccess::Register<Fn>(name);
}

}  // namespace processes_internal

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

struct ProcessPoolOptions {
  // The number of workers; 0 means the number of cores.
  int workers = 0;
  // A worker exits after this many tasks and a fresh fork replaces it (to
  // bound leaks); 0 means never.
  int max_tasks_per_worker = 0;
  // A task that runs longer than this (from when its worker starts it) is
  // failed with DeadlineExceeded and its worker is SIGKILLed and replaced.
  absl::Duration task_timeout = absl::InfiniteDuration();
  // The most requests sent to one worker ahead of its answers (see
  // "Pipelining"); 1 sends the next request only after the previous answer.
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
  int64_t tasks_killed = 0;      // failed because their worker died
  int64_t tasks_timed_out = 0;   // of those, by task_timeout
  int64_t tasks_resent = 0;      // sent again after a worker died under them
  int64_t workers_started = 0;   // forks, the first ones included
  int64_t workers_replaced = 0;  // after a death or a timeout
  int64_t workers_recycled = 0;  // after max_tasks_per_worker
};

// Example:
//
//   int SquareImpl(int x) { return x * x; }
//   MULTIRUN_REGISTER_TASK(Square, SquareImpl);  // namespace scope
//
//   absl::StatusOr<std::unique_ptr<multirun::ProcessPool>> pool =
//       multirun::ProcessPool::Create({.workers = 4});
//   if (!pool.ok()) return pool.status();
//   multirun::Future<int> nine = (*pool)->Submit(Square, 3);
//   multirun::Future<int> four = (*pool)->Submit<int>("Square", 2);
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
    EncodeRequest<std::decay_t<Params>...>(task.id(), job->frame,
                                           std::forward<Args>(args)...);
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
    auto found = processes_internal::FindPoolTask(
        name,
        typeid(processes_internal::PoolSignature<T, std::decay_t<Args>...>));
    if (!found.ok()) {
      job->Fail(absl::Status(
          found.status().code(),
          absl::StrCat("ProcessPool ", name_, ": ", found.status().message())));
      return future;
    }
    job->task_name = found->name;
    EncodeRequest<std::decay_t<Args>...>(found->id, job->frame,
                                         std::forward<Args>(args)...);
    Enqueue(std::move(job));
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

  const std::string& name() const { return name_; }

  // The pids of the workers serving now, by worker index (a hint: a worker
  // may die or be replaced as soon as this returns). Empty after shutdown.
  std::vector<pid_t> WorkerPids() const;

  ProcessPoolStats stats() const;

  // Whether Shutdown() or ShutdownNow() has begun.
  bool IsShutdown() const;

 private:
  struct Worker;
  struct Supervisor;

  ProcessPool(const Options& options, int workers);

  template <typename... Params, typename... Args>
  static void EncodeRequest(uint32_t task, std::string& frame, Args&&... args) {
    frame.resize(processes_internal::kPoolRequestPrefix);
    EncodeTo(std::tuple<Params...>(std::forward<Args>(args)...), &frame);
    processes_internal::SealPoolRequest(task, &frame);
  }

  void Enqueue(std::unique_ptr<processes_internal::PoolJob> job);
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

}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_PROCESS_POOL_H_
