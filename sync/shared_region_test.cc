// Copyright 2026 The multirun Authors.

#include "multirun/sync/shared_region.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "multirun/sync/barrier.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/condition.h"
#include "multirun/sync/event.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/rlock.h"
#include "multirun/sync/robust_lock.h"
#include "multirun/sync/semaphore.h"
#include "multirun/sync/shared_queue.h"
#include "multirun/testing/child_process.h"

namespace multirun {
namespace {

using sync_internal::kIsPlainSharedType;
using testing_internal::ChildProcess;

// What New accepts, at compile time.
static_assert(kIsPlainSharedType<int64_t>);
static_assert(kIsPlainSharedType<std::array<double, 8>>);
static_assert(kIsPlainSharedType<std::atomic<int64_t>>);
static_assert(!kIsPlainSharedType<std::string>);
static_assert(!kIsPlainSharedType<std::vector<int>>);
static_assert(!kIsPlainSharedType<std::unique_ptr<int>>);
struct Big {
  char bytes[64];
};
static_assert(!kIsPlainSharedType<std::atomic<Big>>);  // Needs a private lock.
static_assert(sync_internal::kIsProcessSharedType<Lock>);
static_assert(sync_internal::kIsProcessSharedType<Semaphore, int>);
static_assert(!sync_internal::kIsProcessSharedType<std::string>);

SharedRegion MustCreate(size_t bytes) {
  absl::StatusOr<SharedRegion> region = SharedRegion::Create(bytes);
  if (!region.ok()) {
    ADD_FAILURE() << region.status();
    std::abort();
  }
  return std::move(*region);
}

// Whether `address` is mapped in this process.
bool IsMapped(const void* address) {
  const long page = sysconf(_SC_PAGESIZE);
  void* start = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(address) &
                                        ~static_cast<uintptr_t>(page - 1));
  unsigned char resident;
  return mincore(start, 1, &resident) == 0;
}

TEST(SharedRegionTest, CreateRejectsBadSizes) {
  for (size_t bytes : {size_t{0}, SharedRegion::kMaxBytes + 1, SIZE_MAX}) {
    absl::StatusOr<SharedRegion> region = SharedRegion::Create(bytes);
    EXPECT_EQ(region.status().code(), absl::StatusCode::kInvalidArgument)
        << bytes;
    EXPECT_NE(region.status().message().find(std::to_string(bytes)),
              std::string::npos)
        << region.status();
  }
}

// The kernel's refusal comes back with its errno text.
TEST(SharedRegionTest, CreateReportsMmapFailure) {
  EXPECT_TRUE(
      testing_internal::ChildProcess::Start([]() -> absl::Status {
        // Address space for what this process maps now plus 64 MiB.
        std::ifstream status("/proc/self/status");
        std::string line;
        uint64_t kilobytes = 0;
        while (std::getline(status, line)) {
          if (line.rfind("VmSize:", 0) == 0) {
            kilobytes = std::stoull(line.substr(7));
          }
        }
        if (kilobytes == 0) return absl::InternalError("no VmSize");
        const rlimit limit{(kilobytes << 10) + (64 << 20),
                           (kilobytes << 10) + (64 << 20)};
        if (setrlimit(RLIMIT_AS, &limit) != 0) {
          return absl::InternalError("setrlimit");
        }
        absl::StatusOr<SharedRegion> region =
            SharedRegion::Create(size_t{1} << 30);
        if (region.status().code() != absl::StatusCode::kResourceExhausted ||
            region.status().message().find("Cannot allocate memory") ==
                absl::string_view::npos ||
            region.status().message().find("mmap") == absl::string_view::npos) {
          return absl::InternalError(region.status().ToString());
        }
        return absl::OkStatus();
      })
          .WaitOk()
          .ok());
}

TEST(SharedRegionTest, CapacityIsAtLeastWhatWasAskedFor) {
  SharedRegion region = MustCreate(100);
  EXPECT_GE(region.Capacity(), 100u);
  EXPECT_EQ(region.Used(), 0u);
  EXPECT_EQ(region.Available(), region.Capacity());
  int64_t* value = *region.New<int64_t>(5);
  EXPECT_EQ(*value, 5);
  EXPECT_TRUE(region.Contains(value));
  int64_t elsewhere = 0;
  EXPECT_FALSE(region.Contains(&elsewhere));
  EXPECT_EQ(region.Used(), sizeof(int64_t));
  EXPECT_EQ(region.Available(), region.Capacity() - sizeof(int64_t));
}

TEST(SharedRegionTest, NewAlignsEveryType) {
  struct alignas(64) CacheLine {
    int64_t value;
  };
  struct alignas(4096) Page {
    char bytes[10];
  };
  SharedRegion region = MustCreate(1 << 16);
  for (int i = 0; i < 3; ++i) {
    char* c = *region.New<char>('x');
    int64_t* word = *region.New<int64_t>();
    CacheLine* line = *region.New<CacheLine>();
    Page* page = *region.New<Page>();
    Lock* lock = *region.New<Lock>();
    RobustLock* robust = *region.New<RobustLock>();
    EXPECT_EQ(*c, 'x');
    EXPECT_EQ(reinterpret_cast<uintptr_t>(word) % alignof(int64_t), 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(line) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(page) % 4096, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(lock) % alignof(Lock), 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(robust) % alignof(RobustLock), 0u);
    EXPECT_EQ(*word, 0);  // Value-initialized.
    EXPECT_EQ(line->value, 0);
  }
}

TEST(SharedRegionTest, NewConstructsPlainDataAndAtomics) {
  struct Point {
    int32_t x;
    int32_t y;
  };
  SharedRegion region = MustCreate(4096);
  Point* point = *region.New<Point>(3, 4);
  EXPECT_EQ(point->x, 3);
  EXPECT_EQ(point->y, 4);
  std::atomic<int64_t>* counter = *region.New<std::atomic<int64_t>>(9);
  EXPECT_EQ(counter->fetch_add(1), 9);
  std::array<int, 3>* array = *region.New<std::array<int, 3>>();
  EXPECT_EQ((*array)[2], 0);
}

TEST(SharedRegionTest, NewPlacesSyncTypesProcessShared) {
  SharedRegion region = MustCreate(1 << 16);
  EXPECT_TRUE((*region.New<Lock>())->IsProcessShared());
  EXPECT_TRUE((*region.New<RLock>())->IsProcessShared());
  Semaphore* semaphore = *region.New<Semaphore>(3);
  EXPECT_TRUE(semaphore->IsProcessShared());
  EXPECT_EQ(semaphore->Available(), 3);
  EXPECT_EQ((*region.New<Semaphore>())->Available(), 1);
  BoundedSemaphore* bounded = *region.New<BoundedSemaphore>(2);
  EXPECT_TRUE(bounded->IsProcessShared());
  EXPECT_EQ(bounded->Bound(), 2);
  EXPECT_TRUE((*region.New<Event>())->IsProcessShared());
  EXPECT_TRUE((*region.New<Condition>())->IsProcessShared());
  Barrier* barrier = *region.New<Barrier>(4);
  EXPECT_TRUE(barrier->IsProcessShared());
  EXPECT_EQ(barrier->Parties(), 4);
  EXPECT_TRUE((*region.New<RobustLock>())->IsProcessShared());
  SharedQueue<int>* queue = *region.New<SharedQueue<int>>(8);
  EXPECT_EQ(queue->Capacity(), 8u);
}

TEST(SharedRegionTest, BadArgumentsOfSyncTypesAreInvalidAndPlaceNothing) {
  SharedRegion region = MustCreate(4096);
  EXPECT_EQ(region.New<Semaphore>(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(region.New<BoundedSemaphore>(int64_t{1} << 40).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(region.New<Barrier>(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(region.New<SharedQueue<int>>(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(region.Used(), 0u);
}

TEST(SharedRegionTest, OutOfSpaceIsResourceExhaustedNamingTheBytes) {
  SharedRegion region = MustCreate(4096);
  const size_t capacity = region.Capacity();
  // Fill it exactly.
  absl::StatusOr<absl::Span<char>> fill = region.NewArray<char>(capacity - 8);
  ASSERT_TRUE(fill.ok()) << fill.status();
  ASSERT_TRUE(region.New<int64_t>().ok());
  EXPECT_EQ(region.Available(), 0u);
  const absl::StatusOr<int64_t*> full = region.New<int64_t>();
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.status().message().find("8 bytes"), std::string::npos)
      << full.status();
  EXPECT_NE(full.status().message().find(
                "only 0 of " + std::to_string(capacity) + " bytes are left"),
            std::string::npos)
      << full.status();

  SharedRegion other = MustCreate(4096);
  const absl::StatusOr<absl::Span<int64_t>> big =
      other.NewArray<int64_t>(100'000);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("800000 bytes"), std::string::npos)
      << big.status();
  EXPECT_EQ(other.NewArray<int64_t>(SIZE_MAX).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(other.New<SharedQueue<int64_t>>(1'000'000).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(other.Used(), 0u);  // Failures place nothing.
}

TEST(SharedRegionTest, NewArrayZeroesItsElements) {
  SharedRegion region = MustCreate(1 << 16);
  absl::Span<int64_t> values = *region.NewArray<int64_t>(1000);
  ASSERT_EQ(values.size(), 1000u);
  for (int64_t value : values) EXPECT_EQ(value, 0);
  absl::Span<std::atomic<int32_t>> counters =
      *region.NewArray<std::atomic<int32_t>>(10);
  EXPECT_EQ(counters[9].fetch_add(1), 0);
  EXPECT_TRUE(region.NewArray<int64_t>(0)->empty());
}

TEST(SharedRegionTest, ChildAllocationIsVisibleToTheParent) {
  SharedRegion region = MustCreate(1 << 16);
  std::atomic<int64_t*>* published = *region.New<std::atomic<int64_t*>>();
  ASSERT_TRUE(testing_internal::ChildProcess::Start([&] {
                absl::StatusOr<int64_t*> value = region.New<int64_t>(42);
                if (!value.ok()) return false;
                published->store(*value);
                return true;
              })
                  .WaitOk()
                  .ok());
  int64_t* value = published->load();
  ASSERT_NE(value, nullptr);
  EXPECT_TRUE(region.Contains(value));
  EXPECT_EQ(*value, 42);  // The same address holds it in the parent.
  EXPECT_GE(region.Used(), sizeof(*published) + sizeof(int64_t));
  // The parent's next allocation comes after the child's.
  int64_t* next = *region.New<int64_t>(7);
  EXPECT_GT(next, value);
  EXPECT_EQ(*value, 42);
}

TEST(SharedRegionTest, ConcurrentAllocationsInManyProcessesNeverOverlap) {
  constexpr int kProcesses = 4;
  constexpr int kEach = 200;
  SharedRegion region = MustCreate(1 << 20);
  absl::Span<std::atomic<int64_t*>> where =
      *region.NewArray<std::atomic<int64_t*>>(kProcesses * kEach);
  EXPECT_TRUE(testing_internal::RunChildren(kProcesses, [&](int process) {
                for (int i = 0; i < kEach; ++i) {
                  absl::StatusOr<int64_t*> slot =
                      region.New<int64_t>(process * kEach + i);
                  if (!slot.ok()) return false;
                  where[process * kEach + i].store(*slot);
                }
                return true;
              }).ok());
  for (int i = 0; i < kProcesses * kEach; ++i) {
    int64_t* slot = where[i].load();
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(*slot, i);  // Nobody else wrote over it.
  }
}

TEST(SharedRegionTest, MoveHandsOverTheMapping) {
  SharedRegion first = MustCreate(4096);
  int64_t* value = *first.New<int64_t>(1);
  SharedRegion second = std::move(first);
  EXPECT_EQ(*value, 1);
  EXPECT_TRUE(second.Contains(value));
  EXPECT_EQ(first.Capacity(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(first.New<int64_t>().status().code(),
            absl::StatusCode::kFailedPrecondition);
  SharedRegion third = MustCreate(4096);
  int64_t* other = *third.New<int64_t>(2);
  third = std::move(second);  // Unmaps what `third` held.
  EXPECT_FALSE(IsMapped(other));
  EXPECT_TRUE(IsMapped(value));
  EXPECT_EQ(*value, 1);
}

// Acquires `lock` and leaves it held when the caller's scope ends, on purpose;
// outside Clang's thread-safety analysis, which rejects exactly that.
void AcquireAndKeep(Lock& lock) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  lock.Acquire();
}

// Nobody runs the destructors of objects in a region, in any process.
struct CountsDestruction {
  static inline int destroyed = 0;
  explicit CountsDestruction(ProcessShared) {}
  ~CountsDestruction() { ++destroyed; }
};

TEST(SharedRegionTest, DestroyingTheRegionUnmapsItAndRunsNoDestructors) {
  const void* address;
  {
    SharedRegion region = MustCreate(4096);
    ASSERT_TRUE(region.New<CountsDestruction>().ok());
    Lock* held = *region.New<Lock>();
    AcquireAndKeep(*held);  // A held private Lock aborts in its destructor.
    address = held;
    EXPECT_TRUE(IsMapped(address));
  }
  EXPECT_EQ(CountsDestruction::destroyed, 0);
  EXPECT_FALSE(IsMapped(address));
}

// Unmapping in one process leaves the others' mappings alone.
TEST(SharedRegionTest, OtherProcessesKeepTheirMappings) {
  SharedRegion signals = MustCreate(4096);
  Event* unmapped = *signals.New<Event>();
  std::optional<SharedRegion> region = MustCreate(4096);
  int64_t* value = *region->New<int64_t>(11);
  testing_internal::ChildProcess child =
      testing_internal::ChildProcess::Start([&] {
        if (!unmapped->WaitFor(testing_internal::kChildTimeout)) return false;
        return IsMapped(value) && *value == 11;
      });
  region.reset();
  EXPECT_FALSE(IsMapped(value));
  unmapped->Set();
  EXPECT_TRUE(child.WaitOk().ok());
}

}  // namespace
}  // namespace multirun
