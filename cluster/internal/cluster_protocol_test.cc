// Copyright 2026 The multirun Authors.

#include "multirun/cluster/internal/cluster_protocol.h"

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "multirun/processes/process_pool.h"

namespace multirun {
namespace cluster_internal {
namespace {

std::string Frame(uint32_t task, const std::string& args) {
  std::string frame(processes_internal::kPoolRequestPrefix, '\0');
  frame += args;
  processes_internal::SealPoolRequest(task, &frame);
  return frame;
}

TEST(ClusterProtocolTest, RequestsRoundTripInOrder) {
  std::string batch;
  const std::vector<std::string> frames = {Frame(1, ""), Frame(7, "abc"),
                                           Frame(2, std::string(1000, 'x'))};
  for (size_t i = 0; i < frames.size(); ++i) {
    AppendRequest(100 + i, frames[i], &batch);
  }
  std::vector<std::pair<uint64_t, std::string>> seen;
  ASSERT_TRUE(ForEachRequest(batch, [&](uint64_t job, absl::string_view f) {
                seen.emplace_back(job, std::string(f));
              }).ok());
  ASSERT_EQ(seen.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(seen[i].first, 100 + i);
    EXPECT_EQ(seen[i].second, frames[i]);
  }
}

TEST(ClusterProtocolTest, AnswersRoundTripInOrder) {
  std::string batch;
  AppendAnswer(5, AnswerKind::kResult, "value", &batch);
  AppendAnswer(6, AnswerKind::kError, "", &batch);
  AppendAnswer(7, AnswerKind::kResult, std::string(3, '\0'), &batch);
  std::vector<std::tuple<uint64_t, AnswerKind, std::string>> seen;
  ASSERT_TRUE(ForEachAnswer(batch, [&](uint64_t job, AnswerKind kind,
                                       absl::string_view bytes) {
                seen.emplace_back(job, kind, std::string(bytes));
              }).ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_tuple(5u, AnswerKind::kResult, "value"));
  EXPECT_EQ(seen[1], std::make_tuple(6u, AnswerKind::kError, ""));
  EXPECT_EQ(seen[2],
            std::make_tuple(7u, AnswerKind::kResult, std::string(3, '\0')));
}

// Every cut of a valid batch inside an entry, and a corrupted kind, is
// DataLoss, never a read past the end; a cut between entries is a shorter
// valid batch.
TEST(ClusterProtocolTest, CutOrCorruptBatchesAreDataLoss) {
  std::string requests;
  AppendRequest(1, Frame(3, "abcdef"), &requests);
  AppendRequest(2, Frame(4, "gh"), &requests);
  std::string answers;
  AppendAnswer(1, AnswerKind::kResult, "abcdef", &answers);
  AppendAnswer(2, AnswerKind::kError, "gh", &answers);
  const size_t first_request = 8 + processes_internal::kPoolRequestPrefix + 6;
  const size_t first_answer = 8 + 1 + 8 + 6;
  for (size_t cut = 1; cut < requests.size(); ++cut) {
    int calls = 0;
    absl::Status status =
        ForEachRequest(absl::string_view(requests).substr(0, cut),
                       [&](uint64_t, absl::string_view) { ++calls; });
    EXPECT_EQ(status.code(), cut == first_request ? absl::StatusCode::kOk
                                                  : absl::StatusCode::kDataLoss)
        << cut;
    EXPECT_EQ(calls, cut >= first_request ? 1 : 0) << cut;
  }
  for (size_t cut = 1; cut < answers.size(); ++cut) {
    int calls = 0;
    absl::Status status = ForEachAnswer(
        absl::string_view(answers).substr(0, cut),
        [&](uint64_t, AnswerKind, absl::string_view) { ++calls; });
    EXPECT_EQ(status.code(), cut == first_answer ? absl::StatusCode::kOk
                                                 : absl::StatusCode::kDataLoss)
        << cut;
    EXPECT_EQ(calls, cut >= first_answer ? 1 : 0) << cut;
  }
  std::string bad_kind = answers;
  bad_kind[first_answer + 8] = 9;
  int calls = 0;
  EXPECT_EQ(ForEachAnswer(bad_kind, [&](uint64_t, AnswerKind,
                                        absl::string_view) { ++calls; })
                .code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(calls, 1);
  // A frame length shorter than a task number.
  std::string short_frame(8, '\0');
  short_frame += std::string(8, '\0');
  EXPECT_EQ(
      ForEachRequest(short_frame, [](uint64_t, absl::string_view) {}).code(),
      absl::StatusCode::kDataLoss);
}

// A load report travels as the answer of job 0 and reads back; bytes of any
// other length are DataLoss.
TEST(ClusterProtocolTest, LoadReportsRoundTrip) {
  std::string batch;
  AppendAnswer(9, AnswerKind::kResult, "x", &batch);
  AppendLoad(0, &batch);
  AppendLoad(123456789012345, &batch);
  std::vector<std::pair<uint64_t, uint64_t>> loads;
  int results = 0;
  ASSERT_TRUE(ForEachAnswer(batch, [&](uint64_t job, AnswerKind kind,
                                       absl::string_view bytes) {
                if (kind != AnswerKind::kLoad) {
                  ++results;
                  return;
                }
                absl::StatusOr<uint64_t> unstarted = ReadLoad(bytes);
                ASSERT_TRUE(unstarted.ok()) << unstarted.status();
                loads.emplace_back(job, *unstarted);
              }).ok());
  EXPECT_EQ(results, 1);
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[0], std::make_pair(uint64_t{0}, uint64_t{0}));
  EXPECT_EQ(loads[1], std::make_pair(uint64_t{0}, uint64_t{123456789012345}));
  for (const std::string& bytes :
       {std::string(), std::string(7, '\1'), std::string(9, '\1')}) {
    EXPECT_EQ(ReadLoad(bytes).status().code(), absl::StatusCode::kDataLoss)
        << bytes.size();
  }
}

}  // namespace
}  // namespace cluster_internal
}  // namespace multirun
