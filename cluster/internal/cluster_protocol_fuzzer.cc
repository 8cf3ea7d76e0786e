// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the cluster's message parsers (cluster_protocol.h).
//
// The first byte picks the message: even, the rest is a batch of requests;
// odd, a batch of answers. The oracle:
//   - nothing crashes or reads outside the bytes;
//   - the entries passed to the callback, encoded again with AppendRequest /
//     AppendAnswer, give back exactly the bytes they were read from, from the
//     start: all of them when the parser says OK; a strict prefix when it
//     says DataLoss, whose message says what was malformed;
//   - a request's frame carries its own length: at least a task number, the
//     rest of the frame;
//   - a load report reads back (ReadLoad) exactly when it is 8 bytes, and
//     AppendLoad of what it read gives back its bytes when its job is 0.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "multirun/cluster/internal/cluster_protocol.h"
#include "multirun/processes/process_pool.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace multirun {
namespace cluster_internal {
namespace {

void CheckVerdict(const absl::Status& status, absl::string_view input,
                  const std::string& again) {
  if (status.ok()) {
    FuzzRequire(again == input, "an accepted batch does not encode back");
    return;
  }
  FuzzRequire(status.code() == absl::StatusCode::kDataLoss,
              "a bad batch is not DataLoss");
  FuzzRequire(absl::StrContains(status.message(), "malformed"),
              "a DataLoss message does not say what is malformed");
  FuzzRequire(again.size() < input.size() &&
                  absl::string_view(again) == input.substr(0, again.size()),
              "the entries before a fault do not encode to a prefix");
}

void FuzzRequests(absl::string_view input) {
  std::string again;
  absl::Status status = ForEachRequest(input, [&](uint64_t job,
                                                  absl::string_view frame) {
    FuzzRequire(frame.data() >= input.data() &&
                    frame.data() + frame.size() <= input.data() + input.size(),
                "a request frame outside the batch");
    FuzzRequire(frame.size() >= processes_internal::kPoolRequestPrefix,
                "a request frame shorter than its prefix");
    uint64_t length = 0;
    std::memcpy(&length, frame.data(), sizeof(length));
    FuzzRequire(length + processes_internal::kPoolFrameHeader == frame.size(),
                "a request frame's length is not its size");
    AppendRequest(job, frame, &again);
  });
  CheckVerdict(status, input, again);
}

void FuzzAnswers(absl::string_view input) {
  std::string again;
  absl::Status status = ForEachAnswer(input, [&](uint64_t job, AnswerKind kind,
                                                 absl::string_view bytes) {
    FuzzRequire(bytes.data() >= input.data() &&
                    bytes.data() + bytes.size() <= input.data() + input.size(),
                "an answer outside the batch");
    FuzzRequire(kind == AnswerKind::kResult || kind == AnswerKind::kError ||
                    kind == AnswerKind::kLoad,
                "an answer of an unknown kind was passed on");
    if (kind == AnswerKind::kLoad) {
      absl::StatusOr<uint64_t> unstarted = ReadLoad(bytes);
      FuzzRequire(unstarted.ok() == (bytes.size() == sizeof(uint64_t)),
                  "ReadLoad's verdict is not its size check");
      if (!unstarted.ok()) {
        FuzzRequire(unstarted.status().code() == absl::StatusCode::kDataLoss,
                    "a bad load report is not DataLoss");
      } else if (job == 0) {
        std::string load;
        AppendLoad(*unstarted, &load);
        std::string entry;
        AppendAnswer(job, kind, bytes, &entry);
        FuzzRequire(load == entry, "a load report does not encode back");
      }
    }
    AppendAnswer(job, kind, bytes, &again);
  });
  CheckVerdict(status, input, again);
}

}  // namespace
}  // namespace cluster_internal
}  // namespace multirun

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  if (data[0] % 2 == 0) {
    multirun::cluster_internal::FuzzRequests(input);
  } else {
    multirun::cluster_internal::FuzzAnswers(input);
  }
  return 0;
}
