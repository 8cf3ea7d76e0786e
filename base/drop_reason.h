// Copyright 2026 The multirun Authors.
//
// Why a task was destroyed without running.
//
// An executor that drops accepted tasks (ThreadPool::ShutdownNow(), a strand
// whose executor rejected it) destroys them inside a ScopedDropReason. A
// Promise destroyed without a value completes its Future with the reason in
// force on that thread, or with Cancelled("promise abandoned") when there is
// none.

#ifndef MULTIRUN_BASE_DROP_REASON_H_
#define MULTIRUN_BASE_DROP_REASON_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace multirun {
namespace base_internal {

class ScopedDropReason {
 public:
  // `reason` must not be OK.
  explicit ScopedDropReason(absl::Status reason);
  ScopedDropReason(const ScopedDropReason&) = delete;
  ScopedDropReason& operator=(const ScopedDropReason&) = delete;
  ~ScopedDropReason();

 private:
  absl::Status reason_;
  const absl::Status* previous_;
};

// For Executor::Schedule() implementations: destroys a rejected `task`
// inside ScopedDropReason(status), so what it owned learns why, and returns
// `status`.
absl::Status RejectTask(absl::AnyInvocable<void()> task, absl::Status status);

// The status a Promise abandoned on this thread completes its Future with.
absl::Status AbandonedStatus();

// Watches one promise state while a task that holds the promise is handed to
// Executor::Schedule(). If the executor rejects the task and destroys it, the
// promise does not complete its future as "abandoned" but records it here, so
// that the caller can complete the future with the executor's own error.
class ScopedAbandonWatch {
 public:
  explicit ScopedAbandonWatch(const void* state);
  ScopedAbandonWatch(const ScopedAbandonWatch&) = delete;
  ScopedAbandonWatch& operator=(const ScopedAbandonWatch&) = delete;
  ~ScopedAbandonWatch();

  // Whether the watched promise was destroyed without a result.
  bool abandoned() const { return abandoned_; }

 private:
  friend bool DeferAbandon(const void* state);
  const void* state_;
  bool abandoned_ = false;
  ScopedAbandonWatch* previous_;
};

// For a Promise destroyed without a result: returns true, and records it,
// when a ScopedAbandonWatch on this thread watches `state`; the promise must
// then leave its future to the watcher.
bool DeferAbandon(const void* state);

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_DROP_REASON_H_
