// Copyright 2026 The multirun Authors.
//
// The sync primitives made with kProcessShared, between real processes: the
// parent and fork()ed children contend for them in a SharedRegion, sleep in
// them and wake each other. With private futexes a sleeper in another process
// would never wake, and these tests would fail at the children's time limit.

#include "multirun/sync/process_shared.h"

#include <sched.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/barrier.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/condition.h"
#include "multirun/sync/event.h"
#include "multirun/sync/internal/wait_list.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"
#include "multirun/sync/rlock.h"
#include "multirun/sync/robust_lock.h"
#include "multirun/sync/run_with.h"
#include "multirun/sync/semaphore.h"
#include "multirun/sync/shared_region.h"
#include "multirun/testing/child_process.h"

namespace multirun {
namespace {

using testing_internal::AwaitProcessWaitingOn;
using testing_internal::ChildProcess;
using testing_internal::RunChildren;

// Tracks, in shared memory, how many processes are inside a section at once.
struct SharedOccupancy {
  std::atomic<int32_t> inside{0};
  std::atomic<int32_t> most{0};

  explicit SharedOccupancy(ProcessShared) {}
  void Enter() {
    const int32_t now = inside.fetch_add(1) + 1;
    int32_t seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { inside.fetch_sub(1); }
};

// Some work inside a critical section, so that others really wait.
void Linger() {
  for (int i = 0; i < 50; ++i)
    std::atomic_signal_fence(std::memory_order_seq_cst);
  if (std::rand() % 64 == 0) sched_yield();
}

class ProcessSharedTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SharedRegion> region = SharedRegion::Create(1 << 20);
    ASSERT_TRUE(region.ok()) << region.status();
    region_.emplace(std::move(*region));
  }

  // Places a T in the region (aborting the test binary if it cannot).
  template <typename T, typename... Args>
  T* Make(Args&&... args) {
    absl::StatusOr<T*> made = region_->New<T>(std::forward<Args>(args)...);
    if (!made.ok()) {
      ADD_FAILURE() << made.status();
      std::abort();
    }
    return *made;
  }

  std::optional<SharedRegion> region_;
};

TEST_F(ProcessSharedTest, TheConstructorChoosesTheMode) {
  EXPECT_FALSE(Lock().IsProcessShared());
  EXPECT_TRUE(Lock(kProcessShared).IsProcessShared());
  EXPECT_FALSE(RLock().IsProcessShared());
  EXPECT_TRUE(RLock(kProcessShared).IsProcessShared());
  EXPECT_FALSE(Semaphore(2).IsProcessShared());
  EXPECT_TRUE(Semaphore(kProcessShared, 2).IsProcessShared());
  EXPECT_EQ(Semaphore(kProcessShared, 2).Available(), 2);
  EXPECT_EQ(Semaphore(kProcessShared).Available(), 1);
  EXPECT_FALSE(BoundedSemaphore(2).IsProcessShared());
  EXPECT_TRUE(BoundedSemaphore(kProcessShared, 2).IsProcessShared());
  EXPECT_EQ(BoundedSemaphore(kProcessShared, 2).Bound(), 2);
  EXPECT_FALSE(Event().IsProcessShared());
  EXPECT_TRUE(Event(kProcessShared).IsProcessShared());
  EXPECT_FALSE(Condition().IsProcessShared());
  EXPECT_TRUE(Condition(kProcessShared).IsProcessShared());
  EXPECT_FALSE(Barrier(2).IsProcessShared());
  EXPECT_TRUE(Barrier(kProcessShared, 2).IsProcessShared());
  EXPECT_FALSE(RobustLock().IsProcessShared());
  EXPECT_TRUE(RobustLock(kProcessShared).IsProcessShared());
  // SharedRegion::New passes the tag.
  EXPECT_TRUE(Make<Lock>()->IsProcessShared());
  EXPECT_TRUE(Make<RLock>()->IsProcessShared());
  EXPECT_TRUE(Make<Semaphore>(3)->IsProcessShared());
  EXPECT_TRUE(Make<BoundedSemaphore>(3)->IsProcessShared());
  EXPECT_TRUE(Make<Event>()->IsProcessShared());
  EXPECT_TRUE(Make<Condition>()->IsProcessShared());
  EXPECT_TRUE(Make<Barrier>(3)->IsProcessShared());
  EXPECT_TRUE(Make<RobustLock>()->IsProcessShared());
}

// The mode sits in padding or in a few bytes beside the futex words.
TEST_F(ProcessSharedTest, ObjectsStaySmall) {
  EXPECT_EQ(sizeof(Lock), 8u);
  EXPECT_EQ(sizeof(Event), 8u);
  EXPECT_EQ(sizeof(Semaphore), 16u);
  EXPECT_EQ(sizeof(BoundedSemaphore), 16u);
  EXPECT_EQ(sizeof(Barrier), 12u);
  EXPECT_EQ(sizeof(sync_internal::WaitList), 16u);
}

TEST_F(ProcessSharedTest, LockExcludesAcrossFourProcesses) {
  constexpr int kProcesses = 4;
  constexpr int kIncrements = 10'000;
  Lock* lock = Make<Lock>();
  int64_t* counter = Make<int64_t>();
  Barrier* start = Make<Barrier>(kProcesses);
  auto work = [&] {
    if (!start->Wait().ok()) return false;
    for (int i = 0; i < kIncrements; ++i) {
      LockHolder hold(*lock);
      const int64_t seen = *counter;  // A torn update shows as a lost count.
      Linger();
      *counter = seen + 1;
    }
    return true;
  };
  std::vector<testing_internal::ChildProcess> children;
  for (int i = 1; i < kProcesses; ++i)
    children.push_back(testing_internal::ChildProcess::Start(work));
  EXPECT_TRUE(work());
  for (testing_internal::ChildProcess& child : children)
    EXPECT_TRUE(child.WaitOk().ok());
  EXPECT_EQ(*counter, int64_t{kProcesses} * kIncrements);
  EXPECT_FALSE(lock->IsLocked());
}

TEST_F(ProcessSharedTest, LockReleaseWakesASleeperInAnotherProcess) {
  Lock* lock = Make<Lock>();
  lock->Acquire();
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&] {
        lock->Acquire();
        return lock->Release().ok();
      });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(child.pid(), *lock));
  ASSERT_TRUE(lock->Release().ok());
  EXPECT_TRUE(child.WaitOk().ok());
}

