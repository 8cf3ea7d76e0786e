// Copyright 2026 The multirun Authors.

#include "multirun/sync/internal/check.h"

#include <unistd.h>

#include <cstdlib>

namespace multirun {
namespace sync_internal {
namespace {

void WriteAll(absl::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void Fatal(absl::string_view message) {
  // write(2) rather than stdio: this may run in a forked child or with locks
  // held.
  WriteAll("multirun: ");
  WriteAll(message);
  WriteAll("\n");
  std::abort();
}

}  // namespace sync_internal
}  // namespace multirun
