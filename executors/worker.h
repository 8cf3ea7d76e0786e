// Copyright 2026 The multirun Authors.
//
// Worker identity: who is running the current task.
//
// Use it to say which worker produced a result (its name, thread id and
// process id), in logs and in results. Every executor that owns threads
// (ThreadPool, the process pool) registers them, and a task asks
// CurrentWorker() to learn which one runs it. The record stays valid while
// the task runs.
//
// Example:
//
//   multirun::Future<std::string> who = multirun::Submit(pool, [] {
//     const multirun::WorkerInfo* worker = multirun::CurrentWorker();
//     return worker != nullptr ? worker->name : std::string("not a worker");
//   });  // "pool-0", "pool-1", ...
//
// Thread-safety: CurrentWorker() reads the calling thread's own record; a
// ScopedCurrentWorker sets it for the thread that made it.

#ifndef MULTIRUN_EXECUTORS_WORKER_H_
#define MULTIRUN_EXECUTORS_WORKER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace multirun {

// A worker thread (or process) of an executor.
struct WorkerInfo {
  // The owning executor's name, e.g. "pool" (ThreadPool::Options::name).
  std::string executor;
  // 0 .. workers - 1 within the executor.
  int index = 0;
  // "<executor>-<index>", also the thread's name as `top -H` shows it (cut to
  // 15 characters by the kernel).
  std::string name;
  // Kernel thread id (gettid()) and process id.
  uint32_t thread_id = 0;
  pid_t pid = 0;
};

// The worker running the calling thread's current task, or nullptr when the
// caller is not a worker of a multirun executor (for example main()).
const WorkerInfo* CurrentWorker();

// Makes `worker` the calling thread's CurrentWorker() for the lifetime of this
// object; restores the previous one afterwards. For the threads and processes
// of an executor, multirun's or one of your own.
class ScopedCurrentWorker {
 public:
  explicit ScopedCurrentWorker(const WorkerInfo* worker);
  ScopedCurrentWorker(const ScopedCurrentWorker&) = delete;
  ScopedCurrentWorker& operator=(const ScopedCurrentWorker&) = delete;
  ~ScopedCurrentWorker();

 private:
  const WorkerInfo* previous_;
};
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_WORKER_H_
