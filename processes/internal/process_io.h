// Copyright 2026 The multirun Authors.
//
// Process I/O: what the fork executor and the process pool share about child
// processes. How a child's end (its wait status) becomes an absl::Status, how
// whole buffers cross a pipe despite short writes and EINTR, and how a child
// leaves without ever returning into the code that forked it.
//
// A child writes its result as one frame: an 8-byte little-endian length, then
// that many bytes. The parent appends whatever it reads to a FrameBuffer and
// asks whether a whole frame is there.

#ifndef MULTIRUN_PROCESSES_INTERNAL_PROCESS_IO_H_
#define MULTIRUN_PROCESSES_INTERNAL_PROCESS_IO_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace processes_internal {

// The exit code of a child whose result could not be written to its pipe
// (the parent is gone, or the result could not even be encoded).
inline constexpr int kResultNotSentExitCode = 121;

// "SIGSEGV" for SIGSEGV; "signal 42" for a number without a name.
std::string SignalName(int signal);

// Describes how the process `pid` ended, from a waitpid() status: Aborted for
// a signal ("task process 12 killed by SIGSEGV"), Internal for an exit
// ("task process 12 exited with code 3 without a result"). Only called for a
// child that ended without sending a whole result.
absl::Status StatusFromWaitStatus(pid_t pid, int wait_status);

// The text of errno value `error`, with what failed: "pipe: Too many open
// files". ResourceExhausted for EAGAIN, ENOMEM, EMFILE and ENFILE, Internal
// otherwise.
absl::Status ErrnoStatus(absl::string_view what, int error);

// Writes all of `data` to `fd` (blocking), retrying short writes and EINTR.
// Returns false on any other failure.
bool WriteAll(int fd, absl::string_view data);

// Writes `payload` as one frame. Returns false on failure.
bool WriteFrame(int fd, absl::string_view payload);

// Ends the calling (child) process at once with `code`: no atexit handlers,
// no destructors, no flushing of the parent's stdio buffers. Never returns.
[[noreturn]] void ExitChild(int code);

// Bytes read from a pipe, and the frames in them.
class FrameBuffer {
 public:
  // Reads what `fd` (non-blocking) has now into the buffer. Returns 0 when
  // the writer closed the pipe, a positive count of bytes read, -1 when
  // nothing is available (EAGAIN), or -2 on a read error.
  int64_t ReadAvailable(int fd);

  // The payload of the first whole frame, or nullopt if it has not all
  // arrived. Stays valid until TakeFrame() or the next read.
  std::optional<absl::string_view> PeekFrame() const;

  // Drops the first whole frame (PeekFrame() must have returned one).
  void TakeFrame();

  bool empty() const { return start_ == bytes_.size(); }

 private:
  std::string bytes_;
  size_t start_ = 0;  // Consumed frames end here.
};

}  // namespace processes_internal
}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_INTERNAL_PROCESS_IO_H_
