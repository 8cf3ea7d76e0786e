// Copyright 2026 The multirun Authors.
//
// RobustLock (a robust, error-checking pthread mutex) vs std::mutex, private
// and process-shared, and the process-shared Lock for comparison: what the
// survival of a killed holder costs.
//
// Uncontended: one thread, acquire + release per iteration.
// Contended: 2 threads increment one shared counter under the lock; items per
// second is the total of critical sections completed (real time).
// Timed region: the acquire/release loop only; the lock is constructed before.

#include <mutex>

#include "benchmark/benchmark.h"
#include "multirun/sync/internal/lock_benchmark_loops.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/process_shared.h"
#include "multirun/sync/robust_lock.h"

namespace multirun {
namespace {

using sync_internal::Contended;
using sync_internal::Uncontended;

class SharedRobustLock : public RobustLock {
 public:
  SharedRobustLock() : RobustLock(kProcessShared) {}
};

class SharedLock : public Lock {
 public:
  SharedLock() : Lock(kProcessShared) {}
};

void BM_RobustLockUncontended_Multirun(benchmark::State& state) {
  Uncontended<RobustLock>(state);
}
void BM_RobustLockUncontended_MultirunShared(benchmark::State& state) {
  Uncontended<SharedRobustLock>(state);
}
void BM_RobustLockUncontended_MultirunSharedLock(benchmark::State& state) {
  Uncontended<SharedLock>(state);
}
void BM_RobustLockUncontended_StdMutex(benchmark::State& state) {
  Uncontended<std::mutex>(state);
}
BENCHMARK(BM_RobustLockUncontended_Multirun);
BENCHMARK(BM_RobustLockUncontended_MultirunShared);
BENCHMARK(BM_RobustLockUncontended_MultirunSharedLock);
BENCHMARK(BM_RobustLockUncontended_StdMutex);

void BM_RobustLockContended_Multirun(benchmark::State& state) {
  Contended<RobustLock>(state);
}
void BM_RobustLockContended_MultirunShared(benchmark::State& state) {
  Contended<SharedRobustLock>(state);
}
void BM_RobustLockContended_MultirunSharedLock(benchmark::State& state) {
  Contended<SharedLock>(state);
}
void BM_RobustLockContended_StdMutex(benchmark::State& state) {
  Contended<std::mutex>(state);
}
BENCHMARK(BM_RobustLockContended_Multirun)->Threads(2)->UseRealTime();
BENCHMARK(BM_RobustLockContended_MultirunShared)->Threads(2)->UseRealTime();
BENCHMARK(BM_RobustLockContended_MultirunSharedLock)->Threads(2)->UseRealTime();
BENCHMARK(BM_RobustLockContended_StdMutex)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace multirun
