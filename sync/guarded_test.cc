// Copyright 2026 The multirun Authors.

#include "multirun/sync/guarded.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/rlock.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::RunThreads;
using testing_internal::TrackedThread;

TEST(GuardedTest, ConstructsInPlaceAndReturnsResults) {
  Guarded<std::vector<int>> values(3, 7);
  EXPECT_EQ(values.WithLock([](std::vector<int>& v) { return v.size(); }), 3u);
  const auto& read_only = values;
  EXPECT_EQ(read_only.WithLock([](const std::vector<int>& v) { return v[0]; }),
            7);
}

TEST(GuardedTest, LockedHandleHoldsTheLockWhileAlive) {
  Guarded<std::map<std::string, int>> counts;
  std::atomic<bool> other_entered{false};
  std::optional<testing_internal::TrackedThread> other;
  {
    auto locked = counts.Locked();
    (*locked)["a"] = 1;
    other.emplace([&] {
      counts.WithLock([&](auto& map) {
        other_entered.store(true);
        map["b"] = 2;
      });
    });
    other->AwaitWaitingOn(counts);  // Blocked by the handle.
    EXPECT_FALSE(other_entered.load());
    locked->emplace("c", 3);
  }
  other->Join();
  EXPECT_TRUE(other_entered.load());
  EXPECT_EQ(counts.WithLock([](auto& map) { return map.size(); }), 3u);
}

TEST(GuardedTest, EightThreadsIncrementExactly) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  Guarded<int64_t> counter(0);
  testing_internal::RunThreads(kThreads, [&](int index) {
    for (int i = 0; i < kIterations; ++i) {
      if (index % 2 == 0) {
        counter.WithLock([](int64_t& c) { ++c; });
      } else {
        ++*counter.Locked();
      }
    }
  });
  EXPECT_EQ(counter.WithLock([](int64_t c) { return c; }),
            int64_t{kThreads} * kIterations);
}

TEST(GuardedTest, WorksWithAnRLock) {
  Guarded<int, RLock> value(1);
  value.WithLock([&](int& v) { v += 1; });
  EXPECT_EQ(*value.Locked(), 2);
}

TEST(GuardedTest, MovedFromHandleHoldsNothing) {
  Guarded<int> value(5);
  auto first = value.Locked();
  {
    auto second = std::move(first);
    EXPECT_EQ(*second, 5);
    EXPECT_EQ(first.operator->(), nullptr);
  }
  // `second` released the lock; `first` holds nothing to release.
  EXPECT_EQ(*value.Locked(), 5);
}

TEST(GuardedTest, TimedAccessGivesUpWhileAnotherThreadHoldsTheLock) {
  Guarded<std::string> text("a");
  {
    auto locked = text.Locked();
    std::thread other([&] {
      bool ran = false;
      const absl::Status status = text.WithLockFor(
          absl::Milliseconds(10), [&](std::string&) { ran = true; });
      EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
      EXPECT_FALSE(ran);
      EXPECT_EQ(text.LockedFor(absl::Milliseconds(10)).status().code(),
                absl::StatusCode::kDeadlineExceeded);
    });
    other.join();
  }
  // Free now: both succeed, and the handle holds the lock.
  absl::StatusOr<size_t> size = text.WithLockFor(
      absl::Seconds(1), [](std::string& s) { return (s += "b").size(); });
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 2u);
  absl::StatusOr<Guarded<std::string>::LockedPtr<std::string>> locked =
      text.LockedFor(absl::Seconds(1));
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(**locked, "ab");
  std::thread other(
      [&] { EXPECT_FALSE(text.LockedFor(absl::ZeroDuration()).ok()); });
  other.join();
}

// WithLockFor calls the caller's callable itself, as WithLock does: a stateful
// functor keeps its state, and a move-only one works.
TEST(GuardedTest, WithLockForCallsTheCallersCallableNotACopy) {
  struct Counter {
    int calls = 0;
    void operator()(int& value) {
      ++calls;
      ++value;
    }
  };
  Guarded<int> value(0);
  Counter counter;
  ASSERT_TRUE(value.WithLockFor(absl::Seconds(1), counter).ok());
  ASSERT_TRUE(value.WithLockFor(absl::Seconds(1), counter).ok());
  EXPECT_EQ(counter.calls, 2);
  auto owned = std::make_unique<int>(5);
  auto move_only = [owned = std::move(owned)](int& v) { return v + *owned; };
  EXPECT_EQ(*value.WithLockFor(absl::Seconds(1), move_only), 7);
}

}  // namespace
}  // namespace multirun
