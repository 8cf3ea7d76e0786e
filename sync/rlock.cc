// Copyright 2026 The multirun Authors.

#include "multirun/sync/rlock.h"

#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"

namespace multirun {

bool RLock::AdoptAfterFork(uint32_t owner, uint32_t self) {
  if (IsProcessShared() || !base_internal::WasCurrentThreadBeforeFork(owner)) {
    return false;
  }
  owner_.store(self, std::memory_order_relaxed);
  return true;
}

absl::Status RLock::ReleaseNotOwnedById() {
  const uint32_t self = base_internal::CurrentThreadId();
  const uint32_t owner = owner_.load(std::memory_order_relaxed);
  if (owner != kNoOwner && AdoptAfterFork(owner, self)) return Release();
  if (owner == kNoOwner) {
    return absl::FailedPreconditionError(
        absl::StrCat("RLock::Release: thread ", self,
                     " released an RLock that is not held"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("RLock::Release: thread ", self,
                   " released an RLock held by thread ", owner));
}

void RLock::unlock() { base_internal::CheckOk(Release()); }

int64_t RLock::ReleaseAll() {
  const int64_t depth = depth_;
  depth_ = 1;
  base_internal::CheckOk(Release());
  return depth;
}

void RLock::RestoreAll(int64_t depth) {
  lock_.Acquire();
  owner_.store(base_internal::CurrentThreadId(), std::memory_order_relaxed);
  depth_ = depth;
}

}  // namespace multirun
