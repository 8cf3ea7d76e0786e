// Copyright 2026 The multirun Authors.
//
// The types Future<T>::Then() and Submit() deduce from a callable: whether a
// continuation takes the whole result or the value, what it returns, and the
// future that gives. Users must not depend on it; include futures/future.h.

#ifndef MULTIRUN_FUTURES_INTERNAL_CONTINUATION_H_
#define MULTIRUN_FUTURES_INTERNAL_CONTINUATION_H_

#include <type_traits>

#include "multirun/base/invoke.h"

namespace multirun {

template <typename T>
class Future;

namespace futures_internal {

// The future type Then() and Submit() return for a callable returning R.
template <typename R>
using FutureFor = Future<typename base_internal::ValueOf<R>::type>;

// Whether a continuation takes the whole result (FutureResult<T>) rather than
// the value: it does when it can be called with the result.
template <typename F, typename T>
inline constexpr bool kTakesResult =
    std::is_invocable_v<F, typename base_internal::ResultFor<T>::type>;

// What a continuation F of a Future<T> returns.
template <typename F, typename T>
struct ContinuationReturn {
  using type =
      std::invoke_result_t<F, typename base_internal::ResultFor<T>::type>;
};
template <typename F, typename T>
requires(!kTakesResult<F, T> &&
         std::is_void_v<T>) struct ContinuationReturn<F, T> {
  using type = std::invoke_result_t<F>;
};
template <typename F, typename T>
requires(!kTakesResult<F, T> &&
         !std::is_void_v<T>) struct ContinuationReturn<F, T> {
  using type = std::invoke_result_t<F, T>;
};

}  // namespace futures_internal
}  // namespace multirun

#endif  // MULTIRUN_FUTURES_INTERNAL_CONTINUATION_H_
