// Copyright 2026 The multirun Authors.
//
// The timed loops the lock and semaphore benchmarks share, over any type with
// lock() and unlock(), so every primitive and its peer run the same code.

#ifndef MULTIRUN_SYNC_INTERNAL_LOCK_BENCHMARK_LOOPS_H_
#define MULTIRUN_SYNC_INTERNAL_LOCK_BENCHMARK_LOOPS_H_

#include <cstdint>

#include "benchmark/benchmark.h"

namespace multirun {
namespace sync_internal {

// lock(); ++counter; unlock() per iteration; items = critical sections.
template <typename M>
void LockIncrementUnlock(benchmark::State& state, M& lock, int64_t& counter) {
  for (auto _ : state) {
    lock.lock();
    benchmark::DoNotOptimize(++counter);
    lock.unlock();
  }
  state.SetItemsProcessed(state.iterations());
}

// One thread, its own lock: the uncontended cost of acquire + release.
template <typename M>
void Uncontended(benchmark::State& state) {
  M lock;
  int64_t counter = 0;
  LockIncrementUnlock(state, lock, counter);
}

// Every benchmark thread shares one lock and one counter. Register with
// ->Threads(n)->UseRealTime(): items per second is then the total throughput.
template <typename M>
void Contended(benchmark::State& state) {
  static M lock;
  static int64_t counter = 0;
  LockIncrementUnlock(state, lock, counter);
}

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_LOCK_BENCHMARK_LOOPS_H_
