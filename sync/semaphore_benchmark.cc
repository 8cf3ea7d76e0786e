// Copyright 2026 The multirun Authors.
//
// Semaphore and BoundedSemaphore vs std::counting_semaphore.
//
// Uncontended: one thread, acquire + release of one permit per iteration.
// Contended: 2 and 4 threads share a semaphore of 1 permit (a lock) and count
// the sections they complete (real time). Timed region: the acquire/release
// loop only.

#include <semaphore>

#include "benchmark/benchmark.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/internal/lock_benchmark_loops.h"
#include "multirun/sync/semaphore.h"

namespace multirun {
namespace {

using sync_internal::Contended;
using sync_internal::Uncontended;

// The peer under the Lockable names the shared loops use.
class StdSemaphore {
 public:
  void lock() { semaphore_.acquire(); }
  void unlock() { semaphore_.release(); }

 private:
  std::counting_semaphore<> semaphore_{1};
};

// Semaphore and BoundedSemaphore start with one permit and have
// lock()/unlock().
using Multirun = Semaphore;
using MultirunBounded = BoundedSemaphore;

void BM_SemaphoreUncontended_Multirun(benchmark::State& state) {
  Uncontended<Multirun>(state);
}
void BM_SemaphoreUncontended_MultirunBounded(benchmark::State& state) {
  Uncontended<MultirunBounded>(state);
}
void BM_SemaphoreUncontended_StdCountingSemaphore(benchmark::State& state) {
  Uncontended<StdSemaphore>(state);
}
BENCHMARK(BM_SemaphoreUncontended_Multirun);
BENCHMARK(BM_SemaphoreUncontended_MultirunBounded);
BENCHMARK(BM_SemaphoreUncontended_StdCountingSemaphore);

void BM_SemaphoreContended_Multirun(benchmark::State& state) {
  Contended<Multirun>(state);
}
void BM_SemaphoreContended_StdCountingSemaphore(benchmark::State& state) {
  Contended<StdSemaphore>(state);
}
BENCHMARK(BM_SemaphoreContended_Multirun)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();
BENCHMARK(BM_SemaphoreContended_StdCountingSemaphore)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();

}  // namespace
}  // namespace multirun
