// Copyright 2026 The multirun Authors.
//
// How the strand works.
//
// The strand's shared state is small and guarded by one Lock: the queue of
// tasks scheduled since the drain last looked (incoming_), and state_. Both
// queues are TaskQueues (internal/strand_queue.h): tasks stored in place in
// fixed-size chunks, so a push seldom allocates (about once per chunk's worth
// of backlog) and never moves the backlog while the lock is held. The
// thread whose Schedule() finds the strand idle (no kActive) sets kActive and
// so owns the "drain token": it alone may touch ready_ and run tasks, and it
// hands the token to a drain task on the executor. The drain swaps incoming_
// with its empty ready_ under the lock (O(1)), runs up to kBatchSize tasks
// without the lock, and then either finds nothing new and makes the strand idle
// (clearing kActive under the lock) or schedules itself again, handing the
// token on.
//
// Over an executor that runs the drain task inline (InlineExecutor), the
// rescheduled drain would nest inside the one that schedules it, one level per
// batch. Instead the nested call notices the outer drain on this thread (a
// thread-local frame) and returns at once, and the outer drain continues:
// a trampoline, so the stack stays flat.
//
// A drain task that the executor rejects (or destroys without running) hands
// the token back to whoever scheduled it (or to its destructor), which closes
// the strand (kClosed, status_) and destroys the queued tasks.
//
// The destructor checks kActive under the lock. Clear: no drain holds the
// token, and the last one has released the lock (the destructor just acquired
// it); multirun::Lock, like a POSIX mutex, touches no memory after the atomic
// exchange that releases it (a wake that may follow is a system call on the
// address alone), so the strand may be freed. Set: it sets kWaiting and
// sleeps on a futex word on its own stack; the drain that makes the strand
// idle reads the word's address under the lock and signals it after releasing
// the lock.

#include "multirun/executors/strand.h"

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"
#include "multirun/base/current_exception.h"
#include "multirun/base/deadline.h"
#include "multirun/base/drop_reason.h"
#include "multirun/base/futex.h"
#include "multirun/base/status_message.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace {

constexpr uint32_t kActive = 1;   // A drain task owns the token.
constexpr uint32_t kClosed = 2;   // Schedule() returns status_.
constexpr uint32_t kWaiting = 4;  // ~Strand() sleeps until the strand idles.

// A drain (or a drop) of a strand in progress on this thread.
struct StrandFrame {
  const Strand* strand;
  // The drain is inside its own ScheduleDrain() call...
  bool rescheduling = false;
  // ...and the executor started the new drain task inline, which gave the
  // token back to this frame.
  bool resumed = false;
  StrandFrame* outer;
};
thread_local StrandFrame* current_frames = nullptr;

class ScopedStrandFrame {
 public:
  explicit ScopedStrandFrame(const Strand* strand)
      : frame_{strand, false, false, current_frames} {
    current_frames = &frame_;
  }
  ScopedStrandFrame(const ScopedStrandFrame&) = delete;
  ScopedStrandFrame& operator=(const ScopedStrandFrame&) = delete;
  ~ScopedStrandFrame() { current_frames = frame_.outer; }
  StrandFrame& frame() { return frame_; }

 private:
  StrandFrame frame_;
};

StrandFrame* FindFrame(const Strand* strand) {
  for (StrandFrame* f = current_frames; f != nullptr; f = f->outer) {
    if (f->strand == strand) return f;
  }
  return nullptr;
}

// A Schedule() of a strand's drain task in progress on this thread: if the
// executor destroys the task before the call returns, it rejected it, and the
// caller (not the task's destructor) handles it, with the executor's status.
struct PendingDrain {
  const Strand* strand;
  bool destroyed;
  PendingDrain* outer;
};
thread_local PendingDrain* pending_drains = nullptr;

void RunTask(absl::AnyInvocable<void()>& task) {
  try {
    task();
  } catch (...) {
    const std::string description =
        base_internal::CurrentExceptionDescription();
    std::fprintf(stderr,
                 "multirun: Strand: a task threw %s (caught; the strand "
                 "keeps running)\n",
                 description.c_str());
  }
}

}  // namespace

// The task the strand hands the executor. Owns the drain token until it runs;
// destroyed without running, it hands the token back (see DrainDropped()).
class Strand::DrainTask {
 public:
  explicit DrainTask(Strand* strand) : strand_(strand) {}
  DrainTask(DrainTask&& other) noexcept
      : strand_(std::exchange(other.strand_, nullptr)) {}
  DrainTask& operator=(DrainTask&&) = delete;
  ~DrainTask() {
    if (strand_ != nullptr) strand_->DrainDropped();
  }

  void operator()() { std::exchange(strand_, nullptr)->RunDrain(); }

 private:
  Strand* strand_;
};

Strand::Strand(Executor& executor) : executor_(executor) {}

