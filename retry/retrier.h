// Copyright 2026 The multirun Authors.
//
// Retry: call a function again when it fails.
//
// Use it around calls that can fail for a while and then succeed: a network
// request to a service that restarts, a lock wait that times out, a
// transaction that deadlocks. Three forms:
//   - `Retry(policy, fn, args...)` calls fn(args...) until it succeeds or the
//     policy (retry_policy.h) says stop, and returns the result.
//   - `WithRetry(policy, fn)` returns a callable with fn's parameters that
//     does the same at each call (the decorator form); it keeps statistics.
//   - `Retrier<T>` adds hooks and a result predicate, and runs callables
//     (Run), wraps them (Wrap) or runs them asynchronously (RunAsync, in
//     retry_async.h).
//
// Example:
//
//   absl::StatusOr<std::string> Fetch(const std::string& url);
//
//   absl::StatusOr<std::string> page = multirun::Retry(
//       multirun::RetryPolicy().WithMaxAttempts(4), Fetch, "http://a.test/");
//
//   auto fetch =
//       multirun::WithRetry(multirun::RetryPolicy().WithMaxAttempts(4), Fetch);
//   absl::StatusOr<std::string> other = fetch("http://b.test/");
//   multirun::RetryStats stats = fetch.stats();
//
// fn may be a free function, a lambda, a member function pointer (called as
// Retry(policy, &Class::Method, &object, args...)) or any callable, returning
// void, T, absl::Status or absl::StatusOr<T>, or throwing: an exception
// becomes absl::UnknownError("<demangled type>: <what>"), which the default
// policy retries. The arguments are passed to every attempt as lvalues (an
// rvalue argument is not moved from by the first attempt).
//
// Errors: the result is absl::StatusOr<T> (absl::Status for void and
// absl::Status). When the retries end in a failure, it is the last error,
// with its code and payloads and its message extended with " (retry gave up
// after N attempts: <reason>)". An invalid policy or a null callable gives
// InvalidArgument, and fn is never called.
//
// Hooks (Retrier), in the order they run for each attempt:
//   OnInit()                                before the attempt
//   OnDone(value) -> value                  on success; its return value is
//                                           what the caller gets
//   OnError(status, attempt)                on each failure (1-based attempt)
//   OnFinal()                               after each attempt, whatever
//                                           happened (also when OnInit,
//                                           OnDone or OnError threw)
// then, on a failure:
//   BeforeSleep(status, attempt, delay)     before waiting for a retry
//   OnGiveUp(final_status, attempts)        once, when the call will fail;
//                                           final_status is what it returns
// RetryIfResult(pred) treats a success whose value pred returns true for as a
// failure (FailedPrecondition "the result was not accepted by
// RetryIfResult"), retried whatever the code sets say: "retry while the
// result is not yet acceptable". A hook or predicate that throws ends the
// call with Unknown("<type>: <what> (retry gave up after N attempts: <hook>
// threw)"), the same "<type>: <what>" a throwing callable gives: nothing is
// retried and no later hook runs, except OnFinal. If OnFinal throws as well,
// its exception is appended ("; then OnFinal also threw <type>: <what>"):
// no exception is swallowed.
//
// Hooks and statistics belong to the Retrier (or the WithRetry callable), not
// to the function: two retriers of one function are independent.
//
// Thread-safety: Run, Wrap's callables and WithRetry's callables may be
// called from any number of threads at once (the hooks then run on each of
// those threads, concurrently); set the hooks before the first call.
//
// Memory ordering: everything an attempt wrote is visible to the hooks of the
// attempt and to the next attempt (they run on the same thread).
//
// Defines Retry(), WithRetry(), Retrier and RetryingCallable.

#ifndef MULTIRUN_RETRY_RETRIER_H_
#define MULTIRUN_RETRY_RETRIER_H_

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/futures/future.h"
#include "multirun/retry/internal/retry_core.h"
#include "multirun/retry/internal/retry_loop.h"
#include "multirun/retry/retry_policy.h"
#include "multirun/retry/retry_stats.h"

