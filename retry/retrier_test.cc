// Copyright 2026 The multirun Authors.

#include "multirun/retry/retrier.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/fake_clock.h"
#include "multirun/retry/pushback.h"
#include "multirun/retry/retry_budget.h"
#include "multirun/retry/retry_policy.h"
#include "multirun/retry/retry_stats.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Fails with Unavailable the first `failures` calls, then returns the call
// number.
struct Flaky {
  int failures = 0;
  int calls = 0;
  absl::StatusOr<int> operator()() {
    ++calls;
    if (calls <= failures) {
      return absl::UnavailableError(absl::StrCat("down #", calls));
    }
    return calls;
  }
};

class RetrierTest : public ::testing::Test {
 protected:
  // A policy on the fake clock.
  RetryPolicy Policy() const { return RetryPolicy().WithClock(&clock_); }
  mutable FakeRetryClock clock_;
};

TEST_F(RetrierTest, DefaultsCallOnceOnSuccess) {
  int calls = 0;
  absl::StatusOr<int> r = Retry(Policy(), [&] {
    ++calls;
    return 7;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(RetrierTest, DefaultPolicyRetriesWithExponentialBackoff) {
  Flaky flaky{.failures = 2};
  absl::StatusOr<int> r = Retry(Policy(), std::ref(flaky));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(flaky.calls, 3);
  EXPECT_THAT(clock_.sleeps(),
              ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200)));
}

TEST_F(RetrierTest, FailureAfterLastTryCarriesLastErrorAndAttemptCount) {
  Flaky flaky{.failures = 100};
  absl::StatusOr<int> r = Retry(Policy().WithMaxAttempts(4), std::ref(flaky));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("down #4"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("retry gave up after 4 attempts: no attempts left"));
  EXPECT_EQ(flaky.calls, 4);
}

TEST_F(RetrierTest, OneAttemptMeansNoRetry) {
  Flaky flaky{.failures = 1};
  absl::StatusOr<int> r = Retry(Policy().WithMaxAttempts(1), std::ref(flaky));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("after 1 attempt: "));
  EXPECT_EQ(flaky.calls, 1);
}

TEST_F(RetrierTest, HooksRunInOrderOnEachAttempt) {
  std::vector<std::string> log;
  Retrier<int> retrier(Policy().WithMaxAttempts(5).WithBackoff(
      Backoff::Constant(absl::Seconds(1))));
  retrier.OnInit([&] { log.push_back("init"); })
      .OnDone([&](int v) {
        log.push_back(absl::StrCat("done ", v));
        return v * 10;
      })
      .OnError([&](const absl::Status& s, int attempt) {
        log.push_back(absl::StrCat("error ", attempt, " ", s.message()));
      })
      .OnFinal([&] { log.push_back("final"); })
      .BeforeSleep([&](const absl::Status&, int attempt, absl::Duration d) {
        log.push_back(
            absl::StrCat("sleep ", attempt, " ", absl::FormatDuration(d)));
      })
      .OnGiveUp([&](const absl::Status&, int) { log.push_back("give up"); });
  ASSERT_TRUE(retrier.status().ok());
  Flaky flaky{.failures = 2};
  absl::StatusOr<int> r = retrier.Run(std::ref(flaky));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 30);  // OnDone's return value is what the caller gets
  EXPECT_THAT(log, ElementsAre("init", "error 1 down #1", "final", "sleep 1 1s",
                               "init", "error 2 down #2", "final", "sleep 2 1s",
                               "init", "done 3", "final"));
  RetryStats stats = retrier.stats();
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(stats.retries, 2);
  EXPECT_EQ(stats.give_ups, 0);
  EXPECT_EQ(stats.slept, absl::Seconds(2));
}

