// Copyright 2026 The multirun Authors.
//
// Real worker processes, real signals: tasks crash, abort, are SIGKILLed from
// here and time out, and the pool must fail only those tasks and keep
// serving.

#include "multirun/processes/process_pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/worker.h"
#include "multirun/futures/future.h"

namespace {

using ::multirun::Future;
using ::multirun::ProcessPool;
using ::multirun::ProcessPoolOptions;
using ::testing::HasSubstr;

int SquareImpl(int x) { return x * x; }
MULTIRUN_REGISTER_TASK(Square, SquareImpl);

// The index of the task this worker process ran before (-1 for none).
int64_t g_previous_index = -1;
int64_t PreviousIndexImpl(int64_t index) {
  return std::exchange(g_previous_index, index);
}
MULTIRUN_REGISTER_TASK(PreviousIndex, PreviousIndexImpl);

int GetPidImpl() { return getpid(); }
MULTIRUN_REGISTER_TASK(GetPid, GetPidImpl);

int SleepMsImpl(int ms) {
  absl::SleepFor(absl::Milliseconds(ms));
  return getpid();
}
MULTIRUN_REGISTER_TASK(SleepMs, SleepMsImpl);

// Writes a byte to `fd` (the task has started), then sleeps `ms`.
int SignalThenSleepImpl(int fd, int ms) {
  while (write(fd, "s", 1) < 0 && errno == EINTR) {
  }
  absl::SleepFor(absl::Milliseconds(ms));
  return getpid();
}
MULTIRUN_REGISTER_TASK(SignalThenSleep, SignalThenSleepImpl);

// Writes a malformed answer (an unknown kind) to the worker's result pipe,
// as a task that mistakes that descriptor for its own would: to every
// write-only pipe opened with O_CLOEXEC in this process, which in a worker
// of a test that made no pipe is only that one.
int WriteGarbageImpl() {
  static constexpr char kFrame[9] = {1, 0, 0, 0, 0, 0, 0, 0, 0x7f};
  int written = 0;
  for (int fd = 3; fd < 1024; ++fd) {
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISFIFO(info.st_mode) ||
        (fcntl(fd, F_GETFL) & O_ACCMODE) != O_WRONLY ||
        (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) {
      continue;
    }
    written += write(fd, kFrame, sizeof(kFrame)) == sizeof(kFrame);
  }
  return written;
}
MULTIRUN_REGISTER_TASK(WriteGarbage, WriteGarbageImpl);

int ThrowImpl(std::string what) { throw std::runtime_error(what); }
MULTIRUN_REGISTER_TASK(Throw, ThrowImpl);

// Dies of `signal` (the default action, whatever a sanitizer installed).
int DieOfImpl(int signal) {
  ::signal(signal, SIG_DFL);
  raise(signal);
  return 0;
}
MULTIRUN_REGISTER_TASK(DieOf, DieOfImpl);

int AbortImpl() { std::abort(); }
MULTIRUN_REGISTER_TASK(Abort, AbortImpl);

int ExitImpl(int code) { _exit(code); }
MULTIRUN_REGISTER_TASK(Exit, ExitImpl);

absl::StatusOr<int> HalfImpl(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError(absl::StrCat(x, " is odd"));
  return x / 2;
}
MULTIRUN_REGISTER_TASK(Half, HalfImpl);

absl::Status FailWithImpl(int code, std::string message) {
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}
MULTIRUN_REGISTER_TASK(FailWith, FailWithImpl);

void NothingImpl() {}
MULTIRUN_REGISTER_TASK(Nothing, NothingImpl);

std::string ReverseImpl(const std::string& text) {
  return std::string(text.rbegin(), text.rend());
}
MULTIRUN_REGISTER_TASK(Reverse, ReverseImpl);

// Blocks until a byte arrives on `fd` (a pipe the test made before the
// pool, so every worker has it).
int WaitForGateImpl(int fd) {
  char byte;
  while (read(fd, &byte, 1) < 0 && errno == EINTR) {
  }
  return getpid();
}
MULTIRUN_REGISTER_TASK(WaitForGate, WaitForGateImpl);

std::string WorkerNameImpl() {
  const multirun::WorkerInfo* worker = multirun::CurrentWorker();
  return worker == nullptr ? "" : absl::StrCat(worker->name, "/", worker->pid);
}
MULTIRUN_REGISTER_TASK(WorkerName, WorkerNameImpl);

std::vector<int> RangeImpl(int n, std::map<std::string, int> offsets) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(i + offsets["base"]);
  return out;
}
MULTIRUN_REGISTER_TASK(Range, RangeImpl);