namespace multirun {

template <typename T>
class Retrier;
template <typename F, typename T = retry_internal::Deduced>
class RetryingCallable;

namespace retry_internal {
struct RetrierAccess;  // internal/async_call.h
}  // namespace retry_internal

// Calls fn(args...) under `policy` and returns its result (see the file
// comment). Blocks while attempts run and during backoff (on the policy's
// clock).
//
// Example:
//
//   absl::Status status = multirun::Retry(
//       multirun::RetryPolicy().WithMaxAttempts(3), &Client::Connect, &client,
//       "db:3306");
template <typename F, typename... Args>
retry_internal::RetryResult<std::invoke_result_t<F&, Args&...>> Retry(
    const RetryPolicy& policy, F&& fn, Args&&... args) {
  using R = std::invoke_result_t<F&, Args&...>;
  using V = retry_internal::RetryValue<R>;
  static_assert(!base_internal::kIsFuture<std::remove_cvref_t<R>>,
                "the callable returns a Future: use RetryAsync");
  if (base_internal::IsNullCallable(fn)) {
    return FutureResult<V>(absl::InvalidArgumentError("Retry: null callable"));
  }
  retry_internal::RetryCore core(policy);
  return retry_internal::RunSync<V>(
      core, static_cast<const retry_internal::Hooks<V>*>(nullptr),
      [&] { return retry_internal::InvokeAttempt<V>(fn, args...); });
}

// A callable that calls fn(args...) under `policy` at each call, as Retry()
// does, and keeps the statistics of its calls. A null `fn` gives a callable
// whose calls return InvalidArgument.
template <typename F>
RetryingCallable<std::decay_t<F>> WithRetry(const RetryPolicy& policy, F&& fn) {
  absl::Status precondition =
      base_internal::IsNullCallable(fn)
          ? absl::InvalidArgumentError("WithRetry: null callable")
          : absl::OkStatus();
  return RetryingCallable<std::decay_t<F>>(
      std::make_shared<retry_internal::RetryCore>(policy,
                                                  std::move(precondition)),
      nullptr, std::forward<F>(fn));
}

// A retry policy with hooks and statistics, for callables whose value type is
// T (void for callables returning void or absl::Status).
//
// Example:
//
//   multirun::Retrier<std::string> retrier(
//       multirun::RetryPolicy().WithMaxAttempts(3));
//   retrier.OnInit([] { std::puts("initial"); })
//       .OnDone([](std::string r) { return "done: " + r; })
//       .OnError([](const absl::Status& e, int attempt) {
//         std::fprintf(stderr, "attempt %d: %s\n", attempt,
//                      e.ToString().c_str());
//       })
//       .OnFinal([] { std::puts("final"); });
//   absl::StatusOr<std::string> result = retrier.Run(FetchGreeting);
//
// A null hook is reported by status() and by every call, as InvalidArgument.
template <typename T>
class Retrier {
 public:
  using Result = FutureResult<T>;

  explicit Retrier(RetryPolicy policy = RetryPolicy())
      : core_(std::make_shared<retry_internal::RetryCore>(std::move(policy))),
        hooks_(std::make_shared<retry_internal::Hooks<T>>()) {}

  Retrier(const Retrier&) = delete;
  Retrier& operator=(const Retrier&) = delete;
  Retrier(Retrier&&) = default;
  Retrier& operator=(Retrier&&) = default;

  // Hook setters; each returns *this for chaining. See the file comment.
  Retrier& OnInit(std::function<void()> hook) {
    return Set(hooks_->on_init, std::move(hook), "OnInit");
  }
  Retrier& OnDone(typename retry_internal::HookTypes<T>::Done hook) {
    return Set(hooks_->on_done, std::move(hook), "OnDone");
  }
  Retrier& OnError(std::function<void(const absl::Status&, int)> hook) {
    return Set(hooks_->on_error, std::move(hook), "OnError");
  }
  Retrier& OnFinal(std::function<void()> hook) {
    return Set(hooks_->on_final, std::move(hook), "OnFinal");
  }
  Retrier& BeforeSleep(
      std::function<void(const absl::Status&, int, absl::Duration)> hook) {
    return Set(hooks_->before_sleep, std::move(hook), "BeforeSleep");
  }
  Retrier& OnGiveUp(std::function<void(const absl::Status&, int)> hook) {
    return Set(hooks_->on_give_up, std::move(hook), "OnGiveUp");
  }
  // Retries while `predicate(value)` is true (the value is not acceptable).
  Retrier& RetryIfResult(typename retry_internal::HookTypes<T>::ResultPredicate
                             predicate) requires(!std::is_void_v<T>) {
    return Set(hooks_->retry_if_result, std::move(predicate), "RetryIfResult");
  }