TEST_F(ProcessSharedTest, LockTimedAcquireInAnotherProcessTimesOut) {
  Lock* lock = Make<Lock>();
  lock->Acquire();
  EXPECT_TRUE(testing_internal::ChildProcess::Start([&] {
                return !lock->AcquireFor(absl::Milliseconds(20)) &&
                       !lock->TryAcquire();
              })
                  .WaitOk()
                  .ok());
  ASSERT_TRUE(lock->Release().ok());
}

TEST_F(ProcessSharedTest, RLockNestsAndExcludesAcrossProcesses) {
  constexpr int kProcesses = 4;
  constexpr int kRounds = 2'000;
  RLock* lock = Make<RLock>();
  SharedOccupancy* occupancy = Make<SharedOccupancy>();
  int64_t* counter = Make<int64_t>();
  auto work = [&] {
    for (int i = 0; i < kRounds; ++i) {
      LockHolder outer(*lock);
      occupancy->Enter();
      {
        LockHolder inner(*lock);  // Re-entry: no deadlock.
        if (lock->Depth() != 2 || !lock->IsOwnedByCurrentThread()) return false;
        ++*counter;
        Linger();
      }
      occupancy->Leave();
      if (lock->Depth() != 1) return false;
    }
    return lock->Depth() == 0;
  };
  std::vector<testing_internal::ChildProcess> children;
  for (int i = 1; i < kProcesses; ++i)
    children.push_back(testing_internal::ChildProcess::Start(work));
  EXPECT_TRUE(work());
  for (testing_internal::ChildProcess& child : children)
    EXPECT_TRUE(child.WaitOk().ok());
  EXPECT_EQ(*counter, int64_t{kProcesses} * kRounds);
  EXPECT_EQ(occupancy->most.load(), 1);
  EXPECT_EQ(lock->Depth(), 0);
}

// A private RLock held across fork() is the child's (its own copy); a shared
// one is still the parent's, and the child waits for it.
TEST_F(ProcessSharedTest, ForkedChildDoesNotAdoptASharedRLock) {
  RLock* shared = Make<RLock>();
  RLock private_lock;
  shared->Acquire();
  private_lock.Acquire();
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&]() -> int {
        if (!private_lock.IsOwnedByCurrentThread()) return 10;
        if (shared->IsOwnedByCurrentThread() || shared->Depth() != 0) return 11;
        if (shared->TryAcquire()) return 12;
        if (shared->Release().code() != absl::StatusCode::kFailedPrecondition) {
          return 13;
        }
        shared->Acquire();  // Sleeps until the parent releases.
        if (shared->Depth() != 1) return 14;
        return shared->Release().ok() ? 0 : 15;
      });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(child.pid(), *shared));
  EXPECT_EQ(shared->Depth(), 1);
  ASSERT_TRUE(shared->Release().ok());
  EXPECT_TRUE(child.WaitOk().ok());
  ASSERT_TRUE(private_lock.Release().ok());
}

