// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/drop_reason.h"

#include <utility>

namespace multirun {
namespace executors_internal {
namespace {

thread_local const absl::Status* drop_reason = nullptr;

}  // namespace

ScopedDropReason::ScopedDropReason(absl::Status reason)
    : reason_(std::move(reason)), previous_(drop_reason) {
  if (reason_.ok()) reason_ = absl::CancelledError("task dropped");
  drop_reason = &reason_;
}

ScopedDropReason::~ScopedDropReason() { drop_reason = previous_; }

absl::Status AbandonedStatus() {
  if (drop_reason != nullptr) return *drop_reason;
  return absl::CancelledError("promise abandoned");
}

}  // namespace executors_internal
}  // namespace multirun
