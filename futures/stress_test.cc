// Copyright 2026 The multirun Authors.
//
// The executors under a random mix of everything at once, for 30 seconds
// (MULTIRUN_STRESS_SECONDS overrides): submissions from outside and from
// inside workers, Then chains on pools, strands and inline, cancellations,
// timers, pools shut down (draining or not) while work is in flight. Checks
// that every future completes exactly once, with an outcome that agrees with
// what its work did: a value means the work ran once, Cancelled or a
// rejection means it never ran.

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/futures/timer_queue.h"

namespace multirun {
namespace {

absl::Duration StressDuration() {
  const char* seconds = std::getenv("MULTIRUN_STRESS_SECONDS");
  return absl::Seconds(seconds != nullptr ? std::atoi(seconds) : 30);
}

// One unit of work and what became of it.
struct Job {
  int expected = 0;                 // the value its future must carry
  bool chained = false;             // a continuation follows the counted work
  std::atomic<int> runs{0};         // how often its function ran
  std::atomic<int> completions{0};  // how often its future completed
  Future<int> future;
};

class Stress {
 public:
  explicit Stress(uint32_t seed) : random_(seed) {}

  // One random operation.
  void Step(ThreadPool& pool, Strand& strand, TimerQueue& timers) {
    const int op = Uniform(0, 9);
    auto job = std::make_unique<Job>();
    Job* j = job.get();
    const int id = static_cast<int>(jobs_.size());
    j->expected = id;
    switch (op) {
      case 0:
      case 1:  // a plain submission from outside
        j->future = Submit(pool, [j, id] {
          j->runs.fetch_add(1);
          return id;
        });
        break;
      case 2:  // spawn from inside a worker, flattened
        j->future = Submit(pool, [j, id, &pool] {
          return Submit(pool, [j, id] {
            j->runs.fetch_add(1);
            return id;
          });
        });
        break;
      case 3:  // a chain of continuations on the pool and inline
        j->expected = id + 2;
        j->chained = true;
        j->future = Submit(pool, [j, id] {
                      j->runs.fetch_add(1);
                      return id;
                    }).Then(pool, [](int x) {
                        return x + 1;
                      }).Then(inline_, [](int x) { return x + 1; });
        break;
      case 4:  // serial work on a strand
        j->future = Submit(strand, [j, id] {
          j->runs.fetch_add(1);
          return id;
        });
        break;
      case 5:  // a timer
        j->future = timers.ScheduleAfter(
            pool, absl::Microseconds(Uniform(0, 500)), [j, id] {
              j->runs.fetch_add(1);
              return id;
            });
        break;
      case 6:  // a continuation that throws
        j->expected = -1;
        j->chained = true;
        j->future = Submit(pool, [j, id] {
                      j->runs.fetch_add(1);
                      return id;
                    }).Then(pool, [](int) -> int {
          throw std::runtime_error("thrown on purpose");
        });
        break;
      default:  // cancel an earlier job, maybe before it starts
        if (!jobs_.empty()) {
          jobs_[Uniform(0, static_cast<int>(jobs_.size()) - 1)]
              ->future.Cancel();
        }
        j->future = Submit(pool, [j, id] {
          j->runs.fetch_add(1);
          return id;
        });
        j->future.Cancel();
        break;
    }
    futures_internal::FutureAccess::StateOf(j->future)->OnReady(
        [j] { j->completions.fetch_add(1); });
    jobs_.push_back(std::move(job));
  }

  // Checks every job's outcome; returns how many had each kind.
  void Verify(int& values, int& cancelled, int& rejected, int& failed) {
    for (const auto& job : jobs_) {
      ASSERT_TRUE(job->future.WaitFor(absl::Seconds(60)))
          << "a future never completed";
      absl::StatusOr<int> result = job->future.Get();
      // Callbacks run just after the result becomes visible to waiters.
      for (int spins = 0; job->completions.load() == 0 && spins < 100000;
           ++spins) {
        std::this_thread::yield();
      }
      EXPECT_EQ(job->completions.load(), 1);
      if (result.ok()) {
        ++values;
        EXPECT_EQ(*result, job->expected);
        EXPECT_EQ(job->runs.load(), 1);
      } else if (result.status().code() == absl::StatusCode::kCancelled) {
        ++cancelled;
        // Cancelled work never ran; in a chain, the cut may have come after
        // the first step.
        EXPECT_LE(job->runs.load(), job->chained ? 1 : 0);
      } else if (result.status().code() ==
                 absl::StatusCode::kFailedPrecondition) {
        ++rejected;
        EXPECT_LE(job->runs.load(), job->chained ? 1 : 0);
      } else {
        ++failed;
        EXPECT_EQ(result.status(),
                  absl::UnknownError("std::runtime_error: thrown on purpose"));
        EXPECT_EQ(job->expected, -1);
        EXPECT_EQ(job->runs.load(), 1);
      }
    }
  }

 private:
  int Uniform(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }

  std::mt19937 random_;
  InlineExecutor inline_;
  std::vector<std::unique_ptr<Job>> jobs_;
};

TEST(ExecutorsStressTest, EveryFutureCompletesExactlyOnce) {
  const absl::Time end = absl::Now() + StressDuration();
  TimerQueue timers;
  int values = 0, cancelled = 0, rejected = 0, failed = 0, pools = 0;
  uint32_t seed = 1;
  while (absl::Now() < end) {
    // A pool lives for a few thousand operations from 3 threads, then is
    // shut down while work is still in flight, one way or the other.
    auto pool =
        std::make_unique<ThreadPool>(2, ThreadPool::Options{.name = "stress"});
    auto strand = std::make_unique<Strand>(*pool);
    std::vector<Stress> drivers;
    for (int d = 0; d < 3; ++d) drivers.emplace_back(seed++);
    std::vector<std::thread> threads;
    std::atomic<int> steps{0};
    for (int d = 0; d < 3; ++d) {
      threads.emplace_back([&, d] {
        for (int i = 0; i < 2000; ++i) {
          drivers[d].Step(*pool, *strand, timers);
          steps.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    // Shut down while the drivers still submit (from outside, from workers,
    // through the strand and the timers), after a random share of the work.
    const int shutdown_after = 1000 + static_cast<int>(seed % 4000);
    while (steps.load(std::memory_order_relaxed) < shutdown_after) {
      std::this_thread::yield();
    }
    if (pools % 2 == 0) {
      EXPECT_TRUE(pool->Shutdown().ok());
    } else {
      pool->ShutdownNow();
    }
    for (auto& thread : threads) thread.join();
    strand.reset();
    ++pools;
    // Timers still pending on this pool fire into a shut-down pool (their
    // futures fail with FailedPrecondition) before the pool is destroyed.
    for (auto& driver : drivers) {
      driver.Verify(values, cancelled, rejected, failed);
    }
    pool.reset();
  }
  std::printf(
      "%d pools, %d futures: %d values, %d cancelled, %d rejected, %d "
      "failed\n",
      pools, values + cancelled + rejected + failed, values, cancelled,
      rejected, failed);
  EXPECT_GT(values, 0);
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(failed, 0);
}

}  // namespace
}  // namespace multirun
