// Copyright 2026 The multirun Authors.

#include "multirun/base/futex.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>

namespace multirun {
namespace base_internal {
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
// This thread's ids in ancestor processes, most recent first; 0 = unused.
thread_local uint32_t ids_before_fork[kForkGenerations] = {};

std::atomic<bool> forked_child{false};

// Runs in the child, in the thread that called fork().
void OnForkInChild() {
  forked_child.store(true, std::memory_order_relaxed);
  if (cached_thread_id == 0) return;  // Never asked for: it owns nothing.
  for (int i = kForkGenerations - 1; i > 0; --i) {
    ids_before_fork[i] = ids_before_fork[i - 1];
  }
  ids_before_fork[0] = cached_thread_id;
  cached_thread_id = 0;
}

// Registered when the program starts, before any thread can fork.
const bool kForkHandlerRegistered =
    pthread_atfork(nullptr, nullptr, &OnForkInChild) == 0;

}  // namespace

WaitResult FutexWait(const std::atomic<uint32_t>* word, uint32_t expected,
                     const Deadline& deadline, Sharing sharing) {
  if (deadline.IsNever()) {
    Futex(word, Operation(FUTEX_WAIT, sharing), expected, nullptr, 0);
    return WaitResult::kWoken;
  }
  if (deadline.Expired()) return WaitResult::kTimedOut;
  // FUTEX_WAIT_BITSET takes an absolute time, on CLOCK_MONOTONIC unless
  // FUTEX_CLOCK_REALTIME is given.
  const int op = deadline.OnRealtimeClock()
                     ? (FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME)
                     : FUTEX_WAIT_BITSET;
  const long rc = Futex(word, Operation(op, sharing), expected,
                        &deadline.When(), FUTEX_BITSET_MATCH_ANY);
  if (rc == -1 && errno == ETIMEDOUT) return WaitResult::kTimedOut;
  return WaitResult::kWoken;
}

void FutexWake(const std::atomic<uint32_t>* word, int count, Sharing sharing) {
  Futex(word, Operation(FUTEX_WAKE, sharing), static_cast<uint32_t>(count),
        nullptr, 0);
}

uint32_t CurrentThreadId() {
  if (cached_thread_id == 0) {
    cached_thread_id = static_cast<uint32_t>(syscall(SYS_gettid));
  }
  return cached_thread_id;
}

bool IsForkedChild() {
  return !kForkHandlerRegistered ||
         forked_child.load(std::memory_order_relaxed);
}

bool WasCurrentThreadBeforeFork(uint32_t id) {
  for (uint32_t before : ids_before_fork) {
    if (before != 0 && before == id) return true;
  }
  return false;
}

namespace {

void CpuPause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

int64_t MonotonicNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Nanoseconds one CpuPause() takes on this CPU: the fastest of a few timed
// runs (a run that was preempted only reads longer). Clamped to [0.5, 200].
double MeasurePauseNanos() {
  constexpr int kRuns = 3;
  constexpr int kPausesPerRun = 128;
  double fastest = 1e9;
  for (int run = 0; run < kRuns; ++run) {
    const int64_t start = MonotonicNanos();
    for (int i = 0; i < kPausesPerRun; ++i) CpuPause();
    const double each =
        static_cast<double>(MonotonicNanos() - start) / kPausesPerRun;
    if (each < fastest) fastest = each;
  }
  return fastest < 0.5 ? 0.5 : (fastest > 200 ? 200 : fastest);
}

// The pauses of each spin attempt, 0 until measured. Atomics rather than a
// function-local static: a thread that forks while another measures would
// leave the child a static whose initialisation never ends, and threads that
// spin for the first time at once would wait for the first one. Threads that
// race here each measure and store (nearly) the same numbers.
std::atomic<int> spin_pauses[kSpinAttempts];

void MeasureSpinSchedule() {
  const double pause_nanos = MeasurePauseNanos();
  for (int attempt = 0; attempt < kSpinAttempts; ++attempt) {
    const double nanos = static_cast<double>(
        std::min(kFirstRoundNanos << attempt, kLongestRoundNanos));
    const int count = static_cast<int>(nanos / pause_nanos + 0.5);
    spin_pauses[attempt].store(count < 1 ? 1 : count,
                               std::memory_order_relaxed);
  }
}

}  // namespace

bool SpinPause(int attempt) {
  if (attempt >= kSpinAttempts) return false;
  int pauses = spin_pauses[attempt].load(std::memory_order_relaxed);
  if (pauses == 0) {
    MeasureSpinSchedule();
    pauses = spin_pauses[attempt].load(std::memory_order_relaxed);
  }
  for (; pauses > 0; --pauses) CpuPause();
  return true;
}

}  // namespace base_internal
}  // namespace multirun
