// Copyright 2026 The multirun Authors.
//
// ProcessShared: the tag that makes a sync primitive work between processes.
//
// Every multirun primitive is a few atomics around futex words, with no heap
// and no pointers, so it can live in memory shared by several processes (a
// SharedRegion, shared_region.h, created before fork()). By default a
// primitive uses private futexes, which are faster but wake only threads of the
// process that made the call. Constructed with `kProcessShared`, it uses the
// process-shared futex operations instead, and a thread of any process that
// maps the memory can wait in it and be woken.
//
// Example:
//
//   multirun::Lock lock(multirun::kProcessShared);
//   multirun::Semaphore slots(multirun::kProcessShared, 3);
//   // Usually placed by SharedRegion, which passes the tag itself:
//   multirun::Event* ready = *region->New<multirun::Event>();
//
// Types that take the tag: Lock, RLock, Semaphore, BoundedSemaphore, Event,
// Condition, Barrier and RobustLock; SharedQueue is process-shared only.
// SharedRegion::New passes the tag itself. Your own type can take it too (as
// its constructor's first parameter, handed on to its members): New then
// places it like the primitives.
//
// What changes for a process-shared object:
// - Sleeping and waking cross process boundaries; a contended operation costs
//   a little more in the kernel (a shared futex is keyed by the page, not by
//   the address space). The uncontended paths are the same atomics.
// - An RLock's owner is a kernel thread id, unique across processes; the
//   private RLock's fork() rule (the forking thread keeps, in the child, what
//   it held) is off, since parent and child really share the one lock.
// - The destructors' "destroyed while in use" checks are off: the waiters may
//   belong to other processes, whose mappings of the memory stay valid. Ending
//   the memory (munmap) while a thread of this process still waits in an object
//   is undefined behaviour, as for a pthread mutex.
// - A process that dies while holding a Lock leaves it held: use RobustLock
//   (robust_lock.h) where a holder may be killed.
//
// Thread-safety: as the private form of each type, across processes.

#ifndef MULTIRUN_SYNC_PROCESS_SHARED_H_
#define MULTIRUN_SYNC_PROCESS_SHARED_H_

namespace multirun {

// The type of kProcessShared. Not default-constructible from `{}`, so a tag is
// always spelled out.
struct ProcessShared {
  explicit constexpr ProcessShared() = default;
};

// The tag: `Lock lock(multirun::kProcessShared);`.
inline constexpr ProcessShared kProcessShared{};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_PROCESS_SHARED_H_
