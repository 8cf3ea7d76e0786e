// Copyright 2026 The multirun Authors.

#include "multirun/processes/internal/process_io.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace multirun {
namespace processes_internal {
namespace {

constexpr size_t kFrameHeader = sizeof(uint64_t);
// What one read asks for: a page, unless the frame being read is known to be
// longer (then up to 64 KiB, a full pipe). Asking for more than will come
// costs: the buffer is zero-filled first, and right after a fork() every page
// written is a copy-on-write fault.
constexpr size_t kSmallRead = 4096;
constexpr size_t kLargeRead = 64 * 1024;
// A header claiming more than this is not trusted with a reservation.
constexpr uint64_t kMaxReserve = uint64_t{1} << 32;

}  // namespace

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  if (abbrev == nullptr) return absl::StrCat("signal ", signal);
  return absl::StrCat("SIG", abbrev);
}

absl::Status StatusFromWaitStatus(pid_t pid, int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return absl::AbortedError(absl::StrCat(
        "task process ", pid, " killed by ", SignalName(WTERMSIG(wait_status)),
        WCOREDUMP(wait_status) ? " (core dumped)" : ""));
  }
  if (WIFEXITED(wait_status)) {
    const int code = WEXITSTATUS(wait_status);
    return absl::InternalError(absl::StrCat(
        "task process ", pid, " exited with code ", code, " without a result",
        code == kResultNotSentExitCode ? " (it could not send its result)"
                                       : ""));
  }
  return absl::InternalError(absl::StrCat(
      "task process ", pid, " ended with wait status ", wait_status));
}

absl::Status ErrnoStatus(absl::string_view what, int error) {
  std::string message = absl::StrCat(what, ": ", strerrordesc_np(error));
  if (error == EAGAIN || error == ENOMEM || error == EMFILE ||
      error == ENFILE) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t written = write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

bool WriteFrame(int fd, absl::string_view payload) {
  char header[kFrameHeader];
  const uint64_t size = payload.size();
  std::memcpy(header, &size, kFrameHeader);
  return WriteAll(fd, absl::string_view(header, kFrameHeader)) &&
         WriteAll(fd, payload);
}

void ExitChild(int code) { _exit(code); }

int64_t FrameBuffer::ReadAvailable(int fd) {
  // Drop consumed frames once they are most of the buffer.
  if (start_ > 0 && start_ * 2 >= bytes_.size()) {
    bytes_.erase(0, start_);
    start_ = 0;
  }
  // Once a frame's header has arrived, reserve room for the whole frame so a
  // large result is not copied again and again as it grows.
  size_t want = kSmallRead;
  const size_t available = bytes_.size() - start_;
  if (available >= kFrameHeader) {
    uint64_t size;
    std::memcpy(&size, bytes_.data() + start_, kFrameHeader);
    if (size <= kMaxReserve) bytes_.reserve(start_ + kFrameHeader + size);
    const uint64_t missing = kFrameHeader + size -
                             std::min<uint64_t>(available, kFrameHeader + size);
    want = static_cast<size_t>(
        std::clamp<uint64_t>(missing, kSmallRead, kLargeRead));
  }
  const size_t old_size = bytes_.size();
  bytes_.resize(old_size + want);
  ssize_t got;
  do {
    got = read(fd, bytes_.data() + old_size, want);
  } while (got < 0 && errno == EINTR);
  bytes_.resize(old_size + (got > 0 ? static_cast<size_t>(got) : 0));
  if (got < 0) return errno == EAGAIN ? -1 : -2;
  return got;
}

std::optional<absl::string_view> FrameBuffer::PeekFrame() const {
  const size_t available = bytes_.size() - start_;
  if (available < kFrameHeader) return std::nullopt;
  uint64_t size;
  std::memcpy(&size, bytes_.data() + start_, kFrameHeader);
  if (available - kFrameHeader < size) return std::nullopt;
  return absl::string_view(bytes_.data() + start_ + kFrameHeader, size);
}

void FrameBuffer::TakeFrame() {
  uint64_t size;
  std::memcpy(&size, bytes_.data() + start_, kFrameHeader);
  start_ += kFrameHeader + size;
}

}  // namespace processes_internal
}  // namespace multirun
