// Copyright 2026 The multirun Authors.
//
// Event: a flag that threads can wait for, as Python's `threading.Event`.
//
// An Event is either set or clear. Wait() returns at once while it is set and
// otherwise sleeps until some thread calls Set(); Clear() makes later waiters
// sleep again. Unlike a one-shot notification, an Event can be set and cleared
// many times. Use it for "start now" or "stop now" signals shared by many
// threads.
//
// A waiter that was asleep when Set() was called returns true even if another
// thread clears the event again before the waiter runs (as in Python): a Set()
// is never missed.
//
// Example:
//
//   multirun::Event start;
//   std::vector<std::thread> workers;
//   for (int i = 0; i < 4; ++i) {
//     workers.emplace_back([&] {
//       start.Wait();
//       Work();
//     });
//   }
//   start.Set();  // every worker begins
//   for (std::thread& worker : workers) worker.join();
//
// State: one futex word (set bit, sleepers bit, and a count of Set() calls that
// found the event clear) and the sharing mode (8 bytes); no heap, no pointers.
// IsSet() is a load; Set() with no sleeper is one compare-and-swap and no
// system call.
//
// Processes: `Event event(kProcessShared)` in shared memory (or
// `SharedRegion::New<Event>()`): a Set() in one process wakes the waiters of
// every process.
//
// Thread-safety: every method may be called from any thread at once.
//
// Memory ordering: Set() is a release operation and a Wait() that returns true
// (or an IsSet() that returns true) an acquire operation: what a thread wrote
// before Set() is visible to the threads that see the event set.

#ifndef MULTIRUN_SYNC_EVENT_H_
#define MULTIRUN_SYNC_EVENT_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"
#include "multirun/sync/process_shared.h"

namespace multirun {

// A flag threads can wait for (see the file comment).
class Event {
 public:
  // An event for the threads of this process.
  Event() = default;
  // An event for the threads of every process that maps the memory it is in.
  explicit Event(ProcessShared) : sharing_(base_internal::Sharing::kProcess) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Sets the event and wakes every waiter. Never blocks.
  void Set();

  // Clears the event. Never blocks.
  void Clear() { state_.fetch_and(~kSet, std::memory_order_relaxed); }

  // Whether the event is set.
  bool IsSet() const { return state_.load(std::memory_order_acquire) & kSet; }

  // Blocks until the event is set.
  void Wait() {
    if (!IsSet()) WaitSlow(base_internal::Deadline::Never());
  }

  // Blocks until the event is set or `timeout` has passed. Returns whether it
  // is set (true at once if it already was).
  bool WaitFor(absl::Duration timeout) {
    return IsSet() || WaitSlow(base_internal::Deadline::After(timeout));
  }

  // Blocks until the event is set or `deadline` has passed. Returns whether it
  // is set.
  bool WaitUntil(absl::Time deadline) {
    return IsSet() || WaitSlow(base_internal::Deadline::At(deadline));
  }

  // Whether the event was constructed with kProcessShared.
  bool IsProcessShared() const {
    return sharing_ == base_internal::Sharing::kProcess;
  }

 private:
  static constexpr uint32_t kSet = 1;
  static constexpr uint32_t kSleepers = 2;
  static constexpr uint32_t kFlags = kSet | kSleepers;
  static constexpr uint32_t kOneSet =
      4;  // The Set() count lives above the flags.

  bool WaitSlow(const base_internal::Deadline& deadline);

  std::atomic<uint32_t> state_{0};
  // Read only when a thread sleeps or is woken.
  const base_internal::Sharing sharing_ = base_internal::Sharing::kPrivate;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_EVENT_H_
