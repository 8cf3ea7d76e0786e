// Copyright 2026 The multirun Authors.
//
// WaitList: threads waiting for a change of some state that a lock protects; the
// condition-variable core shared by Condition and Queue.
//
// A waiter calls Enter() while it still holds the lock, releases the lock, calls
// Sleep() with the ticket Enter() gave it, then Leave(). A notifier changes the
// state and calls NotifyOne() or NotifyAll(), with or without the lock. Because
// Enter() happens under the lock and the ticket is an epoch that every notify
// advances, a notify that follows the state change can never fall between the
// waiter's check of the state and its sleep.
//
// Memory ordering: the sleeper count and the epoch are accessed with sequentially
// consistent operations, so a notifier that finds no sleeper is ordered before the
// waiter's Enter(). The state itself is ordered by the caller's lock.

#ifndef MULTIRUN_SYNC_INTERNAL_WAIT_LIST_H_
#define MULTIRUN_SYNC_INTERNAL_WAIT_LIST_H_

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/sync/internal/futex.h"

namespace multirun {
namespace sync_internal {

class WaitList {
 public:
  // Registers the calling thread as a waiter; returns its ticket.
  uint32_t Enter() {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    return epoch_.load(std::memory_order_seq_cst);
  }

  // Sleeps until a notify after Enter() returned `ticket`, or `deadline`. May also
  // return early (spuriously). Returns false only on timeout.
  bool Sleep(uint32_t ticket, absl::Time deadline) {
    return FutexWait(&epoch_, ticket, deadline) != WaitResult::kTimedOut;
  }

  void Leave() { sleepers_.fetch_sub(1, std::memory_order_relaxed); }

  void NotifyOne() { Notify(1); }
  void NotifyAll() { Notify(INT32_MAX); }

 private:
  void Notify(int count) {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) FutexWake(&epoch_, count);
  }

  std::atomic<uint32_t> epoch_{0};
  std::atomic<uint32_t> sleepers_{0};
};

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_WAIT_LIST_H_