TEST_F(RetrierTest, HooksWhenEveryAttemptFails) {
  int init = 0, done = 0, error = 0, final_calls = 0, sleeps = 0, give_ups = 0;
  int give_up_attempts = 0;
  absl::Status give_up_status;
  Retrier<int> retrier(Policy().WithMaxAttempts(3));
  retrier.OnInit([&] { ++init; })
      .OnDone([&](int v) {
        ++done;
        return v;
      })
      .OnError([&](const absl::Status&, int) { ++error; })
      .OnFinal([&] { ++final_calls; })
      .BeforeSleep([&](const absl::Status&, int, absl::Duration) { ++sleeps; })
      .OnGiveUp([&](const absl::Status& s, int attempts) {
        ++give_ups;
        give_up_attempts = attempts;
        give_up_status = s;
      });
  Flaky flaky{.failures = 100};
  absl::StatusOr<int> r = retrier.Run(std::ref(flaky));
  EXPECT_EQ(r.status(), give_up_status);  // OnGiveUp sees what the caller gets
  EXPECT_EQ(init, 3);
  EXPECT_EQ(done, 0);
  EXPECT_EQ(error, 3);
  EXPECT_EQ(final_calls, 3);
  EXPECT_EQ(sleeps, 2);
  EXPECT_EQ(give_ups, 1);
  EXPECT_EQ(give_up_attempts, 3);
  EXPECT_EQ(retrier.stats().give_ups, 1);
}

// Hook counts: every hook once with one try, N times (in order) with N tries,
// when every try fails.
TEST_F(RetrierTest, HookOrderForOneAndForNFailingTries) {
  for (int tries : {1, 4}) {
    std::vector<std::string> log;
    Retrier<int> retrier(Policy().WithMaxAttempts(tries).WithBackoff(
        Backoff::Constant(absl::Seconds(1))));
    retrier.OnInit([&] { log.push_back("init"); })
        .OnDone([&](int v) {
          log.push_back("done");
          return v;
        })
        .OnError([&](const absl::Status&, int attempt) {
          log.push_back(absl::StrCat("error ", attempt));
        })
        .OnFinal([&] { log.push_back("final"); })
        .BeforeSleep([&](const absl::Status&, int attempt, absl::Duration) {
          log.push_back(absl::StrCat("sleep ", attempt));
        })
        .OnGiveUp([&](const absl::Status&, int attempts) {
          log.push_back(absl::StrCat("give up ", attempts));
        });
    Flaky flaky{.failures = 100};
    absl::StatusOr<int> r = retrier.Run(std::ref(flaky));
    EXPECT_THAT(r.status().message(),
                HasSubstr(absl::StrCat("down #", tries,
                                       " (retry gave up after ", tries)));
    std::vector<std::string> expected;
    for (int i = 1; i <= tries; ++i) {
      expected.push_back("init");
      expected.push_back(absl::StrCat("error ", i));
      expected.push_back("final");
      if (i < tries) expected.push_back(absl::StrCat("sleep ", i));
    }
    expected.push_back(absl::StrCat("give up ", tries));
    EXPECT_EQ(log, expected) << tries;
    EXPECT_EQ(flaky.calls, tries);
  }
}

