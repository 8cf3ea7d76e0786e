// Copyright 2026 The multirun Authors.

#include "multirun/retry/message_pattern.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/retry/fake_clock.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {
namespace {

TEST(MessageMatchesTest, MatchesAnywhereInTheMessage) {
  absl::StatusOr<StatusPredicate> p =
      MessageMatches("connection (reset|refused)");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE((*p)(absl::UnknownError("read: connection reset by peer")));
  EXPECT_TRUE((*p)(absl::InternalError("connection refused")));
  EXPECT_FALSE((*p)(absl::UnknownError("syntax error near SELECT")));
  absl::StatusOr<StatusPredicate> anchored = MessageMatches("^busy$");
  ASSERT_TRUE(anchored.ok());
  EXPECT_TRUE((*anchored)(absl::UnavailableError("busy")));
  EXPECT_FALSE((*anchored)(absl::UnavailableError("not busy")));
}

TEST(MessageMatchesTest, BadPatternIsInvalidArgument) {
  absl::StatusOr<StatusPredicate> p = MessageMatches("(unclosed");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), ::testing::HasSubstr("(unclosed"));
}

TEST(MessageMatchesTest, DecidesWhatIsRetried) {
  FakeRetryClock clock;
  const RetryPolicy policy =
      RetryPolicy().WithClock(&clock).WithMaxAttempts(4).RetryOn({}).RetryIf(
          *MessageMatches("deadlock"));
  int calls = 0;
  absl::Status s = Retry(policy, [&] {
    ++calls;
    return absl::InternalError("Deadlock found; deadlock detected");
  });
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  calls = 0;
  s = Retry(policy, [&] {
    ++calls;
    return absl::UnavailableError("down");  // its code is no longer enough
  });
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace multirun