  // Calls fn(args...) under the policy with the hooks. Blocks while attempts
  // run and during backoff.
  template <typename F, typename... Args>
  Result Run(F&& fn, Args&&... args) {
    using R = std::invoke_result_t<F&, Args&...>;
    static_assert(std::is_same_v<retry_internal::RetryValue<R>, T>,
                  "the callable's value type is not the Retrier's T");
    static_assert(!base_internal::kIsFuture<std::remove_cvref_t<R>>,
                  "the callable returns a Future: use RunAsync");
    if (base_internal::IsNullCallable(fn)) {
      return Result(absl::InvalidArgumentError("Retrier::Run: null callable"));
    }
    return retry_internal::RunSync<T>(*core_, hooks_.get(), [&] {
      return retry_internal::InvokeAttempt<T>(fn, args...);
    });
  }

  // A callable running `fn` under this retrier (sharing its hooks and
  // statistics; it stays valid after the retrier is destroyed). A null `fn`
  // gives a callable whose calls return InvalidArgument.
  template <typename F>
  RetryingCallable<std::decay_t<F>, T> Wrap(F&& fn) const {
    if (base_internal::IsNullCallable(fn)) {
      return RetryingCallable<std::decay_t<F>, T>(
          std::make_shared<retry_internal::RetryCore>(
              core_->policy(),
              absl::InvalidArgumentError("Retrier::Wrap: null callable")),
          hooks_, std::forward<F>(fn));
    }
    return RetryingCallable<std::decay_t<F>, T>(core_, hooks_,
                                                std::forward<F>(fn));
  }

  // The statistics of every call made through this retrier (Run, Wrap's
  // callables, RunAsync).
  RetryStats stats() const { return core_->stats(); }

  // OK, or why every call fails at once (invalid policy, null hook).
  absl::Status status() const {
    return core_->status().ok() ? hooks_->error : core_->status();
  }

 private:
  friend struct retry_internal::RetrierAccess;  // RunAsync (retry_async.h)

  template <typename Hook>
  Retrier& Set(Hook& slot, Hook hook, const char* name) {
    if (!hook && hooks_->error.ok()) {
      hooks_->error = absl::InvalidArgumentError(std::string("Retrier::") +
                                                 name + ": null hook");
    }
    slot = std::move(hook);
    return *this;
  }

  std::shared_ptr<retry_internal::RetryCore> core_;
  std::shared_ptr<retry_internal::Hooks<T>> hooks_;
};

// The callable WithRetry() and Retrier<T>::Wrap() return. Copies share the
// statistics (and the hooks).
template <typename F, typename T>
class RetryingCallable {
 public:
  template <typename... Args>
  auto operator()(Args&&... args) {
    return Call(fn_, args...);
  }
  template <typename... Args>
  auto operator()(Args&&... args) const {
    return Call(fn_, args...);
  }

  // The statistics of every call made through this callable and its copies.
  RetryStats stats() const { return core_->stats(); }

  // OK, or why every call fails at once (invalid policy, null callable).
  const absl::Status& status() const { return core_->status(); }

 private:
  template <typename G>
  friend RetryingCallable<std::decay_t<G>> WithRetry(const RetryPolicy&, G&&);
  friend class Retrier<T>;
  static constexpr bool kDeduced = std::is_same_v<T, retry_internal::Deduced>;
  using HooksPtr =
      std::conditional_t<kDeduced, std::nullptr_t,
                         std::shared_ptr<const retry_internal::Hooks<
                             std::conditional_t<kDeduced, int, T>>>>;

  RetryingCallable(std::shared_ptr<retry_internal::RetryCore> core,
                   HooksPtr hooks, F fn)
      : core_(std::move(core)), hooks_(std::move(hooks)), fn_(std::move(fn)) {}

  template <typename G, typename... Args>
  auto Call(G& fn, Args&... args) const {
    using R = std::invoke_result_t<G&, Args&...>;
    using V = retry_internal::RetryValue<R>;
    static_assert(!base_internal::kIsFuture<std::remove_cvref_t<R>>,
                  "the callable returns a Future: use RetryAsync");
    auto attempt = [&] {
      return retry_internal::InvokeAttempt<V>(fn, args...);
    };
    if constexpr (kDeduced) {
      return retry_internal::RunSync<V>(
          *core_, static_cast<const retry_internal::Hooks<V>*>(nullptr),
          attempt);
    } else {
      static_assert(std::is_same_v<V, T>,
                    "the callable's value type is not the Retrier's T");
      return retry_internal::RunSync<T>(*core_, hooks_.get(), attempt);
    }
  }

  std::shared_ptr<retry_internal::RetryCore> core_;
  HooksPtr hooks_;
  F fn_;
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_RETRIER_H_
