// Copyright 2026 The multirun Authors.

#include "multirun/sync/bounded_semaphore.h"

#include "multirun/base/check.h"

namespace multirun {
BoundedSemaphore::BoundedSemaphore(int64_t initial)
    : PermitCounter(
          sync_internal::CheckedInitialPermits("BoundedSemaphore", initial),
          static_cast<uint32_t>(initial), base_internal::Sharing::kPrivate) {}

BoundedSemaphore::BoundedSemaphore(ProcessShared, int64_t initial)
    : PermitCounter(
          sync_internal::CheckedInitialPermits("BoundedSemaphore", initial),
          static_cast<uint32_t>(initial), base_internal::Sharing::kProcess) {}

absl::StatusOr<size_t> BoundedSemaphore::SharedRegionBytes(int64_t initial) {
  absl::Status status =
      sync_internal::ValidateInitialPermits("BoundedSemaphore", initial);
  if (!status.ok()) return status;
  return sizeof(BoundedSemaphore);
}

absl::StatusOr<std::unique_ptr<BoundedSemaphore>> BoundedSemaphore::Create(
    int64_t initial) {
  absl::Status status =
      sync_internal::ValidateInitialPermits("BoundedSemaphore", initial);
  if (!status.ok()) return status;
  return std::make_unique<BoundedSemaphore>(initial);
}

void BoundedSemaphore::unlock() { base_internal::CheckOk(Release()); }

}  // namespace multirun
