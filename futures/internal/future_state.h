// Copyright 2026 The multirun Authors.
//
// The state a Promise and its Future share.
//
// One 32-bit state word says where the result is in its life:
//   kStarted  the work that will produce the result has begun (a Cancel()
//             after this point no longer stops it);
//   kClaimed  someone won the right to write the result (the promise setting
//             it, or Cancel()); exactly one writer ever claims;
//   kReady    the result is written and may be read;
//   kWaiters  a thread sleeps on the word (futex) waiting for kReady;
//   kCallbacks a callback was registered (MarkReady() takes the callbacks'
//             lock only then).
// Callbacks registered before kReady run once, on the thread that completes
// the result, after it is written; registered after, they run at once on the
// registering thread.
//
// Memory ordering: the result is written before kReady is set (release) and
// read after kReady is seen (acquire), so readers see the whole result.

#ifndef MULTIRUN_FUTURES_INTERNAL_FUTURE_STATE_H_
#define MULTIRUN_FUTURES_INTERNAL_FUTURE_STATE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "multirun/base/deadline.h"
#include "multirun/base/invoke.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace futures_internal {

// Makes `origin` what CurrentOrigin() (future.h) returns on this thread for
// its lifetime; restores the previous value afterwards.
class ScopedOrigin {
 public:
  explicit ScopedOrigin(int32_t origin);
  ScopedOrigin(const ScopedOrigin&) = delete;
  ScopedOrigin& operator=(const ScopedOrigin&) = delete;
  ~ScopedOrigin();

 private:
  int32_t previous_;
};

class StateBase {
 public:
  StateBase() = default;
  StateBase(const StateBase&) = delete;
  StateBase& operator=(const StateBase&) = delete;

  bool IsReady() const {
    return word_.load(std::memory_order_acquire) & kReady;
  }
  bool IsClaimed() const {
    return word_.load(std::memory_order_acquire) & kClaimed;
  }

  // Marks the work as begun. False when the result was already claimed (the
  // future was cancelled): the work must not run.
  bool TryStart();

  // Wins the right to write the result. False when someone else already has.
  bool TryClaim();

  // Claims the result only if the work has not started. Used by Cancel().
  bool TryClaimUnstarted();

  // Blocks until ready or until `deadline`. Returns whether ready.
  bool Wait(const base_internal::Deadline& deadline) const;

  // Runs `callback` once the result is ready: now, on this thread, if it
  // already is; otherwise on the thread that completes it.
  void OnReady(absl::AnyInvocable<void()> callback);

  // Where the result comes from, as its producer says (Promise::SetOrigin);
  // -1 when it says nothing. Set before the result, read after it.
  void set_origin(int32_t origin) {
    origin_.store(origin, std::memory_order_relaxed);
  }
  int32_t origin() const { return origin_.load(std::memory_order_relaxed); }

 protected:
  ~StateBase() = default;

  // Publishes the result the claimer wrote, wakes waiters, runs callbacks.
  void MarkReady();

 private:
  static constexpr uint32_t kStarted = 1;
  static constexpr uint32_t kClaimed = 2;
  static constexpr uint32_t kReady = 4;
  static constexpr uint32_t kWaiters = 8;
  static constexpr uint32_t kCallbacks = 16;

  mutable std::atomic<uint32_t> word_{0};
  std::atomic<int32_t> origin_{-1};
  Lock callbacks_lock_;
  // The first callback inline: most futures get at most one (Then, WaitFor).
  absl::AnyInvocable<void()> first_callback_ ABSL_GUARDED_BY(callbacks_lock_);
  std::vector<absl::AnyInvocable<void()>> more_callbacks_
      ABSL_GUARDED_BY(callbacks_lock_);
};

template <typename T>
class State final : public StateBase {
 public:
  using Result = typename base_internal::ResultFor<T>::type;

  // Writes `result` if this caller wins the claim. Returns whether it did.
  bool Complete(Result result) {
    if (!TryClaim()) return false;
    SetClaimed(std::move(result));
    return true;
  }

  // Writes the result of a claim the caller already won.
  void SetClaimed(Result result) {
    result_.emplace(std::move(result));
    MarkReady();
  }

  // The result; only once IsReady().
  Result& result() { return *result_; }

 private:
  std::optional<Result> result_;
};

}  // namespace futures_internal
}  // namespace multirun

#endif  // MULTIRUN_FUTURES_INTERNAL_FUTURE_STATE_H_
