// Copyright 2026 The multirun Authors.
//
// ReleasableThreads: a fixed set of threads, started once, that each run a
// function once every time they are released, for benchmarks whose timed
// region must not include starting threads (several producers posting to a
// strand, several callers of a Sharer). Testonly.

#ifndef MULTIRUN_TESTING_RELEASABLE_THREADS_H_
#define MULTIRUN_TESTING_RELEASABLE_THREADS_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace multirun {
namespace testing_internal {

class ReleasableThreads {
 public:
  // Starts `count` threads; thread i runs `work(i)` once per Run().
  ReleasableThreads(int count, std::function<void(int)> work)
      : count_(count), work_(std::move(work)) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, i] { Loop(i); });
    }
  }
  ReleasableThreads(const ReleasableThreads&) = delete;
  ReleasableThreads& operator=(const ReleasableThreads&) = delete;
  ~ReleasableThreads() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    start_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  // Releases the threads and blocks until each has run its work once.
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++generation_;
    finished_ = 0;
    start_.notify_all();
    finish_.wait(lock, [this] { return finished_ == count_; });
  }

 private:
  void Loop(int index) {
    uint64_t seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work_(index);
      std::lock_guard<std::mutex> lock(mutex_);
      if (++finished_ == count_) finish_.notify_one();
    }
  }

  const int count_;
  const std::function<void(int)> work_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable finish_;
  uint64_t generation_ = 0;
  int finished_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace testing_internal
}  // namespace multirun

#endif  // MULTIRUN_TESTING_RELEASABLE_THREADS_H_
