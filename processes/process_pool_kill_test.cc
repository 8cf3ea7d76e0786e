// Copyright 2026 The multirun Authors.
//
// Workers SIGKILLed from outside when they are idle, stopped with a request
// in their pipe, receiving or reading one, and at random under a stream of
// tasks (process_pool_test.cc kills one that runs a task). A task that had not
// started when its worker died runs on another worker and succeeds; one that
// had started fails with the signal named; none runs twice. The workers count
// every run in memory shared with the test (mapped before the pool, so every
// worker has it), which is how the test sees "at most once".
//
// Forks under AddressSanitizer and ThreadSanitizer: GCC 12's runtimes do not
// lock their allocators around fork(), so a worker forked while another
// thread of the test is inside the allocator can hang in its first
// allocation. The pool forks a replacement soon after each kill, so while
// the stress test kills, the test thread only waits for futures (it submits
// before), the killing thread allocates only a two-pid vector, and it ends
// only once every replacement has been forked. A Submit() right after a kill
// (the point of several tests) allocates while the pool notices the death;
// the pool forks the replacement after that, most likely while the test
// thread already waits: a race these tests accept, as the other pool tests
// do.

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/futures/future.h"
#include "multirun/processes/process_pool.h"

namespace {

using ::multirun::Future;
using ::multirun::ProcessPool;
using ::multirun::ProcessPoolOptions;
using ::multirun::ProcessPoolStats;

// Run counts, one per task index, in the RunCounts mapping of the test.
std::atomic<int32_t>* g_runs = nullptr;

// Counts a run of task `index`, sleeps `sleep_us` and returns the worker's
// pid. `padding` only makes the request longer.
int CountedRunImpl(int index, int sleep_us,
                   [[maybe_unused]] std::string padding) {
  g_runs[index].fetch_add(1, std::memory_order_relaxed);
  if (sleep_us > 0) absl::SleepFor(absl::Microseconds(sleep_us));
  return getpid();
}
MULTIRUN_REGISTER_TASK(CountedRun, CountedRunImpl);

int GetPidImpl() { return getpid(); }
MULTIRUN_REGISTER_TASK(GetPid, GetPidImpl);

// `size` run counters shared with the workers of pools made after it.
class RunCounts {
 public:
  explicit RunCounts(int size) : size_(size) {
    void* memory = mmap(nullptr, Bytes(), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(memory, MAP_FAILED);
    g_runs = static_cast<std::atomic<int32_t>*>(memory);
    for (int i = 0; i < size_; ++i) new (&g_runs[i]) std::atomic<int32_t>(0);
  }
  ~RunCounts() {
    munmap(g_runs, Bytes());
    g_runs = nullptr;
  }
  RunCounts(const RunCounts&) = delete;
  RunCounts& operator=(const RunCounts&) = delete;

  int operator[](int index) const {
    return g_runs[index].load(std::memory_order_relaxed);
  }

 private:
  size_t Bytes() const { return sizeof(std::atomic<int32_t>) * size_; }
  const int size_;
};

std::unique_ptr<ProcessPool> MakePool(ProcessPoolOptions options) {
  absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
      ProcessPool::Create(std::move(options));
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *std::move(pool) : nullptr;
}

// The pid of a worker of the one-worker `pool`, once it has answered and
// waits for its next request.
pid_t IdleWorker(ProcessPool& pool) {
  return pool.Submit(GetPid).Get().value_or(-1);
}

// Whether `status` says that a task's process was killed by SIGKILL.
bool KilledBySigkill(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         absl::StrContains(status.message(), "killed by SIGKILL");
}

TEST(ProcessPoolKillTest, KilledWhileIdleTheNextTaskRunsOnTheReplacement) {
  constexpr int kRounds = 20;
  RunCounts runs(kRounds);
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  for (int round = 0; round < kRounds; ++round) {
    const pid_t pid = IdleWorker(*pool);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    // Sent to the dead worker or to its replacement, depending on when the
    // pool sees the death: it runs, once, either way.
    absl::StatusOr<int> ran =
        pool->Submit(CountedRun, round, 0, std::string()).Get();
    ASSERT_TRUE(ran.ok()) << "round " << round << ": " << ran.status();
    EXPECT_NE(*ran, pid);
    EXPECT_EQ(runs[round], 1) << "round " << round;
  }
  const ProcessPoolStats stats = pool->stats();
  EXPECT_EQ(stats.tasks_killed, 0);
  EXPECT_EQ(stats.workers_replaced, kRounds);
  std::printf("requests sent to a dead idle worker, then again: %lld of %d\n",
              static_cast<long long>(stats.tasks_resent), kRounds);
}

TEST(ProcessPoolKillTest, KilledWithARequestInItsPipeTheRequestRunsElsewhere) {
  constexpr int kRounds = 10;
  RunCounts runs(kRounds);
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  // Longer than a pipe holds: part of it waits in the pipe, part in the
  // pool.
  const std::string padding(256 * 1024, 'p');
  for (int round = 0; round < kRounds; ++round) {
    const pid_t pid = IdleWorker(*pool);
    ASSERT_GT(pid, 0);
    // Stopped, the worker runs no more code of its own (it may still take
    // bytes of the request in the read it sleeps in), so it cannot start
    // the task; it dies with the request in its pipe.
    ASSERT_EQ(kill(pid, SIGSTOP), 0);
    Future<int> future = pool->Submit(CountedRun, round, 0, padding);
    absl::SleepFor(absl::Milliseconds(10));  // The pool writes meanwhile.
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    absl::StatusOr<int> ran = future.Get();
    ASSERT_TRUE(ran.ok()) << "round " << round << ": " << ran.status();
    EXPECT_NE(*ran, pid);
    EXPECT_EQ(runs[round], 1) << "round " << round;
  }
  const ProcessPoolStats stats = pool->stats();
  EXPECT_EQ(stats.tasks_killed, 0);
  EXPECT_EQ(stats.workers_replaced, kRounds);
  std::printf(
      "requests in the pipe of a stopped worker, sent again: %lld of "
      "%d\n",
      static_cast<long long>(stats.tasks_resent), kRounds);
}

// The kill lands while the worker receives the request, reads it, or runs
// it: whatever the timing, a task that did not start runs once elsewhere,
// and a task that fails was killed, and ran at most once.
TEST(ProcessPoolKillTest, KilledRightAfterASubmitEachTaskRunsAtMostOnce) {
  constexpr int kRounds = 60;
  RunCounts runs(kRounds);
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  int failed = 0;
  for (int round = 0; round < kRounds; ++round) {
    const pid_t pid = IdleWorker(*pool);
    ASSERT_GT(pid, 0);
    // Requests of one read, of a few, and of many.
    const size_t padding = round % 3 == 0 ? 0 : round % 3 == 1 ? 16384 : 200000;
    Future<int> future =
        pool->Submit(CountedRun, round, 0, std::string(padding, 'p'));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    absl::StatusOr<int> ran = future.Get();
    if (ran.ok()) {
      EXPECT_EQ(runs[round], 1) << "round " << round;
    } else {
      ++failed;
      EXPECT_TRUE(KilledBySigkill(ran.status()))
          << "round " << round << ": " << ran.status();
      EXPECT_LE(runs[round], 1) << "round " << round;
    }
  }
  // Runs on the last replacement: the last death is counted.
  EXPECT_GT(IdleWorker(*pool), 0);
  const ProcessPoolStats stats = pool->stats();
  EXPECT_EQ(stats.tasks_killed, failed);
  EXPECT_EQ(stats.workers_replaced, kRounds);
  std::printf("%d rounds: %d failed (started), %lld sent again\n", kRounds,
              failed, static_cast<long long>(stats.tasks_resent));
}

TEST(ProcessPoolKillTest, RandomKillsLoseNoTaskAndRunNoneTwice) {
  constexpr int kTasks = 3000;
  constexpr int kMaxKills = 300;
  RunCounts runs(kTasks + 1);
  auto pool = MakePool({.workers = 2, .name = "killed"});
  ASSERT_NE(pool, nullptr);
  std::vector<Future<int>> results;
  results.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    results.push_back(pool->Submit(CountedRun, i, 200, std::string()));
  }

