// Copyright 2026 The multirun Authors.
//
// SharedRegion: memory shared by a process and the children it forks, and the
// place to put process-shared locks, semaphores, events, queues and the state
// they protect.
//
// Create() maps anonymous MAP_SHARED memory. Every child forked afterwards (and
// their children) inherits the mapping at the same address, so the region's
// bytes are the same bytes in all of them, and a raw pointer into the region
// is valid in each. New<T>(args...) places a T there, properly aligned, and
// returns its address; call it before fork() for objects every process needs,
// or in any process later (the allocator's state is itself in the region, so
// every process sees every allocation; the pointer must then reach the others
// through the region).
//
// What New accepts, decided at compile time:
// - multirun's sync types (Lock, RLock, Semaphore, BoundedSemaphore, Event,
//   Condition, Barrier, RobustLock, SharedQueue): New passes kProcessShared
//   (process_shared.h) before `args`, so `New<Lock>()` is a process-shared
//   Lock and `New<Semaphore>(3)` one with 3 permits. Bad arguments are an
//   InvalidArgument status, as from the types' Create(). Any type
//   constructible as T(kProcessShared, args...) is placed the same way: that
//   constructor is how a type says it is made for shared memory.
// - Plain data: trivially copyable types (ints, PODs, std::array of them),
//   constructed as T(args...), an aggregate as T{args...} (zeroed with no
//   arguments); and lock-free std::atomic<U> (shared counters).
//   NewArray<T>(n) places n of them.
// - Anything else fails to compile with a static_assert: a std::string,
//   std::vector or std::unique_ptr would point into one process's heap.
//
// Lifetime: nobody runs the destructors of objects in a region. The types New
// accepts need none (plain data; the sync types' destructors only check for
// misuse, and those checks are off for process-shared objects). Destroying the
// SharedRegion unmaps the memory in the calling process only: pointers into it
// dangle there, while other processes keep their mappings. The memory itself
// is freed when the last process unmaps it or exits. A forked child that
// destroys its copy of the SharedRegion object (rather than calling _exit)
// unmaps only its own mapping. Nothing is ever freed inside a region: New is a
// bump allocator, so size a region for everything it will hold.
//
// A process that dies holding a Lock (or inside a Semaphore's section, a
// Barrier round...) leaves it so: use RobustLock for state that processes which
// may be killed update.
//
// Example:
//
//   absl::StatusOr<multirun::SharedRegion> region =
//       multirun::SharedRegion::Create(1 << 20);
//   if (!region.ok()) return region.status();
//   multirun::Lock* lock = *region->New<multirun::Lock>();
//   int64_t* total = *region->New<int64_t>();
//   for (int i = 0; i < 4; ++i) {
//     if (fork() == 0) {
//       for (int n = 0; n < 1000; ++n) {
//         multirun::LockHolder hold(*lock);
//         ++*total;
//       }
//       _exit(0);
//     }
//   }
//   while (wait(nullptr) > 0) {
//   }
//   // *total == 4000
//
// Thread-safety: New, NewArray and the size queries may be called from any
// thread of any process that maps the region, at once. Moving or destroying
// a SharedRegion object must not race with other calls on it.
//
// Memory ordering: New makes an allocation unique; it orders nothing else.
// Objects built in one process reach another through the region's sync types
// or before fork().

#ifndef MULTIRUN_SYNC_SHARED_REGION_H_
#define MULTIRUN_SYNC_SHARED_REGION_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "multirun/sync/internal/shared_region_traits.h"
#include "multirun/sync/process_shared.h"

namespace multirun {
// Memory shared with forked children, and an allocator in it (see the file
// comment).
class SharedRegion {
 public:
  // The largest region Create() accepts (1 TiB).
  static constexpr size_t kMaxBytes = size_t{1} << 40;
  // The strictest alignment New supports (a page).
  static constexpr size_t kMaxAlignment = 4096;

  // Maps a region with at least `bytes` bytes for New (rounded up to whole
  // pages; a small header comes on top). Returns InvalidArgument for 0 or more
  // than kMaxBytes, and mmap's error (ResourceExhausted for ENOMEM) with its
  // errno text if the kernel refuses. Does not block.
  static absl::StatusOr<SharedRegion> Create(size_t bytes);

  // Unmaps the region in this process (see the file comment).
  ~SharedRegion();
  // Moves the mapping; the moved-from region holds none (New then returns
  // FailedPrecondition).
  SharedRegion(SharedRegion&& other) noexcept;
  SharedRegion& operator=(SharedRegion&& other) noexcept;
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;

