// Copyright 2026 The multirun Authors.
//
// The part of Sharer<T> that does not depend on T: validation, admission (the
// `max_queued` bound, Close()) and the counters. Users must not depend on it;
// include sharer/sharer.h.

#ifndef MULTIRUN_SHARER_INTERNAL_SHARER_CORE_H_
#define MULTIRUN_SHARER_INTERNAL_SHARER_CORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/sync/semaphore.h"

namespace multirun {

// Defined in sharer.h.
enum class SharerWhenFull;
struct SharerOptions;
struct SharerStats;

namespace sharer_internal {

// Defined in sharer_core.cc.
class SharerCore {
 public:
  // OK, or InvalidArgument naming what is wrong with `options`.
  static absl::Status Validate(const SharerOptions& options);

  // `options` must be valid.
  explicit SharerCore(const SharerOptions& options);
  SharerCore(const SharerCore&) = delete;
  SharerCore& operator=(const SharerCore&) = delete;

  // Takes a place in the queue for one call, as the options say; `strand` is
  // the Sharer's (to tell whether the caller is one of its calls). OK, or the
  // status the call's future fails with (counted as rejected).
  absl::Status Admit(const Strand& strand);

  // For an accepted call: it starts (leaves the queue, frees its place).
  void Started();
  // For a started call: it ended, successfully or not.
  void Finished(bool ok);
  // For an accepted call that will never run (cancelled, dropped).
  void Dropped();
  // For a call Admit() accepted that the strand then rejected (and Dropped()
  // counted as cancelled): counts it as rejected instead.
  void DroppedWasRejected();
  // Counts a call refused before Admit() (invalid input).
  void Rejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }

  void Close() { closed_.store(true, std::memory_order_release); }
  bool IsClosed() const { return closed_.load(std::memory_order_acquire); }

  SharerStats stats() const;
  const std::string& name() const { return name_; }

 private:
  absl::Status Refuse(absl::Status status);
  // Adds one serial-writer counter (written by the Sharer's calls only, one
  // at a time; read by stats() from anywhere).
  static void Bump(std::atomic<int64_t>& counter, int64_t delta) {
    counter.store(counter.load(std::memory_order_relaxed) + delta,
                  std::memory_order_relaxed);
  }

  const std::string name_;
  const int64_t max_queued_;  // 0: no bound.
  const SharerWhenFull when_full_;
  const absl::Duration full_timeout_;
  // max_queued_ permits when bounded. Inline, so that a test can see a caller
  // asleep in it (testing/test_threads.h's AwaitWaitingOn).
  std::optional<Semaphore> places_;
  std::atomic<bool> closed_{false};
  // Written by callers and by the calls.
  alignas(64) std::atomic<int64_t> queued_{0};
  std::atomic<int64_t> max_queued_seen_{0};
  std::atomic<int64_t> cancelled_{0};
  std::atomic<int64_t> rejected_{0};
  // Written by the calls only.
  alignas(64) std::atomic<int64_t> running_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> failed_{0};
};

// A call's claim on its place: Started() then Finished() when it runs, or
// Dropped() when it is destroyed without having started.
class Ticket {
 public:
  explicit Ticket(SharerCore* core) : core_(core) {}
  Ticket(Ticket&& other) noexcept
      : core_(std::exchange(other.core_, nullptr)), started_(other.started_) {}
  Ticket& operator=(Ticket&&) = delete;
  ~Ticket() {
    if (core_ != nullptr && !started_) core_->Dropped();
  }
  void Start() {
    started_ = true;
    core_->Started();
  }
  void Finish(bool ok) { std::exchange(core_, nullptr)->Finished(ok); }

 private:
  SharerCore* core_;
  bool started_ = false;
};

// Aborts with a message when `options` are invalid; returns them.
const SharerOptions& CheckedOptions(const SharerOptions& options);
// The dedicated thread the options ask for, or nullptr. Aborts with a message
// when it cannot be started.
std::unique_ptr<ThreadPool> DedicatedThreadOrDie(const SharerOptions& options);
// As DedicatedThreadOrDie(), or ResourceExhausted.
absl::StatusOr<std::unique_ptr<ThreadPool>> DedicatedThread(
    const SharerOptions& options);

// Whether a result (absl::Status or absl::StatusOr<U>) is OK.
template <typename Result>
bool IsOk(const Result& result) {
  return result.ok();
}

}  // namespace sharer_internal
}  // namespace multirun

#endif  // MULTIRUN_SHARER_INTERNAL_SHARER_CORE_H_
