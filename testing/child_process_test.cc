// Copyright 2026 The multirun Authors.

#include "multirun/testing/child_process.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace multirun {
namespace testing_internal {
namespace {

ChildExit WaitFor(ChildProcess child) {
  absl::StatusOr<ChildExit> exit = child.Wait();
  EXPECT_TRUE(exit.ok()) << exit.status();
  return exit.ok() ? *exit : ChildExit{};
}

TEST(ChildProcessTest, ExitCodeFollowsWhatTheFunctionReturned) {
  EXPECT_TRUE(WaitFor(ChildProcess::Start([] {})).Ok());
  EXPECT_TRUE(WaitFor(ChildProcess::Start([] { return true; })).Ok());
  EXPECT_EQ(WaitFor(ChildProcess::Start([] { return false; })).code, 1);
  EXPECT_EQ(WaitFor(ChildProcess::Start([] { return 7; })).code, 7);
  EXPECT_TRUE(
      WaitFor(ChildProcess::Start([] { return absl::OkStatus(); })).Ok());
  EXPECT_EQ(WaitFor(ChildProcess::Start([] {
              return absl::InternalError("child failed");
            })).code,
            1);
  EXPECT_EQ(WaitFor(ChildProcess::Start([]() -> bool {
              throw std::runtime_error("boom");
            })).code,
            2);
}

TEST(ChildProcessTest, WaitOkSaysHowTheChildEnded) {
  EXPECT_TRUE(ChildProcess::Start([] { return true; }).WaitOk().ok());
  const absl::Status failed = ChildProcess::Start([] { return 3; }).WaitOk();
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_NE(failed.message().find("exited with code 3"), std::string::npos)
      << failed;
}

TEST(ChildProcessTest, ReportsASignal) {
  ChildProcess child = ChildProcess::Start([] {
    while (true) pause();
  });
  child.Signal(SIGKILL);
  const ChildExit exit = WaitFor(std::move(child));
  EXPECT_TRUE(exit.KilledBy(SIGKILL)) << exit.ToString();
}

TEST(ChildProcessTest, KillsADeadlockedChildAtTheTimeout) {
  ChildProcess child = ChildProcess::Start([] {
    while (true) pause();
  });
  const pid_t pid = child.pid();
  const absl::StatusOr<ChildExit> exit = child.Wait(absl::Milliseconds(100));
  EXPECT_EQ(exit.status().code(), absl::StatusCode::kDeadlineExceeded);
  // Killed and reaped: the pid names no process of ours any more.
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildProcessTest, DestroyingARunningChildKillsAndReapsIt) {
  pid_t pid;
  {
    ChildProcess child = ChildProcess::Start([] {
      while (true) pause();
    });
    pid = child.pid();
  }
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildProcessTest, RunChildrenReturnsTheFirstFailure) {
  EXPECT_TRUE(RunChildren(3, [](int) { return true; }).ok());
  const absl::Status status = RunChildren(3, [](int i) { return i != 1; });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace testing_internal
}  // namespace multirun
