// Copyright 2026 The multirun Authors.
//
// RLock vs std::recursive_mutex.
//
// Uncontended: one thread, acquire + release per iteration.
// Nested: one thread, three nested acquires then three releases per iteration.
// Contended: 2 threads, one shared counter (real time).
// Timed region: the acquire/release loop only.

#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "benchmark/benchmark.h"
#include "multirun/sync/internal/lock_benchmark_loops.h"
#include "multirun/sync/rlock.h"

namespace multirun {
namespace {

using sync_internal::Contended;
using sync_internal::ContendedWithWork;
using sync_internal::Uncontended;

// Outside Clang's thread-safety analysis, which has no re-entrant locks.
template <typename M>
void Nested(benchmark::State& state) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  M lock;
  int64_t counter = 0;
  for (auto _ : state) {
    lock.lock();
    lock.lock();
    lock.lock();
    benchmark::DoNotOptimize(++counter);
    lock.unlock();
    lock.unlock();
    lock.unlock();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RLockUncontended_Multirun(benchmark::State& state) {
  Uncontended<RLock>(state);
}
void BM_RLockUncontended_StdRecursiveMutex(benchmark::State& state) {
  Uncontended<std::recursive_mutex>(state);
}
BENCHMARK(BM_RLockUncontended_Multirun);
BENCHMARK(BM_RLockUncontended_StdRecursiveMutex);

void BM_RLockNested_Multirun(benchmark::State& state) { Nested<RLock>(state); }
void BM_RLockNested_StdRecursiveMutex(benchmark::State& state) {
  Nested<std::recursive_mutex>(state);
}
BENCHMARK(BM_RLockNested_Multirun);
BENCHMARK(BM_RLockNested_StdRecursiveMutex);

void BM_RLockContended_Multirun(benchmark::State& state) {
  Contended<RLock>(state);
}
void BM_RLockContended_StdRecursiveMutex(benchmark::State& state) {
  Contended<std::recursive_mutex>(state);
}
BENCHMARK(BM_RLockContended_Multirun)->Threads(2)->UseRealTime();
BENCHMARK(BM_RLockContended_StdRecursiveMutex)->Threads(2)->UseRealTime();

void BM_RLockContendedWork_Multirun(benchmark::State& state) {
  ContendedWithWork<RLock>(state);
}
void BM_RLockContendedWork_StdRecursiveMutex(benchmark::State& state) {
  ContendedWithWork<std::recursive_mutex>(state);
}
BENCHMARK(BM_RLockContendedWork_Multirun)->Threads(2)->UseRealTime();
BENCHMARK(BM_RLockContendedWork_StdRecursiveMutex)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace multirun
