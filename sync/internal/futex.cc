// Copyright 2026 The multirun Authors.

#include "multirun/sync/internal/futex.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

namespace multirun {
namespace sync_internal {
namespace {

int Operation(int op, Sharing sharing) {
  return sharing == Sharing::kPrivate ? (op | FUTEX_PRIVATE_FLAG) : op;
}

long Futex(const std::atomic<uint32_t>* word, int op, uint32_t value,
           const timespec* timeout, uint32_t bitset) {
  // The kernel reads the word; it never writes it for the operations used here.
  return syscall(SYS_futex, const_cast<std::atomic<uint32_t>*>(word), op, value,
                 timeout, nullptr, bitset);
}

thread_local uint32_t cached_thread_id = 0;

void ForgetThreadIdInChild() { cached_thread_id = 0; }

}  // namespace

WaitResult FutexWait(const std::atomic<uint32_t>* word, uint32_t expected,
                     absl::Time deadline, Sharing sharing) {
  if (deadline == absl::InfiniteFuture()) {
    Futex(word, Operation(FUTEX_WAIT, sharing), expected, nullptr, 0);
    return WaitResult::kWoken;
  }
  if (deadline <= absl::Now()) return WaitResult::kTimedOut;
  // FUTEX_WAIT_BITSET takes an absolute time; with FUTEX_CLOCK_REALTIME it is
  // on the same clock as absl::Time.
  const timespec until = absl::ToTimespec(deadline);
  const long rc =
      Futex(word, Operation(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, sharing),
            expected, &until, FUTEX_BITSET_MATCH_ANY);
  if (rc == -1 && errno == ETIMEDOUT) return WaitResult::kTimedOut;
  return WaitResult::kWoken;
}

void FutexWake(const std::atomic<uint32_t>* word, int count, Sharing sharing) {
  Futex(word, Operation(FUTEX_WAKE, sharing), static_cast<uint32_t>(count),
        nullptr, 0);
}

uint32_t CurrentThreadId() {
  if (cached_thread_id == 0) {
    static const bool registered = [] {
      pthread_atfork(nullptr, nullptr, &ForgetThreadIdInChild);
      return true;
    }();
    (void)registered;
    cached_thread_id = static_cast<uint32_t>(syscall(SYS_gettid));
  }
  return cached_thread_id;
}

bool SpinPause(int attempt) {
  // Exponential backoff: the pauses double each attempt up to kMaxPauses, so a
  // spinning waiter reads the contended cache line less and less often and the
  // holder keeps it. About 300 pauses in all (a few microseconds) before the
  // caller sleeps. Tuned with //sync:lock_benchmark on 2 and 4 threads.
  constexpr int kAttempts = 12;
  constexpr int kMaxPausesLog2 = 5;
  if (attempt >= kAttempts) return false;
  const int pauses = 1 << (attempt < kMaxPausesLog2 ? attempt : kMaxPausesLog2);
  for (int i = 0; i < pauses; ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  return true;
}

}  // namespace sync_internal
}  // namespace multirun
