// Copyright 2026 The multirun Authors.
//
// Futex: the one kernel primitive every multirun synchronization type sleeps
// on.
//
// A futex is a 32-bit word in memory. `FutexWait` sleeps while the word still
// holds the value the caller last saw; `FutexWake` wakes sleepers on the word.
// All state of a multirun primitive lives in such words and a few atomics
// beside them (no heap, no pointers), so the same types can be placed in memory
// shared between processes. `Sharing::kProcess` selects the futex operations
// that work across address spaces: a primitive constructed with kProcessShared
// (sync/process_shared.h) keeps kProcess beside its words and passes it to
// every wait and wake; the default is kPrivate.
//
// Memory ordering: the futex calls order nothing. Callers publish and observe
// their state through the std::atomic operations on the word; the kernel only
// guarantees that a wake cannot fall between the check of the word and the
// sleep.

#ifndef MULTIRUN_BASE_FUTEX_H_
#define MULTIRUN_BASE_FUTEX_H_

#include <atomic>
#include <cstdint>

#include "multirun/base/deadline.h"

namespace multirun {
namespace base_internal {

// Whether a primitive is used by the threads of one process or shared between
// processes through shared memory. One byte: it sits in the padding beside a
// primitive's words.
enum class Sharing : uint8_t { kPrivate, kProcess };

enum class WaitResult {
  kWoken,     // A wake arrived, or the word had already changed.
  kTimedOut,  // `deadline` passed.
};

// Sleeps while `*word == expected`, until woken or until `deadline`. Returns
// kWoken also on a spurious wake, a signal, or a word that changed before the
// call: callers re-check their state. Returns kTimedOut at once for a deadline
// that has passed.
WaitResult FutexWait(const std::atomic<uint32_t>* word, uint32_t expected,
                     const Deadline& deadline,
                     Sharing sharing = Sharing::kPrivate);

// Wakes up to `count` threads sleeping on `word`. Does not block.
void FutexWake(const std::atomic<uint32_t>* word, int count,
               Sharing sharing = Sharing::kPrivate);

// Wakes every thread sleeping on `word`.
inline void FutexWakeAll(const std::atomic<uint32_t>* word,
                         Sharing sharing = Sharing::kPrivate) {
  FutexWake(word, INT32_MAX, sharing);
}

// The kernel thread id of the calling thread: unique among all live threads of
// all processes, never 0. Cached per thread and refreshed in the child after
// fork().
uint32_t CurrentThreadId();

// Whether `id` was the calling thread's id in an ancestor process: the thread
// that called fork() continues in the child under a new id, and what it owned
// before (an RLock held across fork()) is still its own there. Remembers the
// last kForkGenerations forks.
inline constexpr int kForkGenerations = 4;
bool WasCurrentThreadBeforeFork(uint32_t id);

// Whether this process was created by fork() (from a process running this
// code). A child's copies of the primitives may count waiters that exist only
// in the parent, so the destructors' "threads still wait" checks are skipped
// there: a child that calls exit() must not abort on its parent's waiters.
bool IsForkedChild();

// Pauses the core for spin attempt number `attempt` (0, 1, ...), longer each
// time; returns false, without pausing, once the spin budget is spent and the
// caller should sleep on the futex (or yield) instead.
//
// The budget is time, not a count of pause instructions: one pause takes from
// about 10 to about 140 cycles depending on the CPU, so a count would spin
// several times longer on one host than on another, and a contended Lock that
// wins on one would lose on the other. The cost of a pause is measured once,
// on the first spin of the process. Each attempt pauses twice as long as the
// one before, from kFirstRoundNanos up to kLongestRoundNanos, so a spinning
// waiter reads the contended cache line less and less often and the holder
// keeps it; the kSpinAttempts attempts last about 6 microseconds in all, the
// time a holder of a short critical section takes to release (tuned with
// //sync:lock_benchmark on 2 and 4 threads).
inline constexpr int kSpinAttempts = 12;
inline constexpr int64_t kFirstRoundNanos = 24;
inline constexpr int64_t kLongestRoundNanos = 750;
bool SpinPause(int attempt);

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_FUTEX_H_
