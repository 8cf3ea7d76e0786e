// Copyright 2026 The multirun Authors.
//
// The worker process loop of a ProcessPool: request in, task run, answer out.

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
// the task.
void AnswerRequest(absl::string_view request, std::string* out) {
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
  int64_t done = 0;
  while (true) {
    while (std::optional<absl::string_view> request = requests.PeekFrame()) {
      // The previous answer leaves before the next task starts: if this
      // task kills the worker, the supervisor knows which one it was.
      Flush(response_fd, &out);
      if (request->empty()) ExitChild(0);  // Shutdown.
      if (request->size() < sizeof(uint32_t)) ExitChild(kBadRequestExitCode);
      AnswerRequest(*request, &out);
      requests.TakeFrame();
      if (++done == max_tasks) {
        Flush(response_fd, &out);
        ExitChild(0);
      }
    }
    Flush(response_fd, &out);
    const int64_t got = requests.ReadAvailable(request_fd);  // Blocks.
    if (got == 0 || got == -2) ExitChild(0);
  }
}

}  // namespace processes_internal
}  // namespace multirun
