// Copyright 2026 The multirun Authors.
//
// Sharer<T>: serial, awaitable access to a resource that is not thread-safe.
//
// Some resources allow one user at a time: a database connection, a cache
// client, a parser with internal buffers, a file handle with a cursor. A
// Sharer<T> owns such a `T` (constructed in place) or refers to one that
// outlives it, and lets any number of threads (or coroutines) use it: each
// call `Run(fn)` (with `fn(T&)`) or `Call(&T::Method, args...)` is queued and
// returns a Future of its result at once; the calls run one at a time, in
// order, on a Strand (executors/strand.h) over an executor of your choice, or
// on a thread of the Sharer's own. The caller is never blocked by the call
// itself: it can `Get()` the future, `WaitFor()` it, chain `Then()` on it or
// `co_await` it. Use it instead of a lock around the resource when callers
// should not wait for one another, or when the resource must stay on one
// thread.
//
// Example:
//
//   class Database {  // One connection: not thread-safe.
//    public:
//     explicit Database(std::string dsn);
//     absl::Status AddUser(std::string name);
//     absl::StatusOr<std::vector<std::string>> Users();
//   };
//
//   multirun::ThreadPool pool({.workers = 4});
//   absl::StatusOr<std::unique_ptr<multirun::Sharer<Database>>> db =
//       multirun::Sharer<Database>::Create(
//           {.executor = &pool, .max_queued = 1000}, "mysql://...");
//   if (!db.ok()) return db.status();
//   // From any number of threads:
//   multirun::Future<void> added = (*db)->Call(&Database::AddUser, "ada");
//   multirun::Future<size_t> count =
//       (*db)->Run([](Database& d) -> absl::StatusOr<size_t> {
//         absl::StatusOr<std::vector<std::string>> users = d.Users();
//         if (!users.ok()) return users.status();
//         return users->size();
//       });
//   absl::StatusOr<size_t> n = count.Get();  // or co_await std::move(count)
//
// Guarantees:
// - Serial: two calls of one Sharer never overlap, and everything call N
//   wrote is visible to call N + 1 (whichever threads they run on).
// - Order: calls run in the order they were accepted. Calls made by one
//   thread are accepted in the order that thread made them, so they run in
//   that order; calls of different threads run in the order their Run()
//   calls were linearized (the Strand's push).
// - Independent: each Sharer has its own queue and its own resource. Calls on
//   different Sharers (also of the same T, also over the same executor) run
//   independently and in parallel, and a call never runs on another
//   Sharer's resource.
// - Every future completes: with the call's result; with its error (a call
//   that returns an error status, or throws: Unknown("<type>: <what>"),
//   which fails only its own future; the Sharer keeps serving); with
//   Cancelled when Future::Cancel() removed it before it started (the
//   function then never runs) or the executor dropped it
//   (ThreadPool::ShutdownNow()); or, for a call that was not accepted, at once
//   with the reason (see Run()).
// - Shutdown: Close() stops accepting calls; every call accepted before it
//   still runs. The destructor closes and waits for every accepted call.
//
// Backpressure: `max_queued` bounds the calls accepted and not yet started
// (the running call does not count). When that many are queued, Run() does
// what `when_full` says: waits for a place (kWait), waits at most
// `full_timeout` and then fails with DeadlineExceeded (kWaitFor), or fails at
// once with ResourceExhausted (kFail). A call made from inside one of the
// Sharer's own calls never waits (the place it waits for could only come from
// the call it is running in): it fails with ResourceExhausted.
//
// Continuations: a future's callbacks (a coroutine awaiting it, WaitFor
// wake-ups) run on the thread that ran the call, right after it, before the
// next call starts; a `co_await`ing coroutine that has more to do than issue
// the next call should `co_await multirun::ResumeOn(executor)`
// (futures/task.h). Then(executor, fn) continuations run on their executor as
// usual.
//
// Thread-safety: Run(), Call(), Close(), stats() and the other methods may be
// called from any thread at once, except the destructor (see ~Sharer()).
//
// Memory ordering: everything a thread wrote before Run() is visible to the
// call; everything the call wrote is visible to whoever sees its future
// ready; everything the Sharer's calls wrote is visible to the thread whose
// ~Sharer() returns.
//
// Defines Sharer<T>, SharerOptions, SharerStats, SharerWhenFull, SharerFuture
// and SharerCallFuture.

