// Copyright 2026 The multirun Authors.
//
// A RobustLock is a POSIX robust mutex (PTHREAD_MUTEX_ROBUST, error-checking,
// and PTHREAD_PROCESS_SHARED when made with kProcessShared), not a futex word
// of multirun's own as Lock is: the kernel learns of a holder's death through
// glibc's per-thread robust list, which only a pthread mutex can join. owner_
// records the holder's kernel thread id beside it, for IsOwnedByCurrentThread()
// and Release()'s check that the caller holds the lock.

#include "multirun/sync/robust_lock.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <system_error>

#include "absl/base/config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"

namespace multirun {
namespace {

// What PreviousOwnerDied() looks for in a DataLoss message.
constexpr char kOwnerDied[] = "previous owner died";

// pthread_mutex_trylock, working around glibc (2.36 and others): on a robust
// mutex made unrecoverable, trylock takes the futex word, sees the state and
// returns ENOTRECOVERABLE, but does not put the word back (it unlocks only if
// the word already held the caller's id). Every later acquire would then block
// (or see EDEADLK) instead of failing. Clears the word as glibc's own unlock
// does, waking one waiter, which then fails as it should.
int TryLock(pthread_mutex_t* mutex) {
  const int result = pthread_mutex_trylock(mutex);
#ifdef __GLIBC__
  if (result == ENOTRECOVERABLE) {
    int* word = &mutex->__data.__lock;
    const int self = static_cast<int>(base_internal::CurrentThreadId());
    if ((__atomic_load_n(word, __ATOMIC_RELAXED) & FUTEX_TID_MASK) == self &&
        (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) & FUTEX_WAITERS) != 0) {
      // glibc's robust mutexes always use the process-shared futex calls.
      syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
    }
  }
#endif
  return result;
}

void CheckPthread(int result, const char* call) {
  if (result != 0) {
    base_internal::Fatal(
        absl::StrCat("RobustLock: ", call, " failed: ", std::strerror(result)));
  }
}

}  // namespace

bool PreviousOwnerDied(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDataLoss &&
         absl::StrContains(status.message(), kOwnerDied);
}

RobustLock::RobustLock() : sharing_(base_internal::Sharing::kPrivate) {
  Init();
}

RobustLock::RobustLock(ProcessShared)
    : sharing_(base_internal::Sharing::kProcess) {
  Init();
}

void RobustLock::Init() {
  pthread_mutexattr_t attributes;
  CheckPthread(pthread_mutexattr_init(&attributes), "pthread_mutexattr_init");
  CheckPthread(pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST),
               "pthread_mutexattr_setrobust");
  // Error-checking: a second acquire by the holder returns EDEADLK instead of
  // deadlocking.
  CheckPthread(pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK),
               "pthread_mutexattr_settype");
  CheckPthread(pthread_mutexattr_setpshared(
                   &attributes, IsProcessShared() ? PTHREAD_PROCESS_SHARED
                                                  : PTHREAD_PROCESS_PRIVATE),
               "pthread_mutexattr_setpshared");
  CheckPthread(pthread_mutex_init(&mutex_, &attributes), "pthread_mutex_init");
  pthread_mutexattr_destroy(&attributes);
}

RobustLock::~RobustLock() {
  // Other processes may still use a shared lock: pthread_mutex_destroy would
  // mark it invalid for them too.
  if (IsProcessShared()) return;
  switch (TryLock(&mutex_)) {
    case 0:
      break;
    case EOWNERDEAD:
      // The holder died: nobody waits for a repair that could still happen.
      pthread_mutex_consistent(&mutex_);
      break;
    case ENOTRECOVERABLE:
      pthread_mutex_destroy(&mutex_);
      return;
    default:  // EBUSY (another thread holds it) or EDEADLK (this one does).
      base_internal::DestroyedWhileInUse(this,
                                         "RobustLock destroyed while held");
      return;  // Exempt (static storage, forked child): leave it alone.
  }
  pthread_mutex_unlock(&mutex_);
  pthread_mutex_destroy(&mutex_);
}

absl::Status RobustLock::Taken(int result, const char* who) {
  switch (result) {
    case 0:
      owner_.store(base_internal::CurrentThreadId(), std::memory_order_relaxed);
      return absl::OkStatus();
    case EOWNERDEAD:
      owner_.store(base_internal::CurrentThreadId(), std::memory_order_relaxed);
      return absl::DataLossError(absl::StrCat(
          "RobustLock::", who, ": the ", kOwnerDied,
          " holding the lock, so the state it protects may be half-updated; "
          "the caller now holds it: repair the protected state, then call "
          "MarkConsistent()"));
    case ENOTRECOVERABLE:
      return absl::FailedPreconditionError(absl::StrCat(
          "RobustLock::", who,
          ": the lock is unrecoverable (an owner died holding it and the next "
          "holder released it without MarkConsistent()); make a new lock and "
          "new protected state"));
    case EDEADLK:
      return absl::FailedPreconditionError(
          absl::StrCat("RobustLock::", who,
                       ": the calling thread already holds the lock (it is "
                       "not re-entrant)"));
    case EBUSY:
      return absl::UnavailableError(
          absl::StrCat("RobustLock::", who, ": another thread holds the lock"));
    case ETIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat("RobustLock::", who,
                       ": another thread held the lock until the "
                       "deadline"));
    default:
      return absl::InternalError(
          absl::StrCat("RobustLock::", who,
                       ": pthread mutex error: ", std::strerror(result)));
  }
}

