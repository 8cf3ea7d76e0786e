// Copyright 2026 The multirun Authors.

#include "multirun/base/run_inline.h"

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

struct InlineState {
  int depth = 0;
  bool reported_exception = false;
  std::deque<absl::AnyInvocable<void()>> queue;
};

InlineState& ThisThread() {
  thread_local InlineState state;
  return state;
}

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
  while (!state.queue.empty()) {
    absl::AnyInvocable<void()> fn = std::move(state.queue.front());
    state.queue.pop_front();
    RunQueuedOne(state, fn);
    ran = true;
  }
  return ran;
}

}  // namespace

void RunInline(absl::AnyInvocable<void()> fn) {
  InlineState& state = ThisThread();
  if (state.depth >= kMaxInlineDepth) {
    state.queue.push_back(std::move(fn));
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

bool HasQueuedInline() { return !ThisThread().queue.empty(); }

}  // namespace base_internal
}  // namespace multirun
