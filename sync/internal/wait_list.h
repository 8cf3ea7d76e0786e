// Copyright 2026 The multirun Authors.
//
// WaitList: threads waiting for a change of some state that a lock protects;
// the condition-variable core shared by Condition and Queue.
//
// A waiter calls Enter() while it still holds the lock, releases the lock,
// calls Sleep() with the ticket Enter() gave it, then Leave(). A notifier
// changes the state and calls NotifyOne() or NotifyAll(), with or without the
// lock. Because Enter() happens under the lock and the ticket is an epoch that
// every notify advances, a notify that follows the state change can never fall
// between the waiter's check of the state and its sleep.
//
// A process killed while registered (in shared memory) stays counted: the next
// notify spends one wake on it, which a later Leave() uses up; no live waiter
// misses a notify, since the kernel wakes the live sleepers on the epoch.
//
// Memory ordering: the sleeper counts and the epoch are accessed with
// sequentially consistent operations, so a notifier that finds no sleeper is
// ordered before the waiter's Enter(). The state itself is ordered by the
// caller's lock.

#ifndef MULTIRUN_SYNC_INTERNAL_WAIT_LIST_H_
#define MULTIRUN_SYNC_INTERNAL_WAIT_LIST_H_

#include <atomic>
#include <cstdint>

#include "multirun/base/check.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace sync_internal {

class WaitList {
 public:
  // `sharing` is kProcess for a list in memory shared between processes.
  explicit WaitList(
      base_internal::Sharing sharing = base_internal::Sharing::kPrivate)
      : sharing_(sharing) {}
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;
  // Aborts with a message if a thread is still registered (it would wake on
  // freed memory): the owner was destroyed while someone waited in it. See
  // DestroyedWhileInUse for the exceptions; a process-shared list is one too
  // (its sleepers may be other processes').
  ~WaitList() {
    if (Sleepers(counts_.load(std::memory_order_relaxed)) != 0 &&
        sharing_ == base_internal::Sharing::kPrivate) {
      base_internal::DestroyedWhileInUse(
          this,
          "destroyed while a thread waits in it (a Queue or "
          "Condition must outlive every call on it)");
    }
  }

  // Registers the calling thread as a waiter; returns its ticket.
  //
  // The ticket is read before the registration: a notify that counts this
  // thread as woken then advances the epoch past the ticket, so the Sleep()
  // returns at once. (Registering first would let such a notify advance the
  // epoch before the read: the thread would sleep on the new epoch while
  // counted as woken, and no later notify would wake it.)
  uint32_t Enter() {
    const uint32_t ticket = epoch_.load(std::memory_order_seq_cst);
    counts_.fetch_add(kOneSleeper, std::memory_order_seq_cst);
    return ticket;
  }

  // Sleeps until a notify after Enter() returned `ticket`, or `deadline`. May
  // also return early (spuriously). Returns false only on timeout.
  bool Sleep(uint32_t ticket, const base_internal::Deadline& deadline) {
    return base_internal::FutexWait(&epoch_, ticket, deadline, sharing_) !=
           base_internal::WaitResult::kTimedOut;
  }

  // Unregisters the calling thread, and uses up one pending wake if any is left
  // (its own, or one whose target left anyway: either way the counts stay equal
  // to the sleepers not yet woken).
  void Leave() {
    uint64_t observed = counts_.load(std::memory_order_relaxed);
    while (!counts_.compare_exchange_weak(
        observed, observed - kOneSleeper - (Wakes(observed) > 0 ? 1 : 0),
        std::memory_order_relaxed)) {
    }
  }

  void NotifyOne() { Notify(1); }
  void NotifyAll() { Notify(UINT32_MAX); }

 private:
  // counts_ holds the registered sleepers (high half) and the wakes already
  // sent to them (low half). A notify wakes only sleepers that no earlier
  // notify woke, so a stream of notifies costs one system call per sleep, not
  // one per notify.
  static constexpr uint64_t kOneSleeper = uint64_t{1} << 32;
  static uint32_t Sleepers(uint64_t counts) { return counts >> 32; }
  static uint32_t Wakes(uint64_t counts) {
    return static_cast<uint32_t>(counts);
  }

  void Notify(uint32_t most) {
    // Read before the wake-ups are granted: a woken waiter may destroy the
    // object that holds this list at once.
    const base_internal::Sharing sharing = sharing_;
    uint64_t observed = counts_.load(std::memory_order_seq_cst);
    uint32_t waking;
    do {
      const uint32_t unwoken = Sleepers(observed) - Wakes(observed);
      if (unwoken == 0) return;
      waking = unwoken < most ? unwoken : most;
    } while (!counts_.compare_exchange_weak(observed, observed + waking,
                                            std::memory_order_seq_cst));
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    base_internal::FutexWake(
        &epoch_, waking > INT32_MAX ? INT32_MAX : static_cast<int>(waking),
        sharing);
  }

  std::atomic<uint32_t> epoch_{0};
  const base_internal::Sharing sharing_;  // In the padding before counts_.
  std::atomic<uint64_t> counts_{0};
};

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_WAIT_LIST_H_
