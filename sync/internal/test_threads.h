// Copyright 2026 The multirun Authors.
//
// Test helpers for concurrency tests: start N threads that begin together.

#ifndef MULTIRUN_SYNC_INTERNAL_TEST_THREADS_H_
#define MULTIRUN_SYNC_INTERNAL_TEST_THREADS_H_

#include <atomic>
#include <thread>
#include <vector>

namespace multirun {
namespace sync_internal {

// Runs `fn(index)` on `count` threads, index 0..count-1, released together so
// that they really contend, and joins them all.
template <typename F>
void RunThreads(int count, F fn) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < count) std::this_thread::yield();
      fn(i);
    });
  }
  for (auto& thread : threads) thread.join();
}

// Tracks how many threads are inside a section at once.
class Occupancy {
 public:
  void Enter() {
    const int now = inside_.fetch_add(1) + 1;
    int seen = most_.load();
    while (now > seen && !most_.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { inside_.fetch_sub(1); }
  // The most threads that were inside at once.
  int Most() const { return most_.load(); }

 private:
  std::atomic<int> inside_{0};
  std::atomic<int> most_{0};
};

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_TEST_THREADS_H_
