// Copyright 2026 The multirun Authors.
//
// ForkExecutor: each call runs in a process of its own, inparallel's `@task`.
//
// `Submit(fn, args...)` fork()s. The child runs `fn(args...)`, writes its
// result, serialized by multirun::Codec (codec.h), to a pipe and leaves with
// _exit(): whatever `fn` does (returns, throws, fails to encode), the child
// never returns into the caller's code. The closure and everything it
// captures are inherited by the fork, so only the result is serialized,
// never the function. The caller gets a Future, the same Future a thread pool
// gives: Get(), Then(), co_await, WaitFor() and AsCompleted() (wait_for.h)
// work unchanged.
//
// Use it for work that must not share an address space with the caller:
// code that may crash, leak, or call libraries that are not thread-safe, or
// to get a clean copy of the process state per task. For many small tasks
// the ProcessPool (process_pool.h) costs less: it forks its workers once.
//
// Results. fn may return void, a value, absl::Status or absl::StatusOr<U>;
// the value type needs a Codec (arithmetic types, enums, std::string,
// std::vector, std::map, std::pair, std::tuple, std::optional, absl::Status,
// and user types that add one, see codec.h). Results of any size work: the
// supervisor reads the pipe while the child writes.
//
// Faults become statuses in the future, never a hang:
//   - fn throws:                Unknown("<type>: <what>")
//   - the child is killed:      Aborted("task process <pid> killed by SIGSEGV")
//   - it exits without result:  Internal("task process <pid> exited with
//                               code <n> without a result")
//   - its timeout passes:       DeadlineExceeded; the child is SIGKILLed
//   - Cancel() on the future:   Cancelled; a running child is SIGKILLed, a
//                               queued one never starts
//   - fork/pipe fail:           ResourceExhausted or Internal with errno text
//   - after Shutdown():         FailedPrecondition
//
// Supervision. One thread per executor blocks in epoll_wait over the result
// pipes and a pidfd per child (no polling: its timeout is the nearest task
// deadline). It reads results as they arrive and completes a future as soon
// as its whole result is in (the child's exit is not on the caller's path),
// reaps every child (no zombies) and closes every descriptor. At most
// `max_processes` children run at once; further submissions wait in a FIFO
// queue and are forked by the supervisor as slots free. A call is forked on
// the submitting thread when a slot is free, so the child starts without a
// thread hop.
//
// Fork safety. fork() copies the whole address space but only the calling
// thread. In the child:
//   - safe: computing, allocating (glibc's malloc is fork-safe), reading
//     anything the closure captured, file I/O, creating new threads, thread
//     pools and executors of the child's own, and process-shared sync objects
//     in a SharedRegion (sync/shared_region.h);
//   - not safe: any lock that another thread of the parent may have held at
//     the moment of the fork (a std::mutex, a multirun::Lock of the parent's
//     threads): it stays locked forever in the child; the parent's thread
//     pools, strands, timers and this executor (their threads do not exist in
//     the child: a ForkExecutor used in a child it was not created in fails
//     with FailedPrecondition); anything not async-signal-safe in a library
//     that documents it so.
// While it forks, the library holds only its fork gate (which the child
// never touches): a fork waits (250 ms at most) until the supervisor has
// finished starting; under AddressSanitizer and ThreadSanitizer, whose
// allocators are not fork-safe, until it sleeps. The child touches none of
// the parent's executors: only the closure, the pipe, and _exit(). Do not reap
// children with waitpid(-1) elsewhere in the process: the supervisor owns its
// children.
//
// Memory ordering: the child sees the parent's memory as it was at the fork,
// which happens after Submit() is called; what the child wrote reaches the
// parent only through the result.

