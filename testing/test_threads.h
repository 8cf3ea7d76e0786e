// Copyright 2026 The multirun Authors.
//
// Test helpers for concurrency tests: start N threads that begin together.

#ifndef MULTIRUN_TESTING_TEST_THREADS_H_
#define MULTIRUN_TESTING_TEST_THREADS_H_

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace multirun {
namespace testing_internal {

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

// The kernel id of the calling thread, as /proc/self/task names it.
inline pid_t CurrentTid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// Whether the task whose /proc `syscall` file is `syscall_file` is blocked in
// futex(2) on an address inside [object, object + size).
inline bool IsBlockedInFutexOn(const std::string& syscall_file,
                               const void* object, size_t size) {
  std::ifstream file(syscall_file);
  long number = -1;
  std::string address;
  if (!(file >> number >> address) || number != SYS_futex) return false;
  const uintptr_t word = std::stoull(address, nullptr, 16);
  const uintptr_t begin = reinterpret_cast<uintptr_t>(object);
  return word >= begin && word < begin + size;
}

// Whether thread `tid` of this process is blocked in futex(2) on an address
// inside [object, object + size): asleep in one of that object's waits, not
// merely scheduled out or inside another lock (as TSAN's own).
inline bool IsWaitingOn(pid_t tid, const void* object, size_t size) {
  return IsBlockedInFutexOn(
      "/proc/self/task/" + std::to_string(tid) + "/syscall", object, size);
}

// Blocks until thread `tid` is asleep in a wait on `object` (see IsWaitingOn).
// Aborts with a message after 30 s, or at once if the thread has exited: a
// thread that never blocks is the bug under test, and must fail the test
// rather than hang it until Bazel's timeout.
template <typename T>
void AwaitWaitingOn(pid_t tid, const T& object) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!IsWaitingOn(tid, &object, sizeof(object))) {
    const bool exited = access(task.c_str(), F_OK) != 0;
    if (exited || std::chrono::steady_clock::now() > give_up) {
      std::ifstream file(task + "/syscall");
      std::string syscall_line;
      std::getline(file, syscall_line);
      std::fprintf(stderr,
                   "AwaitWaitingOn: thread %d %s (last syscall: '%s')\n",
                   static_cast<int>(tid),
                   exited ? "exited without blocking on the object"
                          : "did not block on the object within 30 s",
                   syscall_line.c_str());
      std::abort();
    }
    std::this_thread::yield();
  }
}

// A thread that records its kernel id before running `fn`, so a test can wait
// until it sleeps.
class TrackedThread {
 public:
  template <typename F>
  explicit TrackedThread(F fn)
      : thread_([this, fn]() mutable {
          tid_.store(CurrentTid());
          fn();
        }) {}
  ~TrackedThread() {
    if (thread_.joinable()) thread_.join();
  }

  // The thread's kernel id, once it has started.
  pid_t Tid() const {
    pid_t tid;
    while ((tid = tid_.load()) == 0) std::this_thread::yield();
    return tid;
  }

  // Blocks until the thread sleeps in a wait on `object`.
  template <typename T>
  void AwaitWaitingOn(const T& object) const {
    testing_internal::AwaitWaitingOn(Tid(), object);
  }

  void Join() { thread_.join(); }

 private:
  std::atomic<pid_t> tid_{0};
  std::thread thread_;
};

}  // namespace testing_internal
}  // namespace multirun

#endif  // MULTIRUN_TESTING_TEST_THREADS_H_
