// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/fresh_stack.h"

#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"

#if defined(__SANITIZE_ADDRESS__)
#define MULTIRUN_FRESH_STACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MULTIRUN_FRESH_STACK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define MULTIRUN_FRESH_STACK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MULTIRUN_FRESH_STACK_TSAN 1
#endif
#endif

#ifdef MULTIRUN_FRESH_STACK_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef MULTIRUN_FRESH_STACK_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace multirun {
namespace executors_internal {
namespace {

struct Segment {
  char* map = nullptr;  // Guard page, then the usable stack.
  size_t map_size = 0;
  char* low() const { return map + static_cast<size_t>(getpagesize()); }
  size_t size() const { return map_size - static_cast<size_t>(getpagesize()); }
};

// The segments a thread keeps for its next switches.
constexpr size_t kKeptSegments = 4;

struct ThreadStacks {
  // The lowest usable address of the stack the thread runs on now.
  char* low = nullptr;
  std::vector<Segment> kept;
  ~ThreadStacks() {
    for (const Segment& segment : kept) munmap(segment.map, segment.map_size);
  }
};

ThreadStacks& ThisThread() {
  thread_local ThreadStacks stacks;
  if (stacks.low == nullptr) {
    pthread_attr_t attr;
    void* address = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &address, &size);
      pthread_attr_destroy(&attr);
    }
    // The guard area at the low end is inside what pthread reports for
    // threads it created; leave a page more for it.
    stacks.low = static_cast<char*>(address) + 2 * getpagesize();
  }
  return stacks;
}

// Not inlined into RunOnFreshStack: getcontext() returns twice, and locals
// of the caller's frame are then assumed clobbered.
__attribute__((noinline)) Segment AcquireSegment(ThreadStacks& stacks) {
  if (!stacks.kept.empty()) {
    Segment segment = stacks.kept.back();
    stacks.kept.pop_back();
    return segment;
  }
  Segment segment;
  segment.map_size = kFreshStackSize + static_cast<size_t>(getpagesize());
  void* map =
      mmap(nullptr, segment.map_size, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (map == MAP_FAILED) {
    base_internal::Fatal(absl::StrCat("multirun: cannot map a stack segment: ",
                                      std::strerror(errno)));
  }
  segment.map = static_cast<char*>(map);
  mprotect(segment.map, static_cast<size_t>(getpagesize()), PROT_NONE);
  return segment;
}

__attribute__((noinline)) void ReleaseSegment(ThreadStacks& stacks,
                                              Segment segment) {
  if (stacks.kept.size() < kKeptSegments) {
    stacks.kept.push_back(segment);
  } else {
    munmap(segment.map, segment.map_size);
  }
}

// What the entry function on the segment needs.
struct Switch {
  absl::FunctionRef<void()>* fn;
  ucontext_t caller;
  ucontext_t callee;
#ifdef MULTIRUN_FRESH_STACK_ASAN
  const void* caller_bottom = nullptr;
  size_t caller_size = 0;
#endif
#ifdef MULTIRUN_FRESH_STACK_TSAN
  void* caller_fiber = nullptr;
#endif
};

// Runs on the segment. Never returns: it switches back to the caller
// explicitly, so that no instrumented function epilogue runs after the
// sanitizers have been told that the switch back has begun.
void Entry(unsigned high, unsigned low) {
  Switch* s = reinterpret_cast<Switch*>((static_cast<uintptr_t>(high) << 32) |
                                        static_cast<uintptr_t>(low));
#ifdef MULTIRUN_FRESH_STACK_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &s->caller_bottom, &s->caller_size);
#endif
  (*s->fn)();
#ifdef MULTIRUN_FRESH_STACK_TSAN
  __tsan_switch_to_fiber(s->caller_fiber, 0);
#endif
#ifdef MULTIRUN_FRESH_STACK_ASAN
  // Leaving the segment for good: no fake stack to keep.
  __sanitizer_start_switch_fiber(nullptr, s->caller_bottom, s->caller_size);
#endif
  setcontext(&s->caller);
  base_internal::Fatal("multirun: setcontext back from a stack segment failed");
}

}  // namespace

size_t StackLeft() {
  char* frame = static_cast<char*>(__builtin_frame_address(0));
  char* low = ThisThread().low;
  return frame > low ? static_cast<size_t>(frame - low) : 0;
}

void RunOnFreshStack(absl::FunctionRef<void()> fn) noexcept {
  ThreadStacks& stacks = ThisThread();
  Segment segment = AcquireSegment(stacks);
  Switch s;
  s.fn = &fn;
  if (getcontext(&s.callee) != 0) {
    base_internal::Fatal("multirun: getcontext failed");
  }
  s.callee.uc_stack.ss_sp = segment.low();
  s.callee.uc_stack.ss_size = segment.size();
  s.callee.uc_link = nullptr;
  const uintptr_t address = reinterpret_cast<uintptr_t>(&s);
  makecontext(&s.callee, reinterpret_cast<void (*)()>(&Entry), 2,
              static_cast<unsigned>(address >> 32),
              static_cast<unsigned>(address & 0xffffffffu));
  char* const previous_low = stacks.low;
  stacks.low = segment.low();
#ifdef MULTIRUN_FRESH_STACK_TSAN
  s.caller_fiber = __tsan_get_current_fiber();
  void* fiber = __tsan_create_fiber(0);
  __tsan_switch_to_fiber(fiber, 0);
#endif
#ifdef MULTIRUN_FRESH_STACK_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, segment.low(), segment.size());
#endif
  swapcontext(&s.caller, &s.callee);
#ifdef MULTIRUN_FRESH_STACK_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
#ifdef MULTIRUN_FRESH_STACK_TSAN
  __tsan_destroy_fiber(fiber);
#endif
  stacks.low = previous_low;
  ReleaseSegment(stacks, segment);
}

}  // namespace executors_internal
}  // namespace multirun