MULTIRUN_REGISTER_TASK(
    Add, +[](int a, int b) { return a + b; });

int LateImpl() { return 7; }

std::unique_ptr<ProcessPool> MakePool(ProcessPoolOptions options) {
  absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
      ProcessPool::Create(std::move(options));
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *std::move(pool) : nullptr;
}

int OpenDescriptors() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
  closedir(dir);
  return count;
}

// Whether this process has no child left (none running, no zombie).
bool NoChildren() {
  errno = 0;
  return waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

bool ProcessExists(pid_t pid) { return kill(pid, 0) == 0; }

// A pipe made before a pool, so that its workers have it: a WaitForGate task
// blocks until Open().
class Gate {
 public:
  Gate() { EXPECT_EQ(pipe(fds_), 0); }
  ~Gate() {
    close(fds_[0]);
    close(fds_[1]);
  }
  int read_fd() const { return fds_[0]; }
  void Open() { EXPECT_EQ(write(fds_[1], "x", 1), 1); }

 private:
  int fds_[2];
};

TEST(ProcessPoolTest, RunsManyTasksWithExactResults) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  constexpr int kTasks = 20000;
  const absl::Time start = absl::Now();
  std::vector<Future<int>> futures;
  futures.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) futures.push_back(pool->Submit(Square, i));
  for (int i = 0; i < kTasks; ++i) {
    absl::StatusOr<int> result = futures[i].Get();
    ASSERT_TRUE(result.ok()) << i << ": " << result.status();
    ASSERT_EQ(*result, i * i) << i;
  }
  const absl::Duration took = absl::Now() - start;
  std::printf("%d trivial tasks on 2 workers: %.0f tasks/s\n", kTasks,
              kTasks / absl::ToDoubleSeconds(took));
  EXPECT_TRUE(pool->Shutdown().ok());
  const multirun::ProcessPoolStats stats = pool->stats();
  EXPECT_EQ(stats.tasks_submitted, kTasks);
  EXPECT_EQ(stats.tasks_answered, kTasks);
  EXPECT_EQ(stats.workers_started, 2);
  EXPECT_EQ(stats.workers_replaced, 0);
}

TEST(ProcessPoolTest, EachWorkerRunsItsTasksInSubmissionOrder) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  constexpr int64_t kTasks = 5000;
  std::vector<Future<int64_t>> futures;
  for (int64_t i = 0; i < kTasks; ++i) {
    futures.push_back(pool->Submit(PreviousIndex, i));
  }
  for (int64_t i = 0; i < kTasks; ++i) {
    absl::StatusOr<int64_t> previous = futures[i].Get();
    ASSERT_TRUE(previous.ok()) << previous.status();
    ASSERT_LT(*previous, i);
  }
}

TEST(ProcessPoolTest, ManyThreadsSubmitAtOnce) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&pool, &wrong, t] {
      std::vector<Future<int>> futures;
      for (int i = 0; i < kPerThread; ++i) {
        futures.push_back(pool->Submit(Add, t, i));
      }
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<int> sum = futures[i].Get();
        if (!sum.ok() || *sum != t + i) wrong.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(pool->stats().tasks_answered, kThreads * kPerThread);
}

TEST(ProcessPoolTest, SubmitsByName) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->Submit<int>("Square", 7).Get().value_or(-1), 49);
  EXPECT_EQ(pool->Submit<int>(Square.name(), 8).Get().value_or(-1), 64);
  EXPECT_EQ(Square.name(), "Square");
  absl::StatusOr<std::vector<int>> range =
      pool->Submit<std::vector<int>>("Range", 3,
                                     std::map<std::string, int>{{"base", 10}})
          .Get();
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(*range, (std::vector<int>{10, 11, 12}));
  // A StatusOr<int> task is submitted by its value type.
  EXPECT_EQ(pool->Submit<int>("Half", 10).Get().value_or(-1), 5);
}

