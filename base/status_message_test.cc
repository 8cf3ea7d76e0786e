// Copyright 2026 The multirun Authors.

#include "multirun/base/status_message.h"

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "gtest/gtest.h"

namespace multirun {
namespace base_internal {
namespace {

std::map<std::string, std::string> Payloads(const absl::Status& status) {
  std::map<std::string, std::string> payloads;
  status.ForEachPayload(
      [&payloads](absl::string_view type_url, const absl::Cord& payload) {
        payloads[std::string(type_url)] = std::string(payload);
      });
  return payloads;
}

TEST(WithMessageTest, KeepsCodeAndEveryPayload) {
  absl::Status status = absl::UnavailableError("connection lost");
  status.SetPayload("type.googleapis.com/a", absl::Cord(""));
  status.SetPayload("type.googleapis.com/b",
                    absl::Cord(std::string("x\0y", 3)));
  absl::Status reworded = WithMessage(status, "node 'write': connection lost");
  EXPECT_EQ(reworded.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(reworded.message(), "node 'write': connection lost");
  EXPECT_EQ(Payloads(reworded), Payloads(status));
  EXPECT_EQ(Payloads(reworded).size(), 2u);
}

TEST(WithMessageTest, WithoutPayloadsGivesNone) {
  absl::Status reworded =
      WithMessage(absl::NotFoundError("a"), "cannot open: a");
  EXPECT_EQ(reworded, absl::NotFoundError("cannot open: a"));
  EXPECT_TRUE(Payloads(reworded).empty());
}

TEST(WithMessageTest, OkStaysOk) {
  EXPECT_TRUE(WithMessage(absl::OkStatus(), "ignored").ok());
}

}  // namespace
}  // namespace base_internal
}  // namespace multirun