#ifndef MULTIRUN_SHARER_SHARER_H_
#define MULTIRUN_SHARER_SHARER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/sharer/internal/sharer_core.h"

namespace multirun {

// What Run() does when `max_queued` calls are already queued.
enum class SharerWhenFull {
  kWait,     // Block until a place frees up.
  kWaitFor,  // Block at most `full_timeout`, then DeadlineExceeded.
  kFail,     // ResourceExhausted at once.
};

// Sharer<T>::Options. (At namespace scope: GCC rejects a default argument of
// a nested type with default member initializers inside its class.)
struct SharerOptions {
  // Where calls run: on a Strand over `*executor`, which must outlive the
  // Sharer. Exactly one of `executor` and `dedicated_thread` must be set.
  Executor* executor = nullptr;
  // Runs calls on a thread of the Sharer's own (a one-worker ThreadPool named
  // `name`) instead of on a shared executor.
  bool dedicated_thread = false;
  // The most calls accepted and not yet started; unset: no bound. Must be
  // >= 1 when set.
  std::optional<int64_t> max_queued;
  // What Run() does when `max_queued` calls are queued. kWaitFor and kFail
  // need `max_queued`.
  SharerWhenFull when_full = SharerWhenFull::kWait;
  // For kWaitFor only: how long Run() waits for a place (positive, finite).
  absl::Duration full_timeout = absl::ZeroDuration();
  // In error messages, and the dedicated thread's name ("<name>-0").
  std::string name = "sharer";
};

// A snapshot of a Sharer's counters. Each counter is exact at some instant of
// the call to stats(), but not all at the same instant.
struct SharerStats {
  // Accepted, not started: waiting for their turn. (A cancelled call leaves
  // the count when the Sharer reaches it and skips it, without running it.)
  int64_t queued = 0;
  // Running now: 0 or 1.
  int64_t running = 0;
  // Ran and succeeded (returned, with a value or an OK status).
  int64_t completed = 0;
  // Ran and failed: returned an error status, or threw.
  int64_t failed = 0;
  // Accepted and never ran: cancelled by Future::Cancel() before they
  // started, or dropped by the executor.
  int64_t cancelled = 0;
  // Not accepted: closed, queue full, no place in time, invalid input, or the
  // executor rejected the Sharer's work.
  int64_t rejected = 0;
  // The most calls that were queued at once.
  int64_t max_queued_seen = 0;
};

// The future Sharer<T>::Run(fn) returns: Future<void> for fn returning void
// or absl::Status, Future<U> for absl::StatusOr<U> or U.
template <typename T, typename F>
using SharerFuture = Future<typename base_internal::ValueOf<
    std::invoke_result_t<std::decay_t<F>&, T&>>::type>;

// The future Sharer<T>::Call(method, args...) returns.
template <typename T, typename M, typename... Args>
using SharerCallFuture = Future<typename base_internal::ValueOf<
    std::invoke_result_t<M, T&, std::decay_t<Args>&...>>::type>;

// Serial, awaitable access to a T (see the file comment).
template <typename T>
class Sharer {
 public:
  using Options = SharerOptions;

  // A Sharer that owns a T constructed from `args`. Returns InvalidArgument
  // for invalid options (see SharerOptions), ResourceExhausted when the
  // dedicated thread cannot be started, Unknown("<type>: <what>") when T's
  // constructor throws.
  template <typename... Args>
  static absl::StatusOr<std::unique_ptr<Sharer>> Create(Options options,
                                                        Args&&... args) {
    absl::StatusOr<std::unique_ptr<ThreadPool>> thread = Prepare(options);
    if (!thread.ok()) return thread.status();
    try {
      return std::unique_ptr<Sharer>(
          new Sharer(PrivateTag{}, options, *std::move(thread), std::in_place,
                     std::forward<Args>(args)...));
    } catch (...) {
      return base_internal::StatusFromCurrentException();
    }
  }

