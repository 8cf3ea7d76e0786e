// Copyright 2026 The multirun Authors.
//
// The task Submit() and TimerQueue hand to an executor. Users must not depend
// on it; include futures/submit.h.

#ifndef MULTIRUN_FUTURES_INTERNAL_SUBMIT_TASK_H_
#define MULTIRUN_FUTURES_INTERNAL_SUBMIT_TASK_H_

#include <tuple>
#include <utility>

#include "multirun/futures/future.h"

namespace multirun {
namespace futures_internal {

// Unless the future was cancelled first, calls fn(args...) and completes
// `promise` with its outcome.
template <typename T, typename F, typename... Args>
auto MakeSubmitTask(Promise<T> promise, F&& fn, Args&&... args) {
  return [promise = std::move(promise), fn = std::forward<F>(fn),
          args = std::make_tuple(std::forward<Args>(args)...)]() mutable {
    if (!promise.TryStart()) return;
    std::apply([&](auto&... unpacked) { InvokeInto(promise, fn, unpacked...); },
               args);
  };
}

}  // namespace futures_internal
}  // namespace multirun

#endif  // MULTIRUN_FUTURES_INTERNAL_SUBMIT_TASK_H_
