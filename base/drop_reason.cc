// Copyright 2026 The multirun Authors.

#include "multirun/base/drop_reason.h"

#include <utility>

namespace multirun {
namespace base_internal {
namespace {

thread_local const absl::Status* drop_reason = nullptr;
thread_local ScopedAbandonWatch* abandon_watch = nullptr;

}  // namespace

ScopedDropReason::ScopedDropReason(absl::Status reason)
    : reason_(std::move(reason)), previous_(drop_reason) {
  if (reason_.ok()) reason_ = absl::CancelledError("task dropped");
  drop_reason = &reason_;
}

ScopedDropReason::~ScopedDropReason() { drop_reason = previous_; }

absl::Status RejectTask(absl::AnyInvocable<void()> task, absl::Status status) {
  {
    ScopedDropReason reason(status);
    task = nullptr;
  }
  return status;
}

absl::Status AbandonedStatus() {
  if (drop_reason != nullptr) return *drop_reason;
  return absl::CancelledError("promise abandoned");
}

ScopedAbandonWatch::ScopedAbandonWatch(const void* state)
    : state_(state), previous_(abandon_watch) {
  abandon_watch = this;
}

ScopedAbandonWatch::~ScopedAbandonWatch() { abandon_watch = previous_; }

bool DeferAbandon(const void* state) {
  if (abandon_watch == nullptr || abandon_watch->state_ != state) return false;
  abandon_watch->abandoned_ = true;
  return true;
}

}  // namespace base_internal
}  // namespace multirun
