// Copyright 2026 The multirun Authors.
//
// Fresh stacks: run a function on a new stack segment when the current one is
// nearly used up, so that code which nests without bound (a waiting task
// that runs other tasks, which wait and run others, ...) never overflows the
// thread's stack.
//
// StackLeft() tells how many bytes remain below the calling frame on the
// stack it runs on (the thread's own stack, or a segment of RunOnFreshStack).
// RunOnFreshStack(fn) maps a segment of kFreshStackSize bytes with a guard
// page below it, switches to it (ucontext), runs fn, switches back and keeps
// the segment for the thread's next call (a few per thread). Switching costs
// two system calls each way; callers switch only when StackLeft() falls below
// a reserve, so the cost is paid once per kFreshStackSize of nesting.
//
// fn must not throw (the unwinder cannot leave the segment): std::terminate.
// AddressSanitizer and ThreadSanitizer are told about each switch.
//
// Example:
//
//   if (executors_internal::StackLeft() < executors_internal::kStackReserve) {
//     executors_internal::RunOnFreshStack([&] { RunNested(); });
//   } else {
//     RunNested();
//   }

#ifndef MULTIRUN_EXECUTORS_INTERNAL_FRESH_STACK_H_
#define MULTIRUN_EXECUTORS_INTERNAL_FRESH_STACK_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace multirun {
namespace executors_internal {

// The size of a fresh segment (plus one guard page).
inline constexpr size_t kFreshStackSize = size_t{2} << 20;
// What a caller should leave for the function it runs nested: below this,
// it runs the function on a fresh segment.
inline constexpr size_t kStackReserve = size_t{512} << 10;

// Bytes left on the current stack below the caller's frame.
size_t StackLeft();

// Runs `fn` on a fresh stack segment and returns when it has returned. Aborts
// with a message when no segment can be mapped.
void RunOnFreshStack(absl::FunctionRef<void()> fn) noexcept;

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_FRESH_STACK_H_
