// Copyright 2026 The multirun Authors.
//
// Semaphore and BoundedSemaphore vs std::counting_semaphore.
//
// Uncontended: one thread, acquire + release of one permit per iteration.
// Contended: 2 and 4 threads share a semaphore of 1 permit (a lock) and count
// the sections they complete (real time). Timed region: the acquire/release
// loop only.

#include <cstdint>
#include <semaphore>

#include "benchmark/benchmark.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/semaphore.h"

namespace {

// One interface over the three types for the benchmark loops.
struct StdSemaphore {
  std::counting_semaphore<> semaphore{1};
  void Acquire() { semaphore.acquire(); }
  void Release() { semaphore.release(); }
};

template <typename S>
struct MultirunSemaphore {
  S semaphore{1};
  void Acquire() { semaphore.Acquire(); }
  void Release() { semaphore.Release().IgnoreError(); }
};

template <typename S>
void Uncontended(benchmark::State& state) {
  S semaphore;
  for (auto _ : state) {
    semaphore.Acquire();
    semaphore.Release();
  }
  state.SetItemsProcessed(state.iterations());
}

template <typename S>
void Contended(benchmark::State& state) {
  static S semaphore;
  static int64_t counter = 0;
  for (auto _ : state) {
    semaphore.Acquire();
    benchmark::DoNotOptimize(++counter);
    semaphore.Release();
  }
  state.SetItemsProcessed(state.iterations());
}

using Multirun = MultirunSemaphore<multirun::Semaphore>;
using MultirunBounded = MultirunSemaphore<multirun::BoundedSemaphore>;

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