  // Kills a random worker every few milliseconds until the tasks are done;
  // each pid once (a second SIGKILL to a dying worker is the same death).
  std::atomic<bool> done{false};
  std::vector<pid_t> killed(kMaxKills, 0);
  int kills = 0;
  std::thread killer([&] {
    uint64_t random = 0x9E3779B97F4A7C15u;
    while (!done.load() && kills < kMaxKills) {
      absl::SleepFor(absl::Milliseconds(3));
      const std::vector<pid_t> pids = pool->WorkerPids();
      if (pids.empty()) continue;
      random ^= random << 13;
      random ^= random >> 7;
      random ^= random << 17;
      const pid_t pid = pids[random % pids.size()];
      if (std::find(killed.begin(), killed.begin() + kills, pid) !=
              killed.begin() + kills ||
          kill(pid, SIGKILL) != 0) {
        continue;
      }
      killed[kills++] = pid;
    }
    // Every replacement forked before this thread ends (see the top).
    while (pool->stats().workers_replaced < kills ||
           pool->stats().workers_started < 2 + kills) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  for (const Future<int>& result : results) result.Wait();
  done.store(true);
  killer.join();

  int failed = 0;
  for (int i = 0; i < kTasks; ++i) {
    absl::StatusOr<int> ran = results[i].Get();
    if (ran.ok()) {
      ASSERT_EQ(runs[i], 1) << "task " << i;
    } else {
      ++failed;
      ASSERT_TRUE(KilledBySigkill(ran.status()))
          << "task " << i << ": " << ran.status();
      ASSERT_LE(runs[i], 1) << "task " << i;
    }
  }
  const ProcessPoolStats stats = pool->stats();
  EXPECT_GT(kills, 0);
  EXPECT_EQ(stats.workers_replaced, kills);
  EXPECT_EQ(stats.tasks_killed, failed);
  EXPECT_EQ(stats.tasks_answered, kTasks - failed);
  // It serves on, even a task sent to workers that have just died.
  for (const pid_t pid : pool->WorkerPids()) ASSERT_EQ(kill(pid, SIGKILL), 0);
  absl::StatusOr<int> last =
      pool->Submit(CountedRun, kTasks, 0, std::string()).Get();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(runs[kTasks], 1);
  EXPECT_TRUE(pool->Shutdown().ok());
  std::printf(
      "%d tasks, %d workers killed: %d tasks failed (started), %lld sent "
      "again\n",
      kTasks, kills, failed, static_cast<long long>(stats.tasks_resent));
}

}  // namespace
