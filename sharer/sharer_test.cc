// Copyright 2026 The multirun Authors.

#include "multirun/sharer/sharer.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/executors/worker.h"
#include "multirun/futures/future.h"
#include "multirun/futures/task.h"
#include "multirun/sync/event.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using ::testing::HasSubstr;

// A resource that is not thread-safe and says so: a plain counter, and a flag
// that notices a second caller inside.
class Counter {
 public:
  int64_t Add(int64_t n) {
    if (inside_.exchange(true)) overlapped_.store(true);
    total_ += n;  // Plain, on purpose: TSAN reports overlapping calls.
    const int64_t now = total_;
    inside_.store(false);
    return now;
  }
  void Throw() { throw std::runtime_error("boom"); }
  absl::Status Fail() { return absl::DataLossError("disk on fire"); }
  int64_t total() const { return total_; }
  bool overlapped() const { return overlapped_.load(); }

 private:
  std::atomic<bool> inside_{false};
  std::atomic<bool> overlapped_{false};
  int64_t total_ = 0;
};

// The size, in every config (about 6 s under TSAN).
constexpr int kThreads = 64;
constexpr int kCallsPerThread = 10'000;

TEST(SharerTest, ManyThreadsNeverOverlapAndLoseNothing) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok()) << sharer.status();
  std::vector<std::vector<Future<int64_t>>> futures(kThreads);
  testing_internal::RunThreads(kThreads, [&](int t) {
    futures[t].reserve(kCallsPerThread);
    for (int i = 0; i < kCallsPerThread; ++i) {
      futures[t].push_back((*sharer)->Call(&Counter::Add, 1));
    }
  });
  std::vector<bool> seen(kThreads * kCallsPerThread + 1, false);
  for (auto& list : futures) {
    for (auto& future : list) {
      absl::StatusOr<int64_t> value = future.Get();
      ASSERT_TRUE(value.ok()) << value.status();
      // Each call saw a distinct running total.
      ASSERT_GE(*value, 1);
      ASSERT_LE(*value, kThreads * kCallsPerThread);
      ASSERT_FALSE(seen[*value]) << *value;
      seen[*value] = true;
    }
  }
  const int64_t total =
      (*sharer)->Run([](Counter& c) { return c.total(); }).Get().value();
  EXPECT_EQ(total, int64_t{kThreads} * kCallsPerThread);
  EXPECT_FALSE(
      (*sharer)->Run([](Counter& c) { return c.overlapped(); }).Get().value());
  const SharerStats stats = (*sharer)->stats();
  EXPECT_EQ(stats.completed, int64_t{kThreads} * kCallsPerThread + 2);
  EXPECT_EQ(stats.queued, 0);
  EXPECT_EQ(stats.failed, 0);
  EXPECT_GE(stats.max_queued_seen, 1);
}

// A resource that records who called, in the order the calls ran.
struct Log {
  std::vector<std::pair<int, int>> entries;  // (thread, sequence number)
};

TEST(SharerTest, CallsOfOneThreadRunInItsOrder) {
  ThreadPool pool(2);
  auto sharer = Sharer<Log>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok());
  constexpr int kOrderThreads = 8;
  constexpr int kCalls = 2'000;
  testing_internal::RunThreads(kOrderThreads, [&](int t) {
    for (int i = 0; i < kCalls; ++i) {
      (void)(*sharer)->Run([t, i](Log& log) { log.entries.push_back({t, i}); });
    }
  });
  const std::vector<std::pair<int, int>> entries =
      (*sharer)->Run([](Log& log) { return log.entries; }).Get().value();
  ASSERT_EQ(entries.size(), size_t{kOrderThreads} * kCalls);
  std::vector<int> next(kOrderThreads, 0);
  for (const auto& [thread, sequence] : entries) {
    ASSERT_EQ(sequence, next[thread]) << "thread " << thread;
    ++next[thread];
  }
}

