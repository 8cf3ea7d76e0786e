// Copyright 2026 The multirun Authors.
//
// inparallel's first example in C++: run a function in the background, in a
// process of its own, and wait for its result. In Python:
//
//   @task
//   def say_hello(to):
//     time.sleep(3)
//     return 'Hello, {}!'.format(to)
//
//   hello_future = say_hello('Emily')  # returns a concurrent.futures.Future
//   hello_future.wait()                # waits for three seconds
//   print(hello_future.result())       # prints "Hello, Emily!"
//
// Here the `@task` is a ForkExecutor: Start() forks at the call and returns
// the result's future and the child's pid; Get() waits for the result. The
// sleep is 300 ms instead of 3 s.
//
// Checks the greeting and that it came from another process; exits non-zero
// otherwise (it runs as a test).

#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/futures/future.h"
#include "multirun/processes/fork_executor.h"

namespace {

std::string SayHello(const std::string& to) {
  absl::SleepFor(absl::Milliseconds(300));
  return absl::StrCat("Hello, ", to, "!");
}

}  // namespace

int main() {
  multirun::ForkExecutor forks;
  const absl::Time start = absl::Now();
  multirun::ForkTask<std::string> hello_future =
      forks.Start({}, SayHello, std::string("Emily"));
  absl::StatusOr<std::string> greeting = std::move(hello_future.result).Get();
  const absl::Duration waited = absl::Now() - start;
  absl::StatusOr<pid_t> child = std::move(hello_future.pid).Get();
  if (!greeting.ok() || !child.ok()) {
    std::fprintf(stderr, "fork_say_hello: FAILED: %s\n",
                 (!greeting.ok() ? greeting.status() : child.status())
                     .ToString()
                     .c_str());
    return 1;
  }
  std::printf("%s (from pid %d, waited %s)\n", greeting->c_str(),
              static_cast<int>(*child), absl::FormatDuration(waited).c_str());
  if (*greeting != "Hello, Emily!" || *child == getpid()) {
    std::fprintf(stderr, "fork_say_hello: FAILED: wrong greeting or pid\n");
    return 1;
  }
  return 0;
}
