// Copyright 2026 The multirun Authors.
//
// Annotated code as a user writes it, against every sync header. It runs as a
// test with g++ like any other, and tools/test also compiles it with
// `clang++ -Wthread-safety -Werror`, so a header whose annotations trip the
// analysis (or lie) fails the build.

#include <cstdint>
#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/barrier.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/condition.h"
#include "multirun/sync/event.h"
#include "multirun/sync/guarded.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"
#include "multirun/sync/process_shared.h"
#include "multirun/sync/queue.h"
#include "multirun/sync/rlock.h"
#include "multirun/sync/robust_lock.h"
#include "multirun/sync/run_with.h"
#include "multirun/sync/semaphore.h"
#include "multirun/sync/shared_queue.h"
#include "multirun/sync/shared_region.h"

namespace multirun {
namespace {

class Account {
 public:
  void Deposit(int64_t amount) {
    LockHolder hold(lock_);
    balance_ += amount;
  }

  bool TryWithdraw(int64_t amount) {
    if (!lock_.TryAcquire()) return false;
    const bool enough = balance_ >= amount;
    if (enough) balance_ -= amount;
    lock_.Release().IgnoreError();
    return enough;
  }

  absl::Status DepositWithin(absl::Duration timeout, int64_t amount) {
    if (!lock_.AcquireFor(timeout)) {
      return absl::DeadlineExceededError("busy");
    }
    balance_ += amount;
    return lock_.Release();
  }

  int64_t Balance() {
    LockHolder hold(lock_);
    return balance_;
  }

 private:
  Lock lock_;
  int64_t balance_ ABSL_GUARDED_BY(lock_) = 0;
};

class Journal {
 public:
  void Append(std::string line) {
    LockHolder hold(lock_);
    AppendLocked(std::move(line));
  }
  size_t Size() {
    LockHolder hold(lock_);
    return lines_.size();
  }

 private:
  void AppendLocked(std::string line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_) {
    lines_.push_back(std::move(line));
  }

  RLock lock_;
  std::deque<std::string> lines_ ABSL_GUARDED_BY(lock_);
};

class Mailbox {
 public:
  void Put(int value) {
    {
      LockHolder hold(ready_);
      values_.push_back(value);
    }
    ready_.NotifyOne();
  }

  absl::Status Take(int& value) {
    LockHolder hold(ready_);
    absl::Status status = ready_.WaitFor(
        absl::Seconds(5), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ready_) {
          return !values_.empty();
        });
    if (!status.ok()) return status;
    value = values_.front();
    values_.pop_front();
    return absl::OkStatus();
  }

 private:
  Condition ready_;
  std::deque<int> values_ ABSL_GUARDED_BY(ready_);
};

// A RobustLock: LockHolder for the plain path, and a checked Acquire() that
// repairs, with AssertHeld() telling the analysis the lock is held.
class RobustTally {
 public:
  void Add(int64_t amount) {
    LockHolder hold(lock_);
    total_ += amount;
  }

  absl::Status AddChecked(int64_t amount) {
    const absl::Status acquired = lock_.Acquire();
    if (!acquired.ok() && !PreviousOwnerDied(acquired)) return acquired;
    lock_.AssertHeld();
    if (PreviousOwnerDied(acquired)) {
      total_ = 0;  // The repair.
      absl::Status marked = lock_.MarkConsistent();
      if (!marked.ok()) {
        lock_.Release().IgnoreError();
        return marked;
      }
    }
    total_ += amount;
    return lock_.Release();
  }

  int64_t Total() {
    LockHolder hold(lock_);
    return total_;
  }

 private:
  RobustLock lock_;
  int64_t total_ ABSL_GUARDED_BY(lock_) = 0;
};

TEST(ThreadSafetyTest, AnnotatedUsesCompileAndWork) {
  Account account;
  account.Deposit(10);
  EXPECT_TRUE(account.TryWithdraw(4));
  EXPECT_TRUE(account.DepositWithin(absl::Seconds(1), 1).ok());
  EXPECT_EQ(account.Balance(), 7);

  Journal journal;
  journal.Append("a");
  EXPECT_EQ(journal.Size(), 1u);

  Mailbox mailbox;
  mailbox.Put(3);
  int value = 0;
  ASSERT_TRUE(mailbox.Take(value).ok());
  EXPECT_EQ(value, 3);

  Guarded<int> guarded(1);
  guarded.WithLock([](int& v) { ++v; });
  EXPECT_EQ(*guarded.Locked(), 2);

  Lock lock;
  const auto add = RunWith(lock, [](int a, int b) { return a + b; });
  EXPECT_EQ(add(1, 2), 3);
  Semaphore slots(1);
  const auto timed =
      RunWithTimeout(slots, absl::Seconds(1), [] { return std::string("ok"); });
  EXPECT_EQ(*timed(), "ok");

  Queue<int> queue(2);
  ASSERT_TRUE(queue.Push(1).ok());
  EXPECT_EQ(*queue.Pop(), 1);

  BoundedSemaphore permits(1);
  permits.Acquire();
  EXPECT_TRUE(permits.Release().ok());
  Event event;
  event.Set();
  EXPECT_TRUE(event.WaitFor(absl::ZeroDuration()));
  Barrier barrier(1);
  EXPECT_TRUE(*barrier.Wait());

  RobustTally tally;
  tally.Add(2);
  EXPECT_TRUE(tally.AddChecked(3).ok());
  EXPECT_EQ(tally.Total(), 5);

  absl::StatusOr<SharedRegion> region = SharedRegion::Create(1 << 16);
  ASSERT_TRUE(region.ok());
  Lock* shared_lock = *region->New<Lock>();
  { LockHolder hold(*shared_lock); }
  RobustLock* robust = *region->New<RobustLock>();
  const auto robust_add = RunWith(*robust, [](int a) { return a + 1; });
  EXPECT_EQ(*robust_add(1), 2);
  SharedQueue<int>* shared_queue = *region->New<SharedQueue<int>>(2);
  ASSERT_TRUE(shared_queue->Push(4).ok());
  EXPECT_EQ(*shared_queue->Pop(), 4);
  Event shared_event(kProcessShared);
  shared_event.Set();
  EXPECT_TRUE(shared_event.IsSet());
}

}  // namespace
}  // namespace multirun
