// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the retry surfaces that take outside input: server
// pushback payloads (pushback.h), RE2 message patterns (message_pattern.h)
// and policies built from arbitrary settings (retry_policy.h, backoff.h),
// run through the retry loop on a fake clock.
//
// The input chooses a policy (max attempts, time budget, a backoff of any
// kind, jitter, parameters and cap, max pushback, code sets, a message
// pattern of arbitrary bytes) and the failures the retried function returns
// (codes, messages, and retry-after payloads of arbitrary bytes). The oracle:
//   - nothing crashes; a pattern RE2 refuses is InvalidArgument;
//   - RetryAfterOf reads a payload as this file's reference does (ASCII
//     digits of a number that fits in int64, as milliseconds), and
//     SetRetryAfter's payload reads back as the wait rounded down to
//     milliseconds;
//   - a pattern quoted with RE2::QuoteMeta matches a message containing its
//     text;
//   - Validate() fails exactly for the settings retry_policy.h and
//     backoff.h call bad, and then Retry never calls the function;
//   - otherwise Retry makes at most max attempts calls, sleeps once per
//     retry, and each sleep is the failure's retry-after wait when it has
//     one (and gives up rather than wait longer than the max pushback), or
//     a backoff delay within [0, cap] (and 100 years but for a constant
//     delay, backoff.h); the sleeps stay within the time
//     budget; the result is the first success, or the last failure with its
//     code.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/fake_clock.h"
#include "multirun/retry/message_pattern.h"
#include "multirun/retry/pushback.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"
#include "multirun/testing/fuzz/fuzz_input.h"
#include "re2/re2.h"

namespace {

using multirun::Backoff;
using multirun::FuzzInput;
using multirun::FuzzRequire;
using multirun::Jitter;
using multirun::RetryPolicy;

// The longest delay a Backoff returns (backoff.h: 100 years).
const absl::Duration kLongest = absl::Hours(24 * 365 * 100);

// The reference reading of a retry-after payload: ASCII digits, at least
// one, of a number that fits in int64.
std::optional<absl::Duration> ReferenceRetryAfter(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t ms = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (ms > (INT64_MAX - digit) / 10) return std::nullopt;
    ms = ms * 10 + digit;
  }
  return absl::Milliseconds(ms);
}

absl::Duration FuzzDuration(FuzzInput& in) {
  switch (in.Pick(6)) {
    case 0:
      return absl::InfiniteDuration();
    case 1:
      return -absl::Milliseconds(in.Byte());
    case 2:
      return absl::ZeroDuration();
    case 3:  // Anything, nanoseconds to centuries.
      return absl::Nanoseconds(static_cast<int64_t>(in.Bits<uint64_t>() >> 1));
    default:
      return absl::Milliseconds(in.Bits<uint16_t>());
  }
}

absl::StatusCode FuzzCode(FuzzInput& in) {
  return static_cast<absl::StatusCode>(in.IntInRange(1, 16));
}

// A retry-after payload: digits most of the time, any bytes otherwise.
std::string FuzzPayload(FuzzInput& in) {
  if (in.Pick(4) == 0) return in.String(24);
  std::string digits;
  for (size_t n = in.Pick(21); n > 0; --n) {
    digits.push_back(static_cast<char>('0' + in.Pick(10)));
  }
  return digits;
}

void CheckPushback(FuzzInput& in) {
  const std::string payload = FuzzPayload(in);
  absl::Status status = absl::UnavailableError("busy");
  status.SetPayload(multirun::kRetryAfterTypeUrl, absl::Cord(payload));
  const std::optional<absl::Duration> read = multirun::RetryAfterOf(status);
  const std::optional<absl::Duration> want = ReferenceRetryAfter(payload);
  FuzzRequire(read == want, "RetryAfterOf misreads a payload", payload);

  const absl::Duration wait = FuzzDuration(in);
  const absl::Status with =
      multirun::SetRetryAfter(absl::UnavailableError("busy"), wait);
  const std::optional<absl::Duration> back = multirun::RetryAfterOf(with);
  if (wait < absl::ZeroDuration() || wait == absl::InfiniteDuration()) {
    FuzzRequire(!back.has_value(), "SetRetryAfter set an invalid wait");
  } else {
    FuzzRequire(back == absl::Milliseconds(absl::ToInt64Milliseconds(wait)),
                "SetRetryAfter's wait does not read back",
                absl::FormatDuration(wait));
  }
  FuzzRequire(multirun::SetRetryAfter(absl::OkStatus(), wait).ok(),
              "SetRetryAfter changed an OK status");
}

void CheckPattern(FuzzInput& in) {
  const std::string pattern = in.String(24);
  const std::string message = in.String(32);
  absl::StatusOr<multirun::StatusPredicate> matches =
      multirun::MessageMatches(pattern);
  if (!matches.ok()) {
    FuzzRequire(matches.status().code() == absl::StatusCode::kInvalidArgument,
                "a bad pattern is not InvalidArgument",
                matches.status().ToString());
  } else {
    (*matches)(absl::UnknownError(message));
    (*matches)(absl::OkStatus());
  }
  // Quoted, a pattern matches its own text inside a message.
  absl::StatusOr<multirun::StatusPredicate> literal =
      multirun::MessageMatches(RE2::QuoteMeta(pattern));
  if (literal.ok()) {
    FuzzRequire((*literal)(absl::UnknownError(message + pattern + message)),
                "a quoted pattern does not match its own text", pattern);
  }
}

