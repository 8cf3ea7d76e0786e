// Copyright 2026 The multirun Authors.

#include "multirun/processes/fork_executor.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/worker.h"
#include "multirun/futures/as_completed.h"
#include "multirun/futures/future.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace {

using ::testing::HasSubstr;

int CountOpenFds() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// Whether this process has any child left, running or zombie.
bool HasChildren() {
  return waitpid(-1, nullptr, WNOHANG) >= 0 || errno != ECHILD;
}

// Whether process `pid` exists (as a zombie too). A killed child of the
// executor disappears once the supervisor reaps it.
bool ProcessExists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

bool WaitUntilGone(pid_t pid) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (ProcessExists(pid)) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// An int in memory shared with the children.
struct SharedCounters {
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  std::atomic<int> started{0};
};

SharedCounters* MapSharedCounters() {
  void* memory = mmap(nullptr, sizeof(SharedCounters), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return new (memory) SharedCounters();
}

TEST(ForkExecutorTest, ReturnsTheChildsValueFromAnotherProcess) {
  ForkExecutor forks;
  Future<int> answer = forks.Submit([] { return 42; });
  Future<pid_t> pid = forks.Submit([] { return getpid(); });
  EXPECT_EQ(answer.Get().value(), 42);
  absl::StatusOr<pid_t> child = std::move(pid).Get();
  ASSERT_TRUE(child.ok());
  EXPECT_NE(*child, getpid());
}

TEST(ForkExecutorTest, PassesArgumentsAndInheritsCapturedState) {
  ForkExecutor forks;
  std::vector<int> inherited = {1, 2, 3};
  Future<std::string> joined = forks.Submit(
      [&inherited](int extra, const std::string& prefix) {
        inherited.push_back(extra);  // The child's copy only.
        std::string out = prefix;
        for (int value : inherited) out += std::to_string(value);
        return out;
      },
      4, std::string("v"));
  EXPECT_EQ(joined.Get().value(), "v1234");
  EXPECT_EQ(inherited.size(), 3u);  // The parent's copy is unchanged.
}

TEST(ForkExecutorTest, CarriesContainersStatusesAndVoid) {
  ForkExecutor forks;
  auto map = forks.Submit([] {
    return std::map<std::string, std::vector<int>>{{"a", {1, 2}}, {"b", {}}};
  });
  auto error = forks.Submit([]() -> absl::StatusOr<int> {
    absl::Status status = absl::NotFoundError("no such row 7");
    status.SetPayload("type.multirun/test", absl::Cord("payload"));
    return status;
  });
  auto ok_void = forks.Submit([] {});
  auto failed_status =
      forks.Submit([] { return absl::ResourceExhaustedError("disk full"); });
  absl::StatusOr<std::map<std::string, std::vector<int>>> got = map.Get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["a"], (std::vector<int>{1, 2}));
  EXPECT_TRUE((*got)["b"].empty());
  absl::StatusOr<int> error_result = error.Get();
  EXPECT_EQ(error_result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(error_result.status().message(), "no such row 7");
  EXPECT_EQ(error_result.status().GetPayload("type.multirun/test"),
            absl::Cord("payload"));
  EXPECT_TRUE(ok_void.Get().ok());
  EXPECT_EQ(failed_status.Get().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ForkExecutorTest, ExceptionInTheChildBecomesUnknown) {
  ForkExecutor forks;
  Future<int> thrown =
      forks.Submit([]() -> int { throw std::out_of_range("index 9 of 3"); });
  absl::StatusOr<int> result = thrown.Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(result.status().message(), HasSubstr("std::out_of_range"));
  EXPECT_THAT(result.status().message(), HasSubstr("index 9 of 3"));
}

TEST(ForkExecutorTest, ChildKilledBySignalGivesAbortedWithTheSignalName) {
  ForkExecutor forks;
  ForkTask<int> segv = forks.Start({}, []() -> int {
    // The default action, not a sanitizer's handler: the kernel kills.
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    return 0;
  });
  ForkTask<int> aborted = forks.Start({}, []() -> int { std::abort(); });
  const pid_t segv_pid = segv.pid.Get().value();
  absl::StatusOr<int> segv_result = std::move(segv.result).Get();
  EXPECT_EQ(segv_result.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(segv_result.status().message(),
              HasSubstr("task process " + std::to_string(segv_pid) +
                        " killed by SIGSEGV"));
  absl::StatusOr<int> abort_result = std::move(aborted.result).Get();
  EXPECT_EQ(abort_result.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(abort_result.status().message(), HasSubstr("killed by SIGABRT"));
}

TEST(ForkExecutorTest, ChildKilledFromOutsideGivesAborted) {
  ForkExecutor forks;
  ForkTask<int> task = forks.Start({}, []() -> int {
    pause();  // Until killed.
    return 0;
  });
  absl::StatusOr<pid_t> pid = task.pid.Get();
  ASSERT_TRUE(pid.ok());
  ASSERT_EQ(kill(*pid, SIGKILL), 0);
  absl::StatusOr<int> result = std::move(task.result).Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(result.status().message(), HasSubstr("killed by SIGKILL"));
  EXPECT_FALSE(ProcessExists(*pid));  // Reaped before the future completed.
}

TEST(ForkExecutorTest, ChildExitingWithoutResultGivesInternalWithTheCode) {
  ForkExecutor forks;
  Future<int> exited = forks.Submit([]() -> int { _exit(3); });
  Future<int> exited_clean = forks.Submit([]() -> int { _exit(0); });
  absl::StatusOr<int> result = exited.Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(result.status().message(),
              HasSubstr("exited with code 3 without a result"));
  EXPECT_EQ(exited_clean.Get().status().code(), absl::StatusCode::kInternal);
}

TEST(ForkExecutorTest, TimeoutKillsTheChild) {
  ForkExecutor forks({.task_timeout = absl::Milliseconds(200)});
  ForkTask<int> slow = forks.Start({}, []() -> int {
    pause();
    return 0;
  });
  ForkTask<int> fast =
      forks.Start({.task_timeout = absl::Seconds(60)}, [] { return 5; });
  const pid_t pid = slow.pid.Get().value();
  absl::StatusOr<int> result = std::move(slow.result).Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("200ms"));
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_EQ(std::move(fast.result).Get().value(), 5);
}

TEST(ForkExecutorTest, CancelKillsARunningChild) {
  ForkExecutor forks;
  ForkTask<int> task = forks.Start({}, []() -> int {
    pause();
    return 0;
  });
  const pid_t pid = task.pid.Get().value();
  EXPECT_TRUE(task.result.Cancel());
  EXPECT_EQ(task.result.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(WaitUntilGone(pid));
}

TEST(ForkExecutorTest, CancelOfAQueuedCallNeverForksIt) {
  SharedCounters* shared = MapSharedCounters();
  ForkExecutor forks({.workers = 1});
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  // Holds the only slot until the test writes to the pipe.
  Future<int> blocker = forks.Submit([fd = pipe_fds[0]] {
    char byte;
    return static_cast<int>(read(fd, &byte, 1));
  });
  ForkTask<int> queued =
      forks.Start({}, [shared] { return shared->started.fetch_add(1) + 1; });
  EXPECT_EQ(forks.stats().queued, 1u);
  EXPECT_TRUE(queued.result.Cancel());
  ASSERT_EQ(write(pipe_fds[1], "x", 1), 1);
  EXPECT_EQ(blocker.Get().value(), 1);
  EXPECT_TRUE(forks.Shutdown().ok());
  EXPECT_EQ(queued.pid.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(shared->started.load(), 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  munmap(shared, sizeof(SharedCounters));
}

TEST(ForkExecutorTest, NeverRunsMoreThanMaxProcesses) {
  SharedCounters* shared = MapSharedCounters();
  ForkExecutor forks({.workers = 2});
  std::vector<Future<int>> results;
  for (int i = 0; i < 12; ++i) {
    results.push_back(forks.Submit([shared, i] {
      const int now = shared->running.fetch_add(1) + 1;
      int seen = shared->max_running.load();
      while (now > seen &&
             !shared->max_running.compare_exchange_weak(seen, now)) {
      }
      absl::SleepFor(absl::Milliseconds(20));
      shared->running.fetch_sub(1);
      return i;
    }));
    EXPECT_LE(forks.stats().running, 2);
  }
  for (int i = 0; i < 12; ++i) EXPECT_EQ(results[i].Get().value(), i);
  EXPECT_EQ(shared->max_running.load(), 2);
  munmap(shared, sizeof(SharedCounters));
}

TEST(ForkExecutorTest, ResultLargerThanThePipeBuffer) {
  ForkExecutor forks;
  constexpr size_t kSize = 100 << 20;
  Future<std::string> big = forks.Submit([] {
    std::string out(kSize, '\0');
    for (size_t i = 0; i < kSize; i += 4096)
      out[i] = static_cast<char>(i >> 12);
    out.back() = 'z';
    return out;
  });
  absl::StatusOr<std::string> got = std::move(big).Get();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), kSize);
  for (size_t i = 0; i < kSize - 1; i += 4096) {
    ASSERT_EQ((*got)[i], static_cast<char>(i >> 12)) << i;
  }
  EXPECT_EQ(got->back(), 'z');
}

TEST(ForkExecutorTest, NoZombiesNorLeakedDescriptorsAfterTenThousandTasks) {
  ASSERT_FALSE(HasChildren());
  const int fds_before = CountOpenFds();
  {
    ForkExecutor forks;
    constexpr int kTasks = 10'000;
    std::vector<Future<int>> results;
    results.reserve(kTasks);
    for (int i = 0; i < kTasks; ++i) {
      results.push_back(forks.Submit([i] { return i * 2; }));
    }
    int64_t sum = 0;
    for (Future<int>& result : results) sum += std::move(result).Get().value();
    EXPECT_EQ(sum, int64_t{kTasks} * (kTasks - 1));
  }
  // The executor's destructor waited for every child to be reaped.
  EXPECT_FALSE(HasChildren());
  EXPECT_EQ(CountOpenFds(), fds_before);
}

// A fork right after the executor is made copies the supervisor's thread
// while it may still be starting. Under GCC 12's AddressSanitizer that start
// holds an allocator lock, and before the fork gate a child forked then hung
// in its first allocation of that size class (about 1 run in 15 under load).
TEST(ForkExecutorTest, ForkRightAfterConstructionNeverHangsTheChild) {
  for (int round = 0; round < 200; ++round) {
    ForkExecutor forks({.workers = 2});
    std::vector<Future<int64_t>> results;
    for (int task = 0; task < 2; ++task) {
      results.push_back(forks.Submit([task] {
        // Every small size class, each through a fresh allocation.
        int64_t total = 0;
        for (size_t size = 8; size <= 4096; size += 8) {
          std::unique_ptr<char[]> block(new char[size]);
          block[size - 1] = 1;
          total += block[size - 1];
        }
        return total + task;
      }));
    }
    for (int task = 0; task < 2; ++task) {
      ASSERT_EQ(results[task].Get().value(), 512 + task) << "round " << round;
    }
  }
}

// Children that each finish when the test writes their byte to their pipe:
// the test decides the order they complete in, whatever a fork costs on a
// loaded machine (sleeps of different lengths did not, under ASAN).
class FinishGates {
 public:
  explicit FinishGates(int count) : fds_(count) {
    for (auto& fds : fds_) EXPECT_EQ(pipe(fds.data()), 0);
  }
  // Finishes every child still waiting (so a failed check cannot leave the
  // executor's destructor waiting for them), then closes the pipes.
  ~FinishGates() {
    for (auto& fds : fds_) {
      [[maybe_unused]] ssize_t ignored = write(fds[1], "x", 1);
    }
    for (auto& fds : fds_) {
      close(fds[0]);
      close(fds[1]);
    }
  }
  // In a child: blocks until Finish(gate).
  void AwaitFinish(int gate) const {
    char byte;
    while (read(fds_[gate][0], &byte, 1) < 0 && errno == EINTR) {
    }
  }
  void Finish(int gate) { ASSERT_EQ(write(fds_[gate][1], "x", 1), 1); }

  // One child per gate; child i returns i once Finish(i).
  std::vector<Future<int>> SubmitAll(ForkExecutor& forks) {
    std::vector<Future<int>> futures;
    for (int gate = 0; gate < static_cast<int>(fds_.size()); ++gate) {
      futures.push_back(forks.Submit([this, gate] {
        AwaitFinish(gate);
        return gate;
      }));
    }
    return futures;
  }

 private:
  std::vector<std::array<int, 2>> fds_;
};

TEST(ForkExecutorTest, WaitForYieldsChildrenInCompletionOrder) {
  ForkExecutor forks({.workers = 4});
  FinishGates gates(3);
  std::vector<Future<int>> in_flight = gates.SubmitAll(forks);
  // Finished one at a time, in the order 1, 2, 0; each next one only once
  // InFlightCompletions has yielded the previous.
  const std::vector<int> finish_order = {1, 2, 0};
  gates.Finish(finish_order[0]);
  std::vector<int> order;
  for (Future<int> done : InFlightCompletions(in_flight)) {
    order.push_back(std::move(done).Get().value());
    if (order.size() < finish_order.size()) {
      gates.Finish(finish_order[order.size()]);
    }
  }
  EXPECT_EQ(order, finish_order);
  EXPECT_TRUE(in_flight.empty());
}

TEST(ForkExecutorTest, WaitForWithConcurrencyFactorAsksForMore) {
  ForkExecutor forks({.workers = 3});
  std::vector<Future<int>> in_flight;
  int next = 0;
  size_t most_in_flight = 0;
  auto more = [&](std::vector<Future<int>>& futures) {
    if (next == 12) return;
    const int host = next++;
    futures.push_back(forks.Submit([host] { return host; }));
    most_in_flight = std::max(most_in_flight, futures.size());
  };
  int done_count = 0;
  int64_t sum = 0;
  for (Future<int> done : InFlightCompletions<int>(in_flight, 3, more)) {
    sum += std::move(done).Get().value();
    ++done_count;
  }
  EXPECT_EQ(done_count, 12);
  EXPECT_EQ(sum, 66);
  EXPECT_EQ(most_in_flight, 3u);
}

TEST(ForkExecutorTest, AsCompletedOverForkFutures) {
  ForkExecutor forks({.workers = 4});
  FinishGates gates(3);
  std::vector<Future<int>> futures = gates.SubmitAll(forks);
  const std::vector<int> finish_order = {2, 0, 1};
  gates.Finish(finish_order[0]);
  std::vector<int> order;
  for (Future<int> done : AsCompleted<int>(std::move(futures))) {
    order.push_back(std::move(done).Get().value());
    if (order.size() < finish_order.size()) {
      gates.Finish(finish_order[order.size()]);
    }
  }
  EXPECT_EQ(order, finish_order);
}

TEST(ForkExecutorTest, ChildSeesItsWorkerInfo) {
  ForkExecutor forks({.name = "probe"});
  Future<std::tuple<std::string, pid_t, pid_t>> info = forks.Submit([] {
    const WorkerInfo* worker = CurrentWorker();
    return std::make_tuple(worker == nullptr ? "" : worker->name,
                           worker == nullptr ? 0 : worker->pid, getpid());
  });
  auto [name, worker_pid, pid] = std::move(info).Get().value();
  EXPECT_EQ(name, "probe-0");  // The first call of the executor.
  EXPECT_EQ(worker_pid, pid);
}

TEST(ForkExecutorTest, ExecutorUsedInsideItsChildFails) {
  ForkExecutor forks;
  Future<int> nested = forks.Submit([&forks] {
    return static_cast<int>(
        forks.Submit([] { return 1; }).Get().status().code());
  });
  EXPECT_EQ(nested.Get().value(),
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
}

TEST(ForkExecutorTest, RejectsBadInput) {
  EXPECT_EQ(ForkExecutor::Create({.workers = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ForkExecutor::Create({.workers = 5000}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ForkExecutor::Create({.task_timeout = absl::ZeroDuration()})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  ForkExecutor forks;
  EXPECT_EQ(forks.Start({.task_timeout = -absl::Seconds(1)}, [] { return 1; })
                .result.Get()
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  int (*null_fn)() = nullptr;
  EXPECT_EQ(forks.Submit(null_fn).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ForkExecutorTest, SubmitAfterShutdownFails) {
  ForkExecutor forks;
  EXPECT_EQ(forks.Submit([] { return 1; }).Get().value(), 1);
  EXPECT_TRUE(forks.Shutdown().ok());
  EXPECT_TRUE(forks.Shutdown().ok());  // Idempotent.
  absl::StatusOr<int> late = forks.Submit([] { return 2; }).Get();
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ForkExecutorTest, ShutdownNowKillsRunningAndDropsQueued) {
  ForkExecutor forks({.workers = 1});
  ForkTask<int> running = forks.Start({}, []() -> int {
    pause();
    return 0;
  });
  Future<int> queued = forks.Submit([] { return 1; });
  const pid_t pid = running.pid.Get().value();
  EXPECT_EQ(forks.ShutdownNow(), 2u);
  EXPECT_EQ(std::move(running.result).Get().status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(queued.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(forks.Shutdown().ok());
  EXPECT_FALSE(ProcessExists(pid));
}

TEST(ForkExecutorTest, DestructorWaitsForAcceptedCalls) {
  SharedCounters* shared = MapSharedCounters();
  std::vector<Future<int>> results;
  {
    ForkExecutor forks({.workers = 2});
    for (int i = 0; i < 6; ++i) {
      results.push_back(forks.Submit([shared] {
        absl::SleepFor(absl::Milliseconds(10));
        return shared->started.fetch_add(1) + 1;
      }));
    }
  }
  for (Future<int>& result : results) EXPECT_TRUE(result.IsReady());
  EXPECT_EQ(shared->started.load(), 6);
  munmap(shared, sizeof(SharedCounters));
}

TEST(ForkExecutorTest, InChildProcessCallMayGoBeforeItsQueuedCallForks) {
  ForkExecutor forks({.workers = 1});
  Future<int> busy = forks.Submit([] {
    absl::SleepFor(absl::Milliseconds(100));
    return 1;
  });
  // The callable is a temporary: gone long before the queued call forks.
  Future<int> later = InChildProcess(forks, [](int x) { return x * 2; })(21);
  EXPECT_EQ(*later.Get(), 42);
  EXPECT_EQ(*busy.Get(), 1);
}

TEST(ForkExecutorTest, LifecycleAndSize) {
  ForkExecutor forks({.workers = 0});
  EXPECT_EQ(forks.size(),
            std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  EXPECT_FALSE(forks.IsShutdown());
  EXPECT_EQ(*forks.Submit([] { return 3; }).Get(), 3);
  EXPECT_TRUE(forks.Shutdown().ok());
  EXPECT_TRUE(forks.IsShutdown());
  // Shutdown() waits until every child is reaped.
  EXPECT_EQ(forks.stats().running, 0);
  EXPECT_EQ(forks.stats().queued, 0u);
  EXPECT_EQ(forks.Submit([] { return 4; }).Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace multirun
