// Copyright 2026 The multirun Authors.

#include "multirun/sync/shared_region.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace multirun {

// At the start of the region, so every process that maps it shares the
// allocator.
struct SharedRegion::Header {
  // Bytes mapped, header included.
  uint64_t mapped;
  // Offset of the first byte not handed out yet.
  std::atomic<uint64_t> used;
};

namespace {

// The header's share of the region: one cache line, so the first object does
// not share a line with the allocator's counter.
constexpr size_t kHeaderBytes = 64;
static_assert(sizeof(std::atomic<uint64_t>) + sizeof(uint64_t) <= kHeaderBytes);

size_t RoundUp(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace

absl::StatusOr<SharedRegion> SharedRegion::Create(size_t bytes) {
  if (bytes == 0 || bytes > kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("SharedRegion::Create: bytes must be in [1, ", kMaxBytes,
                     "], got ", bytes));
  }
  const long page = sysconf(_SC_PAGESIZE);
  const size_t mapped = RoundUp(bytes + kHeaderBytes,
                                page > 0 ? static_cast<size_t>(page) : 4096);
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("SharedRegion::Create: mmap of ", mapped,
                            " shared bytes failed"));
  }
  // Fresh anonymous memory is zeroed; construct the header over it.
  ::new (base) Header{mapped, kHeaderBytes};
  return SharedRegion(base, mapped);
}

SharedRegion::~SharedRegion() { Unmap(); }

SharedRegion::SharedRegion(SharedRegion&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      mapped_(std::exchange(other.mapped_, 0)) {}

SharedRegion& SharedRegion::operator=(SharedRegion&& other) noexcept {
  if (this != &other) {
    Unmap();
    base_ = std::exchange(other.base_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

void SharedRegion::Unmap() {
  if (base_ != nullptr) munmap(base_, mapped_);
  base_ = nullptr;
  mapped_ = 0;
}

absl::StatusOr<void*> SharedRegion::Allocate(size_t bytes, size_t alignment) {
  if (base_ == nullptr) {
    return absl::FailedPreconditionError(
        "SharedRegion::New: the region was moved from");
  }
  Header& header = *static_cast<Header*>(base_);
  uint64_t used = header.used.load(std::memory_order_relaxed);
  uint64_t start;
  do {
    start = RoundUp(used, alignment);
    if (start > mapped_ || bytes > mapped_ - start) {
      return absl::ResourceExhaustedError(
          absl::StrCat("SharedRegion::New: ", bytes, " bytes (aligned to ",
                       alignment, ") requested, but only ", mapped_ - used,
                       " of ", mapped_ - kHeaderBytes, " bytes are left"));
    }
  } while (!header.used.compare_exchange_weak(used, start + bytes,
                                              std::memory_order_relaxed));
  return static_cast<char*>(base_) + start;
}

size_t SharedRegion::Capacity() const {
  return base_ == nullptr ? 0 : mapped_ - kHeaderBytes;
}

size_t SharedRegion::Used() const {
  if (base_ == nullptr) return 0;
  return static_cast<const Header*>(base_)->used.load(
             std::memory_order_relaxed) -
         kHeaderBytes;
}

size_t SharedRegion::Available() const { return Capacity() - Used(); }

bool SharedRegion::Contains(const void* address) const {
  const char* begin = static_cast<const char*>(base_);
  const char* at = static_cast<const char*>(address);
  return base_ != nullptr && at >= begin + kHeaderBytes && at < begin + mapped_;
}

}  // namespace multirun