TEST(ProcessPoolTest, UnknownNameIsNotFound) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<int> result = pool->Submit<int>("NoSuchTask", 1).Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("NoSuchTask"));
  EXPECT_EQ(pool->stats().tasks_submitted, 0);
}

TEST(ProcessPoolTest, WrongSignatureIsInvalidArgument) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<int> wrong_argument =
      pool->Submit<int>("Square", std::string("seven")).Get();
  EXPECT_EQ(wrong_argument.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_argument.status().message(), HasSubstr("int (int)"));
  absl::StatusOr<int> wrong_count = pool->Submit<int>("Square", 1, 2).Get();
  EXPECT_EQ(wrong_count.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> wrong_result =
      pool->Submit<std::string>("Square", 7).Get();
  EXPECT_EQ(wrong_result.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<int64_t> wrong_width =
      pool->Submit<int64_t>("Square", 7).Get();
  EXPECT_EQ(wrong_width.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(pool->stats().tasks_submitted, 0);
}

TEST(ProcessPoolTest, StatusResultsKeepTheirCodeAndMessage) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<int> odd = pool->Submit(Half, 3).Get();
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(odd.status().message(), "3 is odd");
  absl::Status failed =
      pool->Submit(FailWith, static_cast<int>(absl::StatusCode::kUnavailable),
                   std::string("down"))
          .Get();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failed.message(), "down");
  EXPECT_TRUE(pool->Submit(FailWith, 0, std::string()).Get().ok());
  EXPECT_TRUE(pool->Submit(Nothing).Get().ok());
}

TEST(ProcessPoolTest, ExceptionBecomesUnknown) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<int> result = pool->Submit(Throw, std::string("boom")).Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(result.status().message(), HasSubstr("runtime_error: boom"));
  // The worker survives an exception.
  EXPECT_EQ(pool->Submit(Square, 3).Get().value_or(-1), 9);
  EXPECT_EQ(pool->stats().workers_replaced, 0);
}

TEST(ProcessPoolTest, SegfaultFailsOnlyItsTaskAndTheWorkerIsReplaced) {
  auto pool = MakePool({.workers = 2, .name = "segv"});
  ASSERT_NE(pool, nullptr);
  const std::vector<pid_t> before = pool->WorkerPids();
  ASSERT_EQ(before.size(), 2u);
  absl::StatusOr<int> crashed = pool->Submit(DieOf, SIGSEGV).Get();
  EXPECT_EQ(crashed.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(crashed.status().message(), HasSubstr("killed by SIGSEGV"));
  EXPECT_THAT(crashed.status().message(), HasSubstr("task process "));
  std::vector<Future<int>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(pool->Submit(Square, i));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(futures[i].Get().value_or(-1), i * i);
  EXPECT_EQ(pool->stats().workers_replaced, 1);
  EXPECT_EQ(pool->stats().tasks_killed, 1);
  EXPECT_EQ(pool->WorkerPids().size(), 2u);
  EXPECT_NE(pool->WorkerPids(), before);
}

TEST(ProcessPoolTest, AbortFailsOnlyItsTask) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  Future<int> aborted = pool->Submit(Abort);
  Future<int> fine = pool->Submit(Square, 5);
  EXPECT_THAT(aborted.Get().status().message(), HasSubstr("killed by SIGABRT"));
  EXPECT_EQ(aborted.Get().status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(fine.Get().value_or(-1), 25);
  EXPECT_EQ(pool->Submit(Square, 6).Get().value_or(-1), 36);
}

TEST(ProcessPoolTest, ExitWithoutResultIsInternal) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<int> exited = pool->Submit(Exit, 3).Get();
  EXPECT_EQ(exited.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(exited.status().message(),
              HasSubstr("exited with code 3 without a result"));
  EXPECT_EQ(pool->Submit(Square, 4).Get().value_or(-1), 16);
}

TEST(ProcessPoolTest, KilledFromOutsideFailsOnlyItsTask) {
  int started[2];
  ASSERT_EQ(pipe(started), 0);
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  // The worker answers first, so it surely runs the sleeper next.
  const int pid = pool->Submit(GetPid).Get().value_or(-1);
  ASSERT_EQ(std::vector<pid_t>{pid}, pool->WorkerPids());
  Future<int> sleeper = pool->Submit(SignalThenSleep, started[1], 60000);
  std::vector<Future<int>> queued;
  for (int i = 0; i < 20; ++i) queued.push_back(pool->Submit(Square, i));
  char byte;
  ASSERT_EQ(read(started[0], &byte, 1), 1);  // The sleeper runs.
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  absl::StatusOr<int> killed = sleeper.Get();
  EXPECT_EQ(killed.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(
      killed.status().message(),
      HasSubstr(absl::StrCat("task process ", pid, " killed by SIGKILL")));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(queued[i].Get().value_or(-1), i * i);
  const std::vector<pid_t> after = pool->WorkerPids();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], pid);
  EXPECT_EQ(pool->Submit(GetPid).Get().value_or(-1), after[0]);
  EXPECT_EQ(pool->stats().tasks_killed, 1);
  close(started[0]);
  close(started[1]);
}