  // A Sharer over `*resource`, which must outlive it. Returns InvalidArgument
  // for a null `resource` or invalid options, ResourceExhausted when the
  // dedicated thread cannot be started.
  static absl::StatusOr<std::unique_ptr<Sharer>> Borrow(Options options,
                                                        T* resource) {
    if (resource == nullptr) {
      return absl::InvalidArgumentError("Sharer::Borrow: null resource");
    }
    absl::StatusOr<std::unique_ptr<ThreadPool>> thread = Prepare(options);
    if (!thread.ok()) return thread.status();
    return std::unique_ptr<Sharer>(new Sharer(
        PrivateTag{}, options, *std::move(thread), std::ref(*resource)));
  }

  // As Create() and Borrow(), for a Sharer held by value (a class member),
  // but abort with a message on invalid options:
  //   Sharer<Cache> cache({.dedicated_thread = true}, std::in_place, 1024);
  //   Sharer<Connection> shared({.executor = &pool}, std::ref(connection));
  template <typename... Args>
  Sharer(Options options, std::in_place_t, Args&&... args)
      : Sharer(PrivateTag{}, sharer_internal::CheckedOptions(options),
               sharer_internal::DedicatedThreadOrDie(options), std::in_place,
               std::forward<Args>(args)...) {}
  Sharer(Options options, std::reference_wrapper<T> resource)
      : Sharer(PrivateTag{}, sharer_internal::CheckedOptions(options),
               sharer_internal::DedicatedThreadOrDie(options), resource) {}

  Sharer(const Sharer&) = delete;
  Sharer& operator=(const Sharer&) = delete;

  // Closes, then blocks until every accepted call has run (or was dropped by
  // the executor), then stops the dedicated thread, if any, and destroys an
  // owned resource. Other threads must not call into the Sharer once the
  // destructor has begun. Destroying a Sharer from inside one of its own
  // calls aborts with a message (the wait could never end).
  ~Sharer() { core_.Close(); }

  // Queues `fn(resource)` after every call accepted before it, and returns
  // the future of what it returns: `fn` may return void, a value, an
  // absl::Status or an absl::StatusOr<U> (not a Future: the Sharer would not
  // stay serial while it completes). An exception from `fn` becomes
  // Unknown("<type>: <what>"). `fn` is moved into the call and destroyed
  // after it ran (or when the call is dropped).
  //
  // Returns a future that is already failed, without queueing anything, with:
  //   InvalidArgument for a null `fn`;
  //   FailedPrecondition after Close();
  //   ResourceExhausted when the queue is full and `when_full` is kFail, or
  //     when the caller is one of this Sharer's own calls;
  //   DeadlineExceeded when `when_full` is kWaitFor and no place freed up in
  //     time;
  //   the executor's error (with context) when it rejects the Sharer's work
  //     (FailedPrecondition after a ThreadPool was shut down).
  // Blocks only for a place in a full queue (kWait, kWaitFor); over an
  // InlineExecutor, the call runs before Run() returns (unless nested deeper
  // than its bound: see inline_executor.h). Thread-safe.
  template <typename F>
  SharerFuture<T, F> Run(F fn) {
    using R = std::invoke_result_t<std::decay_t<F>&, T&>;
    static_assert(!base_internal::kIsFuture<R>,
                  "Sharer::Run: fn must not return a Future (the Sharer would "
                  "not stay serial while it completes)");
    using U = typename base_internal::ValueOf<R>::type;
    if (base_internal::IsNullCallable(fn)) {
      core_.Rejected();
      return MakeErrorFuture<U>(
          absl::InvalidArgumentError("Sharer::Run: null callable"));
    }
    if (absl::Status admitted = core_.Admit(strand_); !admitted.ok()) {
      return MakeErrorFuture<U>(std::move(admitted));
    }
    Promise<U> promise;
    Future<U> future = promise.GetFuture();
    absl::Status scheduled =
        ScheduleCompleting(strand_, future,
                           CallTask<U, std::decay_t<F>>{
                               resource_, std::move(promise), std::move(fn),
                               sharer_internal::Ticket(&core_)});
    if (!scheduled.ok()) core_.DroppedWasRejected();
    return future;
  }

