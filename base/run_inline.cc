// Copyright 2026 The multirun Authors.

#include "multirun/base/run_inline.h"

#include <pthread.h>

#include <cstdio>
#include <deque>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/current_exception.h"

namespace multirun {
namespace base_internal {
namespace {

using Queue = std::deque<absl::AnyInvocable<void()>>;

struct InlineState {
  int depth = 0;
  bool reported_exception = false;
  Queue* queue = nullptr;  // Made on first use.
};

thread_local InlineState state_of_thread;

InlineState& ThisThread() { return state_of_thread; }

// Frees the thread's queue when the thread exits.
struct QueueOwner {
  ~QueueOwner() {
    delete state_of_thread.queue;
    state_of_thread.queue = nullptr;
  }
};

Queue& QueueOf(InlineState& state) {
  if (state.queue == nullptr) {
    thread_local QueueOwner owner;
    (void)owner;
    state.queue = new Queue;
  }
  return *state.queue;
}

// In a forked child: the functions the parent's thread had queued belong to
// the parent (they are leaked here, not run or destroyed: destroying one
// could complete a future of the parent's in the child).
void ResetInChild() {
  state_of_thread.depth = 0;
  state_of_thread.queue = nullptr;
}

[[maybe_unused]] const int reset_in_child_registered =
    pthread_atfork(nullptr, nullptr, &ResetInChild);

// Counts one level of nesting for its lifetime.
class DepthScope {
 public:
  explicit DepthScope(InlineState& state) : state_(state) { ++state_.depth; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;
  ~DepthScope() { --state_.depth; }

 private:
  InlineState& state_;
};

void RunQueuedOne(InlineState& state, absl::AnyInvocable<void()>& fn) {
  DepthScope scope(state);
  try {
    std::move(fn)();
  } catch (...) {
    if (!state.reported_exception) {
      state.reported_exception = true;
      const std::string message =
          absl::StrCat("multirun: a queued inline function threw ",
                       CurrentExceptionDescription(),
                       "; it is dropped (later ones on this thread are not "
                       "reported)\n");
      std::fputs(message.c_str(), stderr);
    }
  }
}

bool DrainQueue(InlineState& state) {
  bool ran = false;
  // Re-read the queue each time: a function may set a fresh context aside.
  while (state.queue != nullptr && !state.queue->empty()) {
    absl::AnyInvocable<void()> fn = std::move(state.queue->front());
    state.queue->pop_front();
    RunQueuedOne(state, fn);
    ran = true;
  }
  return ran;
}

}  // namespace

void RunInline(absl::AnyInvocable<void()> fn) {
  InlineState& state = ThisThread();
  if (state.depth >= kMaxInlineDepth) {
    QueueOf(state).push_back(std::move(fn));
    return;
  }
  // The outermost run drains the queue after its function, also when the
  // function throws (the queued functions do not throw out of DrainQueue).
  struct Outermost {
    InlineState& state;
    const bool outermost;
    ~Outermost() {
      if (outermost) DrainQueue(state);
    }
  } drain_after{state, state.depth == 0};
  DepthScope scope(state);
  std::move(fn)();
}

bool RunQueuedInline() {
  InlineState& state = ThisThread();
  return DrainQueue(state);
}

bool HasQueuedInline() {
  const InlineState& state = ThisThread();
  return state.queue != nullptr && !state.queue->empty();
}

ScopedInlineContext::ScopedInlineContext() {
  InlineState& state = ThisThread();
  depth_ = std::exchange(state.depth, 0);
  queue_ = std::exchange(state.queue, nullptr);
}

ScopedInlineContext::~ScopedInlineContext() {
  InlineState& state = ThisThread();
  // Everything queued in the scope ran when its outermost run returned;
  // what a function that threw left behind runs now.
  DrainQueue(state);
  delete state.queue;
  state.depth = depth_;
  state.queue = static_cast<Queue*>(queue_);
}

}  // namespace base_internal
}  // namespace multirun