absl::Status RobustLock::Acquire() {
  return Taken(pthread_mutex_lock(&mutex_), "Acquire");
}

absl::Status RobustLock::TryAcquire() {
  return Taken(TryLock(&mutex_), "TryAcquire");
}

absl::Status RobustLock::AcquireFor(absl::Duration timeout) {
  return AcquireWithin(base_internal::Deadline::After(timeout), "AcquireFor");
}

absl::Status RobustLock::AcquireUntil(absl::Time deadline) {
  return AcquireWithin(base_internal::Deadline::At(deadline), "AcquireUntil");
}

absl::Status RobustLock::AcquireWithin(const base_internal::Deadline& deadline,
                                       const char* who) {
  if (deadline.IsNever()) return Taken(pthread_mutex_lock(&mutex_), who);
  int result = TryLock(&mutex_);
  if (result != EBUSY) return Taken(result, who);
#ifdef ABSL_HAVE_THREAD_SANITIZER
  // GCC 12's TSAN does not intercept pthread_mutex_clocklock, and its
  // pthread_mutex_timedlock ignores an EOWNERDEAD result, so either would hide
  // the acquire from it. Under TSAN only, wait by polling trylock.
  timespec pause{0, 0};
  while (result == EBUSY) {
    if (deadline.Expired()) return Taken(ETIMEDOUT, who);
    pause.tv_nsec = pause.tv_nsec == 0 ? 50'000 : pause.tv_nsec * 2;
    if (pause.tv_nsec > 2'000'000) pause.tv_nsec = 2'000'000;
    nanosleep(&pause, nullptr);
    result = TryLock(&mutex_);
  }
  return Taken(result, who);
#else
  if (deadline.Expired()) return Taken(ETIMEDOUT, who);
  result =
      deadline.OnRealtimeClock()
          ? pthread_mutex_timedlock(&mutex_, &deadline.When())
          : pthread_mutex_clocklock(&mutex_, CLOCK_MONOTONIC, &deadline.When());
  return Taken(result, who);
#endif
}

absl::Status RobustLock::MarkConsistent() {
  if (!IsOwnedByCurrentThread()) {
    return absl::FailedPreconditionError(
        "RobustLock::MarkConsistent: the calling thread does not hold the "
        "lock");
  }
  if (pthread_mutex_consistent(&mutex_) != 0) {
    return absl::FailedPreconditionError(
        "RobustLock::MarkConsistent: the lock is consistent already (its "
        "previous owner did not die holding it)");
  }
  return absl::OkStatus();
}

absl::Status RobustLock::Release() {
  const uint32_t self = base_internal::CurrentThreadId();
  const uint32_t owner = owner_.load(std::memory_order_relaxed);
  if (owner != self) {
    return absl::FailedPreconditionError(absl::StrCat(
        "RobustLock::Release: thread ", self, " does not hold the lock"));
  }
  // Cleared before the unlock: afterwards another thread may own it.
  owner_.store(0, std::memory_order_relaxed);
  const int result = pthread_mutex_unlock(&mutex_);
  if (result != 0) {
    // The kernel id matched, so glibc's record should too; put ours back.
    owner_.store(self, std::memory_order_relaxed);
    return absl::FailedPreconditionError(
        absl::StrCat("RobustLock::Release: pthread_mutex_unlock failed: ",
                     std::strerror(result)));
  }
  return absl::OkStatus();
}

bool RobustLock::IsOwnedByCurrentThread() const {
  return owner_.load(std::memory_order_relaxed) ==
         base_internal::CurrentThreadId();
}

void RobustLock::AssertHeld() const {
  if (!IsOwnedByCurrentThread()) {
    base_internal::Fatal(absl::StrCat("RobustLock::AssertHeld: thread ",
                                      base_internal::CurrentThreadId(),
                                      " does not hold the lock"));
  }
}

bool RobustLock::LockOrThrow(const absl::Status& acquired, const char* who) {
  if (acquired.ok()) return true;
  switch (acquired.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return false;
    case absl::StatusCode::kDataLoss:
      // Held, but the caller cannot be told to repair: release it unrepaired,
      // so nobody runs on the dead owner's state.
      base_internal::CheckOk(Release());
      throw std::system_error(
          EOWNERDEAD, std::generic_category(),
          absl::StrCat("RobustLock::", who, ": the ", kOwnerDied,
                       " holding the lock; ", who,
                       "() cannot hand over the repair, so it released the "
                       "lock unrepaired and the lock is now unrecoverable "
                       "(use Acquire() to repair instead)"));
    default: {
      int error = EINVAL;
      if (absl::IsFailedPrecondition(acquired)) {
        error = IsOwnedByCurrentThread() ? EDEADLK : ENOTRECOVERABLE;
      }
      throw std::system_error(error, std::generic_category(),
                              std::string(acquired.message()));
    }
  }
}

void RobustLock::lock() { LockOrThrow(Acquire(), "lock"); }

bool RobustLock::try_lock() { return LockOrThrow(TryAcquire(), "try_lock"); }

void RobustLock::unlock() { base_internal::CheckOk(Release()); }

}  // namespace multirun