Strand::~Strand() {
  if (RunningInThisStrand()) {
    base_internal::Fatal(
        "Strand destroyed from inside one of its own tasks: ~Strand() waits "
        "until the strand's tasks have run, including the one calling it");
  }
  std::atomic<uint32_t> done{0};
  {
    LockHolder<Lock> lock(lock_);
    if (!(state_ & kActive)) return;
    state_ |= kWaiting;
    destroy_waiter_ = &done;
  }
  while (done.load(std::memory_order_acquire) == 0) {
    base_internal::FutexWait(&done, 0, base_internal::Deadline::Never());
  }
  // The token holder signalled after its last release of lock_.
}

absl::Status Strand::Schedule(absl::AnyInvocable<void()> task) {
  if (!task) return absl::InvalidArgumentError("Strand::Schedule: null task");
  absl::Status rejection;
  {
    LockHolder<Lock> lock(lock_);
    if (!(state_ & kClosed)) {
      incoming_.Push(std::move(task));
      if (state_ & kActive) return absl::OkStatus();
      state_ |= kActive;  // The strand was idle: this thread owns the token.
    } else {
      rejection = status_;
    }
  }
  if (!rejection.ok()) {
    base_internal::ScopedDropReason reason(rejection);
    task = nullptr;
    return rejection;
  }
  const absl::Status status = ScheduleDrain();
  if (status.ok()) return status;
  return CloseAndDrop(status, "rejected");
}

bool Strand::RunningInThisStrand() const { return FindFrame(this) != nullptr; }

absl::Status Strand::ScheduleDrain() {
  PendingDrain pending{this, false, pending_drains};
  pending_drains = &pending;
  absl::Status status = executor_.Schedule(DrainTask(this));
  pending_drains = pending.outer;
  if (status.ok() && pending.destroyed) {
    status = absl::InternalError(
        "the executor accepted the task but destroyed it without running it");
  }
  return status;
}

void Strand::RunDrain() {
  if (StrandFrame* outer = FindFrame(this); outer != nullptr) {
    // The executor ran the rescheduled drain task inline, inside the drain
    // that scheduled it (further up this thread's stack): let that one go on.
    if (!outer->rescheduling) {
      base_internal::Fatal("Strand: a drain task started inside a drain");
    }
    outer->resumed = true;
    return;
  }
  ScopedStrandFrame scope(this);
  StrandFrame& frame = scope.frame();
  int ran = 0;
  while (true) {
    // Idle when it returns false: the strand may be destroyed; touch nothing
    // of it.
    if (ready_.empty() && !TakeScheduledOrGoIdle()) return;
    if (ran == kBatchSize) {
      // Let the executor's other work have its turn.
      frame.rescheduling = true;
      frame.resumed = false;
      const absl::Status status = ScheduleDrain();
      frame.rescheduling = false;
      if (!status.ok()) {
        (void)CloseAndDrop(status, "rejected");
        return;
      }
      if (!frame.resumed) return;  // The new drain task has the token.
      ran = 0;
    }
    RunTask(ready_.front());
    ready_.pop_front();  // Destroys the task.
    ++ran;
  }
}

void Strand::DrainDropped() {
  for (PendingDrain* p = pending_drains; p != nullptr; p = p->outer) {
    if (p->strand == this) {
      // Rejected inside ScheduleDrain(), which handles it.
      p->destroyed = true;
      return;
    }
  }
  // Accepted, then dropped (ThreadPool::ShutdownNow()), with the executor's
  // reason in force on this thread.
  (void)CloseAndDrop(base_internal::AbandonedStatus(), "dropped");
}

absl::Status Strand::CloseAndDrop(const absl::Status& status,
                                  const char* what_happened) {
  const std::string message = absl::StrCat(
      "Strand: the executor ", what_happened,
      " the strand's drain task, so the strand is closed: ", status.message());
  const absl::Status closed = status.ok()
                                  ? absl::InternalError(message)
                                  : base_internal::WithMessage(status, message);
  {
    LockHolder<Lock> lock(lock_);
    state_ |= kClosed;
    status_ = closed;
  }
  // A dropped task's destructor may destroy the strand: the frame makes that
  // abort with a message instead of waiting for this drop forever.
  ScopedStrandFrame scope(this);
  base_internal::ScopedDropReason reason(closed);
  do {
    while (!ready_.empty()) ready_.pop_front();
  } while (TakeScheduledOrGoIdle());
  return closed;
}

bool Strand::TakeScheduledOrGoIdle() {
  std::atomic<uint32_t>* waiter = nullptr;
  // An idle strand keeps only incoming_'s memory: ready_'s chunks are freed
  // (outside the lock) when it goes idle.
  executors_internal::TaskQueue unused;
  {
    LockHolder<Lock> lock(lock_);
    if (!incoming_.empty()) {
      ready_.swap(incoming_);
      return true;
    }
    unused.swap(ready_);
    if (state_ & kWaiting) waiter = destroy_waiter_;
    state_ &= ~(kActive | kWaiting);
  }
  // Unless `waiter` is set, ~Strand() may run from here on.
  if (waiter != nullptr) {
    waiter->store(1, std::memory_order_release);
    base_internal::FutexWake(waiter, 1);
  }
  return false;
}

}  // namespace multirun
