// Copyright 2026 The multirun Authors.
//
// LockHolder: holds a lock for a scope, in a way Clang's thread-safety analysis
// understands (as absl::MutexLock does for absl::Mutex).
//
// std::scoped_lock and std::unique_lock work with every multirun lock, but
// libstdc++ does not annotate them, so with `-Wthread-safety` the analysis does
// not see the lock taken and flags each access to ABSL_GUARDED_BY data. A
// LockHolder takes the lock in its constructor and releases it in its
// destructor, and says so in annotations. It works with Lock, RLock, Condition
// and any other type with lock() and unlock(). (Clang's analysis has no notion
// of re-entry: nested LockHolders on one RLock work, but the analysis warns
// that the lock is already held.) Release() and Reacquire() let a scope drop
// the lock for a while (to notify, or to sleep).
//
// Example:
//
//   multirun::Lock lock;
//   int64_t total ABSL_GUARDED_BY(lock) = 0;
//   void Add(int64_t amount) {
//     multirun::LockHolder hold(lock);
//     total += amount;  // clang -Wthread-safety: fine
//   }
//
// Thread-safety: a LockHolder belongs to the thread that made it (it must
// release the lock on that thread).

#ifndef MULTIRUN_SYNC_LOCK_HOLDER_H_
#define MULTIRUN_SYNC_LOCK_HOLDER_H_

#include "absl/base/thread_annotations.h"

namespace multirun {

// Holds a lock for a scope (see the file comment).
template <typename L>
class ABSL_SCOPED_LOCKABLE LockHolder {
 public:
  // Acquires `lock`; blocks.
  explicit LockHolder(L& lock) ABSL_EXCLUSIVE_LOCK_FUNCTION(lock)
      : lock_(lock) {
    lock_.lock();
  }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  // Releases the lock, unless Release() already did.
  ~LockHolder() ABSL_UNLOCK_FUNCTION() {
    if (held_) lock_.unlock();
  }

  // Releases the lock before the end of the scope. Precondition: held.
  void Release() ABSL_UNLOCK_FUNCTION() {
    held_ = false;
    lock_.unlock();
  }

  // Acquires the lock again after Release(); blocks.
  void Reacquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    lock_.lock();
    held_ = true;
  }

 private:
  L& lock_;
  bool held_ = true;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_LOCK_HOLDER_H_
