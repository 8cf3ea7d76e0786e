// Copyright 2026 The multirun Authors.

#include "multirun/sync/rlock.h"

#include "absl/strings/str_cat.h"
#include "multirun/sync/internal/check.h"

namespace multirun {

bool RLock::ReenterAfterFork(uint32_t owner) {
  if (!sync_internal::WasCurrentThreadBeforeFork(owner)) return false;
  // The forking thread's own lock, under its old id: adopt it under the new
  // one.
  owner_.store(sync_internal::CurrentThreadId(), std::memory_order_relaxed);
  ++depth_;
  return true;
}

absl::Status RLock::Release() {
  const uint32_t owner = owner_.load(std::memory_order_relaxed);
  if (!IsSelf(owner)) {
    const uint32_t self = sync_internal::CurrentThreadId();
    if (owner == kNoOwner) {
      return absl::FailedPreconditionError(
          absl::StrCat("RLock::Release: thread ", self,
                       " released an RLock that is not held"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("RLock::Release: thread ", self,
                     " released an RLock held by thread ", owner));
  }
  if (--depth_ == 0) {
    owner_.store(kNoOwner, std::memory_order_relaxed);
    return lock_.Release();
  }
  return absl::OkStatus();
}

void RLock::unlock() { sync_internal::CheckOk(Release()); }

int64_t RLock::ReleaseAll() {
  const int64_t depth = depth_;
  depth_ = 1;
  sync_internal::CheckOk(Release());
  return depth;
}

void RLock::RestoreAll(int64_t depth) {
  lock_.Acquire();
  TakeOwnership();
  depth_ = depth;
}

}  // namespace multirun
