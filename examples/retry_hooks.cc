// Copyright 2026 The multirun Authors.
//
// MultiRunnable's retry example (`target_fail_function` with the four hooks)
// in C++.
//
// In Python the function is decorated with `@retry` (one try) or
// `@retry.function(timeout=3)` (three tries), and the hooks with
// `@target_fail_function.initialization`, `.done_handling`, `.error_handling`
// and `.final_handling`. Here a multirun::Retrier<int> carries the policy (1,
// then 3 attempts, with no wait between them, as in Python) and the hooks, and
// runs the function. The Python function sleeps 3 seconds and raises; this one
// sleeps 10 ms and throws. Unlike MultiRunnable, the failure after the last
// try reaches the caller (an absl::Status carrying the last error and the
// attempt count), and a second run shows the done hook's return value
// becoming the result.
//
// The program checks the hook counts and the results, and exits non-zero on a
// mismatch. Run: bazel run //examples:retry_hooks

#include <cstdio>
#include <stdexcept>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"

namespace {

constexpr int kTries = 3;

int target_fail_function() {
  std::printf("It will throw an exception after 10 ms ...\n");
  absl::SleepFor(absl::Milliseconds(10));
  throw std::runtime_error("Test for error");
}

struct Counts {
  int init = 0, done = 0, error = 0, final_calls = 0;
};

// Sets the four MultiRunnable hooks on `retrier`, counting their calls.
void AddHooks(multirun::Retrier<int>& retrier, Counts& counts) {
  retrier
      .OnInit([&] {
        ++counts.init;
        std::printf("This is testing initialization\n");
      })
      .OnDone([&](int result) {
        ++counts.done;
        std::printf("This is testing done process\n");
        std::printf("Get something result: %d\n", result);
        return result * 10;  // what the caller gets
      })
      .OnError([&](const absl::Status& error, int attempt) {
        ++counts.error;
        std::printf("This is error process\n");
        std::printf("Get something error (attempt %d): %s\n", attempt,
                    error.ToString().c_str());
      })
      .OnFinal([&] {
        ++counts.final_calls;
        std::printf("This is final process\n\n");
      });
}

}  // namespace

int main() {
  // `timeout=3`: three tries, one right after the other, as the original.
  const multirun::RetryPolicy policy =
      multirun::RetryPolicy().WithMaxAttempts(kTries).WithBackoff(
          multirun::Backoff::None());
  bool ok = true;

  // 0. `@retry` with no argument: one try (multirun's default policy makes
  //    3, with backoff); the error reaches the caller.
  Counts once;
  multirun::Retrier<int> single(policy.WithMaxAttempts(1));
  AddHooks(single, once);
  absl::StatusOr<int> single_result = single.Run(target_fail_function);
  std::printf("Result: %s\n\n", single_result.status().ToString().c_str());
  ok &= single_result.status().code() == absl::StatusCode::kUnknown;
  ok &= once.init == 1 && once.error == 1 && once.final_calls == 1 &&
        once.done == 0;

  // 1. Every try fails: init, error and final run kTries times; the caller
  //    gets the last error.
  Counts failing;
  multirun::Retrier<int> retrier(policy);
  AddHooks(retrier, failing);
  absl::StatusOr<int> result = retrier.Run(target_fail_function);
  std::printf("Result: %s\n\n", result.status().ToString().c_str());
  ok &= result.status().code() == absl::StatusCode::kUnknown;
  ok &= absl::StrContains(result.status().message(),
                          "std::runtime_error: Test for error");
  ok &= absl::StrContains(result.status().message(), "after 3 attempts");
  ok &= failing.init == kTries && failing.error == kTries &&
        failing.final_calls == kTries && failing.done == 0;

  // 2. The second try succeeds: the done hook's return value is the result.
  Counts recovering;
  multirun::Retrier<int> second(policy);
  AddHooks(second, recovering);
  int calls = 0;
  absl::StatusOr<int> recovered = second.Run([&]() -> int {
    if (++calls == 1) throw std::runtime_error("Test for error");
    return 4;
  });
  std::printf("Result: %s\n", recovered.ok()
                                  ? std::to_string(*recovered).c_str()
                                  : recovered.status().ToString().c_str());
  ok &= recovered.ok() && *recovered == 40;
  ok &= recovering.init == 2 && recovering.error == 1 && recovering.done == 1 &&
        recovering.final_calls == 2;

  const multirun::RetryStats stats = retrier.stats();
  std::printf("\nfailing retrier: %lld calls, %lld attempts, %lld give-ups\n",
              static_cast<long long>(stats.calls),
              static_cast<long long>(stats.attempts),
              static_cast<long long>(stats.give_ups));
  ok &= stats.calls == 1 && stats.attempts == kTries && stats.give_ups == 1;

  std::printf("%s\n", ok ? "retry_hooks: OK" : "retry_hooks: MISMATCH");
  return ok ? 0 : 1;
}
