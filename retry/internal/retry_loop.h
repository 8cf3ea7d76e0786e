// Copyright 2026 The multirun Authors.
//
// The typed part of a retry loop, shared by sync and async retry: the hooks,
// one attempt's invocation, and what happens after it. Users must not depend
// on it.

#ifndef MULTIRUN_RETRY_INTERNAL_RETRY_LOOP_H_
#define MULTIRUN_RETRY_INTERNAL_RETRY_LOOP_H_

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/futures/future.h"
#include "multirun/retry/internal/retry_core.h"

namespace multirun {
namespace retry_internal {

// The value type of a call returning R: void for void and absl::Status, U for
// absl::StatusOr<U> and Future<U>, the decayed R otherwise.
template <typename R>
using RetryValue =
    typename base_internal::ValueOf<std::remove_cvref_t<R>>::type;

// The result a retry of a callable returning R gives.
template <typename R>
using RetryResult = FutureResult<RetryValue<R>>;

// Marks a RetryingCallable that deduces its value type at each call (and has
// no hooks).
struct Deduced {};

template <typename T>
struct HookTypes {
  using Done = std::function<T(T)>;
  using ResultPredicate = std::function<bool(const T&)>;
};
template <>
struct HookTypes<void> {
  using Done = std::function<void()>;
  using ResultPredicate = std::function<bool()>;  // never called
};

// A Retrier's hooks, and the first bad hook it was given.
template <typename T>
struct Hooks {
  std::function<void()> on_init;
  typename HookTypes<T>::Done on_done;
  std::function<void(const absl::Status&, int)> on_error;
  std::function<void()> on_final;
  std::function<void(const absl::Status&, int, absl::Duration)> before_sleep;
  std::function<void(const absl::Status&, int)> on_give_up;
  typename HookTypes<T>::ResultPredicate retry_if_result;
  absl::Status error;
};

// Calls fn(args...) once, as lvalues (the arguments are reused by the next
// attempt). Never throws: an exception becomes Unknown("<type>: <what>").
template <typename T, typename F, typename... Args>
FutureResult<T> InvokeAttempt(F& fn, Args&... args) {
  using R = std::invoke_result_t<F&, Args&...>;
  try {
    if constexpr (std::is_void_v<R>) {
      std::invoke(fn, args...);
      return FutureResult<T>(absl::OkStatus());
    } else {
      return FutureResult<T>(std::invoke(fn, args...));
    }
  } catch (...) {
    return FutureResult<T>(base_internal::StatusFromCurrentException());
  }
}

// Runs OnFinal, if set. An exception it throws becomes `*hook_error` when that
// is still OK (the call then ends with it), or is appended to it otherwise:
// no exception is dropped.
template <typename T>
void RunOnFinal(const Hooks<T>* hooks, const CallState& call,
                absl::Status* hook_error) {
  if (hooks == nullptr || !hooks->on_final) return;
  try {
    hooks->on_final();
  } catch (...) {
    *hook_error = hook_error->ok() ? HookThrew("OnFinal", call.attempt)
                                   : AlsoThrew(*hook_error, "OnFinal");
  }
}

// Starts attempt call.attempt + 1: runs OnInit. Not OK when it threw: the call
// then ends with that status (OnFinal has run: it follows every try, and the
// try began with OnInit).
template <typename T>
absl::Status StartAttempt(const Hooks<T>* hooks, CallState& call) {
  ++call.attempt;
  absl::Status hook_error;
  if (hooks != nullptr && hooks->on_init) {
    try {
      hooks->on_init();
    } catch (...) {
      hook_error = HookThrew("OnInit", call.attempt);
      RunOnFinal(hooks, call, &hook_error);
    }
  }
  return hook_error;
}

// After attempt call.attempt gave `result`: runs the hooks, and returns the
// call's result when the call is over, or nullopt with `*delay` set to the
// wait before the next attempt (not yet recorded: RecordRetry or Sleep does).
//
// Hook order: RetryIfResult, then OnDone (success) or OnError (failure), then
// OnFinal whatever happened (also when an earlier hook threw), then OnGiveUp
// or BeforeSleep. A hook that throws ends the call with HookThrew's status;
// the hooks after it run only if they are OnFinal. Never throws. Does not
// count the give-up: the code that completes the call does.
template <typename T>
std::optional<FutureResult<T>> FinishAttempt(RetryCore& core,
                                             const Hooks<T>* hooks,
                                             CallState& call,
                                             FutureResult<T> result,
                                             absl::Duration* delay) {
  absl::Status hook_error;  // the first hook that threw: ends the call
  absl::Status error;       // the attempt's failure
  bool rejected = false;
  if (result.ok()) {
    if constexpr (!std::is_void_v<T>) {
      if (hooks != nullptr && hooks->retry_if_result) {
        try {
          rejected = hooks->retry_if_result(*result);
        } catch (...) {
          hook_error = HookThrew("RetryIfResult", call.attempt);
        }
        if (rejected) {
          error = absl::FailedPreconditionError(
              "the result was not accepted by RetryIfResult");
        }
      }
    }
    if (!rejected && hook_error.ok() && hooks != nullptr && hooks->on_done) {
      try {
        if constexpr (std::is_void_v<T>) {
          hooks->on_done();
        } else {
          result = FutureResult<T>(hooks->on_done(*std::move(result)));
        }
      } catch (...) {
        hook_error = HookThrew("OnDone", call.attempt);
      }
    }
  } else if constexpr (std::is_void_v<T>) {
    error = std::move(result);
  } else {
    error = std::move(result).status();
  }
  if (!error.ok() && hooks != nullptr && hooks->on_error) {
    try {
      hooks->on_error(error, call.attempt);
    } catch (...) {
      hook_error = HookThrew("OnError", call.attempt);
    }
  }
  RunOnFinal(hooks, call, &hook_error);
  if (!hook_error.ok()) return FutureResult<T>(std::move(hook_error));
  if (error.ok()) {
    core.RecordSuccess();
    return result;
  }
  Decision decision = core.OnFailure(call, error, rejected);
  if (!decision.retry) {
    if (hooks != nullptr && hooks->on_give_up) {
      try {
        hooks->on_give_up(decision.final_status, call.attempt);
      } catch (...) {
        return FutureResult<T>(HookThrew("OnGiveUp", call.attempt));
      }
    }
    return FutureResult<T>(std::move(decision.final_status));
  }
  if (hooks != nullptr && hooks->before_sleep) {
    try {
      hooks->before_sleep(error, call.attempt, decision.delay);
    } catch (...) {
      return FutureResult<T>(HookThrew("BeforeSleep", call.attempt));
    }
  }
  *delay = decision.delay;
  return std::nullopt;
}

// The synchronous loop: `attempt()` makes one attempt and returns its result
// (never throws).
template <typename T, typename Attempt>
FutureResult<T> RunSync(RetryCore& core, const Hooks<T>* hooks,
                        Attempt&& attempt) {
  if (!core.status().ok()) return FutureResult<T>(core.status());
  if (hooks != nullptr && !hooks->error.ok()) {
    return FutureResult<T>(hooks->error);
  }
  CallState call;
  core.BeginCall(call);
  for (;;) {
    if (hooks == nullptr) {
      ++call.attempt;
    } else if (absl::Status s = StartAttempt(hooks, call); !s.ok()) {
      core.RecordGiveUp();
      return FutureResult<T>(std::move(s));
    }
    FutureResult<T> result = attempt();
    if (hooks == nullptr && result.ok()) {
      core.RecordSuccess();
      return result;
    }
    absl::Duration delay;
    if (std::optional<FutureResult<T>> done =
            FinishAttempt(core, hooks, call, std::move(result), &delay)) {
      if (!done->ok()) core.RecordGiveUp();
      return *std::move(done);
    }
    core.Sleep(call, delay);
  }
}

}  // namespace retry_internal
}  // namespace multirun

#endif  // MULTIRUN_RETRY_INTERNAL_RETRY_LOOP_H_