TEST(SharerTest, OneThreadsCallsRunInOrderOnADedicatedThread) {
  auto sharer = Sharer<Log>::Create({.dedicated_thread = true, .name = "db"});
  ASSERT_TRUE(sharer.ok());
  for (int i = 0; i < 100; ++i) {
    (void)(*sharer)->Run([i](Log& log) { log.entries.push_back({0, i}); });
  }
  Future<std::string> where = (*sharer)->Run([](Log&) {
    const WorkerInfo* worker = CurrentWorker();
    return worker == nullptr ? std::string("none") : worker->name;
  });
  EXPECT_EQ(where.Get().value(), "db-0");
  const auto entries =
      (*sharer)->Run([](Log& log) { return log.entries; }).Get().value();
  ASSERT_EQ(entries.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(entries[i].second, i);
}

// Two resources of one type, each knowing which it is.
class Named {
 public:
  explicit Named(int id) : id_(id) {}
  int Id() {
    ++calls_;
    return id_;
  }
  int calls() const { return calls_; }

 private:
  const int id_;
  int calls_ = 0;
};

TEST(SharerTest, TwoSharersOfOneTypeNeverCross) {
  ThreadPool pool(2);
  auto a = Sharer<Named>::Create({.executor = &pool}, 1);
  auto b = Sharer<Named>::Create({.executor = &pool}, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  constexpr int kCrossThreads = 8;
  constexpr int kCalls = 1'000;
  std::atomic<int> wrong{0};
  testing_internal::RunThreads(kCrossThreads, [&](int t) {
    std::vector<Future<int>> from_a;
    std::vector<Future<int>> from_b;
    for (int i = 0; i < kCalls; ++i) {
      from_a.push_back((*a)->Call(&Named::Id));
      from_b.push_back((*b)->Call(&Named::Id));
    }
    for (auto& f : from_a) wrong += f.Get().value() != 1;
    for (auto& f : from_b) wrong += f.Get().value() != 2;
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ((*a)->Run([](Named& n) { return n.calls(); }).Get().value(),
            kCrossThreads * kCalls);
  EXPECT_EQ((*b)->Run([](Named& n) { return n.calls(); }).Get().value(),
            kCrossThreads * kCalls);
}

TEST(SharerTest, TwoSharersOverOneExecutorRunIndependently) {
  ThreadPool pool(2);
  auto a = Sharer<Named>::Create({.executor = &pool}, 1);
  auto b = Sharer<Named>::Create({.executor = &pool}, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  // A's call can only end when B's call has run: B must not wait behind A.
  Event b_ran;
  Future<void> waits =
      (*a)->Run([&](Named&) { ASSERT_TRUE(b_ran.WaitFor(absl::Seconds(60))); });
  Future<void> sets = (*b)->Run([&](Named&) { b_ran.Set(); });
  EXPECT_TRUE(sets.Get().ok());
  EXPECT_TRUE(waits.Get().ok());
}

TEST(SharerTest, BorrowedResourceOutlivesTheSharer) {
  ThreadPool pool(2);
  Counter counter;
  {
    Sharer<Counter> sharer({.executor = &pool}, std::ref(counter));
    for (int i = 0; i < 1'000; ++i) (void)sharer.Call(&Counter::Add, 2);
  }  // Waits for the 1,000 calls.
  EXPECT_EQ(counter.total(), 2'000);
  auto borrowed = Sharer<Counter>::Borrow({.executor = &pool}, &counter);
  ASSERT_TRUE(borrowed.ok());
  EXPECT_EQ((*borrowed)->Call(&Counter::Add, 1).Get().value(), 2'001);
}

TEST(SharerTest, ReturnTypes) {
  InlineExecutor inline_executor;
  Sharer<Counter> sharer({.executor = &inline_executor}, std::in_place);
  Future<void> nothing = sharer.Run([](Counter& c) { c.Add(1); });
  Future<int64_t> value = sharer.Run([](Counter& c) { return c.Add(1); });
  Future<void> status =
      sharer.Run([](Counter&) { return absl::NotFoundError("no row"); });
  Future<int> status_or = sharer.Run(
      [](Counter&) -> absl::StatusOr<int> { return absl::AbortedError("x"); });
  Future<int> status_or_value =
      sharer.Run([](Counter&) -> absl::StatusOr<int> { return 7; });
  EXPECT_TRUE(nothing.Get().ok());
  EXPECT_EQ(value.Get().value(), 2);
  EXPECT_EQ(status.Get().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status_or.Get().status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status_or_value.Get().value(), 7);
  const SharerStats stats = sharer.stats();
  EXPECT_EQ(stats.completed, 3);
  EXPECT_EQ(stats.failed, 2);
}

TEST(SharerTest, AThrowingCallFailsOnlyItsOwnFuture) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok());
  Future<int64_t> before = (*sharer)->Call(&Counter::Add, 1);
  Future<void> thrown = (*sharer)->Call(&Counter::Throw);
  Future<void> failed = (*sharer)->Call(&Counter::Fail);
  Future<int64_t> after = (*sharer)->Call(&Counter::Add, 1);
  EXPECT_EQ(before.Get().value(), 1);
  const absl::Status error = thrown.Get();
  EXPECT_EQ(error.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(error.message(), "std::runtime_error: boom");
  EXPECT_EQ(failed.Get().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(after.Get().value(), 2);
  const SharerStats stats = (*sharer)->stats();
  EXPECT_EQ(stats.completed, 2);
  EXPECT_EQ(stats.failed, 2);
}

// Blocks the sharer: the returned future's call runs until `release` is set.
// `started` is set once it runs.
Future<void> Occupy(Sharer<Counter>& sharer, Event& started, Event& release) {
  Future<void> busy = sharer.Run([&](Counter&) {
    started.Set();
    ASSERT_TRUE(release.WaitFor(absl::Seconds(60)));
  });
  EXPECT_TRUE(started.WaitFor(absl::Seconds(60)));
  return busy;
}

TEST(SharerTest, CancelRemovesACallThatHasNotStarted) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok());
  Event started, release;
  Future<void> busy = Occupy(**sharer, started, release);
  std::atomic<bool> ran{false};
  Future<void> queued = (*sharer)->Run([&](Counter&) { ran = true; });
  Future<int64_t> next = (*sharer)->Call(&Counter::Add, 5);
  EXPECT_EQ((*sharer)->stats().queued, 2);
  EXPECT_TRUE(queued.Cancel());
  EXPECT_EQ(queued.Get().code(), absl::StatusCode::kCancelled);
  // A started call runs to completion.
  EXPECT_FALSE(busy.Cancel());
  release.Set();
  EXPECT_TRUE(busy.Get().ok());
  EXPECT_EQ(next.Get().value(), 5);
  EXPECT_FALSE(ran.load());
  const SharerStats stats = (*sharer)->stats();
  EXPECT_EQ(stats.cancelled, 1);
  EXPECT_EQ(stats.completed, 2);
  EXPECT_EQ(stats.queued, 0);
  EXPECT_EQ(stats.max_queued_seen, 2);
}

TEST(SharerTest, FullQueueFailsAtOnceWithKFail) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create(
      {.executor = &pool, .max_queued = 2, .when_full = SharerWhenFull::kFail});
  ASSERT_TRUE(sharer.ok());
  Event started, release;
  Future<void> busy = Occupy(**sharer, started, release);
  // The running call does not count: two more fit.
  Future<int64_t> one = (*sharer)->Call(&Counter::Add, 1);
  Future<int64_t> two = (*sharer)->Call(&Counter::Add, 1);
  Future<int64_t> three = (*sharer)->Call(&Counter::Add, 1);
  EXPECT_TRUE(three.IsReady());
  EXPECT_EQ(three.Get().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(three.Get().status().message(), HasSubstr("max_queued = 2"));
  release.Set();
  EXPECT_EQ(one.Get().value(), 1);
  EXPECT_EQ(two.Get().value(), 2);
  // Places free up as calls start.
  EXPECT_EQ((*sharer)->Call(&Counter::Add, 1).Get().value(), 3);
  EXPECT_EQ((*sharer)->stats().rejected, 1);
  EXPECT_EQ((*sharer)->stats().max_queued_seen, 2);
}

TEST(SharerTest, FullQueueWaitsUpToTheTimeoutWithKWaitFor) {
  ThreadPool pool(2);
  auto sharer =
      Sharer<Counter>::Create({.executor = &pool,
                               .max_queued = 1,
                               .when_full = SharerWhenFull::kWaitFor,
                               .full_timeout = absl::Milliseconds(20)});
  ASSERT_TRUE(sharer.ok());
  Event started, release;
  Future<void> busy = Occupy(**sharer, started, release);
  Future<int64_t> one = (*sharer)->Call(&Counter::Add, 1);
  Future<int64_t> late = (*sharer)->Call(&Counter::Add, 1);
  EXPECT_EQ(late.Get().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(late.Get().status().message(), HasSubstr("20ms"));
  release.Set();
  EXPECT_EQ(one.Get().value(), 1);
  EXPECT_EQ((*sharer)->Call(&Counter::Add, 1).Get().value(), 2);
}

TEST(SharerTest, FullQueueWaitsForAPlaceWithKWait) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create(
      {.executor = &pool, .max_queued = 1, .when_full = SharerWhenFull::kWait});
  ASSERT_TRUE(sharer.ok());
  Event started, release;
  Future<void> busy = Occupy(**sharer, started, release);
  Future<int64_t> one = (*sharer)->Call(&Counter::Add, 1);
  Future<int64_t> waited;
  testing_internal::TrackedThread caller(
      [&] { waited = (*sharer)->Call(&Counter::Add, 10); });
  // The caller sleeps in the Sharer (on its queue's semaphore)...
  caller.AwaitWaitingOn(**sharer);
  EXPECT_EQ((*sharer)->stats().queued, 1);
  // ...until the running call ends and `one` starts.
  release.Set();
  caller.Join();
  EXPECT_EQ(one.Get().value(), 1);
  EXPECT_EQ(waited.Get().value(), 11);
}

TEST(SharerTest, ACallOnAFullQueueFromInsideTheSharerFailsInsteadOfWaiting) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create(
      {.executor = &pool, .max_queued = 1, .when_full = SharerWhenFull::kWait});
  ASSERT_TRUE(sharer.ok());
  Event started, release;
  Future<absl::StatusCode> nested = (*sharer)->Run([&](Counter&) {
    started.Set();
    EXPECT_TRUE(release.WaitFor(absl::Seconds(60)));
    // `filler` holds the only place, and only this call's end frees it.
    Future<int64_t> inner = (*sharer)->Call(&Counter::Add, 1);
    return inner.IsReady() ? inner.Get().status().code()
                           : absl::StatusCode::kOk;
  });
  ASSERT_TRUE(started.WaitFor(absl::Seconds(60)));
  Future<int64_t> filler = (*sharer)->Call(&Counter::Add, 100);
  release.Set();
  EXPECT_EQ(nested.Get().value(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(filler.Get().value(), 100);
}

TEST(SharerTest, CloseUnderLoadCompletesEveryAcceptedCall) {
  ThreadPool pool(2);
  Counter counter;
  auto sharer =
      Sharer<Counter>::Borrow({.executor = &pool, .max_queued = 64}, &counter);
  ASSERT_TRUE(sharer.ok());
  constexpr int kCloseThreads = 8;
  constexpr int kCalls = 2'000;
  std::vector<std::vector<Future<int64_t>>> futures(kCloseThreads);
  std::atomic<int> submitted{0};
  std::thread closer([&] {
    while (submitted.load() < kCloseThreads * kCalls / 4) {
      std::this_thread::yield();
    }
    EXPECT_TRUE((*sharer)->Close().ok());
  });
  testing_internal::RunThreads(kCloseThreads, [&](int t) {
    for (int i = 0; i < kCalls; ++i) {
      futures[t].push_back((*sharer)->Call(&Counter::Add, 1));
      // Now and then cancel one: it comes back Cancelled, or OK if it had
      // started.
      if (i % 7 == 0) futures[t].back().Cancel();
      submitted.fetch_add(1);
    }
  });
  closer.join();
  EXPECT_TRUE((*sharer)->IsClosed());
  int64_t ok = 0, cancelled = 0, refused = 0;
  for (auto& list : futures) {
    bool closed_seen = false;
    for (auto& future : list) {
      // Every future completes (a lost call would time out here).
      ASSERT_TRUE(future.WaitFor(absl::Seconds(60)));
      const absl::Status status = future.Get().status();
      if (status.ok()) {
        ++ok;
        EXPECT_FALSE(closed_seen) << "a call accepted after Close()";
      } else if (status.code() == absl::StatusCode::kCancelled) {
        ++cancelled;
      } else {
        ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition)
            << status;
        EXPECT_THAT(status.message(), HasSubstr("closed"));
        closed_seen = true;
        ++refused;
      }
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(ok + cancelled + refused, kCloseThreads * kCalls);
  const SharerStats stats = (*sharer)->stats();
  EXPECT_EQ(stats.completed, ok);
  EXPECT_EQ(stats.rejected, refused);
  EXPECT_EQ((*sharer)->Call(&Counter::Add, 1).Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  sharer->reset();
  // The resource saw exactly the calls whose futures are OK.
  EXPECT_EQ(counter.total(), ok);
  EXPECT_FALSE(counter.overlapped());
}

TEST(SharerTest, DestructorRunsEveryAcceptedCall) {
  ThreadPool pool(2);
  Counter counter;
  std::vector<Future<int64_t>> futures;
  {
    auto sharer = Sharer<Counter>::Borrow({.executor = &pool}, &counter);
    ASSERT_TRUE(sharer.ok());
    Event started, release;
    Future<void> busy = Occupy(**sharer, started, release);
    for (int i = 0; i < 500; ++i) {
      futures.push_back((*sharer)->Call(&Counter::Add, 1));
    }
    release.Set();
  }
  EXPECT_EQ(counter.total(), 500);
  for (auto& future : futures) EXPECT_TRUE(future.IsReady());
}

TEST(SharerTest, AShutDownExecutorFailsCallsInsteadOfLosingThem) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok());
  EXPECT_EQ((*sharer)->Call(&Counter::Add, 1).Get().value(), 1);
  ASSERT_TRUE(pool.Shutdown().ok());
  Future<int64_t> refused = (*sharer)->Call(&Counter::Add, 1);
  ASSERT_TRUE(refused.WaitFor(absl::Seconds(60)));
  EXPECT_EQ(refused.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*sharer)->stats().rejected, 1);
  EXPECT_EQ((*sharer)->stats().cancelled, 0);
}

Task<int64_t> AddTwiceFromACoroutine(Sharer<Counter>& sharer) {
  absl::StatusOr<int64_t> first = co_await sharer.Call(&Counter::Add, 3);
  if (!first.ok()) co_return first.status();
  absl::StatusOr<int64_t> second = co_await sharer.Call(&Counter::Add, *first);
  co_return second;
}

TEST(SharerTest, CallsCanBeAwaitedFromACoroutine) {
  ThreadPool pool(2);
  auto sharer = Sharer<Counter>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok());
  EXPECT_EQ(AddTwiceFromACoroutine(**sharer).Get().value(), 6);
}

TEST(SharerTest, OwnedResourceIsBuiltFromTheArguments) {
  ThreadPool pool(2);
  auto sharer = Sharer<std::string>::Create({.executor = &pool}, 3, 'x');
  ASSERT_TRUE(sharer.ok());
  EXPECT_EQ((*sharer)->Run([](std::string& s) { return s; }).Get().value(),
            "xxx");
  EXPECT_EQ((*sharer)->Call(&std::string::size).Get().value(), 3u);
}

struct ThrowsOnConstruction {
  ThrowsOnConstruction() { throw std::logic_error("no connection"); }
};

// --- bad input ---

TEST(SharerTest, InvalidOptionsAreReported) {
  ThreadPool pool(1);
  struct Case {
    SharerOptions options;
    const char* message;
  };
  const Case cases[] = {
      {{}, "no executor"},
      {{.executor = &pool, .dedicated_thread = true}, "both set"},
      {{.executor = &pool, .max_queued = 0}, "got 0"},
      {{.executor = &pool, .max_queued = -3}, "got -3"},
      {{.executor = &pool, .when_full = SharerWhenFull::kFail},
       "max_queued is not set"},
      {{.executor = &pool,
        .max_queued = 4,
        .when_full = SharerWhenFull::kWaitFor},
       "positive and finite"},
      {{.executor = &pool,
        .max_queued = 4,
        .when_full = SharerWhenFull::kWaitFor,
        .full_timeout = absl::InfiniteDuration()},
       "positive and finite"},
      {{.executor = &pool, .max_queued = 4, .full_timeout = absl::Seconds(1)},
       "not kWaitFor"},
      {{.executor = &pool, .name = ""}, "name is empty"},
  };
  for (const Case& c : cases) {
    auto sharer = Sharer<Counter>::Create(c.options);
    ASSERT_FALSE(sharer.ok()) << c.message;
    EXPECT_EQ(sharer.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(sharer.status().message(), HasSubstr(c.message));
  }
}

TEST(SharerTest, NullInputsAreReported) {
  ThreadPool pool(1);
  auto none = Sharer<Counter>::Borrow({.executor = &pool}, nullptr);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  auto sharer = Sharer<Counter>::Create({.executor = &pool});
  ASSERT_TRUE(sharer.ok());
  int64_t (*null_function)(Counter&) = nullptr;
  EXPECT_EQ((*sharer)->Run(null_function).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
  std::function<void(Counter&)> empty;
  EXPECT_EQ((*sharer)->Run(empty).Get().code(),
            absl::StatusCode::kInvalidArgument);
  int64_t (Counter::*null_method)(int64_t) = nullptr;
  EXPECT_EQ((*sharer)->Call(null_method, 1).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*sharer)->stats().rejected, 3);
  auto throws = Sharer<ThrowsOnConstruction>::Create({.executor = &pool});
  EXPECT_EQ(throws.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(throws.status().message(), "std::logic_error: no connection");
}

TEST(SharerDeathTest, ConstructorAbortsOnInvalidOptions) {
  EXPECT_DEATH(Sharer<Counter>(SharerOptions{}, std::in_place), "no executor");
}

TEST(SharerDeathTest, DestroyingFromInsideItsOwnCallAborts) {
  EXPECT_DEATH(
      {
        ThreadPool pool(1);
        auto sharer = Sharer<Counter>::Create({.executor = &pool});
        Sharer<Counter>* raw = sharer->release();
        (void)raw->Run([raw](Counter&) { delete raw; }).Get();
      },
      "destroyed from inside one of its own tasks");
}

}  // namespace
}  // namespace multirun
