// Copyright 2026 The multirun Authors.
//
// Task<T>: write asynchronous code as straight-line C++20 coroutines.
//
// A function returning multirun::Task<T> is a coroutine. It starts running at
// once, on the calling thread, and runs until its first `co_await` of a
// result that is not ready yet; the caller then gets the Task back, which
// holds the Future of the coroutine's result. `co_await std::move(future)`
// inside gives the FutureResult<T> of any multirun::Future (and of another
// Task), without blocking a thread: the coroutine is suspended and resumed by
// the thread that completes the awaited future. `co_await ResumeOn(executor)`
// moves the rest of the coroutine onto an executor.
//
// `co_return` takes a T, an absl::StatusOr<T> or an error absl::Status; a
// Task<void> ends with `co_return;` (or by falling off its end) and reports
// errors by throwing. An exception escaping the coroutine becomes
// Unknown("<type>: <what>") in the result, as everywhere in multirun.
//
// The coroutine frame owns itself: dropping the Task does not stop the
// coroutine, and the frame is freed when the coroutine finishes.
//
// Example:
//
//   multirun::Task<int> TotalLength(multirun::Executor& pool) {
//     absl::StatusOr<std::string> a = co_await multirun::Submit(pool, ReadA);
//     absl::StatusOr<std::string> b = co_await multirun::Submit(pool, ReadB);
//     if (!a.ok()) co_return a.status();
//     if (!b.ok()) co_return b.status();
//     co_return static_cast<int>(a->size() + b->size());
//   }
//
//   absl::StatusOr<int> length = TotalLength(pool).Get();
//
// Thread-safety: a Task is used by one thread at a time, as a Future is; the
// coroutine may move between threads (each resumption runs on the thread
// that completed the awaited future, or on ResumeOn's executor).
//
// Memory ordering: as Future's. Everything the coroutine wrote before a
// `co_await` is visible after it resumes, on whichever thread; everything it
// wrote before `co_return` is visible to whoever sees its result ready.

#ifndef MULTIRUN_FUTURES_TASK_H_
#define MULTIRUN_FUTURES_TASK_H_

#include <coroutine>
#include <utility>

#include "absl/status/status.h"
#include "multirun/base/drop_reason.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"

namespace multirun {

template <typename T>
class Task;

namespace futures_internal {
template <typename T>
struct TaskPromiseBase;  // Below.
template <typename T>
struct TaskPromise;  // Below.
}  // namespace futures_internal

// A coroutine's result (see the file comment).
template <typename T>
class Task {
 public:
  using promise_type = futures_internal::TaskPromise<T>;
  using value_type = T;

  Task(Task&&) noexcept = default;
  Task& operator=(Task&&) noexcept = default;

  // The future of the coroutine's result. The task is empty afterwards.
  Future<T> ToFuture() && { return std::move(future_); }

  // Blocks until the coroutine has finished and returns its result.
  FutureResult<T> Get() && { return std::move(future_).Get(); }

  bool IsReady() const { return future_.IsReady(); }

  // `co_await std::move(task)` from another coroutine.
  auto operator co_await() && { return std::move(future_).operator co_await(); }

 private:
  friend struct futures_internal::TaskPromiseBase<T>;
  explicit Task(Future<T> future) : future_(std::move(future)) {}

  Future<T> future_;
};

// `co_await ResumeOn(executor)` continues the coroutine as a task on
// `executor` and gives an absl::Status: OK, or why the executor did not run
// the task (it rejected it, or dropped it in ShutdownNow()); the coroutine then
// continues on the thread that destroyed the task, and is never left
// suspended.
//
// Example:
//
//   multirun::Task<void> Work(multirun::ThreadPool& pool) {
//     absl::Status moved = co_await multirun::ResumeOn(pool);
//     // Runs on a worker of `pool` from here on.
//   }
class ResumeOn {
 public:
  explicit ResumeOn(Executor& executor) : executor_(executor) {}

  bool await_ready() const { return false; }
  void await_suspend(std::coroutine_handle<> handle) {
    // Once the task is handed over, the coroutine may already run elsewhere
    // and `this` (in its frame) may be gone: nothing below touches it.
    executor_.Schedule(Resumer(handle, this)).IgnoreError();
  }
  absl::Status await_resume() { return std::move(status_); }

 private:
  // Resumes the coroutine when run, and also when destroyed without running
  // (with the reason as the awaiter's status).
  class Resumer {
   public:
    Resumer(std::coroutine_handle<> handle, ResumeOn* awaiter)
        : handle_(handle), awaiter_(awaiter) {}
    Resumer(Resumer&& other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)),
          awaiter_(other.awaiter_) {}
    Resumer& operator=(Resumer&&) = delete;
    ~Resumer() {
      if (handle_) {
        awaiter_->status_ = base_internal::AbandonedStatus();
        std::exchange(handle_, nullptr).resume();
      }
    }
    void operator()() { std::exchange(handle_, nullptr).resume(); }

   private:
    std::coroutine_handle<> handle_;
    ResumeOn* awaiter_;
  };

  Executor& executor_;
  absl::Status status_;
};

// The coroutine machinery of Task<T>.
namespace futures_internal {

template <typename T>
struct TaskPromiseBase {
  Promise<T> promise;
  Future<T> future = promise.GetFuture();

  Task<T> get_return_object();
  std::suspend_never initial_suspend() noexcept { return {}; }
  std::suspend_never final_suspend() noexcept { return {}; }
  void unhandled_exception() {
    promise.Set(FutureResult<T>(base_internal::StatusFromCurrentException()));
  }
};

template <typename T>
struct TaskPromise : TaskPromiseBase<T> {
  void return_value(FutureResult<T> result) {
    this->promise.Set(std::move(result));
  }
};

template <>
struct TaskPromise<void> : TaskPromiseBase<void> {
  void return_void() { this->promise.Set(absl::OkStatus()); }
};

}  // namespace futures_internal

template <typename T>
Task<T> futures_internal::TaskPromiseBase<T>::get_return_object() {
  return Task<T>(std::move(future));
}

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_TASK_H_
