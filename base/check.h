// Copyright 2026 The multirun Authors.
//
// Fatal errors for programming mistakes that cannot be reported as a Status: a
// constructor given an invalid argument, `unlock()` of a lock that is not held.
// The message names the type, the operation and the offending value.

#ifndef MULTIRUN_BASE_CHECK_H_
#define MULTIRUN_BASE_CHECK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace base_internal {

// Writes "multirun: <message>" to stderr and aborts.
[[noreturn]] void Fatal(absl::string_view message);

// Aborts with the status message unless `status` is OK.
inline void CheckOk(const absl::Status& status) {
  if (!status.ok()) Fatal(status.message());
}

// A destructor found `object` still in use: threads asleep in it, or a Lock
// still held. Aborts with "multirun: <message>", except where that would be a
// false alarm: in a forked child (its copies count its parent's waiters) and
// for objects of static storage duration (destroyed at exit, when a thread
// blocked in them, such as a detached background consumer, never runs again).
// The check is best effort: it sees sleepers, not threads about to sleep or
// just woken. Process-shared objects (sync/process_shared.h) do not call it:
// their sleepers may belong to other processes, whose mappings stay valid.
void DestroyedWhileInUse(const void* object, absl::string_view message);

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_CHECK_H_
