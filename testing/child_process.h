// Copyright 2026 The multirun Authors.
//
// Test helpers for process-shared primitives: fork a child that runs a
// function and always leaves through _exit (never returning into gtest), wait
// for it with a time limit (a deadlocked child fails the test instead of
// hanging it: it is killed), and see whether it sleeps in a futex.

#ifndef MULTIRUN_TESTING_CHILD_PROCESS_H_
#define MULTIRUN_TESTING_CHILD_PROCESS_H_

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace testing_internal {

// Long enough for sanitizer builds on a loaded machine; short enough that a
// deadlock fails the test well before Bazel's timeout.
inline constexpr absl::Duration kChildTimeout = absl::Seconds(60);

// How a child ended.
struct ChildExit {
  bool exited = false;  // It called _exit (code); otherwise a signal ended it.
  int code = 0;
  int signal = 0;

  bool Ok() const { return exited && code == 0; }
  bool KilledBy(int sig) const { return !exited && signal == sig; }
  std::string ToString() const {
    return exited ? absl::StrCat("exited with code ", code)
                  : absl::StrCat("was killed by signal ", signal, " (",
                                 strsignal(signal), ")");
  }
};

namespace child_process_internal {

// The exit code for what the child's function returned: void, true or an OK
// status is 0; false is 1; a status's message is written to stderr first; an
// int is itself.
template <typename F>
int RunInChild(F& fn) {
  try {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      fn();
      return 0;
    } else if constexpr (std::is_same_v<R, bool>) {
      return fn() ? 0 : 1;
    } else if constexpr (std::is_convertible_v<R, absl::Status>) {
      const absl::Status status = fn();
      if (status.ok()) return 0;
      std::fprintf(stderr, "child %d: %s\n", static_cast<int>(getpid()),
                   status.ToString().c_str());
      return 1;
    } else {
      return static_cast<int>(fn());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d threw: %s\n", static_cast<int>(getpid()),
                 e.what());
    return 2;
  } catch (...) {
    std::fprintf(stderr, "child %d threw\n", static_cast<int>(getpid()));
    return 2;
  }
}

}  // namespace child_process_internal

// A forked child process. Destroying one that still runs kills it (SIGKILL)
// and reaps it, so no test leaves a process behind.
//
// Example:
//
//   ChildProcess child = ChildProcess::Start([&] { return lock->TryAcquire();
//   }); EXPECT_TRUE(child.WaitOk().ok());
class ChildProcess {
 public:
  // Forks. The child runs `fn()` and leaves through _exit(2) with the code
  // RunInChild gives (it never returns into the caller). Aborts if fork fails.
  template <typename F>
  static ChildProcess Start(F fn) {
    std::fflush(nullptr);  // Nothing buffered is written twice.
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      std::abort();
    }
    if (pid == 0) {
      const int code = child_process_internal::RunInChild(fn);
      std::fflush(nullptr);
      _exit(code);
    }
    return ChildProcess(pid);
  }

  ChildProcess(ChildProcess&& other) noexcept
      : pid_(std::exchange(other.pid_, 0)) {}
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
  }

  pid_t pid() const { return pid_; }

  // Waits for the child to end, at most `timeout`. Returns how it ended, or
  // DeadlineExceeded (after killing and reaping it) if it was still running.
  absl::StatusOr<ChildExit> Wait(absl::Duration timeout = kChildTimeout) {
    if (pid_ <= 0) {
      return absl::FailedPreconditionError("ChildProcess: already waited for");
    }
    const absl::Time give_up = absl::Now() + timeout;
    absl::Duration pause = absl::Microseconds(100);
    while (true) {
      int status = 0;
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = 0;
        ChildExit exit;
        exit.exited = WIFEXITED(status);
        exit.code = exit.exited ? WEXITSTATUS(status) : 0;
        exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        return exit;
      }
      if (done < 0) {
        return absl::InternalError(
            absl::StrCat("waitpid(", pid_, "): ", std::strerror(errno)));
      }
      if (absl::Now() > give_up) {
        const pid_t pid = pid_;
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = 0;
        return absl::DeadlineExceededError(absl::StrCat(
            "child ", pid, " still ran after ", absl::FormatDuration(timeout),
            " (deadlocked?); killed it"));
      }
      absl::SleepFor(pause);
      if (pause < absl::Milliseconds(10)) pause *= 2;
    }
  }

  // Waits as Wait(); OK only if the child exited with code 0, otherwise an
  // error that says how it ended.
  absl::Status WaitOk(absl::Duration timeout = kChildTimeout) {
    const pid_t pid = pid_;
    absl::StatusOr<ChildExit> exit = Wait(timeout);
    if (!exit.ok()) return exit.status();
    if (exit->Ok()) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("child ", pid, " ", exit->ToString()));
  }

  // Sends `signal` to the child.
  void Signal(int signal) {
    if (pid_ > 0) kill(pid_, signal);
  }

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}

  pid_t pid_;  // 0 once reaped.
};

// Starts `count` children running `fn(index)` for index 0..count-1, and waits
// for all of them. Returns OK if all exited with 0, or the first failure.
template <typename F>
absl::Status RunChildren(int count, F fn,
                         absl::Duration timeout = kChildTimeout) {
  std::vector<ChildProcess> children;
  children.reserve(count);
  for (int i = 0; i < count; ++i) {
    children.push_back(ChildProcess::Start([&fn, i] { return fn(i); }));
  }
  absl::Status first = absl::OkStatus();
  for (ChildProcess& child : children) {
    absl::Status status = child.WaitOk(timeout);
    if (first.ok()) first = status;
  }
  return first;
}

// Whether process `pid`'s main thread is asleep in futex(2) on an address
// inside [object, object + size).
inline bool IsProcessWaitingOn(pid_t pid, const void* object, size_t size) {
  return IsBlockedInFutexOn("/proc/" + std::to_string(pid) + "/syscall", object,
                            size);
}

// Waits until process `pid` sleeps in a futex on `object` (see
// IsProcessWaitingOn); false if it did not within `timeout`.
template <typename T>
bool AwaitProcessWaitingOn(pid_t pid, const T& object,
                           absl::Duration timeout = kChildTimeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!IsProcessWaitingOn(pid, &object, sizeof(object))) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Microseconds(200));
  }
  return true;
}

}  // namespace testing_internal
}  // namespace multirun

#endif  // MULTIRUN_TESTING_CHILD_PROCESS_H_