TEST(ProcessPoolTest, TasksPipelinedBehindACrashAreSentAgain) {
  Gate gate;
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  // Many quick tasks teach the pool that this worker is fast, so it sends
  // it requests ahead.
  std::vector<Future<int>> warm_up;
  for (int i = 0; i < 500; ++i) warm_up.push_back(pool->Submit(Square, i));
  for (auto& future : warm_up) ASSERT_TRUE(future.Get().ok());

  Future<int> held = pool->Submit(WaitForGate, gate.read_fd());
  std::vector<Future<int>> before;
  for (int i = 0; i < 5; ++i) before.push_back(pool->Submit(Square, i));
  Future<int> crash = pool->Submit(DieOf, SIGSEGV);
  std::vector<Future<int>> after;
  for (int i = 0; i < 10; ++i) after.push_back(pool->Submit(Square, i));
  absl::SleepFor(absl::Milliseconds(100));  // All of them reach the worker.
  gate.Open();

  EXPECT_TRUE(held.Get().ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(before[i].Get().value_or(-1), i * i);
  EXPECT_THAT(crash.Get().status().message(), HasSubstr("killed by SIGSEGV"));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(after[i].Get().value_or(-1), i * i);
  const multirun::ProcessPoolStats stats = pool->stats();
  EXPECT_EQ(stats.tasks_killed, 1);
  EXPECT_GT(stats.tasks_resent, 0);
  std::printf("tasks sent again after the crash: %lld\n",
              static_cast<long long>(stats.tasks_resent));
}

TEST(ProcessPoolTest, MalformedAnswerFailsTheTasksThatMayHaveStarted) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  const int pid = pool->Submit(GetPid).Get().value_or(-1);
  Future<int> garbage = pool->Submit(WriteGarbage);
  std::vector<Future<int>> behind;
  for (int i = 0; i < 20; ++i) behind.push_back(pool->Submit(Square, i));
  absl::StatusOr<int> result = garbage.Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(result.status().message(),
              HasSubstr("sent a malformed or unrequested answer"));
  // Those the worker had whole may have run after the garbage, unseen: they
  // fail the same way. The others run on the replacement.
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<int> square = behind[i].Get();
    if (square.ok()) {
      EXPECT_EQ(*square, i * i);
    } else {
      ++failed;
      EXPECT_EQ(square.status(), result.status());
    }
  }
  EXPECT_NE(pool->Submit(GetPid).Get().value_or(pid), pid);
  EXPECT_EQ(pool->stats().tasks_killed, 1 + failed);
  EXPECT_EQ(pool->stats().workers_replaced, 1);
}