TEST_F(ProcessSharedTest, SemaphoreOccupancyNeverExceedsPermits) {
  constexpr int kProcesses = 5;
  constexpr int kPermits = 3;
  constexpr int kRounds = 2'000;
  Semaphore* slots = Make<Semaphore>(kPermits);
  SharedOccupancy* occupancy = Make<SharedOccupancy>();
  std::atomic<int64_t>* entries = Make<std::atomic<int64_t>>(0);
  auto work = [&] {
    for (int i = 0; i < kRounds; ++i) {
      slots->Acquire();
      occupancy->Enter();
      entries->fetch_add(1);
      Linger();
      occupancy->Leave();
      if (!slots->Release().ok()) return false;
    }
    return true;
  };
  std::vector<testing_internal::ChildProcess> children;
  for (int i = 1; i < kProcesses; ++i)
    children.push_back(testing_internal::ChildProcess::Start(work));
  EXPECT_TRUE(work());
  for (testing_internal::ChildProcess& child : children)
    EXPECT_TRUE(child.WaitOk().ok());
  EXPECT_EQ(entries->load(), int64_t{kProcesses} * kRounds);
  EXPECT_LE(occupancy->most.load(), kPermits);
  EXPECT_GE(occupancy->most.load(), 1);
  EXPECT_EQ(slots->Available(), kPermits);
}

TEST_F(ProcessSharedTest, SemaphoreReleaseWakesSleepersInOtherProcesses) {
  Semaphore* items = Make<Semaphore>(0);
  std::vector<testing_internal::ChildProcess> children;
  for (int i = 0; i < 2; ++i) {
    children.push_back(testing_internal::ChildProcess::Start([&] {
      items->Acquire();
      return true;
    }));
  }
  for (testing_internal::ChildProcess& child : children) {
    ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(child.pid(), *items));
  }
  ASSERT_TRUE(items->Release(2).ok());
  for (testing_internal::ChildProcess& child : children)
    EXPECT_TRUE(child.WaitOk().ok());
  EXPECT_EQ(items->Available(), 0);
}

TEST_F(ProcessSharedTest, BoundedSemaphoreBoundsAndReportsAcrossProcesses) {
  constexpr int kPermits = 2;
  BoundedSemaphore* slots = Make<BoundedSemaphore>(kPermits);
  SharedOccupancy* occupancy = Make<SharedOccupancy>();
  EXPECT_TRUE(testing_internal::RunChildren(4, [&](int) {
                for (int i = 0; i < 2'000; ++i) {
                  slots->Acquire();
                  occupancy->Enter();
                  Linger();
                  occupancy->Leave();
                  if (!slots->Release().ok()) return false;
                }
                return true;
              }).ok());
  EXPECT_LE(occupancy->most.load(), kPermits);
  // One release too many, from another process: refused, nothing changes.
  EXPECT_TRUE(testing_internal::ChildProcess::Start([&] {
                return slots->Release().code() ==
                       absl::StatusCode::kFailedPrecondition;
              })
                  .WaitOk()
                  .ok());
  EXPECT_EQ(slots->Available(), kPermits);
  // A sleeper in another process wakes on a release here.
  slots->Acquire();
  slots->Acquire();
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&] {
        slots->Acquire();
        return slots->Release().ok();
      });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(child.pid(), *slots));
  ASSERT_TRUE(slots->Release().ok());
  EXPECT_TRUE(child.WaitOk().ok());
  ASSERT_TRUE(slots->Release().ok());
}

TEST_F(ProcessSharedTest, EventSetInOneProcessWakesWaitersInOthers) {
  Event* start = Make<Event>();
  std::vector<testing_internal::ChildProcess> children;
  for (int i = 0; i < 3; ++i) {
    children.push_back(testing_internal::ChildProcess::Start([&] {
      start->Wait();
      return start->IsSet();
    }));
  }
  for (testing_internal::ChildProcess& child : children) {
    ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(child.pid(), *start));
  }
  start->Set();
  for (testing_internal::ChildProcess& child : children)
    EXPECT_TRUE(child.WaitOk().ok());
}

