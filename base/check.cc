// Copyright 2026 The multirun Authors.

#include "multirun/base/check.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

#include "multirun/base/futex.h"

namespace multirun {
namespace base_internal {
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

void DestroyedWhileInUse(const void* object, absl::string_view message) {
  if (IsForkedChild()) return;
  // Static storage lies inside the mapping of a loaded ELF object (.data,
  // .bss); the heap, stacks and thread-local blocks do not.
  Dl_info info;
  if (dladdr(object, &info) != 0) return;
  Fatal(message);
}

}  // namespace base_internal
}  // namespace multirun
