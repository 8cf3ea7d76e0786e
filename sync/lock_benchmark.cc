// Copyright 2026 The multirun Authors.
//
// Lock vs std::mutex vs absl::Mutex.
//
// Uncontended: one thread, acquire + release per iteration.
// Contended: 2 and 4 threads increment one shared counter under the lock; items
// per second is the total of critical sections completed (real time).
// Timed region: the acquire/release loop only; the lock is constructed before.

#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "multirun/sync/internal/lock_benchmark_loops.h"
#include "multirun/sync/lock.h"

namespace multirun {
namespace {

// absl::Mutex with the standard Lockable names: Abseil 20220623 has only
// Lock()/Unlock(); later Abseil adds lock()/unlock() and deprecates the others.
class AbslMutex {
 public:
  // The analysis trusts these annotations; it does not see through Lock().
  void lock()
      ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex_) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    Lock(mutex_);
  }
  void unlock() ABSL_UNLOCK_FUNCTION(mutex_) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    Unlock(mutex_);
  }

 private:
  template <typename M>
  static void Lock(M& mutex) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if constexpr (requires { mutex.lock(); }) {
      mutex.lock();
    } else {
      mutex.Lock();
    }
  }
  template <typename M>
  static void Unlock(M& mutex) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if constexpr (requires { mutex.unlock(); }) {
      mutex.unlock();
    } else {
      mutex.Unlock();
    }
  }

  absl::Mutex mutex_;
};

using sync_internal::Contended;
using sync_internal::ContendedWithWork;
using sync_internal::Uncontended;

void BM_LockUncontended_Multirun(benchmark::State& state) {
  Uncontended<Lock>(state);
}
void BM_LockUncontended_StdMutex(benchmark::State& state) {
  Uncontended<std::mutex>(state);
}
void BM_LockUncontended_AbslMutex(benchmark::State& state) {
  Uncontended<AbslMutex>(state);
}
BENCHMARK(BM_LockUncontended_Multirun);
BENCHMARK(BM_LockUncontended_StdMutex);
BENCHMARK(BM_LockUncontended_AbslMutex);

void BM_LockContended_Multirun(benchmark::State& state) {
  Contended<Lock>(state);
}
void BM_LockContended_StdMutex(benchmark::State& state) {
  Contended<std::mutex>(state);
}
void BM_LockContended_AbslMutex(benchmark::State& state) {
  Contended<AbslMutex>(state);
}
BENCHMARK(BM_LockContended_Multirun)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_LockContended_StdMutex)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_LockContended_AbslMutex)->Threads(2)->Threads(4)->UseRealTime();

void BM_LockContendedWork_Multirun(benchmark::State& state) {
  ContendedWithWork<Lock>(state);
}
void BM_LockContendedWork_StdMutex(benchmark::State& state) {
  ContendedWithWork<std::mutex>(state);
}
void BM_LockContendedWork_AbslMutex(benchmark::State& state) {
  ContendedWithWork<AbslMutex>(state);
}
BENCHMARK(BM_LockContendedWork_Multirun)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_LockContendedWork_StdMutex)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_LockContendedWork_AbslMutex)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();

}  // namespace
}  // namespace multirun
