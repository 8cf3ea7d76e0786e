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

// `rounds` dependent multiply-adds (an LCG step each, 3-4 cycles of latency):
// work whose time does not depend on memory or on other threads.
inline uint64_t PrivateWork(uint64_t x, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  return x;
}

// The shape of a real contended lock, after Abseil's BM_Contended: each
// thread works on its own data (kOutsideRounds of PrivateWork, some tens of
// nanoseconds), then takes the lock for a short critical section on shared
// data (kInsideRounds). Register with ->Threads(n)->UseRealTime(): items per
// second is the total of critical sections completed.
//
// Unlike Contended() (back-to-back critical sections), its figures are stable
// from run to run: with no work between critical sections, the throughput
// mostly measures how long one thread keeps re-acquiring the lock before the
// other gets it, which depends on how the host schedules the two threads
// (std::mutex's figure there varies severalfold between runs of one binary),
// not on the lock's hand-off.
inline constexpr int kOutsideRounds = 64;
inline constexpr int kInsideRounds = 8;
template <typename M>
void ContendedWithWork(benchmark::State& state) {
  static M lock;
  static uint64_t shared = 0;
  uint64_t local = static_cast<uint64_t>(state.thread_index()) + 1;
  for (auto _ : state) {
    local = PrivateWork(local, kOutsideRounds);
    lock.lock();
    shared = PrivateWork(shared + local, kInsideRounds);
    lock.unlock();
  }
  benchmark::DoNotOptimize(local);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_LOCK_BENCHMARK_LOOPS_H_
