// Copyright 2026 The multirun Authors.

#include "multirun/sync/semaphore.h"

#include "multirun/base/check.h"

namespace multirun {
Semaphore::Semaphore(int64_t initial)
    : PermitCounter(sync_internal::CheckedInitialPermits("Semaphore", initial),
                    static_cast<uint32_t>(kMaxPermits),
                    base_internal::Sharing::kPrivate) {}

Semaphore::Semaphore(ProcessShared, int64_t initial)
    : PermitCounter(sync_internal::CheckedInitialPermits("Semaphore", initial),
                    static_cast<uint32_t>(kMaxPermits),
                    base_internal::Sharing::kProcess) {}

absl::StatusOr<size_t> Semaphore::SharedRegionBytes(int64_t initial) {
  absl::Status status =
      sync_internal::ValidateInitialPermits("Semaphore", initial);
  if (!status.ok()) return status;
  return sizeof(Semaphore);
}

absl::StatusOr<std::unique_ptr<Semaphore>> Semaphore::Create(int64_t initial) {
  absl::Status status =
      sync_internal::ValidateInitialPermits("Semaphore", initial);
  if (!status.ok()) return status;
  return std::make_unique<Semaphore>(initial);
}

void Semaphore::unlock() { base_internal::CheckOk(Release()); }

}  // namespace multirun