  // Queues `(resource.*method)(args...)`, as Run() does. The arguments are
  // copied or moved into the call (decayed, as std::thread does); pass
  // std::ref for a reference that outlives the call. Returns InvalidArgument
  // for a null `method`, otherwise as Run().
  template <typename M, typename... Args>
  requires std::is_member_function_pointer_v<M> SharerCallFuture<T, M, Args...>
  Call(M method, Args&&... args) {
    using R = std::invoke_result_t<M, T&, std::decay_t<Args>&...>;
    using U = typename base_internal::ValueOf<R>::type;
    if (method == nullptr) {
      core_.Rejected();
      return MakeErrorFuture<U>(absl::InvalidArgumentError(
          "Sharer::Call: null member function pointer"));
    }
    return Run([method,
                ... args = std::forward<Args>(args)](T& resource) mutable -> R {
      return std::invoke(method, resource, args...);
    });
  }

  // Stops accepting calls: Run() and Call() fail with FailedPrecondition from
  // now on. Every call accepted before still runs. Does not block;
  // idempotent. Thread-safe.
  absl::Status Close() {
    core_.Close();
    return absl::OkStatus();
  }
  bool IsClosed() const { return core_.IsClosed(); }

  // The counters (see SharerStats). Never blocks. Thread-safe.
  SharerStats stats() const { return core_.stats(); }

  const std::string& name() const { return core_.name(); }

  // Whether the calling thread is running one of this Sharer's calls.
  bool RunningInThisSharer() const { return strand_.RunningInThisStrand(); }

 private:
  struct PrivateTag {};

  template <typename U, typename F>
  struct CallTask {
    T* resource;
    Promise<U> promise;
    F fn;
    sharer_internal::Ticket ticket;

    void operator()() {
      if (!promise.TryStart()) return;  // Cancelled: the ticket drops it.
      ticket.Start();
      FutureResult<U> result = base_internal::InvokeToResult(fn, *resource);
      ticket.Finish(sharer_internal::IsOk(result));
      promise.Set(std::move(result));
    }
  };

  static absl::StatusOr<std::unique_ptr<ThreadPool>> Prepare(
      const Options& options) {
    if (absl::Status valid = sharer_internal::SharerCore::Validate(options);
        !valid.ok()) {
      return valid;
    }
    return sharer_internal::DedicatedThread(options);
  }

  template <typename... Args>
  Sharer(PrivateTag, const Options& options, std::unique_ptr<ThreadPool> thread,
         std::in_place_t, Args&&... args)
      : core_(options),
        owned_(std::in_place, std::forward<Args>(args)...),
        resource_(&*owned_),
        thread_(std::move(thread)),
        strand_(ExecutorFor(options, thread_.get())) {}
  Sharer(PrivateTag, const Options& options, std::unique_ptr<ThreadPool> thread,
         std::reference_wrapper<T> resource)
      : core_(options),
        resource_(&resource.get()),
        thread_(std::move(thread)),
        strand_(ExecutorFor(options, thread_.get())) {}

  static Executor& ExecutorFor(const Options& options, ThreadPool* thread) {
    return thread != nullptr ? *thread : *options.executor;
  }

  // Destroyed in reverse: the strand waits for the calls, the thread joins,
  // then the resource and the counters go.
  sharer_internal::SharerCore core_;
  std::optional<T> owned_;
  T* const resource_;
  std::unique_ptr<ThreadPool> thread_;
  Strand strand_;
};

}  // namespace multirun

#endif  // MULTIRUN_SHARER_SHARER_H_