  // Places a T in the region (see the file comment for which T, and how it is
  // constructed) and returns its address. Returns what T::SharedRegionBytes
  // returns for bad arguments (InvalidArgument), ResourceExhausted naming the
  // bytes requested and left if the region is full, FailedPrecondition for a
  // moved-from region. Safe to call from any thread of any process that maps
  // the region. Does not block.
  template <typename T, typename... Args>
  absl::StatusOr<T*> New(Args&&... args);

  // Places `count` value-initialized (zeroed) T, plain data only, and returns
  // them. Errors as New.
  template <typename T>
  absl::StatusOr<absl::Span<T>> NewArray(size_t count);

  // The bytes New can hand out in all, those handed out so far (alignment
  // padding included), and those left.
  size_t Capacity() const;
  size_t Used() const;
  size_t Available() const;

  // Whether `address` lies in the part of the region New hands out.
  bool Contains(const void* address) const;

 private:
  struct Header;

  SharedRegion(void* base, size_t mapped) : base_(base), mapped_(mapped) {}

  // Reserves `bytes` at a multiple of `alignment` (a power of two, at most
  // kMaxAlignment). Errors as New.
  absl::StatusOr<void*> Allocate(size_t bytes, size_t alignment);

  void Unmap();

  void* base_;     // nullptr once moved from.
  size_t mapped_;  // Bytes mapped at base_, header included.
};

template <typename T, typename... Args>
absl::StatusOr<T*> SharedRegion::New(Args&&... args) {
  static_assert(!std::is_array_v<T>,
                "SharedRegion::New<T[]>: use NewArray<T>(count)");
  static_assert(alignof(T) <= kMaxAlignment,
                "SharedRegion::New<T>: T's alignment is above a page");
  if constexpr (sync_internal::HasSharedRegionBytes<T, Args...>) {
    absl::StatusOr<size_t> bytes = T::SharedRegionBytes(std::as_const(args)...);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<void*> memory = Allocate(*bytes, alignof(T));
    if (!memory.ok()) return memory.status();
    return ::new (*memory) T(kProcessShared, std::forward<Args>(args)...);
  } else if constexpr (sync_internal::kIsProcessSharedType<T, Args...>) {
    absl::StatusOr<void*> memory = Allocate(sizeof(T), alignof(T));
    if (!memory.ok()) return memory.status();
    return ::new (*memory) T(kProcessShared, std::forward<Args>(args)...);
  } else {
    static_assert(
        sync_internal::kIsPlainSharedType<T>,
        "SharedRegion::New<T>: T must be plain data (trivially copyable, or a "
        "lock-free std::atomic) or a type made for shared memory, "
        "constructible as T(multirun::kProcessShared, args...) like the sync "
        "primitives (then check the arguments). A type that owns heap memory "
        "(std::string, std::vector, std::unique_ptr) would point into one "
        "process's heap.");
    absl::StatusOr<void*> memory = Allocate(sizeof(T), alignof(T));
    if (!memory.ok()) return memory.status();
    if constexpr (std::is_aggregate_v<T>) {
      // Braces: Clang before 16 does not initialize an aggregate from
      // parentheses.
      return ::new (*memory) T{std::forward<Args>(args)...};
    } else {
      return ::new (*memory) T(std::forward<Args>(args)...);
    }
  }
}

template <typename T>
absl::StatusOr<absl::Span<T>> SharedRegion::NewArray(size_t count) {
  static_assert(alignof(T) <= kMaxAlignment,
                "SharedRegion::NewArray<T>: T's alignment is above a page");
  static_assert(
      sync_internal::kIsPlainSharedType<T>,
      "SharedRegion::NewArray<T>: T must be plain data (trivially copyable, or "
      "a lock-free std::atomic); place other types one by one with New<T>");
  if (count == 0) return absl::Span<T>();
  // Past kMaxBytes no region can hold it; report that, not an overflow.
  const size_t bytes =
      count > kMaxBytes / sizeof(T) ? kMaxBytes + 1 : count * sizeof(T);
  absl::StatusOr<void*> memory = Allocate(bytes, alignof(T));
  if (!memory.ok()) return memory.status();
  T* first = static_cast<T*>(*memory);
  for (size_t i = 0; i < count; ++i) ::new (first + i) T();
  return absl::Span<T>(first, count);
}

}  // namespace multirun

#endif  // MULTIRUN_SYNC_SHARED_REGION_H_