TEST(ProcessPoolTest, TimeoutKillsTheWorkerAndReplacesIt) {
  auto pool = MakePool({.workers = 1, .task_timeout = absl::Milliseconds(300)});
  ASSERT_NE(pool, nullptr);
  const std::vector<pid_t> before = pool->WorkerPids();
  const absl::Time start = absl::Now();
  Future<int> slow = pool->Submit(SleepMs, 60000);
  Future<int> next = pool->Submit(Square, 12);
  absl::StatusOr<int> timed_out = slow.Get();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(timed_out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(timed_out.status().message(), HasSubstr("SleepMs"));
  EXPECT_THAT(timed_out.status().message(), HasSubstr("300ms"));
  EXPECT_GE(took, absl::Milliseconds(290));
  EXPECT_LT(took, absl::Seconds(10));
  EXPECT_EQ(next.Get().value_or(-1), 144);
  EXPECT_FALSE(ProcessExists(before[0]));
  EXPECT_NE(pool->WorkerPids(), before);
  EXPECT_EQ(pool->stats().tasks_timed_out, 1);
  EXPECT_EQ(pool->stats().workers_replaced, 1);
  // Tasks under the timeout are unaffected.
  EXPECT_TRUE(pool->Submit(SleepMs, 10).Get().ok());
}

TEST(ProcessPoolTest, MaxTasksPerWorkerRecyclesWorkers) {
  auto pool = MakePool({.workers = 2, .max_tasks_per_worker = 5});
  ASSERT_NE(pool, nullptr);
  std::vector<Future<int>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(pool->Submit(GetPid));
  std::map<int, int> tasks_by_pid;
  for (auto& future : futures) {
    absl::StatusOr<int> pid = future.Get();
    ASSERT_TRUE(pid.ok()) << pid.status();
    ++tasks_by_pid[*pid];
  }
  EXPECT_GE(tasks_by_pid.size(), 20u);
  for (const auto& [pid, tasks] : tasks_by_pid) EXPECT_LE(tasks, 5) << pid;
  EXPECT_TRUE(pool->Shutdown().ok());
  EXPECT_GE(pool->stats().workers_recycled, 19);
  EXPECT_EQ(pool->stats().workers_replaced, 0);
  EXPECT_EQ(pool->stats().tasks_killed, 0);
}

TEST(ProcessPoolTest, CancelRemovesAQueuedTask) {
  auto pool = MakePool({.workers = 1, .pipeline_depth = 1});
  ASSERT_NE(pool, nullptr);
  Future<int> running = pool->Submit(SleepMs, 300);
  Future<int> queued = pool->Submit(Square, 3);
  Future<int> kept = pool->Submit(Square, 4);
  EXPECT_TRUE(queued.Cancel());
  EXPECT_EQ(queued.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(running.Get().ok());
  EXPECT_EQ(kept.Get().value_or(-1), 16);
  EXPECT_FALSE(running.Cancel());  // Done already.
  EXPECT_EQ(pool->stats().tasks_cancelled, 1);
  EXPECT_EQ(pool->stats().tasks_answered, 2);
}

TEST(ProcessPoolTest, ShutdownRunsEveryAcceptedTask) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  std::vector<Future<int>> futures;
  for (int i = 0; i < 40; ++i) futures.push_back(pool->Submit(SleepMs, 5));
  const std::vector<pid_t> pids = pool->WorkerPids();
  EXPECT_TRUE(pool->Shutdown().ok());
  for (auto& future : futures) {
    ASSERT_TRUE(future.IsReady());
    EXPECT_TRUE(future.Get().ok()) << future.Get().status();
  }
  EXPECT_TRUE(pool->IsShutdown());
  EXPECT_TRUE(pool->WorkerPids().empty());
  for (pid_t pid : pids) EXPECT_FALSE(ProcessExists(pid));
  absl::StatusOr<int> late = pool->Submit(Square, 1).Get();
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(pool->Shutdown().ok());  // Again.
  EXPECT_EQ(pool->ShutdownNow(), 0u);  // Nothing left to stop.
}

TEST(ProcessPoolTest, ConcurrentShutdownsAllWaitForTheDrain) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  std::vector<Future<int>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(pool->Submit(SleepMs, 5));
  std::vector<std::thread> threads;
  std::atomic<int> ready_after{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      EXPECT_TRUE(pool->Shutdown().ok());
      bool all = true;
      for (auto& future : futures) all = all && future.IsReady();
      ready_after.fetch_add(all);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ready_after.load(), 3);
}