TEST_F(ProcessSharedTest, EventSetInAChildWakesTheParent) {
  Event* done = Make<Event>();
  int64_t* result = Make<int64_t>();
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&] {
        absl::SleepFor(absl::Milliseconds(20));
        *result = 42;  // Published by Set().
        done->Set();
        return true;
      });
  EXPECT_TRUE(done->WaitFor(testing_internal::kChildTimeout));
  EXPECT_EQ(*result, 42);
  EXPECT_TRUE(child.WaitOk().ok());
}

// A bounded buffer in shared memory, guarded by one Condition.
struct Mailbox {
  static constexpr int kSlots = 4;
  int64_t slots[kSlots];
  int64_t head;  // Next to take.
  int64_t tail;  // Next to put.
  bool done;
  int64_t sum[2];
  int64_t count[2];
};

TEST_F(ProcessSharedTest, ConditionProducerAndConsumersInThreeProcesses) {
  constexpr int64_t kValues = 5'000;
  Condition* ready = Make<Condition>();
  Mailbox* box = Make<Mailbox>();
  testing_internal::ChildProcess producer =
      testing_internal::ChildProcess::Start([&]() -> absl::Status {
        for (int64_t value = 1; value <= kValues; ++value) {
          LockHolder hold(*ready);
          absl::Status status = ready->Wait(
              [&] { return box->tail - box->head < Mailbox::kSlots; });
          if (!status.ok()) return status;
          box->slots[box->tail % Mailbox::kSlots] = value;
          ++box->tail;
          ready->NotifyAll();
        }
        LockHolder hold(*ready);
        box->done = true;
        ready->NotifyAll();
        return absl::OkStatus();
      });
  auto consume = [&](int index) -> absl::Status {
    int64_t last = 0;
    while (true) {
      LockHolder hold(*ready);
      absl::Status status =
          ready->Wait([&] { return box->head != box->tail || box->done; });
      if (!status.ok()) return status;
      if (box->head == box->tail) return absl::OkStatus();  // Done, drained.
      const int64_t value = box->slots[box->head % Mailbox::kSlots];
      ++box->head;
      ready->NotifyAll();
      if (value <= last) {
        return absl::InternalError("values out of the producer's order");
      }
      last = value;
      box->sum[index] += value;
      ++box->count[index];
    }
  };
  std::vector<testing_internal::ChildProcess> consumers;
  for (int i = 0; i < 2; ++i) {
    consumers.push_back(
        testing_internal::ChildProcess::Start([&, i] { return consume(i); }));
  }
  EXPECT_TRUE(producer.WaitOk().ok());
  for (testing_internal::ChildProcess& consumer : consumers)
    EXPECT_TRUE(consumer.WaitOk().ok());
  EXPECT_EQ(box->count[0] + box->count[1], kValues);
  EXPECT_EQ(box->sum[0] + box->sum[1], kValues * (kValues + 1) / 2);
}

TEST_F(ProcessSharedTest, ConditionNotifyWakesAWaiterInAnotherProcess) {
  Condition* ready = Make<Condition>();
  bool* flag = Make<bool>();
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&] {
        LockHolder hold(*ready);
        return ready->Wait([&] { return *flag; }).ok() &&
               ready->IsOwnedByCurrentThread();
      });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(child.pid(), *ready));
  {
    LockHolder hold(*ready);
    *flag = true;
  }
  ready->NotifyOne();
  EXPECT_TRUE(child.WaitOk().ok());
}

TEST_F(ProcessSharedTest, BarrierMeetsPartiesFromFourProcesses) {
  constexpr int kParties = 4;
  constexpr int kRounds = 50;
  Barrier* step = Make<Barrier>(kParties);
  absl::Span<int32_t> marks = *region_->NewArray<int32_t>(kRounds * kParties);
  std::atomic<int32_t>* lasts = Make<std::atomic<int32_t>>(0);
  auto party = [&](int index) {
    for (int round = 0; round < kRounds; ++round) {
      marks[round * kParties + index] = round + 1;
      absl::StatusOr<bool> last = step->Wait();
      if (!last.ok()) return false;
      if (*last) lasts->fetch_add(1);
      for (int other = 0; other < kParties; ++other) {
        if (marks[round * kParties + other] != round + 1) return false;
      }
    }
    return true;
  };
  std::vector<testing_internal::ChildProcess> children;
  for (int i = 1; i < kParties; ++i) {
    children.push_back(
        testing_internal::ChildProcess::Start([&, i] { return party(i); }));
  }
  EXPECT_TRUE(party(0));
  for (testing_internal::ChildProcess& child : children)
    EXPECT_TRUE(child.WaitOk().ok());
  EXPECT_EQ(lasts->load(), kRounds);
}

