// Copyright 2026 The multirun Authors.
//
// Queue vs a std::mutex + std::condition_variable + std::deque queue (what most
// code bases write by hand).
//
// PushPop: one thread, push then pop one value per iteration.
// Transfer: 2 threads through a queue bounded at 1024; thread 0 pushes, thread
// 1 pops, one value per iteration each (real time; items = values transferred).
// Timed region: the push/pop loop only; the queue is constructed before.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

#include "benchmark/benchmark.h"
#include "multirun/sync/queue.h"

namespace {

// The hand-written peer: a bounded blocking FIFO.
class StdQueue {
 public:
  explicit StdQueue(size_t capacity) : capacity_(capacity) {}

  void Push(int64_t value) {
    std::unique_lock<std::mutex> hold(mutex_);
    not_full_.wait(hold, [&] { return items_.size() < capacity_; });
    items_.push_back(value);
    hold.unlock();
    not_empty_.notify_one();
  }

  int64_t Pop() {
    std::unique_lock<std::mutex> hold(mutex_);
    not_empty_.wait(hold, [&] { return !items_.empty(); });
    const int64_t value = items_.front();
    items_.pop_front();
    hold.unlock();
    not_full_.notify_one();
    return value;
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<int64_t> items_;
  const size_t capacity_;
};

class MultirunQueue {
 public:
  explicit MultirunQueue(size_t capacity)
      : queue_(static_cast<int64_t>(capacity)) {}
  void Push(int64_t value) { queue_.Push(value).IgnoreError(); }
  int64_t Pop() { return *queue_.Pop(); }

 private:
  multirun::Queue<int64_t> queue_;
};

constexpr size_t kCapacity = 1024;

template <typename Q>
void PushPop(benchmark::State& state) {
  Q queue(kCapacity);
  int64_t value = 0;
  for (auto _ : state) {
    queue.Push(++value);
    benchmark::DoNotOptimize(queue.Pop());
  }
  state.SetItemsProcessed(state.iterations());
}

template <typename Q>
void Transfer(benchmark::State& state) {
  static Q* queue = nullptr;
  if (state.thread_index() == 0) queue = new Q(kCapacity);
  // Google Benchmark starts the timed loops of all threads together, after
  // this.
  for (auto _ : state) {
    if (state.thread_index() == 0) {
      queue->Push(1);
    } else {
      benchmark::DoNotOptimize(queue->Pop());
    }
  }
  if (state.thread_index() == 1) state.SetItemsProcessed(state.iterations());
  // The timed loops of all threads also end together, so thread 0 may free it.
  if (state.thread_index() == 0) {
    delete queue;
    queue = nullptr;
  }
}

void BM_QueuePushPop_Multirun(benchmark::State& state) {
  PushPop<MultirunQueue>(state);
}
void BM_QueuePushPop_StdMutexDeque(benchmark::State& state) {
  PushPop<StdQueue>(state);
}
BENCHMARK(BM_QueuePushPop_Multirun);
BENCHMARK(BM_QueuePushPop_StdMutexDeque);

void BM_QueueTransfer_Multirun(benchmark::State& state) {
  Transfer<MultirunQueue>(state);
}
void BM_QueueTransfer_StdMutexDeque(benchmark::State& state) {
  Transfer<StdQueue>(state);
}
BENCHMARK(BM_QueueTransfer_Multirun)->Threads(2)->UseRealTime();
BENCHMARK(BM_QueueTransfer_StdMutexDeque)->Threads(2)->UseRealTime();

}  // namespace
