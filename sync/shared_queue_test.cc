// Copyright 2026 The multirun Authors.

#include "multirun/sync/shared_queue.h"

#include <signal.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "multirun/sync/run_with.h"
#include "multirun/sync/semaphore.h"
#include "multirun/sync/shared_region.h"
#include "multirun/testing/child_process.h"

namespace multirun {
namespace {

using testing_internal::AwaitProcessWaitingOn;
using testing_internal::ChildExit;
using testing_internal::ChildProcess;

struct Job {
  int32_t producer;
  int32_t sequence;
  double weight;
};

class SharedQueueTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SharedRegion> region = SharedRegion::Create(4 << 20);
    ASSERT_TRUE(region.ok()) << region.status();
    region_.emplace(std::move(*region));
  }

  template <typename T>
  SharedQueue<T>* MakeQueue(int64_t capacity) {
    absl::StatusOr<SharedQueue<T>*> queue =
        region_->New<SharedQueue<T>>(capacity);
    if (!queue.ok()) {
      ADD_FAILURE() << queue.status();
      std::abort();
    }
    return *queue;
  }

  std::optional<SharedRegion> region_;
};

TEST_F(SharedQueueTest, FirstInFirstOutWithinOneProcess) {
  SharedQueue<Job>* queue = MakeQueue<Job>(3);
  EXPECT_EQ(queue->Capacity(), 3u);
  ASSERT_TRUE(queue->Push(Job{1, 1, 0.5}).ok());
  ASSERT_TRUE(queue->TryPush(Job{1, 2, 1.5}).ok());
  ASSERT_TRUE(queue->PushFor(Job{1, 3, 2.5}, absl::Seconds(1)).ok());
  EXPECT_EQ(queue->Size(), 3u);
  for (int32_t sequence = 1; sequence <= 3; ++sequence) {
    absl::StatusOr<Job> job = queue->Pop();
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->sequence, sequence);
    EXPECT_EQ(job->weight, sequence - 0.5);
  }
  EXPECT_EQ(queue->Size(), 0u);
}

