// Copyright 2026 The multirun Authors.
//
// RunInline: runs a function on the calling thread, now, unless the thread is
// already deep in nested inline runs; then later, on the same thread, after
// the outermost inline run's function returns. The stack stays bounded
// whatever the nesting.
//
// Completing a future runs its callbacks on the completing thread, and an
// InlineExecutor runs a task inside Schedule(): a chain of a million
// continuations completed at once would otherwise be a million nested calls.
// Both go through RunInline. The first kMaxInlineDepth levels run nested, as
// a plain call would; a deeper one is queued on the thread and runs when the
// outermost RunInline() of the thread has finished its function (first in,
// first out), before that outermost call returns.
//
// A blocking wait on a thread whose queue is not empty runs the queue first
// (RunQueuedInline()): code that waits for something a queued function
// produces does not wait forever.
//
// A process forked from a thread starts with a fresh context: what the
// parent had queued stays with the parent.
//
// Exceptions: one thrown by a function run now propagates to the caller of
// RunInline(); one thrown by a queued function is caught, written to stderr
// (the first one per thread only) and dropped: whoever queued it has
// returned.

#ifndef MULTIRUN_BASE_RUN_INLINE_H_
#define MULTIRUN_BASE_RUN_INLINE_H_

#include "absl/functional/any_invocable.h"

namespace multirun {
namespace base_internal {

// Nested inline runs that run at once; deeper ones are queued.
inline constexpr int kMaxInlineDepth = 32;

// Runs `fn` now, or queues it when this thread is kMaxInlineDepth nested
// RunInline() calls deep (see the file comment).
void RunInline(absl::AnyInvocable<void()> fn);

// Runs the functions queued on this thread, in order, including those they
// queue. Returns whether there were any. For blocking waits.
bool RunQueuedInline();

// Whether this thread has queued functions.
bool HasQueuedInline();

// Gives the code in its scope a fresh inline context on this thread: depth
// 0 and an empty queue, so that it drains what it queues itself; restores
// the outer context afterwards. For a task that a waiting thread runs on top
// of its own work (a helping wait): the task must not wait for functions the
// waiter's frames below it queued, nor leave its own in their queue.
class ScopedInlineContext {
 public:
  ScopedInlineContext();
  ScopedInlineContext(const ScopedInlineContext&) = delete;
  ScopedInlineContext& operator=(const ScopedInlineContext&) = delete;
  ~ScopedInlineContext();

 private:
  int depth_;
  void* queue_;  // The outer queue, set aside.
};

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_RUN_INLINE_H_
