// Copyright 2026 The multirun Authors.
//
// How a user callable's outcome becomes a future's result. A callable may
// return void, a value, absl::Status or absl::StatusOr<U>: void and an OK
// status give an OK result, a value or an OK StatusOr give that value, an
// error status gives that error. An exception it throws is caught here and
// becomes absl::UnknownError("<demangled type>: <what()>")
// (current_exception.h), so a failure always travels as a status, never as
// an exception across a thread or process boundary.

#ifndef MULTIRUN_BASE_INVOKE_H_
#define MULTIRUN_BASE_INVOKE_H_

#include <functional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace multirun {

template <typename T>
class Future;

namespace base_internal {

// What a future of T delivers: absl::StatusOr<T>, or absl::Status for void.
template <typename T>
struct ResultFor {
  using type = absl::StatusOr<T>;
};
template <>
struct ResultFor<void> {
  using type = absl::Status;
};

// The value type a callable's return type R stands for: void and Status stand
// for void, StatusOr<U> and Future<U> for U, anything else for itself.
template <typename R>
struct ValueOf {
  using type = R;
};
template <>
struct ValueOf<absl::Status> {
  using type = void;
};
template <typename U>
struct ValueOf<absl::StatusOr<U>> {
  using type = U;
};
template <typename U>
struct ValueOf<Future<U>> {
  using type = U;
};

template <typename R>
inline constexpr bool kIsFuture = false;
template <typename U>
inline constexpr bool kIsFuture<Future<U>> = true;

// The status for the exception being handled; call only inside a catch block.
// "<demangled type>: <what()>" for a std::exception, "<demangled type>" for
// anything else.
absl::Status StatusFromCurrentException();

// A non-OK status for a result that must carry an error: an OK `status` (a
// caller bug: "failed" with OK) becomes Internal.
absl::Status ErrorOrInternal(absl::Status status, const char* where);

// Calls fn(args...) and returns its outcome as ResultFor<ValueOf<R>>, where R
// is fn's return type (not a Future). Never throws.
template <typename F, typename... Args>
auto InvokeToResult(F&& fn, Args&&... args) {
  using R = std::invoke_result_t<F, Args...>;
  using Result = typename ResultFor<typename ValueOf<R>::type>::type;
  static_assert(!kIsFuture<R>, "use the flattening path for futures");
  try {
    if constexpr (std::is_void_v<R>) {
      std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
      return Result(absl::OkStatus());
    } else {  // absl::Status, absl::StatusOr<U> or a value
      return Result(
          std::invoke(std::forward<F>(fn), std::forward<Args>(args)...));
    }
  } catch (...) {
    return Result(StatusFromCurrentException());
  }
}

// Whether `fn` is a null function pointer, an empty std::function or an empty
// absl::AnyInvocable.
template <typename F>
bool IsNullCallable(const F& fn) {
  if constexpr (std::is_function_v<F>) {
    return false;
  } else if constexpr (std::is_pointer_v<F> || std::is_member_pointer_v<F>) {
    return fn == nullptr;
  } else if constexpr (requires { static_cast<bool>(fn); }) {
    return !static_cast<bool>(fn);
  } else {
    return false;
  }
}

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_INVOKE_H_
