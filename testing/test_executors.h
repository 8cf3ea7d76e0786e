// Copyright 2026 The multirun Authors.
//
// Executors for this package's tests: a ManualExecutor whose tasks run only
// when the test says so, and that can reject or drop them like a pool being
// shut down.

#ifndef MULTIRUN_TESTING_TEST_EXECUTORS_H_
#define MULTIRUN_TESTING_TEST_EXECUTORS_H_

#include <cstddef>
#include <deque>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "multirun/base/drop_reason.h"
#include "multirun/executors/executor.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace testing_internal {

class ManualExecutor final : public Executor {
 public:
  absl::Status Schedule(absl::AnyInvocable<void()> task) override {
    if (!task) return absl::InvalidArgumentError("null task");
    absl::Status rejection;
    {
      LockHolder lock(lock_);
      if (rejection_.ok()) {
        tasks_.push_back(std::move(task));
        ++scheduled_;
        return absl::OkStatus();
      }
      rejection = rejection_;
    }
    // Destroyed without the lock: what the task owned may schedule again.
    return base_internal::RejectTask(std::move(task), std::move(rejection));
  }

  // Runs queued tasks, including those they schedule, until none is left.
  // Returns how many ran.
  size_t RunAll() {
    size_t ran = 0;
    while (RunOne()) ++ran;
    return ran;
  }

  // Runs the oldest queued task. Returns false when there is none.
  bool RunOne() {
    absl::AnyInvocable<void()> task;
    {
      LockHolder lock(lock_);
      if (tasks_.empty()) return false;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    return true;
  }

  // From now on rejects tasks with `status`.
  void Reject(absl::Status status) {
    LockHolder lock(lock_);
    rejection_ = std::move(status);
  }

  // Destroys the queued tasks without running them, under `reason`.
  void DropAll(absl::Status reason) {
    std::deque<absl::AnyInvocable<void()>> dropped;
    {
      LockHolder lock(lock_);
      dropped.swap(tasks_);
    }
    base_internal::ScopedDropReason scope(std::move(reason));
    dropped.clear();
  }

  size_t queued() {
    LockHolder lock(lock_);
    return tasks_.size();
  }
  size_t scheduled() {
    LockHolder lock(lock_);
    return scheduled_;
  }

 private:
  Lock lock_;
  std::deque<absl::AnyInvocable<void()>> tasks_ ABSL_GUARDED_BY(lock_);
  absl::Status rejection_ ABSL_GUARDED_BY(lock_);
  size_t scheduled_ ABSL_GUARDED_BY(lock_) = 0;
};

}  // namespace testing_internal
}  // namespace multirun

#endif  // MULTIRUN_TESTING_TEST_EXECUTORS_H_