TEST(ProcessPoolTest, ShutdownNowCancelsQueuedAndRunningTasks) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  const int pid = pool->Submit(GetPid).Get().value_or(-1);
  Future<int> running = pool->Submit(SleepMs, 60000);
  std::vector<Future<int>> queued;
  for (int i = 0; i < 10; ++i) queued.push_back(pool->Submit(Square, i));
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  EXPECT_EQ(pool->ShutdownNow(), 11u);
  EXPECT_EQ(running.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(running.Get().status().message(), HasSubstr("ShutdownNow"));
  for (auto& future : queued) {
    EXPECT_EQ(future.Get().status().code(), absl::StatusCode::kCancelled);
  }
  EXPECT_TRUE(pool->Shutdown().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_EQ(pool->Submit(Square, 1).Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ProcessPoolTest, NoDescriptorOrZombieLeftAfterManyTasks) {
  const int descriptors = OpenDescriptors();
  {
    auto pool = MakePool({.workers = 2});
    ASSERT_NE(pool, nullptr);
    std::vector<Future<int>> futures;
    for (int i = 0; i < 2000; ++i) futures.push_back(pool->Submit(Square, i));
    for (int i = 0; i < 2000; ++i) {
      ASSERT_EQ(futures[i].Get().value_or(-1), i * i);
    }
    EXPECT_TRUE(pool->Shutdown().ok());
    EXPECT_TRUE(NoChildren());
  }
  EXPECT_EQ(OpenDescriptors(), descriptors);
  EXPECT_TRUE(NoChildren());
}

TEST(ProcessPoolTest, NoDescriptorOrZombieLeftAfterFiftyReplacements) {
  const int descriptors = OpenDescriptors();
  {
    auto pool = MakePool({.workers = 2});
    ASSERT_NE(pool, nullptr);
    std::vector<Future<int>> crashes;
    for (int i = 0; i < 50; ++i) {
      crashes.push_back(pool->Submit(DieOf, i % 2 == 0 ? SIGSEGV : SIGKILL));
    }
    for (auto& crash : crashes) {
      EXPECT_EQ(crash.Get().status().code(), absl::StatusCode::kAborted);
    }
    EXPECT_EQ(pool->Submit(Square, 9).Get().value_or(-1), 81);
    const multirun::ProcessPoolStats stats = pool->stats();
    EXPECT_EQ(stats.workers_replaced, 50);
    EXPECT_EQ(stats.tasks_killed, 50);
    EXPECT_EQ(stats.workers_started, 52);
  }
  EXPECT_EQ(OpenDescriptors(), descriptors);
  EXPECT_TRUE(NoChildren());
}

TEST(ProcessPoolTest, LargeArgumentAndResult) {
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  std::string text(10 << 20, '\0');
  for (size_t i = 0; i < text.size(); ++i) {
    text[i] = static_cast<char>('a' + (i * 7919) % 26);
  }
  Future<std::string> first = pool->Submit(Reverse, text);
  Future<std::string> second = pool->Submit(Reverse, text);
  Future<int> small = pool->Submit(Square, 3);
  const std::string expected(text.rbegin(), text.rend());
  absl::StatusOr<std::string> reversed = first.Get();
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  EXPECT_TRUE(*reversed == expected);
  reversed = second.Get();
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  EXPECT_TRUE(*reversed == expected);
  EXPECT_EQ(small.Get().value_or(-1), 9);
}

TEST(ProcessPoolTest, CurrentWorkerNamesTheWorker) {
  auto pool = MakePool({.workers = 1, .name = "named"});
  ASSERT_NE(pool, nullptr);
  const pid_t pid = pool->WorkerPids().at(0);
  EXPECT_EQ(pool->Submit(WorkerName).Get().value_or(""),
            absl::StrCat("named-0/", pid));
}

TEST(ProcessPoolTest, TaskRegisteredAfterTheForkIsNotFoundInOldWorkers) {
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  const auto late =
      multirun::processes_internal::RegisterTask<&LateImpl>("LateTask");
  absl::StatusOr<int> result = pool->Submit(late).Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("not registered"));
  // The worker is fine, and a pool forked later knows the task.
  EXPECT_EQ(pool->Submit(Square, 2).Get().value_or(-1), 4);
  auto later = MakePool({.workers = 1});
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->Submit(late).Get().value_or(-1), 7);
  EXPECT_EQ(later->Submit<int>("LateTask").Get().value_or(-1), 7);
}

