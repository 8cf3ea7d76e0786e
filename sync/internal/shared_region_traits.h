// Copyright 2026 The multirun Authors.
//
// The compile-time tests SharedRegion::New applies to a type: plain data,
// made for shared memory, sized by SharedRegionBytes. Users must not depend on
// them; include sync/shared_region.h.

#ifndef MULTIRUN_SYNC_INTERNAL_SHARED_REGION_TRAITS_H_
#define MULTIRUN_SYNC_INTERNAL_SHARED_REGION_TRAITS_H_

#include <atomic>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include "absl/status/statusor.h"
#include "multirun/sync/process_shared.h"

namespace multirun {
namespace sync_internal {

// Whether T is a std::atomic, and whether that atomic is lock-free.
template <typename T>
struct AtomicTraits {
  static constexpr bool kIsAtomic = false;
  static constexpr bool kLockFree = false;
};
template <typename U>
struct AtomicTraits<std::atomic<U>> {
  static constexpr bool kIsAtomic = true;
  static constexpr bool kLockFree = std::atomic<U>::is_always_lock_free;
};

// Data whose bytes mean the same in every process that maps them: trivially
// copyable types, and lock-free atomics (address-free, so they work between
// processes; a std::atomic that needs a lock uses one private to a process,
// so it is refused even where the compiler calls it trivially copyable).
template <typename T>
inline constexpr bool kIsPlainSharedType =
    !std::is_array_v<T> &&
    (AtomicTraits<T>::kIsAtomic ? AtomicTraits<T>::kLockFree
                                : std::is_trivially_copyable_v<T>);

// A type made for shared memory: constructible as T(kProcessShared, args...).
template <typename T, typename... Args>
inline constexpr bool kIsProcessSharedType =
    std::is_constructible_v<T, ProcessShared, Args...>;

// A type that tells New how many bytes it needs for `args` (validating them):
// `static absl::StatusOr<size_t> SharedRegionBytes(const Args&...)`. The bytes
// after the object, up to that count, are the object's. Its constructor
// T(ProcessShared, Args...) may be private, with SharedRegion a friend.
template <typename T, typename... Args>
concept HasSharedRegionBytes =
    requires(const std::remove_cvref_t<Args>&... args) {
  {
    T::SharedRegionBytes(args...)
    } -> std::convertible_to<absl::StatusOr<size_t>>;
};

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_SHARED_REGION_TRAITS_H_