#ifndef MULTIRUN_PROCESSES_FORK_EXECUTOR_H_
#define MULTIRUN_PROCESSES_FORK_EXECUTOR_H_

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/codec/codec.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {

struct ForkExecutorOptions {
  // Children running at once; 0 means one per core. Further submissions wait
  // in a queue.
  int workers = 0;
  // The time limit of each task, from its fork until its result is in.
  absl::Duration task_timeout = absl::InfiniteDuration();
  // Shown by CurrentWorker() in the children: "<name>-<n>" for the n-th call
  // (from 0).
  std::string name = "fork";
};

// Per-call settings for ForkExecutor::Start().
struct ForkTaskOptions {
  // Overrides ForkExecutorOptions::task_timeout for this call.
  std::optional<absl::Duration> task_timeout;
};

// ForkExecutor::stats(): hints, they change as soon as they are read.
struct ForkExecutorStats {
  // Children running now.
  int running = 0;
  // Calls waiting for a slot.
  size_t queued = 0;
};

// What Start() returns: the result, and the child's pid once it is forked
// (an error when it never is: cancelled while queued, fork failed, shut
// down).
template <typename T>
struct ForkTask {
  Future<T> result;
  Future<pid_t> pid;
};

namespace processes_internal {

// One call as the executor sees it, without its types.
class ForkCall {
 public:
  virtual ~ForkCall() = default;
  // In the child: runs the call and stores its encoded result. Never throws.
  virtual void RunInChild(std::string* encoded) noexcept = 0;
  // In the parent: the call was forked as `pid`.
  virtual void Started(pid_t pid) = 0;
  // In the parent: the child sent `encoded`.
  virtual void Complete(pid_t pid, absl::string_view encoded) = 0;
  // In the parent: the call failed without a result (fails the pid too if it
  // was never started).
  virtual void Fail(absl::Status status) = 0;
  // Whether the result is already set (the future was cancelled).
  virtual bool IsCompleted() const = 0;
  // Runs `callback` when the result is set, by anyone.
  virtual void OnCompleted(absl::AnyInvocable<void()> callback) = 0;
};

template <typename T, typename Call>
class TypedForkCall final : public ForkCall {
 public:
  explicit TypedForkCall(Call call) : call_(std::move(call)) {}

  ForkTask<T> GetTask() { return {result_.GetFuture(), pid_.GetFuture()}; }

  void RunInChild(std::string* encoded) noexcept override {
    try {
      FutureResult<T> result = call_();
      EncodeTo(result, encoded);
    } catch (...) {  // Encoding failed (bad_alloc, a throwing user codec).
      encoded->clear();
      try {
        EncodeTo(FutureResult<T>(base_internal::StatusFromCurrentException()),
                 encoded);
      } catch (...) {
        encoded->clear();  // The child exits without a result.
      }
    }
  }
  void Started(pid_t pid) override { pid_.SetValue(pid); }
  void Complete(pid_t pid, absl::string_view encoded) override {
    absl::StatusOr<FutureResult<T>> decoded = Decode<FutureResult<T>>(encoded);
    if (decoded.ok()) {
      result_.Set(*std::move(decoded));
    } else {
      result_.SetError(absl::InternalError(
          absl::StrCat("task process ", pid, " sent a result that does not ",
                       "decode: ", decoded.status().message())));
    }
  }
  void Fail(absl::Status status) override {
    pid_.SetError(status);  // No effect once the pid is set.
    result_.SetError(std::move(status));
  }
  bool IsCompleted() const override { return result_.IsCompleted(); }
  void OnCompleted(absl::AnyInvocable<void()> callback) override {
    result_.OnReady(std::move(callback));
  }

 private:
  Call call_;
  Promise<T> result_;
  Promise<pid_t> pid_;
};

}  // namespace processes_internal

// Example:
//
//   multirun::ForkExecutor forks({.max_processes = 3});
//   std::vector<multirun::Future<std::string>> in_flight;
//   for (const std::string& host : hosts) {
//     in_flight.push_back(forks.Submit([host] { return Probe(host); }));
//   }
//   for (multirun::Future<std::string> done : multirun::WaitFor(in_flight)) {
//     absl::StatusOr<std::string> report = std::move(done).Get();
//   }
class ForkExecutor {
 public:
  // Checks `options`: InvalidArgument for max_processes outside [0, 4096] or
  // a timeout that is not positive; the errno text when the supervisor cannot
  // be set up.
  static absl::StatusOr<std::unique_ptr<ForkExecutor>> Create(
      ForkExecutorOptions options = {});

  // As Create(), but aborts with a message on invalid options.
  explicit ForkExecutor(ForkExecutorOptions options = {});

  // Shutdown(): waits for every accepted task.
  ~ForkExecutor();

  ForkExecutor(const ForkExecutor&) = delete;
  ForkExecutor& operator=(const ForkExecutor&) = delete;

  // Runs fn(args...) in a forked child. The arguments are decayed copies made
  // before the fork, as for Submit(executor, ...). The returned future always
  // completes (see the list of faults at the top of this file). Never blocks
  // on the child; forks on the calling thread when a slot is free.
  template <typename F, typename... Args>
  SubmitFuture<F, Args...> Submit(F&& fn, Args&&... args) {
    return Start(ForkTaskOptions{}, std::forward<F>(fn),
                 std::forward<Args>(args)...)
        .result;
  }

  // As Submit(), with per-call options, and the child's pid.
  template <typename F, typename... Args>
  ForkTask<typename SubmitFuture<F, Args...>::value_type> Start(
      const ForkTaskOptions& task_options, F&& fn, Args&&... args) {
    using T = typename SubmitFuture<F, Args...>::value_type;
    using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>;
    static_assert(!base_internal::kIsFuture<R>,
                  "ForkExecutor: fn must return a value, not a Future (a "
                  "future cannot cross a process boundary)");
    static_assert(Encodable<FutureResult<T>>,
                  "ForkExecutor: the result type has no multirun::Codec; add "
                  "one (see codec/codec.h)");
    const bool null_fn = base_internal::IsNullCallable(fn);
    auto invoke = [fn = std::forward<F>(fn),
                   args =
                       std::make_tuple(std::forward<Args>(args)...)]() mutable {
      return std::apply(
          [&](auto&... unpacked) {
            return base_internal::InvokeToResult(fn, unpacked...);
          },
          args);
    };
    auto call = std::make_unique<
        processes_internal::TypedForkCall<T, decltype(invoke)>>(
        std::move(invoke));
    ForkTask<T> task = call->GetTask();
    if (null_fn) {
      call->Fail(absl::InvalidArgumentError("ForkExecutor: null callable"));
    } else {
      Enqueue(std::move(call), task_options.task_timeout.value_or(timeout_));
    }
    return task;
  }

  // Stops accepting calls, then waits until every accepted call (queued or
  // running) has finished and every child is reaped. Idempotent.
  absl::Status Shutdown();

  // Stops accepting calls, completes queued calls with Cancelled (they never
  // fork) and SIGKILLs running children (their futures: Cancelled). Returns
  // the number of calls stopped. Does not wait; the destructor reaps.
  size_t ShutdownNow();

  // Whether Shutdown() or ShutdownNow() has begun.
  bool IsShutdown() const;
  // The most children running at once (ForkExecutorOptions::workers, 0
  // resolved to the number of cores).
  int size() const { return max_processes_; }
  const std::string& name() const { return name_; }
  ForkExecutorStats stats() const;

 private:
  struct Child;
  struct Shared;

  void Enqueue(std::unique_ptr<processes_internal::ForkCall> call,
               absl::Duration timeout);
  // Forks `child` (whose slot is reserved). Returns it running, or nullptr
  // after failing its call and giving its slot back.
  std::unique_ptr<Child> Launch(std::unique_ptr<Child> child);
  [[noreturn]] void RunChild(Child& child, int result_fd);
  // Frees one slot; returns the queued calls that may now be forked.
  std::vector<std::unique_ptr<Child>> ReleaseSlot();
  void Supervise();
  // Gives a child forked on another thread to the supervisor.
  void HandOver(std::unique_ptr<Child> child);
  // Adds a child's pipe and pidfd to the supervisor's epoll set.
  void Watch(uint64_t id, int pipe_fd, int pidfd);
  void Adopt(std::unique_ptr<Child> child);
  void KillCancelled();
  void DrainPipe(Child& child);
  void Finish(Child& child);
  void Kill(Child& child, int reason);
  void Poke();

  const int max_processes_;
  const absl::Duration timeout_;
  const std::string name_;
  const pid_t owner_pid_;
  int epoll_fd_ = -1;
  int event_fd_ = -1;
  std::shared_ptr<Shared> shared_;  // What the futures' callbacks reach.

  mutable Lock lock_;
  bool closed_ ABSL_GUARDED_BY(lock_) = false;
  bool stop_now_ ABSL_GUARDED_BY(lock_) = false;
  int running_ ABSL_GUARDED_BY(lock_) = 0;
  uint64_t next_id_ ABSL_GUARDED_BY(lock_) = 1;
  std::deque<std::unique_ptr<Child>> queue_ ABSL_GUARDED_BY(lock_);
  // Forked on a submitting thread, not yet adopted by the supervisor.
  std::vector<std::unique_ptr<Child>> launched_ ABSL_GUARDED_BY(lock_);

  // Held by the supervisor from its birth until it first sleeps (under
  // ASAN and TSAN: whenever it is not asleep in epoll_wait); a fork on
  // another thread takes it (for kForkGateWait at most), so a child never
  // starts with the supervisor's thread half-way through its start, whose
  // allocations hold an allocator lock (GCC 12's AddressSanitizer runtime
  // does not lock its allocator around fork(), so the child inherits it
  // locked; glibc's malloc does).
  Lock fork_gate_;

  // The supervisor's own.
  absl::flat_hash_map<uint64_t, std::unique_ptr<Child>> children_;
  std::thread supervisor_;
};

namespace processes_internal {

// What InChildProcess() returns: owns `fn`; each call forks.
template <typename F>
class InChildProcessCall {
 public:
  InChildProcessCall(ForkExecutor& forks, F fn)
      : forks_(&forks), fn_(std::make_shared<F>(std::move(fn))) {}

  template <typename... Args>
  requires std::is_invocable_v<F&, const Args&...>
  auto operator()(const Args&... args) {
    // Each call shares fn_: a call queued for a free slot forks later, when
    // this object may have been moved or destroyed.
    auto call = [fn = fn_, args...]() { return (*fn)(args...); };
    using Result = decltype(forks_->Submit(std::move(call)));
    if (base_internal::IsNullCallable(*fn_)) {
      return MakeErrorFuture<typename Result::value_type>(
          absl::InvalidArgumentError("InChildProcess: null callable"));
    }
    return forks_->Submit(std::move(call));
  }

 private:
  ForkExecutor* forks_;
  std::shared_ptr<F> fn_;
};

}  // namespace processes_internal

// Returns a callable that runs `fn(args...)` in a child process of `forks`
// each time it is called with `args...`, and returns that call's Future
// (ForkExecutor::Submit()): fn's result must have a Codec (a compile-time
// error otherwise), and a child that throws, is killed or times out fails the
// future as listed at the top of this file. The arguments are copied before
// the fork. The callable and its copies share `fn`, which lives until the
// last call that uses it has forked; use it, like `forks`, in the process
// that created `forks`.
//
// Example: a Graph node (graph/graph.h) running in its own process; the node
// completes when the child has answered, and a child that is killed fails
// the node.
//
//   multirun::ForkExecutor forks({.workers = 2});
//   multirun::Graph graph;
//   auto text = graph.Add("text", [] { return std::string("a b c"); });
//   auto words = graph.Add(
//       "words",
//       multirun::InChildProcess(forks, [](const std::string& s) {
//         return CountWords(s);  // In the child.
//       }),
//       text);
//   multirun::ThreadPool pool(2);
//   absl::StatusOr<multirun::GraphRunReport> report = graph.RunAndWait(pool);
template <typename F>
auto InChildProcess(ForkExecutor& forks, F fn) {
  return processes_internal::InChildProcessCall<F>(forks, std::move(fn));
}

}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_FORK_EXECUTOR_H_
