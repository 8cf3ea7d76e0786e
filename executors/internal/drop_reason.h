// Copyright 2026 The multirun Authors.
//
// Why a task was destroyed without running.
//
// An executor that drops accepted tasks (ThreadPool::ShutdownNow(), a strand
// whose executor rejected it) destroys them inside a ScopedDropReason. A
// Promise destroyed without a value completes its Future with the reason in
// force on that thread, or with Cancelled("promise abandoned") when there is
// none.

#ifndef MULTIRUN_EXECUTORS_INTERNAL_DROP_REASON_H_
#define MULTIRUN_EXECUTORS_INTERNAL_DROP_REASON_H_

#include "absl/status/status.h"

namespace multirun {
namespace executors_internal {

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

// The status a Promise abandoned on this thread completes its Future with.
absl::Status AbandonedStatus();

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_DROP_REASON_H_
