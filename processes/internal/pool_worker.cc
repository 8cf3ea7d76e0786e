// Copyright 2026 The multirun Authors.
//
// The worker process loop of a ProcessPool: request in, acknowledgement out,
// task run, answer out.
//
// The acknowledgement costs no write of its own while requests are waiting:
// the previous answer is still unsent when the next request starts (it is
// sent just before, so that a task that kills the worker is known), and the
// acknowledgement is a bit in that answer's kind. Only a request that finds
// nothing to answer (the first after a wait) gets a frame of its own.

#include "multirun/processes/internal/pool_worker.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/base/invoke.h"
#include "multirun/codec/codec.h"
#include "multirun/executors/worker.h"
#include "multirun/processes/internal/pool_protocol.h"
#include "multirun/processes/internal/pool_registry.h"
#include "multirun/processes/internal/process_io.h"

namespace multirun {
namespace processes_internal {
namespace {

// A worker's result buffer above this is freed after it is sent.
constexpr size_t kKeepBuffer = size_t{1} << 20;

// Appends the response to `request` (a request payload) to `*out`, running
// the task. Returns the position of the response's kind byte in `*out`.
size_t AnswerRequest(absl::string_view request, std::string* out) {
  uint32_t id;
  std::memcpy(&id, request.data(), sizeof(id));
  request.remove_prefix(sizeof(id));
  const size_t start = out->size();
  out->append(kPoolFrameHeader + 1, '\0');
  char kind = kPoolResultKind;
  const PoolTaskEntry* entry = PoolTaskById(id);
  if (entry == nullptr) {
    kind = kPoolErrorKind;
    EncodeTo(absl::NotFoundError(absl::StrCat(
                 "task number ", id, " is not registered in worker process ",
                 getpid(), " (registered after the worker was forked?)")),
             out);
  } else {
    try {
      entry->runner(request, out);
    } catch (...) {  // bad_alloc, a throwing user codec.
      out->resize(start + kPoolFrameHeader + 1);
      kind = kPoolErrorKind;
      try {
        EncodeTo(base_internal::StatusFromCurrentException(), out);
      } catch (...) {
        ExitChild(kResultNotSentExitCode);
      }
    }
  }
  (*out)[start + kPoolFrameHeader] = kind;
  const uint64_t size = out->size() - start - kPoolFrameHeader;
  std::memcpy(out->data() + start, &size, kPoolFrameHeader);
  return start + kPoolFrameHeader;
}

// Appends to `*out` the acknowledgement that the worker starts its next
// request: a bit in the answer whose kind byte is at `answer_kind` when
// there is one (npos: none), a frame of its own otherwise.
void AcknowledgeStart(size_t answer_kind, std::string* out) {
  if (answer_kind != std::string::npos) {
    (*out)[answer_kind] |= kPoolStartsNextFlag;
    return;
  }
  const size_t start = out->size();
  out->append(kPoolFrameHeader + 1, kPoolStartedKind);
  const uint64_t size = 1;
  std::memcpy(out->data() + start, &size, kPoolFrameHeader);
}

// Sends `*out` to the supervisor and empties it; exits if it cannot.
void Flush(int response_fd, std::string* out) {
  if (out->empty()) return;
  if (!WriteAll(response_fd, *out)) ExitChild(kResultNotSentExitCode);
  if (out->capacity() > kKeepBuffer) {
    std::string().swap(*out);
  } else {
    out->clear();
  }
}

}  // namespace

[[noreturn]] void RunPoolWorker(int request_fd, int response_fd,
                                const std::vector<int>& close_fds,
                                WorkerInfo& info, pid_t parent, int max_tasks) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Die with the supervisor thread; it may have died before this line.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) ExitChild(0);
  for (int fd : close_fds) close(fd);
  prctl(PR_SET_NAME, info.name.c_str());
  info.pid = getpid();
  info.thread_id = static_cast<uint32_t>(gettid());
  ScopedCurrentWorker current(&info);

  FrameBuffer requests;
  std::string out;
  // Where the kind byte of the unsent answer in `out` is (npos: none).
  size_t answer_kind = std::string::npos;
  int64_t done = 0;
  while (true) {
    while (std::optional<absl::string_view> request = requests.PeekFrame()) {
      if (request->size() < sizeof(uint32_t)) {
        Flush(response_fd, &out);
        // An empty request is Shutdown.
        ExitChild(request->empty() ? 0 : kBadRequestExitCode);
      }
      // The previous answer and the acknowledgement leave before the task
      // starts: if it kills the worker, the supervisor knows which one it
      // was, and that the requests after it never started.
      AcknowledgeStart(answer_kind, &out);
      Flush(response_fd, &out);
      answer_kind = AnswerRequest(*request, &out);
      requests.TakeFrame();
      if (++done == max_tasks) {
        Flush(response_fd, &out);
        ExitChild(0);
      }
    }
    Flush(response_fd, &out);
    answer_kind = std::string::npos;
    int64_t got;
    try {
      got = requests.ReadAvailable(request_fd);  // Blocks.
    } catch (...) {  // bad_alloc: the request does not fit in memory.
      ExitChild(kRequestTooLargeExitCode);
    }
    if (got == 0 || got == -2) ExitChild(0);
  }
}

}  // namespace processes_internal
}  // namespace multirun
