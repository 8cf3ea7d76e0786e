// Copyright 2026 The multirun Authors.

#include "multirun/cluster/internal/cluster_protocol.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/processes/process_pool.h"

namespace multirun {
namespace cluster_internal {
namespace {

void AppendU64(uint64_t value, std::string* out) {
  char bytes[sizeof(value)];
  std::memcpy(bytes, &value, sizeof(value));
  out->append(bytes, sizeof(value));
}

// Reads a u64 at the front of `*in` and drops it; false when too short.
bool TakeU64(absl::string_view* in, uint64_t* value) {
  if (in->size() < sizeof(*value)) return false;
  std::memcpy(value, in->data(), sizeof(*value));
  in->remove_prefix(sizeof(*value));
  return true;
}

absl::Status Malformed(const char* what, size_t index) {
  return absl::DataLossError(absl::StrCat("a cluster message of ", what,
                                          " is malformed at entry ", index));
}

}  // namespace

void AppendRequest(uint64_t job, absl::string_view frame, std::string* batch) {
  AppendU64(job, batch);
  batch->append(frame.data(), frame.size());
}

absl::Status ForEachRequest(
    absl::string_view batch,
    absl::FunctionRef<void(uint64_t, absl::string_view)> fn) {
  for (size_t index = 0; !batch.empty(); ++index) {
    uint64_t job = 0;
    uint64_t length = 0;
    if (!TakeU64(&batch, &job)) return Malformed("requests", index);
    absl::string_view rest = batch;
    if (!TakeU64(&rest, &length) || length < sizeof(uint32_t) ||
        length > rest.size()) {
      return Malformed("requests", index);
    }
    const size_t frame_size = processes_internal::kPoolFrameHeader + length;
    fn(job, batch.substr(0, frame_size));
    batch.remove_prefix(frame_size);
  }
  return absl::OkStatus();
}

void AppendAnswer(uint64_t job, AnswerKind kind, absl::string_view bytes,
                  std::string* batch) {
  AppendU64(job, batch);
  batch->push_back(static_cast<char>(kind));
  AppendU64(bytes.size(), batch);
  batch->append(bytes.data(), bytes.size());
}

void AppendLoad(uint64_t unstarted, std::string* batch) {
  std::string count;
  AppendU64(unstarted, &count);
  AppendAnswer(0, AnswerKind::kLoad, count, batch);
}

absl::StatusOr<uint64_t> ReadLoad(absl::string_view bytes) {
  uint64_t unstarted = 0;
  if (!TakeU64(&bytes, &unstarted) || !bytes.empty()) {
    return absl::DataLossError("a cluster load report is not one 8-byte count");
  }
  return unstarted;
}

absl::Status ForEachAnswer(
    absl::string_view batch,
    absl::FunctionRef<void(uint64_t, AnswerKind, absl::string_view)> fn) {
  for (size_t index = 0; !batch.empty(); ++index) {
    uint64_t job = 0;
    uint64_t length = 0;
    if (!TakeU64(&batch, &job) || batch.empty()) {
      return Malformed("answers", index);
    }
    const auto kind = static_cast<uint8_t>(batch.front());
    batch.remove_prefix(1);
    if (kind > static_cast<uint8_t>(AnswerKind::kLoad) ||
        !TakeU64(&batch, &length) || length > batch.size()) {
      return Malformed("answers", index);
    }
    fn(job, static_cast<AnswerKind>(kind), batch.substr(0, length));
    batch.remove_prefix(length);
  }
  return absl::OkStatus();
}

}  // namespace cluster_internal
}  // namespace multirun