TEST(ProcessPoolTest, CallbacksRunOnTheSupervisorAndMaySubmit) {
  Gate gate;
  auto pool = MakePool({.workers = 2});
  ASSERT_NE(pool, nullptr);
  multirun::InlineExecutor inline_executor;
  ProcessPool* raw = pool.get();
  std::thread::id callback_thread;
  // The continuation is attached before the task can finish, so it runs on
  // the supervisor thread, and submits again from there.
  Future<int> chained =
      pool->Submit(WaitForGate, gate.read_fd())
          .Then(inline_executor, [raw, &callback_thread](int) {
            callback_thread = std::this_thread::get_id();
            return raw->Submit(Square, 9);
          });
  gate.Open();
  EXPECT_EQ(chained.Get().value_or(-1), 81);
  EXPECT_NE(callback_thread, std::this_thread::get_id());
}

TEST(ProcessPoolTest, ShutdownFromACallbackFailsInsteadOfWaitingForItself) {
  Gate gate;
  auto pool = MakePool({.workers = 1});
  ASSERT_NE(pool, nullptr);
  multirun::InlineExecutor inline_executor;
  ProcessPool* raw = pool.get();
  Future<void> done =
      pool->Submit(WaitForGate, gate.read_fd())
          .Then(inline_executor, [raw](int) { return raw->Shutdown(); });
  gate.Open();
  absl::Status from_callback = done.Get();
  EXPECT_EQ(from_callback.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(pool->IsShutdown());
  EXPECT_TRUE(pool->Shutdown().ok());
}

TEST(ProcessPoolDeathTest, DestroyingThePoolInItsOwnCallbackAborts) {
  EXPECT_DEATH(
      {
        Gate gate;
        auto pool = MakePool({.workers = 1});
        multirun::InlineExecutor inline_executor;
        ProcessPool* raw = pool.get();
        Future<void> done =
            raw->Submit(WaitForGate, gate.read_fd())
                .Then(inline_executor,
                      [pool = std::move(pool)](int) mutable { pool.reset(); });
        gate.Open();
        done.Wait();
      },
      "destroyed on its own supervisor thread");
}

TEST(ProcessPoolDeathTest, RegisteringAnotherFunctionUnderATakenNameAborts) {
  EXPECT_DEATH(
      multirun::processes_internal::RegisterTask<&GetPidImpl>("Square"),
      "task \"Square\" is registered twice");
}

TEST(ProcessPoolTest, RegisteringTheSameFunctionAgainReturnsTheSameTask) {
  const auto again =
      multirun::processes_internal::RegisterTask<&SquareImpl>("Square");
  EXPECT_EQ(again.id(), Square.id());
  EXPECT_EQ(again.name(), "Square");
}

TEST(ProcessPoolTest, DefaultWorkerCountIsTheNumberOfCores) {
  auto pool = MakePool({});
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->size(),
            std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  EXPECT_EQ(static_cast<int>(pool->WorkerPids().size()), pool->size());
  EXPECT_EQ(pool->name(), "process-pool");
}

TEST(ProcessPoolTest, InvalidOptionsAreRejected) {
  const std::vector<ProcessPoolOptions> invalid = {
      {.workers = -1},
      {.workers = ProcessPool::kMaxWorkers + 1},
      {.max_tasks_per_worker = -1},
      {.task_timeout = absl::ZeroDuration()},
      {.task_timeout = -absl::Seconds(1)},
      {.pipeline_depth = 0},
      {.pipeline_depth = ProcessPool::kMaxPipelineDepth + 1},
      {.name = ""},
  };
  for (const ProcessPoolOptions& options : invalid) {
    absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
        ProcessPool::Create(options);
    EXPECT_EQ(pool.status().code(), absl::StatusCode::kInvalidArgument)
        << options.workers << " " << options.name;
  }
  EXPECT_TRUE(NoChildren());
}

}  // namespace