TEST_F(SharedQueueTest, FullAndEmptyCodesMatchQueue) {
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(1);
  EXPECT_EQ(queue->TryPop().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(queue->PopFor(absl::Milliseconds(10)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(
      queue->PopUntil(absl::Now() + absl::Milliseconds(10)).status().code(),
      absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(queue->Push(1).ok());
  EXPECT_EQ(queue->TryPush(2).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(queue->PushFor(2, absl::Milliseconds(10)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(queue->PushUntil(2, absl::Now() + absl::Milliseconds(10)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(queue->PushFor(2, absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(*queue->PopFor(absl::Seconds(1)), 1);
}

TEST_F(SharedQueueTest, CloseRefusesPushesAndDrains) {
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(4);
  ASSERT_TRUE(queue->Push(1).ok());
  ASSERT_TRUE(queue->Push(2).ok());
  EXPECT_FALSE(queue->IsClosed());
  EXPECT_TRUE(queue->Close().ok());
  EXPECT_TRUE(queue->Close().ok());  // Idempotent.
  EXPECT_TRUE(queue->IsClosed());
  EXPECT_EQ(queue->Push(3).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue->TryPush(3).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*queue->Pop(), 1);
  EXPECT_EQ(*queue->TryPop(), 2);
  EXPECT_EQ(queue->Pop().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(queue->TryPop().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(queue->PopFor(absl::Seconds(1)).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(SharedQueueTest, TheRingLivesInTheRegionAndWraps) {
  const size_t before = region_->Used();
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(5);
  EXPECT_GE(region_->Used() - before,
            sizeof(SharedQueue<int64_t>) + 5 * sizeof(int64_t));
  // Many times round the ring of 5, against a model.
  std::deque<int64_t> model;
  for (int64_t i = 0; i < 200; ++i) {
    ASSERT_TRUE(queue->TryPush(i).ok());
    model.push_back(i);
    if (model.size() == 5 || i % 3 == 0) {
      EXPECT_EQ(*queue->TryPop(), model.front());
      model.pop_front();
    }
  }
  while (!model.empty()) {
    EXPECT_EQ(*queue->TryPop(), model.front());
    model.pop_front();
  }
  EXPECT_EQ(queue->TryPop().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(SharedQueueTest, CapacityIsValidated) {
  EXPECT_EQ(region_->New<SharedQueue<int>>(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(region_->New<SharedQueue<int>>(-3).status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status too_big =
      region_->New<SharedQueue<int>>(SharedQueue<int>::kMaxCapacity + 1)
          .status();
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.message().find("capacity must be in [1, "),
            std::string::npos)
      << too_big;
}

// Two producer processes and two consumer processes through a small ring:
// every value arrives exactly once, and each consumer sees each producer's
// values in the order they were pushed.
TEST_F(SharedQueueTest, TwoProducersTwoConsumersEveryValueOnceInOrder) {
  constexpr int kProducers = 2;
  constexpr int kConsumers = 2;
  constexpr int32_t kPerProducer = 10'000;
  constexpr int kTotal = kProducers * kPerProducer;
  SharedQueue<Job>* queue = MakeQueue<Job>(8);
  // seen[p * kPerProducer + s]: how many times producer p's value s arrived.
  absl::Span<std::atomic<int32_t>> seen =
      *region_->NewArray<std::atomic<int32_t>>(kTotal);
  absl::Span<std::atomic<int32_t>> popped =
      *region_->NewArray<std::atomic<int32_t>>(kConsumers);

  std::vector<testing_internal::ChildProcess> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(
        testing_internal::ChildProcess::Start([&, c]() -> absl::Status {
          int32_t last[kProducers] = {-1, -1};
          while (true) {
            absl::StatusOr<Job> job = queue->Pop();
            if (job.status().code() == absl::StatusCode::kOutOfRange) break;
            if (!job.ok()) return job.status();
            if (job->producer < 0 || job->producer >= kProducers ||
                job->sequence <= last[job->producer] ||
                job->weight != job->sequence * 0.5) {
              return absl::InternalError("a value out of order, or torn");
            }
            last[job->producer] = job->sequence;
            seen[job->producer * kPerProducer + job->sequence].fetch_add(1);
            popped[c].fetch_add(1);
          }
          return absl::OkStatus();
        }));
  }
  std::vector<testing_internal::ChildProcess> producers;
  for (int32_t p = 0; p < kProducers; ++p) {
    producers.push_back(
        testing_internal::ChildProcess::Start([&, p]() -> absl::Status {
          for (int32_t s = 0; s < kPerProducer; ++s) {
            absl::Status status = queue->Push(Job{p, s, s * 0.5});
            if (!status.ok()) return status;
          }
          return absl::OkStatus();
        }));
  }
  for (testing_internal::ChildProcess& producer : producers)
    EXPECT_TRUE(producer.WaitOk().ok());
  EXPECT_TRUE(queue->Close().ok());
  for (testing_internal::ChildProcess& consumer : consumers)
    EXPECT_TRUE(consumer.WaitOk().ok());

  int missing_or_twice = 0;
  for (int i = 0; i < kTotal; ++i) missing_or_twice += seen[i].load() != 1;
  EXPECT_EQ(missing_or_twice, 0);
  EXPECT_EQ(popped[0].load() + popped[1].load(), kTotal);
  EXPECT_EQ(queue->Size(), 0u);
}

TEST_F(SharedQueueTest, CloseWakesConsumersInOtherProcesses) {
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(4);
  std::vector<testing_internal::ChildProcess> consumers;
  for (int i = 0; i < 2; ++i) {
    consumers.push_back(testing_internal::ChildProcess::Start([&] {
      return queue->Pop().status().code() == absl::StatusCode::kOutOfRange;
    }));
  }
  for (testing_internal::ChildProcess& consumer : consumers) {
    ASSERT_TRUE(
        testing_internal::AwaitProcessWaitingOn(consumer.pid(), *queue));
  }
  EXPECT_TRUE(queue->Close().ok());
  for (testing_internal::ChildProcess& consumer : consumers)
    EXPECT_TRUE(consumer.WaitOk().ok());
}

TEST_F(SharedQueueTest, APopInOneProcessUnblocksAPushInAnother) {
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(1);
  ASSERT_TRUE(queue->Push(1).ok());
  testing_internal::ChildProcess producer =
      testing_internal::ChildProcess::Start([&] {
        return queue->Push(2).ok();  // Full: sleeps until the parent pops.
      });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(producer.pid(), *queue));
  EXPECT_EQ(*queue->Pop(), 1);
  EXPECT_TRUE(producer.WaitOk().ok());
  EXPECT_EQ(*queue->Pop(), 2);
}

TEST_F(SharedQueueTest, AConsumerKilledWhileWaitingDoesNotBreakTheQueue) {
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(2);
  testing_internal::ChildProcess victim =
      testing_internal::ChildProcess::Start([&] { return queue->Pop().ok(); });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(victim.pid(), *queue));
  victim.Signal(SIGKILL);
  absl::StatusOr<testing_internal::ChildExit> exit = victim.Wait();
  ASSERT_TRUE(exit.ok());
  EXPECT_TRUE(exit->KilledBy(SIGKILL));

  testing_internal::ChildProcess consumer =
      testing_internal::ChildProcess::Start([&] { return *queue->Pop() == 5; });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(consumer.pid(), *queue));
  ASSERT_TRUE(queue->Push(5).ok());
  EXPECT_TRUE(consumer.WaitOk().ok());
  ASSERT_TRUE(queue->Push(6).ok());
  EXPECT_EQ(*queue->Pop(), 6);
}

// Producers killed at random points, often inside Push with the queue's lock
// held: the next caller takes the lock over, and the values form an unbroken
// sequence (a push the victim had not committed never appears, none appears
// twice).
TEST_F(SharedQueueTest, ProducersKilledAtRandomNeitherHangNorCorruptIt) {
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(16);
  for (int round = 0; round < 20; ++round) {
    testing_internal::ChildProcess producer =
        testing_internal::ChildProcess::Start([&] {
          for (int64_t i = 0;; ++i) {
            if (!queue->Push(i).ok()) return false;
          }
        });
    int64_t expected = 0;
    const absl::Time kill_at =
        absl::Now() + absl::Microseconds(500 + 300 * round);
    while (absl::Now() < kill_at) {
      absl::StatusOr<int64_t> value = queue->PopFor(absl::Milliseconds(1));
      if (!value.ok()) continue;
      ASSERT_EQ(*value, expected);
      ++expected;
    }
    producer.Signal(SIGKILL);
    absl::StatusOr<testing_internal::ChildExit> exit = producer.Wait();
    ASSERT_TRUE(exit.ok());
    ASSERT_TRUE(exit->KilledBy(SIGKILL)) << exit->ToString();
    // Drain what it committed; must not hang on a lock the victim held.
    while (true) {
      absl::StatusOr<int64_t> value = queue->PopFor(absl::Milliseconds(1));
      if (!value.ok()) {
        ASSERT_EQ(value.status().code(), absl::StatusCode::kDeadlineExceeded);
        break;
      }
      ASSERT_EQ(*value, expected);
      ++expected;
    }
    EXPECT_EQ(queue->Size(), 0u);
  }
  ASSERT_TRUE(queue->TryPush(1).ok());
  EXPECT_EQ(*queue->TryPop(), 1);
}

TEST_F(SharedQueueTest, RunWithAndASemaphoreAroundTheQueue) {
  // A queue of work items and a shared semaphore limiting the workers inside a
  // section, both driven through RunWith from several processes.
  SharedQueue<int64_t>* queue = MakeQueue<int64_t>(64);
  Semaphore* slots = *region_->New<Semaphore>(2);
  std::atomic<int64_t>* total = *region_->New<std::atomic<int64_t>>(0);
  auto take = RunWith(*slots, [&] { return queue->TryPop(); });
  for (int64_t i = 1; i <= 64; ++i) ASSERT_TRUE(queue->Push(i).ok());
  EXPECT_TRUE(queue->Close().ok());
  EXPECT_TRUE(testing_internal::RunChildren(3, [&](int) {
                while (true) {
                  absl::StatusOr<int64_t> value = take();
                  if (!value.ok()) {
                    return value.status().code() ==
                           absl::StatusCode::kOutOfRange;
                  }
                  total->fetch_add(*value);
                }
              }).ok());
  EXPECT_EQ(total->load(), 64 * 65 / 2);
}

}  // namespace
}  // namespace multirun