// RunWith over each shared primitive, from four processes at once.
template <typename P>
void ExpectRunWithExcludes(P& primitive, int64_t* counter) {
  constexpr int kProcesses = 4;
  constexpr int kCalls = 2'000;
  auto increment = RunWith(primitive, [counter] {
    const int64_t seen = *counter;
    Linger();
    *counter = seen + 1;
  });
  EXPECT_TRUE(testing_internal::RunChildren(kProcesses, [&](int) {
                for (int i = 0; i < kCalls; ++i) increment();
                return true;
              }).ok());
  EXPECT_EQ(*counter, int64_t{kProcesses} * kCalls);
}

TEST_F(ProcessSharedTest, RunWithHoldsEverySharedPrimitiveAcrossProcesses) {
  ExpectRunWithExcludes(*Make<Lock>(), Make<int64_t>());
  ExpectRunWithExcludes(*Make<RLock>(), Make<int64_t>());
  ExpectRunWithExcludes(*Make<Semaphore>(1), Make<int64_t>());
  ExpectRunWithExcludes(*Make<BoundedSemaphore>(1), Make<int64_t>());
  ExpectRunWithExcludes(*Make<Condition>(), Make<int64_t>());
}

TEST_F(ProcessSharedTest, RunWithTimeoutGivesUpOnAPrimitiveHeldElsewhere) {
  Lock* lock = Make<Lock>();
  Semaphore* slots = Make<Semaphore>(1);
  Event* held = Make<Event>();
  Event* release = Make<Event>();
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&] {
        lock->Acquire();
        slots->Acquire();
        held->Set();
        release->Wait();
        return lock->Release().ok() && slots->Release().ok();
      });
  ASSERT_TRUE(held->WaitFor(testing_internal::kChildTimeout));
  bool ran = false;
  auto on_lock =
      RunWithTimeout(*lock, absl::Milliseconds(20), [&] { ran = true; });
  auto on_slots =
      RunWithTimeout(*slots, absl::Milliseconds(20), [&] { return 7; });
  EXPECT_EQ(on_lock().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(on_slots().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
  release->Set();
  EXPECT_TRUE(child.WaitOk().ok());
  EXPECT_TRUE(on_lock().ok());
  EXPECT_TRUE(ran);
  EXPECT_EQ(*on_slots(), 7);
}

// The destructors' "destroyed while in use" checks (which abort for private
// objects) stay quiet for shared ones: the sleepers here are another
// process's, and its mapping of the memory stays valid.
TEST_F(ProcessSharedTest, DestroyingWhileAnotherProcessWaitsDoesNotAbort) {
  Lock* lock = Make<Lock>();
  Semaphore* items = Make<Semaphore>(0);
  Condition* ready = Make<Condition>();
  Barrier* meet = Make<Barrier>(2);
  lock->Acquire();
  std::vector<testing_internal::ChildProcess> children;
  children.push_back(
      testing_internal::ChildProcess::Start([&] { lock->Acquire(); }));
  children.push_back(
      testing_internal::ChildProcess::Start([&] { items->Acquire(); }));
  children.push_back(testing_internal::ChildProcess::Start([&] {
    LockHolder hold(*ready);
    return ready->Wait().ok();
  }));
  children.push_back(
      testing_internal::ChildProcess::Start([&] { return meet->Wait().ok(); }));
  ASSERT_TRUE(
      testing_internal::AwaitProcessWaitingOn(children[0].pid(), *lock));
  ASSERT_TRUE(
      testing_internal::AwaitProcessWaitingOn(children[1].pid(), *items));
  ASSERT_TRUE(
      testing_internal::AwaitProcessWaitingOn(children[2].pid(), *ready));
  ASSERT_TRUE(
      testing_internal::AwaitProcessWaitingOn(children[3].pid(), *meet));
  lock->~Lock();
  items->~Semaphore();
  ready->~Condition();
  meet->~Barrier();
  for (testing_internal::ChildProcess& child : children) {
    child.Signal(SIGKILL);
    absl::StatusOr<testing_internal::ChildExit> exit = child.Wait();
    ASSERT_TRUE(exit.ok());
    EXPECT_TRUE(exit->KilledBy(SIGKILL)) << exit->ToString();
  }
}

}  // namespace
}  // namespace multirun
