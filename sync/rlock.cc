// Copyright 2026 The multirun Authors.

#include "multirun/sync/rlock.h"

#include "absl/strings/str_cat.h"
#include "multirun/sync/internal/check.h"

namespace multirun {

bool RLock::AcquireUntil(absl::Time deadline) {
  const uint32_t self = sync_internal::CurrentThreadId();
  if (owner_.load(std::memory_order_relaxed) == self) {
    ++depth_;
    return true;
  }
  if (!lock_.AcquireUntil(deadline)) return false;
  TakeOwnership(self);
  return true;
}

absl::Status RLock::Release() {
  const uint32_t self = sync_internal::CurrentThreadId();
  const uint32_t owner = owner_.load(std::memory_order_relaxed);
  if (owner != self) {
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

int RLock::ReleaseAll() {
  const int depth = depth_;
  depth_ = 1;
  sync_internal::CheckOk(Release());
  return depth;
}

void RLock::RestoreAll(int depth) {
  lock_.Acquire();
  TakeOwnership(sync_internal::CurrentThreadId());
  depth_ = depth;
}

}  // namespace multirun
