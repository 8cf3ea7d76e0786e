// Copyright 2026 The multirun Authors.
//
// The messages between the cluster's driver (rank 0) and its serving ranks.
//
//   kRequestTag   driver -> rank: a batch of requests, each
//                 [u64 job][request frame of
//                 processes/internal/pool_protocol.h: u64 length, u32 task
//                 number, Codec-encoded arguments].
//   kAnswerTag    rank -> driver: a batch of answers, each
//                 [u64 job][u8 kind][u64 length][bytes]: kind kResult, an
//                 encoded FutureResult<T> of the task; kind kError, an encoded
//                 absl::Status from the rank (its pool failed the task: the
//                 task's process was killed or timed out, the pool refused);
//                 kind kLoad (job 0, last in a round of the rank's answers),
//                 a u64: the requests the rank holds that none of its task
//                 processes has started, which the driver sizes the rank's
//                 share of requests by.
//   kStopTag      driver -> rank: no more requests; one byte, 1 when the rank
//                 must stop its running tasks (ShutdownNow), 0 once every
//                 request has been answered (Shutdown).
//   kStoppedTag   rank -> driver: the rank's last message; empty.
// Integers are little-endian. Messages between two ranks arrive in the order
// they were sent (MPI's non-overtaking rule), so kStoppedTag follows every
// answer of its rank, and the driver sends nothing after kStopTag: when the
// driver has every kStoppedTag, no message is left in flight.

#ifndef MULTIRUN_CLUSTER_INTERNAL_CLUSTER_PROTOCOL_H_
#define MULTIRUN_CLUSTER_INTERNAL_CLUSTER_PROTOCOL_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace cluster_internal {

inline constexpr int kRequestTag = 1;
inline constexpr int kAnswerTag = 2;
inline constexpr int kStopTag = 3;
inline constexpr int kStoppedTag = 4;

enum class AnswerKind : uint8_t { kResult = 0, kError = 1, kLoad = 2 };

// A batch is flushed once it holds this many bytes.
inline constexpr size_t kBatchBytes = 256 * 1024;

// Appends one request (a sealed pool request frame) to `batch`.
void AppendRequest(uint64_t job, absl::string_view frame, std::string* batch);

// Calls `fn(job, frame)` for each request of `batch`, in order. DataLoss when
// the batch is cut or malformed; the requests before the fault were passed.
absl::Status ForEachRequest(
    absl::string_view batch,
    absl::FunctionRef<void(uint64_t, absl::string_view)> fn);

// Appends one answer to `batch`.
void AppendAnswer(uint64_t job, AnswerKind kind, absl::string_view bytes,
                  std::string* batch);

// Appends the rank's load: `unstarted` requests wait for a task process.
void AppendLoad(uint64_t unstarted, std::string* batch);

// The count of a kLoad answer's bytes; DataLoss unless they are 8 bytes.
absl::StatusOr<uint64_t> ReadLoad(absl::string_view bytes);

// Calls `fn(job, kind, bytes)` for each answer of `batch`, in order. DataLoss
// when the batch is cut or malformed or a kind is unknown.
absl::Status ForEachAnswer(
    absl::string_view batch,
    absl::FunctionRef<void(uint64_t, AnswerKind, absl::string_view)> fn);

}  // namespace cluster_internal
}  // namespace multirun

#endif  // MULTIRUN_CLUSTER_INTERNAL_CLUSTER_PROTOCOL_H_
