// Copyright 2026 The multirun Authors.
//
// For tests of writers killed half-way through a write: fork a child that
// writes to `path` (growing it past `size_before`), SIGKILL it the moment
// the file grows, and say whether the kill landed inside the write (the
// file grew, but not to the full `size_before + record_bytes`). A SIGKILL
// cuts a write() short at a page boundary, so a large write usually tears;
// the caller retries the rare run whose write finished first. Test-only.

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_KILL_MID_WRITE_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_KILL_MID_WRITE_H_

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace multirun {
namespace fao_internal {

inline off_t FileSize(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? info.st_size : -1;
}

// One try: OK with `*torn` set; an error if the child ended before writing
// or the file did not grow within 30 s (then the child is killed too).
inline absl::Status ForkWriteAndKillMidWrite(const std::string& path,
                                             off_t size_before,
                                             off_t record_bytes,
                                             absl::FunctionRef<bool()> write,
                                             bool* torn) {
  *torn = false;
  const pid_t child = fork();
  if (child < 0) return absl::InternalError("fork failed");
  if (child == 0) _exit(write() ? 0 : 1);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int status = 0;
  while (FileSize(path) == size_before) {
    if (waitpid(child, &status, WNOHANG) == child) {
      return absl::InternalError(absl::StrCat(
          "the writer ended before it wrote (status ", status, ")"));
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 30) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return absl::DeadlineExceededError("the writer did not write in 30 s");
    }
    usleep(20);
  }
  kill(child, SIGKILL);
  if (waitpid(child, &status, 0) != child) {
    return absl::InternalError("waitpid failed");
  }
  const off_t size = FileSize(path);
  *torn = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
          size > size_before && size < size_before + record_bytes;
  return absl::OkStatus();
}

// Up to 5 tries: after a try whose write finished before the kill, cuts the
// file back to `size_before` and forks again. OK once a kill tore the
// write; FailedPrecondition if none did.
inline absl::Status KillMidWriteUntilTorn(const std::string& path,
                                          off_t size_before, off_t record_bytes,
                                          absl::FunctionRef<bool()> write) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    bool torn = false;
    absl::Status tried =
        ForkWriteAndKillMidWrite(path, size_before, record_bytes, write, &torn);
    if (!tried.ok() || torn) return tried;
    if (truncate(path.c_str(), size_before) != 0) {
      return absl::InternalError("cannot cut the whole record back");
    }
  }
  return absl::FailedPreconditionError(
      "no attempt was killed inside its write");
}

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_KILL_MID_WRITE_H_