TEST_F(RetrierTest, NonRetriedCodeStopsAtOnce) {
  int calls = 0;
  absl::Status s = Retry(Policy(), [&] {
    ++calls;
    return absl::NotFoundError("no such row");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("no such row"));
  EXPECT_THAT(s.message(),
              HasSubstr("after 1 attempt: NOT_FOUND is not retried"));
  EXPECT_EQ(calls, 1);
}

TEST_F(RetrierTest, RetryOnReplacesTheCodeSet) {
  int calls = 0;
  auto fn = [&] {
    ++calls;
    return calls < 3 ? absl::NotFoundError("later") : absl::OkStatus();
  };
  EXPECT_TRUE(Retry(Policy().RetryOn({absl::StatusCode::kNotFound}), fn).ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  absl::Status s = Retry(Policy().RetryOn({absl::StatusCode::kNotFound}), [&] {
    ++calls;
    return absl::UnavailableError("down");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST_F(RetrierTest, CustomPredicateAndNeverRetry) {
  int calls = 0;
  auto fn = [&] {
    ++calls;
    return absl::InternalError("flaky disk");
  };
  RetryPolicy by_predicate = Policy().RetryIf([](const absl::Status& s) {
    return s.code() == absl::StatusCode::kInternal;
  });
  EXPECT_EQ(Retry(by_predicate, fn).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 3);
  calls = 0;
  EXPECT_EQ(
      Retry(by_predicate.NeverRetry({absl::StatusCode::kInternal}), fn).code(),
      absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
  // NeverRetry also beats the default code set.
  calls = 0;
  absl::Status s =
      Retry(Policy().NeverRetry({absl::StatusCode::kUnavailable}), [&] {
        ++calls;
        return absl::UnavailableError("down");
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST_F(RetrierTest, RetryIfResultRetriesUntilAcceptable) {
  int calls = 0;
  Retrier<int> retrier(Policy().WithMaxAttempts(5));
  retrier.RetryIfResult([](const int& v) { return v < 3; });
  absl::StatusOr<int> r = retrier.Run([&] { return ++calls; });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(calls, 3);

  calls = 0;
  Retrier<int> never(Policy().WithMaxAttempts(2));
  never.RetryIfResult([](const int&) { return true; });
  absl::StatusOr<int> rejected = never.Run([&] { return ++calls; });
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(rejected.status().message(),
              HasSubstr("not accepted by RetryIfResult"));
  EXPECT_THAT(rejected.status().message(), HasSubstr("after 2 attempts"));
  EXPECT_EQ(calls, 2);
}

TEST_F(RetrierTest, ExceptionsBecomeUnknownAndAreRetried) {
  int calls = 0;
  absl::StatusOr<std::string> r = Retry(Policy(), [&]() -> std::string {
    if (++calls < 3) throw std::runtime_error("boom");
    return "ok";
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "ok");
  EXPECT_EQ(calls, 3);

  absl::Status s = Retry(Policy().WithMaxAttempts(2),
                         []() -> void { throw std::runtime_error("boom"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(s.message(), HasSubstr("std::runtime_error: boom"));
  EXPECT_THAT(s.message(), HasSubstr("after 2 attempts"));
}

TEST_F(RetrierTest, ThrowingOnDoneIsReportedNotSwallowed) {
  int finals = 0;
  int calls = 0;
  Retrier<int> retrier(Policy());
  retrier.OnDone([](int) -> int { throw std::logic_error("bad hook"); })
      .OnFinal([&] { ++finals; });
  absl::StatusOr<int> r = retrier.Run([&] { return ++calls; });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(r.status().message(),
            "std::logic_error: bad hook (retry gave up after 1 attempt: OnDone "
            "threw)");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(finals, 1);  // OnFinal follows every try, whatever happened
  EXPECT_EQ(retrier.stats().give_ups, 1);
}

TEST_F(RetrierTest, ThrowingOnInitStopsBeforeTheCall) {
  int calls = 0;
  std::vector<std::string> log;
  Retrier<void> retrier(Policy());
  retrier.OnInit([] { throw std::runtime_error("no init"); })
      .OnError([&](const absl::Status&, int) { log.push_back("error"); })
      .OnFinal([&] { log.push_back("final"); });
  absl::Status s = retrier.Run([&] { ++calls; });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(),
            "std::runtime_error: no init (retry gave up after 1 attempt: "
            "OnInit threw)");
  EXPECT_EQ(calls, 0);
  EXPECT_THAT(log, ElementsAre("final"));
  EXPECT_EQ(retrier.stats().give_ups, 1);
}

TEST_F(RetrierTest, ThrowingOnErrorStopsRetrying) {
  int calls = 0;
  int finals = 0;
  Retrier<void> retrier(Policy());
  retrier.OnError([](const absl::Status&, int) { throw 42; }).OnFinal([&] {
    ++finals;
  });
  absl::Status s = retrier.Run([&] {
    ++calls;
    return absl::UnavailableError("down");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(), "int (retry gave up after 1 attempt: OnError threw)");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(finals, 1);
}

TEST_F(RetrierTest, ThrowingOnFinalEndsTheCallEvenAfterASuccess) {
  int calls = 0;
  int dones = 0;
  Retrier<int> retrier(Policy());
  retrier
      .OnDone([&](int v) {
        ++dones;
        return v;
      })
      .OnFinal([] { throw std::runtime_error("final broke"); });
  absl::StatusOr<int> r = retrier.Run([&] { return ++calls; });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(r.status().message(),
            "std::runtime_error: final broke (retry gave up after 1 attempt: "
            "OnFinal threw)");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(dones, 1);
  EXPECT_EQ(retrier.stats().give_ups, 1);
}

TEST_F(RetrierTest, SecondExceptionFromOnFinalIsAppendedNotDropped) {
  Retrier<int> retrier(Policy());
  retrier.OnDone([](int) -> int { throw std::logic_error("first"); })
      .OnFinal([] { throw std::runtime_error("second"); });
  absl::StatusOr<int> r = retrier.Run([] { return 1; });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(r.status().message(),
            "std::logic_error: first (retry gave up after 1 attempt: OnDone "
            "threw); then OnFinal also threw std::runtime_error: second");
}

TEST_F(RetrierTest, ThrowingBeforeSleepAndOnGiveUpAreReported) {
  int calls = 0;
  auto down = [&] {
    ++calls;
    return absl::UnavailableError("down");
  };
  Retrier<void> sleeper(Policy());
  sleeper.BeforeSleep([](const absl::Status&, int, absl::Duration) {
    throw std::runtime_error("no sleep");
  });
  absl::Status s = sleeper.Run(down);
  EXPECT_EQ(s.message(),
            "std::runtime_error: no sleep (retry gave up after 1 attempt: "
            "BeforeSleep threw)");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock_.sleeps().empty());

  calls = 0;
  Retrier<void> giver(Policy().WithMaxAttempts(2));
  giver.OnGiveUp(
      [](const absl::Status&, int) { throw std::runtime_error("no give up"); });
  s = giver.Run(down);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(),
            "std::runtime_error: no give up (retry gave up after 2 attempts: "
            "OnGiveUp threw)");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(giver.stats().give_ups, 1);
}

TEST_F(RetrierTest, ThrowingResultPredicateIsReported) {
  int calls = 0;
  int dones = 0;
  int finals = 0;
  Retrier<int> retrier(Policy());
  retrier
      .RetryIfResult([](const int&) -> bool { throw std::out_of_range("p"); })
      .OnDone([&](int v) {
        ++dones;
        return v;
      })
      .OnFinal([&] { ++finals; });
  absl::StatusOr<int> r = retrier.Run([&] { return ++calls; });
  EXPECT_EQ(r.status().message(),
            "std::out_of_range: p (retry gave up after 1 attempt: "
            "RetryIfResult threw)");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(dones, 0);
  EXPECT_EQ(finals, 1);
}

TEST_F(RetrierTest, ThrowingPredicateIsReported) {
  int calls = 0;
  absl::Status s =
      Retry(Policy().RetryOn({}).RetryIf([](const absl::Status&) -> bool {
        throw std::runtime_error("bad predicate");
      }),
            [&] {
              ++calls;
              return absl::InternalError("x");
            });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(),
            "std::runtime_error: bad predicate (retry gave up after 1 "
            "attempt: RetryIf threw)");
  EXPECT_EQ(calls, 1);
}

// The delays the fake clock was asked to sleep for a call that always fails.
std::vector<absl::Duration> SleepsFor(const Backoff& backoff, int attempts) {
  FakeRetryClock clock;
  absl::Status s = Retry(
      RetryPolicy().WithClock(&clock).WithBackoff(backoff).WithMaxAttempts(
          attempts),
      [] { return absl::UnavailableError("down"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  return clock.sleeps();
}

TEST(RetrierBackoffTest, ExactDelaySequences) {
  const absl::Duration ms = absl::Milliseconds(1);
  EXPECT_THAT(SleepsFor(Backoff::None(), 3),
              ElementsAre(absl::ZeroDuration(), absl::ZeroDuration()));
  EXPECT_THAT(
      SleepsFor(Backoff::Constant(absl::Seconds(5)), 4),
      ElementsAre(absl::Seconds(5), absl::Seconds(5), absl::Seconds(5)));
  EXPECT_THAT(SleepsFor(Backoff::Linear(absl::Seconds(1), absl::Seconds(2),
                                        absl::Seconds(6)),
                        5),
              ElementsAre(absl::Seconds(1), absl::Seconds(3), absl::Seconds(5),
                          absl::Seconds(6)));
  EXPECT_THAT(
      SleepsFor(Backoff::Exponential(100 * ms, 2.0, absl::Seconds(1)), 6),
      ElementsAre(100 * ms, 200 * ms, 400 * ms, 800 * ms, absl::Seconds(1)));
  EXPECT_THAT(SleepsFor(Backoff::Exponential(100 * ms, 1.5), 4),
              ElementsAre(100 * ms, 150 * ms, 225 * ms));
}

TEST(RetrierBackoffTest, SeededJitterIsReproducibleAndBounded) {
  const Backoff backoff =
      Backoff::Exponential(absl::Milliseconds(100), 2.0, absl::Seconds(10))
          .WithJitter(Jitter::kFull);
  auto run = [&](uint64_t seed) {
    FakeRetryClock clock;
    (void)Retry(RetryPolicy()
                    .WithClock(&clock)
                    .WithBackoff(backoff)
                    .WithMaxAttempts(8)
                    .WithSeed(seed),
                [] { return absl::UnavailableError("down"); });
    return clock.sleeps();
  };
  const std::vector<absl::Duration> a = run(1234);
  EXPECT_EQ(a, run(1234));
  EXPECT_NE(a, run(4321));
  ASSERT_EQ(a.size(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_GE(a[i], absl::ZeroDuration());
    EXPECT_LE(a[i], backoff.BaseDelay(i + 1));
  }
}

TEST_F(RetrierTest, DeadlineStopsMidSequence) {
  Flaky flaky{.failures = 100};
  absl::StatusOr<int> r =
      Retry(Policy()
                .WithMaxAttempts(10)
                .WithBackoff(Backoff::Constant(absl::Seconds(1)))
                .WithTimeBudget(absl::Milliseconds(3500)),
            std::ref(flaky));
  // Attempts at 0s, 1s, 2s, 3s; the next would start at 4s > 3.5s.
  EXPECT_EQ(flaky.calls, 4);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("after 4 attempts"));
  EXPECT_THAT(r.status().message(), HasSubstr("past the deadline of 3.5s"));
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Seconds(1), absl::Seconds(1),
                                           absl::Seconds(1)));
}

TEST_F(RetrierTest, DeadlineCountsTheTimeAttemptsTake) {
  int calls = 0;
  absl::Status s = Retry(Policy()
                             .WithMaxAttempts(10)
                             .WithBackoff(Backoff::Constant(absl::Seconds(1)))
                             .WithTimeBudget(absl::Seconds(5)),
                         [&] {
                           ++calls;
                           clock_.Advance(absl::Seconds(1));
                           return absl::AbortedError("conflict");
                         });
  // 0-1 attempt, 1-2 sleep, 2-3 attempt, 3-4 sleep, 4-5 attempt: done at 5s.
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
}

TEST_F(RetrierTest, MaxAttemptsAndDeadlineCombine) {
  Flaky flaky{.failures = 100};
  (void)Retry(Policy()
                  .WithMaxAttempts(2)
                  .WithBackoff(Backoff::Constant(absl::Seconds(1)))
                  .WithTimeBudget(absl::Hours(1)),
              std::ref(flaky));
  EXPECT_EQ(flaky.calls, 2);  // attempts run out first
}

TEST_F(RetrierTest, PushbackOverridesTheNextDelay) {
  int calls = 0;
  absl::StatusOr<int> r =
      Retry(Policy().WithBackoff(Backoff::Constant(absl::Seconds(1))),
            [&]() -> absl::StatusOr<int> {
              if (++calls == 1) {
                return SetRetryAfter(absl::UnavailableError("busy"),
                                     absl::Seconds(7));
              }
              if (calls == 2) return absl::UnavailableError("still busy");
              return calls;
            });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Seconds(7), absl::Seconds(1)));
}

TEST_F(RetrierTest, PushbackAboveTheCapFailsFast) {
  int calls = 0;
  absl::Status s = Retry(Policy().WithMaxPushback(absl::Seconds(5)), [&] {
    ++calls;
    return SetRetryAfter(absl::UnavailableError("busy"), absl::Seconds(7));
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(),
              HasSubstr("asks for a wait of 7s, more than the allowed 5s"));
  EXPECT_EQ(RetryAfterOf(s), absl::Seconds(7));  // payload kept
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(RetrierTest, PushbackPastTheDeadlineGivesUp) {
  int calls = 0;
  absl::Status s = Retry(Policy().WithTimeBudget(absl::Seconds(10)), [&] {
    ++calls;
    return SetRetryAfter(absl::UnavailableError("busy"), absl::Seconds(60));
  });
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(s.message(), HasSubstr("past the deadline"));
}

TEST_F(RetrierTest, BudgetExhaustionAndRefill) {
  absl::StatusOr<std::shared_ptr<RetryBudget>> budget =
      RetryBudget::Create(4, 0.5);
  ASSERT_TRUE(budget.ok());
  const RetryPolicy policy = Policy().WithMaxAttempts(10).WithBudget(*budget);
  auto failing =
      WithRetry(policy, [] { return absl::UnavailableError("down"); });
  auto succeeding = WithRetry(policy, [] { return absl::OkStatus(); });

  // 4 tokens: fail (3 > 2, retry), fail (2, not above half: stop).
  absl::Status s = failing();
  EXPECT_THAT(s.message(), HasSubstr("after 2 attempts: the retry budget is "
                                     "exhausted"));
  EXPECT_EQ(failing.stats().attempts, 2);
  // 1 token left after the next failure: no retry at all.
  (void)failing();
  EXPECT_EQ(failing.stats().attempts, 3);
  EXPECT_DOUBLE_EQ((*budget)->tokens(), 1.0);
  // Six successes refill 0.5 each, up to the 4-token cap.
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(succeeding().ok());
  EXPECT_DOUBLE_EQ((*budget)->tokens(), 4.0);
  (void)failing();
  EXPECT_EQ(failing.stats().attempts, 5);  // retried once more
}

TEST_F(RetrierTest, WorksForEveryReturnKind) {
  int n = 0;
  EXPECT_EQ(*Retry(Policy(), [] { return 5; }), 5);
  EXPECT_TRUE(Retry(Policy(), [&] { ++n; }).ok());
  EXPECT_TRUE(Retry(Policy(), [] { return absl::OkStatus(); }).ok());
  absl::StatusOr<std::string> text =
      Retry(Policy(), []() -> absl::StatusOr<std::string> { return "x"; });
  EXPECT_EQ(*text, "x");
  EXPECT_EQ(n, 1);
}

absl::StatusOr<int> FreeFunction(int a, int b) { return a + b; }

struct Account {
  int balance = 10;
  int tries = 0;
  absl::StatusOr<int> Withdraw(int amount) {
    if (++tries < 2) return absl::AbortedError("conflict");
    balance -= amount;
    return balance;
  }
};

TEST_F(RetrierTest, FreeAndMemberFunctions) {
  EXPECT_EQ(*Retry(Policy(), FreeFunction, 2, 3), 5);
  EXPECT_EQ(*Retry(Policy(), &FreeFunction, 4, 3), 7);
  Account account;
  EXPECT_EQ(*Retry(Policy(), &Account::Withdraw, &account, 3), 7);
  EXPECT_EQ(account.tries, 2);
  auto withdraw = WithRetry(Policy(), &Account::Withdraw);
  account.tries = 0;
  EXPECT_EQ(*withdraw(account, 2), 5);
  EXPECT_EQ(withdraw.stats().attempts, 2);
}

TEST_F(RetrierTest, ArgumentsAreReusedByEveryAttempt) {
  std::vector<std::string> seen;
  auto f = WithRetry(Policy(), [&](std::string s) {
    seen.push_back(s);
    return seen.size() < 3 ? absl::UnavailableError("again") : absl::OkStatus();
  });
  EXPECT_TRUE(f(std::string("payload")).ok());
  EXPECT_THAT(seen, ElementsAre("payload", "payload", "payload"));
}

TEST_F(RetrierTest, WrapSharesHooksAndStats) {
  int inits = 0;
  Retrier<int> retrier(Policy());
  retrier.OnInit([&] { ++inits; });
  auto wrapped = retrier.Wrap(Flaky{.failures = 1});
  EXPECT_EQ(*wrapped(), 2);
  EXPECT_EQ(inits, 2);
  EXPECT_EQ(retrier.stats().attempts, 2);
  EXPECT_EQ(wrapped.stats().attempts, 2);
}

TEST_F(RetrierTest, WithRetryFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 200;
  // Each call fails its first attempt; `attempts` is per call.
  auto f = WithRetry(Policy().WithBackoff(Backoff::None()), [](int& attempts) {
    return ++attempts == 1 ? absl::UnavailableError("first") : absl::OkStatus();
  });
  std::atomic<int> ok{0};
  testing_internal::RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kCalls; ++i) {
      int attempts = 0;
      if (f(attempts).ok() && attempts == 2) ok.fetch_add(1);
    }
  });
  EXPECT_EQ(ok.load(), kThreads * kCalls);
  RetryStats stats = f.stats();
  EXPECT_EQ(stats.calls, kThreads * kCalls);
  EXPECT_EQ(stats.attempts, 2 * kThreads * kCalls);
  EXPECT_EQ(stats.retries, kThreads * kCalls);
  EXPECT_EQ(stats.give_ups, 0);
}

// --- bad input: InvalidArgument, and the callable never runs ---

TEST_F(RetrierTest, BadPoliciesAreRejectedBeforeCalling) {
  const std::vector<RetryPolicy> bad = {
      Policy().WithMaxAttempts(0),
      Policy().WithMaxAttempts(-3),
      Policy().WithTimeBudget(absl::ZeroDuration()),
      Policy().WithTimeBudget(absl::Seconds(-1)),
      Policy().WithBackoff(Backoff::Constant(absl::Seconds(-1))),
      Policy().WithBackoff(Backoff::Exponential(absl::Seconds(1), 0.5)),
      Policy().WithBackoff(
          Backoff::Constant(absl::ZeroDuration()).WithJitter(Jitter::kFull)),
      Policy().WithMaxPushback(absl::Seconds(-1)),
      Policy().RetryIf(nullptr),
      Policy().WithClock(nullptr),
      Policy().WithBudget(nullptr),
      Policy().RetryOn({absl::StatusCode::kOk}),
      Policy().NeverRetry({absl::StatusCode::kOk}),
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    int calls = 0;
    absl::Status s = Retry(bad[i], [&] { ++calls; });
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << i << ": " << s;
    EXPECT_EQ(calls, 0) << i;
    auto wrapped = WithRetry(bad[i], [&] { ++calls; });
    EXPECT_EQ(wrapped().code(), absl::StatusCode::kInvalidArgument) << i;
    EXPECT_EQ(wrapped.status().code(), absl::StatusCode::kInvalidArgument);
    Retrier<void> retrier(bad[i]);
    EXPECT_EQ(retrier.Run([&] { ++calls; }).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(calls, 0) << i;
    EXPECT_EQ(wrapped.stats().calls, 0);
  }
}

TEST_F(RetrierTest, NullCallablesAndHooksAreRejected) {
  absl::StatusOr<int> (*null_fn)() = nullptr;
  EXPECT_EQ(Retry(Policy(), null_fn).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::function<absl::Status()> empty;
  EXPECT_EQ(WithRetry(Policy(), empty)().code(),
            absl::StatusCode::kInvalidArgument);
  Retrier<void> retrier(Policy());
  EXPECT_EQ(retrier.Run(empty).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(retrier.Wrap(empty)().code(), absl::StatusCode::kInvalidArgument);

  int calls = 0;
  Retrier<void> bad_hook(Policy());
  bad_hook.OnError(nullptr);
  EXPECT_EQ(bad_hook.status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status s = bad_hook.Run([&] { ++calls; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("OnError: null hook"));
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace multirun
