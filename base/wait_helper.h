// Copyright 2026 The multirun Authors.
//
// WaitHelper: what a thread that must wait for a result can do meanwhile.
//
// A blocking wait on a worker thread of an executor would take that worker
// away from the executor's pending work, and when that work is what the wait
// needs (a task waiting for a subtask it scheduled on the same pool), the
// wait never ends. An executor that owns threads installs a WaitHelper on
// each of them (ScopedWaitHelper); a blocking wait (Future::Get() and its
// kin) asks CurrentWaitHelper() and, when there is one, lets it run the
// executor's pending work until the result is ready. A process forked from
// such a thread starts with no helper.

#ifndef MULTIRUN_BASE_WAIT_HELPER_H_
#define MULTIRUN_BASE_WAIT_HELPER_H_

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "multirun/base/deadline.h"

namespace multirun {
namespace base_internal {

class WaitHelper {
 public:
  enum class Outcome {
    kReady,    // `ready()` returned true.
    kExpired,  // The deadline passed first.
    kIdle,     // A timed wait found no work: the caller sleeps on its own
               // until the result or the deadline.
  };

  // Runs pending work until `ready()` returns true or `deadline` passes. An
  // untimed wait (Deadline::Never()) then sleeps until the result is ready
  // or new work arrives, and never returns kIdle: `on_ready(wake)` registers
  // `wake` to be called once the awaited result is ready (at once if it
  // is); `wake` must stay callable after HelpUntil() has returned, and is
  // cheap. A timed wait returns kIdle when it finds no work, without
  // registering anything.
  virtual Outcome HelpUntil(
      absl::FunctionRef<bool()> ready,
      absl::FunctionRef<void(absl::AnyInvocable<void()>)> on_ready,
      const Deadline& deadline) = 0;

 protected:
  ~WaitHelper() = default;
};

// The helper installed on the calling thread, or nullptr.
WaitHelper* CurrentWaitHelper();

// Installs `helper` on the calling thread for its lifetime; restores the
// previous one afterwards.
class ScopedWaitHelper {
 public:
  explicit ScopedWaitHelper(WaitHelper* helper);
  ScopedWaitHelper(const ScopedWaitHelper&) = delete;
  ScopedWaitHelper& operator=(const ScopedWaitHelper&) = delete;
  ~ScopedWaitHelper();

 private:
  WaitHelper* previous_;
};

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_WAIT_HELPER_H_
