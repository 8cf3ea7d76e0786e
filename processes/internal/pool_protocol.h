// Copyright 2026 The multirun Authors.
//
// The protocol between a ProcessPool's supervisor and its workers: the frame
// layout and the constants both ends use.
//
// Both directions carry frames of process_io.h (an 8-byte little-endian
// length, then the payload).
//   request:  [u32 task number][Codec-encoded std::tuple of the arguments]
//             An empty payload asks the worker to exit (Shutdown).
//   response: [u8 kind][bytes]: kind kPoolResultKind, an encoded
//             FutureResult<T> of the task; kind kPoolErrorKind, an encoded
//             absl::Status from the worker itself (an unknown task number, an
//             exception while encoding); kind kPoolStartedKind, no bytes: the
//             worker starts its first unanswered request now. An answer's kind
//             may carry kPoolStartsNextFlag: the worker starts the next
//             request now (the acknowledgement rides on the answer).
// A worker reads requests in batches and runs them one at a time in order.
// Before it starts a request it writes the acknowledgement, in the same
// write as the previous answer when that is still unsent, and it writes each
// answer before it starts the next request. So the supervisor knows, once it
// has read everything a dead worker wrote, whether the worker's first
// unanswered request had started (it was acknowledged) or not; the requests
// after it never started.

#ifndef MULTIRUN_PROCESSES_INTERNAL_POOL_PROTOCOL_H_
#define MULTIRUN_PROCESSES_INTERNAL_POOL_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace multirun {
namespace processes_internal {

// The length that starts every frame.
inline constexpr size_t kPoolFrameHeader = sizeof(uint64_t);

// A request frame starts with an 8-byte length and a 4-byte task number;
// the encoded arguments follow.
inline constexpr size_t kPoolRequestPrefix = 12;
static_assert(kPoolRequestPrefix == kPoolFrameHeader + sizeof(uint32_t));

// The first byte of a response payload.
inline constexpr char kPoolResultKind = 0;
inline constexpr char kPoolErrorKind = 1;
inline constexpr char kPoolStartedKind = 2;
// Or-ed into the kind of an answer (kPoolResultKind, kPoolErrorKind).
inline constexpr char kPoolStartsNextFlag = 0x10;

// Fills in the prefix of `frame` (kPoolRequestPrefix bytes, then the
// arguments).
inline void SealPoolRequest(uint32_t task, std::string* frame) {
  const uint64_t size = frame->size() - kPoolFrameHeader;
  std::memcpy(frame->data(), &size, kPoolFrameHeader);
  std::memcpy(frame->data() + kPoolFrameHeader, &task, sizeof(task));
}

}  // namespace processes_internal
}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_INTERNAL_POOL_PROTOCOL_H_