Backoff FuzzBackoff(FuzzInput& in, bool* valid) {
  const absl::Duration initial = FuzzDuration(in);
  const absl::Duration step = FuzzDuration(in);
  const absl::Duration cap = FuzzDuration(in);
  double multiplier = 1.0 + in.Pick(4);
  if (in.Pick(4) == 0) multiplier = in.RawDouble();
  const auto finite_non_negative = [](absl::Duration d) {
    return d >= absl::ZeroDuration() && d != absl::InfiniteDuration();
  };
  Backoff backoff;
  switch (in.Pick(4)) {
    case 0:
      backoff = Backoff::None();
      *valid = true;
      break;
    case 1:
      backoff = Backoff::Constant(initial);
      *valid = finite_non_negative(initial);
      break;
    case 2:
      backoff = Backoff::Linear(initial, step, cap);
      *valid = finite_non_negative(initial) && finite_non_negative(step) &&
               cap >= initial;
      break;
    default:
      backoff = Backoff::Exponential(initial, multiplier, cap);
      *valid = initial > absl::ZeroDuration() &&
               initial != absl::InfiniteDuration() &&
               std::isfinite(multiplier) && multiplier >= 1.0 && cap >= initial;
      break;
  }
  const auto jitter = static_cast<Jitter>(in.Pick(4));
  if (jitter != Jitter::kNone) {
    backoff = backoff.WithJitter(jitter);
    if (backoff.initial() <= absl::ZeroDuration()) *valid = false;
  }
  return backoff;
}

void CheckRetry(FuzzInput& in) {
  bool valid = true;
  const Backoff backoff = FuzzBackoff(in, &valid);
  const int attempts = static_cast<int>(in.IntInRange(-1, 6));
  const absl::Duration budget = FuzzDuration(in);
  const absl::Duration max_pushback = FuzzDuration(in);
  valid = valid && attempts >= 1 && budget > absl::ZeroDuration() &&
          max_pushback >= absl::ZeroDuration();
  multirun::FakeRetryClock clock;
  RetryPolicy policy = RetryPolicy()
                           .WithBackoff(backoff)
                           .WithMaxAttempts(attempts)
                           .WithTimeBudget(budget)
                           .WithMaxPushback(max_pushback)
                           .WithClock(&clock)
                           .WithSeed(in.Bits<uint64_t>());
  if (in.Bool()) {
    // Only a message pattern decides.
    absl::StatusOr<multirun::StatusPredicate> matches =
        multirun::MessageMatches(in.String(12));
    if (matches.ok()) policy = policy.RetryOn({}).RetryIf(*matches);
  }
  if (in.Bool()) policy = policy.NeverRetry({FuzzCode(in)});
  FuzzRequire(policy.Validate().ok() == valid,
              valid ? "Validate rejected a valid policy"
                    : "Validate accepted an invalid policy",
              policy.Validate().ToString());

  // What the function returns, attempt by attempt.
  std::vector<absl::Status> results;
  for (int k = 0; k < 8; ++k) {
    if (in.Pick(6) == 0) {
      results.push_back(absl::OkStatus());
      continue;
    }
    const absl::StatusCode code = FuzzCode(in);
    absl::Status error(code, in.String(8));
    if (in.Bool()) {
      error.SetPayload(multirun::kRetryAfterTypeUrl,
                       absl::Cord(FuzzPayload(in)));
    }
    results.push_back(error);
  }
  size_t calls = 0;
  const absl::Status result = multirun::Retry(policy, [&]() -> absl::Status {
    return results[std::min(calls++, results.size() - 1)];
  });
  if (!valid) {
    FuzzRequire(calls == 0, "Retry called the function of an invalid policy");
    FuzzRequire(result.code() == absl::StatusCode::kInvalidArgument,
                "an invalid policy did not give InvalidArgument",
                result.ToString());
    return;
  }
  FuzzRequire(calls >= 1 && calls <= static_cast<size_t>(attempts),
              "Retry made a number of calls outside [1, max attempts]");
  const absl::Status& last = results[std::min(calls, results.size()) - 1];
  FuzzRequire(result.code() == last.code(),
              "Retry's result does not have the last attempt's code",
              result.ToString());
  const std::vector<absl::Duration> sleeps = clock.sleeps();
  FuzzRequire(sleeps.size() == calls - 1, "Retry did not sleep once a retry");
  absl::Duration slept = absl::ZeroDuration();
  for (size_t k = 0; k < sleeps.size(); ++k) {
    const absl::Status& failure = results[std::min(k, results.size() - 1)];
    const std::optional<absl::Duration> pushback =
        multirun::RetryAfterOf(failure);
    if (pushback.has_value()) {
      FuzzRequire(sleeps[k] == *pushback,
                  "a retry did not wait for the pushback");
      FuzzRequire(*pushback <= max_pushback,
                  "a retry waited longer than the max pushback");
    } else {
      // A constant delay is its own cap; the others saturate at 100 years.
      const absl::Duration most = backoff.kind() == Backoff::Kind::kConstant
                                      ? backoff.cap()
                                      : std::min(backoff.cap(), kLongest);
      FuzzRequire(sleeps[k] >= absl::ZeroDuration() && sleeps[k] <= most,
                  "a backoff delay is outside [0, cap]",
                  absl::FormatDuration(sleeps[k]));
    }
    slept += sleeps[k];
  }
  if (budget != absl::InfiniteDuration()) {
    FuzzRequire(slept < budget, "the retries slept past the time budget");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  switch (in.Pick(3)) {
    case 0:
      CheckPushback(in);
      break;
    case 1:
      CheckPattern(in);
      break;
    default:
      CheckRetry(in);
      break;
  }
  return 0;
}
