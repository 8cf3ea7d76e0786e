// Copyright 2026 The multirun Authors.

#include "multirun/sync/queue.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::RunThreads;
using testing_internal::TrackedThread;

template <typename Q>
std::vector<int> Drain(Q& queue) {
  std::vector<int> values;
  while (true) {
    absl::StatusOr<int> value = queue.TryPop();
    if (!value.ok()) break;
    values.push_back(*value);
  }
  return values;
}

TEST(QueueTest, FifoOrder) {
  Queue<int> queue;
  for (int i : {3, 1, 2}) ASSERT_TRUE(queue.Push(i).ok());
  EXPECT_EQ(Drain(queue), (std::vector<int>{3, 1, 2}));
}

TEST(QueueTest, LifoOrder) {
  LifoQueue<int> queue;
  for (int i : {3, 1, 2}) ASSERT_TRUE(queue.Push(i).ok());
  EXPECT_EQ(Drain(queue), (std::vector<int>{2, 1, 3}));
}

TEST(QueueTest, PriorityOrderSmallestFirst) {
  PriorityQueue<int> queue;
  for (int i : {5, 1, 4, 2, 3}) ASSERT_TRUE(queue.Push(i).ok());
  EXPECT_EQ(Drain(queue), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(QueueTest, PriorityOrderWithCustomCompareAndStableTies) {
  struct Job {
    int priority;
    std::string name;
  };
  struct ByPriority {
    bool operator()(const Job& a, const Job& b) const {
      return a.priority < b.priority;
    }
  };
  PriorityQueue<Job, ByPriority> queue;
  ASSERT_TRUE(queue.Push(Job{2, "b1"}).ok());
  ASSERT_TRUE(queue.Push(Job{1, "a1"}).ok());
  ASSERT_TRUE(queue.Push(Job{2, "b2"}).ok());
  ASSERT_TRUE(queue.Push(Job{1, "a2"}).ok());
  std::vector<std::string> names;
  for (auto job = queue.TryPop(); job.ok(); job = queue.TryPop()) {
    names.push_back(job->name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
}

TEST(QueueTest, TryOperationsReportFullAndEmpty) {
  Queue<int> queue(2);
  EXPECT_EQ(queue.Capacity(), 2u);
  EXPECT_EQ(queue.TryPop().status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(queue.TryPush(1).ok());
  ASSERT_TRUE(queue.TryPush(2).ok());
  const absl::Status full = queue.TryPush(3);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("capacity 2"), absl::string_view::npos);
  EXPECT_EQ(queue.Size(), 2u);
}

TEST(QueueTest, FailedPushDoesNotConsumeTheValue) {
  Queue<std::unique_ptr<int>> queue(1);
  ASSERT_TRUE(queue.Push(std::make_unique<int>(1)).ok());
  auto value = std::make_unique<int>(2);
  EXPECT_EQ(queue.TryPush(std::move(value)).code(),
            absl::StatusCode::kResourceExhausted);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(queue.PushFor(std::move(value), absl::Milliseconds(5)).code(),
            absl::StatusCode::kDeadlineExceeded);
  ASSERT_NE(value, nullptr);
  EXPECT_TRUE(queue.Close().ok());
  EXPECT_EQ(queue.Push(std::move(value)).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 2);
}

TEST(QueueTest, PopForTimesOutOnEmptyQueue) {
  Queue<int> queue;
  const absl::Time start = absl::Now();
  EXPECT_EQ(queue.PopFor(absl::Milliseconds(30)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
}

TEST(QueueTest, PushWaitsForRoomAndResumes) {
  Queue<int> queue(1);
  ASSERT_TRUE(queue.Push(1).ok());
  testing_internal::TrackedThread producer(
      [&] { EXPECT_TRUE(queue.Push(2).ok()); });
  producer.AwaitWaitingOn(queue);  // Asleep: the queue is full.
  EXPECT_EQ(*queue.Pop(), 1);
  EXPECT_EQ(*queue.PopFor(absl::Seconds(30)), 2);
  producer.Join();
}
TEST(QueueTest, CloseWakesEveryWaiterAndDrainsTheRest) {
  constexpr int kWaiters = 4;
  // Consumers asleep on an empty queue: Close wakes them all with OutOfRange.
  Queue<int> empty;
  std::vector<absl::Status> consumer_status(kWaiters);
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> consumers;
  for (int i = 0; i < kWaiters; ++i) {
    consumers.push_back(std::make_unique<testing_internal::TrackedThread>(
        [&, i] { consumer_status[i] = empty.Pop().status(); }));
  }
  for (auto& consumer : consumers) consumer->AwaitWaitingOn(empty);
  EXPECT_TRUE(empty.Close().ok());
  for (auto& consumer : consumers) consumer->Join();
  for (const absl::Status& status : consumer_status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  }

  // Producers asleep on a full queue: Close wakes them all with
  // FailedPrecondition, and what was in the queue can still be popped.
  Queue<int> full(1);
  ASSERT_TRUE(full.Push(7).ok());
  std::vector<absl::Status> producer_status(kWaiters);
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> producers;
  for (int i = 0; i < kWaiters; ++i) {
    producers.push_back(std::make_unique<testing_internal::TrackedThread>(
        [&, i] { producer_status[i] = full.Push(8); }));
  }
  for (auto& producer : producers) producer->AwaitWaitingOn(full);
  EXPECT_TRUE(full.Close().ok());
  for (auto& producer : producers) producer->Join();
  for (const absl::Status& status : producer_status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_TRUE(full.IsClosed());
  EXPECT_EQ(*full.Pop(), 7);  // Drained after close.
  EXPECT_EQ(full.Pop().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(full.TryPop().status().code(), absl::StatusCode::kOutOfRange);
}
TEST(QueueTest, CreateRejectsNonPositiveCapacity) {
  EXPECT_EQ(Queue<int>::Create(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Queue<int>::Create(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<Queue<int>>> made = Queue<int>::Create(3);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->Capacity(), 3u);
}

TEST(QueueDeathTest, ZeroCapacityAborts) {
  EXPECT_DEATH(Queue<int> queue(0), "capacity must be at least 1");
}

// 4 producers and 4 consumers through a small bounded queue: every value
// arrives exactly once and each producer's values arrive in the order it pushed
// them.
TEST(QueueTest, EightThreadsDeliverEveryValueExactlyOnceInProducerOrder) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 25000;
  Queue<int64_t> queue(16);
  std::vector<std::vector<int64_t>> received(kProducers);  // by consumer
  std::atomic<int> producers_left{kProducers};
  testing_internal::RunThreads(2 * kProducers, [&](int index) {
    if (index < kProducers) {
      for (int64_t i = 0; i < kPerProducer; ++i) {
        ASSERT_TRUE(queue.Push(index * int64_t{kPerProducer} + i).ok());
      }
      if (producers_left.fetch_sub(1) == 1) {
        EXPECT_TRUE(queue.Close().ok());
      }
    } else {
      auto& mine = received[index - kProducers];
      while (true) {
        absl::StatusOr<int64_t> value = queue.Pop();
        if (!value.ok()) {
          EXPECT_EQ(value.status().code(), absl::StatusCode::kOutOfRange);
          return;
        }
        mine.push_back(*value);
      }
    }
  });
  std::vector<int> seen(kProducers * kPerProducer, 0);
  for (const auto& values : received) {
    std::vector<int64_t> last(kProducers, -1);
    for (int64_t value : values) {
      ++seen[value];
      const int producer = static_cast<int>(value / kPerProducer);
      EXPECT_GT(value, last[producer]);  // FIFO per producer, per consumer.
      last[producer] = value;
    }
  }
  for (size_t i = 0; i < seen.size(); ++i)
    ASSERT_EQ(seen[i], 1) << "value " << i;
}

// A value whose move throws on demand, as an allocation failure would.
struct Fragile {
  static inline std::atomic<bool> throw_on_move{false};
  int value = 0;
  explicit Fragile(int v) : value(v) {}
  Fragile(const Fragile&) = default;
  Fragile(Fragile&& other) : value(other.value) {
    if (throw_on_move.load()) throw std::runtime_error("move failed");
  }
  Fragile& operator=(const Fragile&) = default;
  Fragile& operator=(Fragile&&) = default;
};

TEST(QueueTest, AThrowingValueLeavesTheQueueUnlockedAndUsable) {
  Queue<Fragile> queue(4);
  ASSERT_TRUE(queue.Push(Fragile(1)).ok());
  Fragile::throw_on_move.store(true);
  EXPECT_THROW(queue.Push(Fragile(2)).IgnoreError(), std::runtime_error);
  EXPECT_THROW(queue.TryPop().IgnoreError(), std::runtime_error);
  Fragile::throw_on_move.store(false);
  // Not deadlocked: both sides still work, and the value that failed to move
  // out is still there.
  EXPECT_EQ(queue.TryPop()->value, 1);
  ASSERT_TRUE(queue.TryPush(Fragile(3)).ok());
  EXPECT_EQ(queue.TryPop()->value, 3);
}

TEST(QueueTest, ZeroTimeoutDoesNotBlockAndReportsDeadlineExceeded) {
  Queue<int> queue(1);
  EXPECT_EQ(queue.PopFor(absl::ZeroDuration()).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(queue.Push(1).ok());
  EXPECT_EQ(queue.PushFor(2, absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(queue.PushUntil(2, absl::InfinitePast()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(*queue.PopUntil(absl::InfinitePast()), 1);
}

// Producers and consumers with short time limits on a tiny queue: many calls
// time out, and still every value pushed OK is popped exactly once.
TEST(QueueTest, TimeoutsUnderContentionLoseNothing) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  Queue<int64_t> queue(2);
  std::atomic<int64_t> pushed_sum{0};
  std::atomic<int64_t> popped_sum{0};
  std::atomic<int64_t> popped{0};
  std::atomic<int64_t> timeouts{0};
  std::atomic<int> producers_left{kProducers};
  testing_internal::RunThreads(2 * kProducers, [&](int index) {
    if (index < kProducers) {
      for (int64_t i = 1; i <= kPerProducer;) {
        const absl::Status status = queue.PushFor(i, absl::Microseconds(50));
        if (status.ok()) {
          pushed_sum.fetch_add(i);
          ++i;
        } else {
          ASSERT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
          timeouts.fetch_add(1);
        }
      }
      if (producers_left.fetch_sub(1) == 1) {
        EXPECT_TRUE(queue.Close().ok());
      }
      return;
    }
    while (true) {
      absl::StatusOr<int64_t> value = queue.PopFor(absl::Microseconds(50));
      if (value.ok()) {
        popped_sum.fetch_add(*value);
        popped.fetch_add(1);
      } else if (value.status().code() == absl::StatusCode::kOutOfRange) {
        return;
      } else {
        ASSERT_EQ(value.status().code(), absl::StatusCode::kDeadlineExceeded);
        timeouts.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(popped.load(), int64_t{kProducers} * kPerProducer);
  EXPECT_EQ(popped_sum.load(), pushed_sum.load());
  EXPECT_EQ(pushed_sum.load(),
            int64_t{kProducers} * kPerProducer * (kPerProducer + 1) / 2);
}

TEST(QueueDeathTest, DestroyingAQueueWithWaitersAborts) {
  // Re-executes the binary for the death test: a forked child skips the
  // check (its copies may count its parent's waiters).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // A raw pointer, copied into the thread: the test itself must not race
        // on it.
        auto* queue = new Queue<int>();
        testing_internal::TrackedThread waiter(
            [queue] { queue->Pop().IgnoreError(); });
        waiter.AwaitWaitingOn(*queue);
        delete queue;
        _exit(0);  // Not reached: a surviving child must not hang in join.
      },
      "destroyed while a thread waits in it");
}

// A forked child's copy of a queue counts the parent's waiter, which does not
// exist in the child: destroying it there (as exit() would a global) must not
// abort.
TEST(QueueTest, ForkedChildMayDestroyItsCopyOfAQueueWithParentWaiters) {
  auto* queue = new Queue<int>();
  testing_internal::TrackedThread waiter(
      [queue] { EXPECT_TRUE(queue->Pop().ok()); });
  waiter.AwaitWaitingOn(*queue);
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    delete queue;
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(queue->Push(1).ok());
  waiter.Join();
  delete queue;
}

}  // namespace
}  // namespace multirun
