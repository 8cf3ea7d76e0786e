// Copyright 2026 The multirun Authors.
//
// Barrier: a meeting point for a fixed number of threads, as Python's
// `threading.Barrier`.
//
// A Barrier is created for N parties. Each party calls Wait(); the first N-1
// sleep and the N-th releases them all, and the barrier is ready for the next
// round. Exactly one party per round is told it was the last to arrive (Wait
// returns true), so it can do per-round work such as merging results.
//
// A party that times out, or a call to Abort(), breaks the barrier: every party
// waiting in that round, and every later Wait(), returns Aborted or
// FailedPrecondition instead of waiting for parties that will never come
// (Python's BrokenBarrierError). A broken barrier stays broken; make a new one.
//
// Example:
//
//   constexpr int kThreads = 4;
//   multirun::Barrier step(kThreads);
//   std::vector<std::thread> threads;
//   for (int t = 0; t < kThreads; ++t) {
//     threads.emplace_back([&, t] {
//       for (int round = 0; round < 10; ++round) {
//         ComputeMyPart(t, round);
//         absl::StatusOr<bool> last = step.Wait();
//         if (last.ok() && *last) MergeParts(round);  // one thread per round
//       }
//     });
//   }
//   for (std::thread& thread : threads) thread.join();
//
// State: one futex word holding the round, the arrival count and a broken bit,
// the party count and the sharing mode; no heap, no pointers. At most
// kMaxParties parties.
//
// Processes: `Barrier(kProcessShared, n)` in shared memory (or
// `SharedRegion::New<Barrier>(n)`) meets parties from every process that maps
// it. A party whose process dies never arrives: give the others a timeout
// (WaitFor) so the round breaks instead of hanging.
//
// Thread-safety: every method may be called from any thread at once.
//
// Memory ordering: everything a party wrote before Wait() is visible to every
// party after its Wait() of the same round returns.

#ifndef MULTIRUN_SYNC_BARRIER_H_
#define MULTIRUN_SYNC_BARRIER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"
#include "multirun/sync/process_shared.h"

namespace multirun {

// A meeting point for `parties` threads (see the file comment).
class Barrier {
 public:
  static constexpr int64_t kMaxParties = (1 << 15) - 1;

  // A barrier for `parties` threads. Aborts with a message unless
  // 1 <= parties <= kMaxParties; use Create() for a value from input.
  explicit Barrier(int64_t parties);
  // A barrier for `parties` threads of any processes that map the memory it is
  // in. Aborts as above for a bad `parties`.
  explicit Barrier(ProcessShared, int64_t parties);
  // Aborts with a message if parties are waiting in an unbroken round (not for
  // a process-shared barrier: the parties may be other processes').
  ~Barrier();
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // A barrier for `parties` threads, or InvalidArgument naming the value.
  static absl::StatusOr<std::unique_ptr<Barrier>> Create(int64_t parties);

  // For SharedRegion::New: the bytes a Barrier takes in a region, or
  // InvalidArgument naming a bad `parties` (then nothing is placed).
  static absl::StatusOr<size_t> SharedRegionBytes(int64_t parties);

  // Arrives and blocks until all parties of this round have arrived. Returns
  // true for the one party that arrived last, false for the others; Aborted if
  // the barrier broke while waiting; FailedPrecondition if it was already
  // broken.
  absl::StatusOr<bool> Wait() {
    return WaitImpl(base_internal::Deadline::Never());
  }

  // As Wait(), but gives up after `timeout`: then returns DeadlineExceeded and
  // breaks the barrier for everyone.
  absl::StatusOr<bool> WaitFor(absl::Duration timeout) {
    return WaitImpl(base_internal::Deadline::After(timeout));
  }

  // As Wait(), but gives up at `deadline`: then returns DeadlineExceeded and
  // breaks the barrier for everyone.
  absl::StatusOr<bool> WaitUntil(absl::Time deadline) {
    return WaitImpl(base_internal::Deadline::At(deadline));
  }

  // Breaks the barrier: current and future waiters return an error. Never
  // blocks.
  void Abort();

  // Whether the barrier is broken.
  bool IsBroken() const;

  int64_t Parties() const { return parties_; }

  // Whether the barrier was constructed with kProcessShared.
  bool IsProcessShared() const {
    return sharing_ == base_internal::Sharing::kProcess;
  }

 private:
  // Word layout: bits 0-15 arrivals in this round, bits 16-30 the round number
  // (wrapping), bit 31 broken.
  static constexpr uint32_t kArrivalMask = 0xFFFF;
  static constexpr uint32_t kOneRound = 1u << 16;
  static constexpr uint32_t kRoundMask = 0x7FFF0000;
  static constexpr uint32_t kBroken = 1u << 31;

  absl::StatusOr<bool> WaitImpl(const base_internal::Deadline& deadline);

  std::atomic<uint32_t> state_{0};
  const uint32_t parties_;
  const base_internal::Sharing sharing_ = base_internal::Sharing::kPrivate;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_BARRIER_H_
