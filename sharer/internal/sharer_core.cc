// Copyright 2026 The multirun Authors.
//
// The part of Sharer<T> that does not depend on T.
//
// Cost. A call is one Future (a shared state) and one Strand task; with
// max_queued, one semaphore acquire and release besides. No lock is held
// while a call runs: the Strand hands calls from one to the next.
//
// Admission. Unbounded, a call is accepted when the Sharer is open. Bounded,
// it first takes one of max_queued permits of a Semaphore (TryAcquire, then
// as when_full says), and gives it back when it starts or is dropped, so the
// permits count the calls waiting for their turn. Close() is a flag, checked
// before and after a caller waits for a place: a caller that got its place
// only after Close() gives it back and is refused. Close() does not wake
// waiters; they wake as the accepted calls start.
//
// Counters. queued_, cancelled_ and rejected_ change on callers' threads and
// on the calls' (read-modify-writes); running_, completed_ and failed_ change
// only in the calls, which the strand runs one at a time, each seeing the
// previous one's writes, so a relaxed load and store suffices.

#include "multirun/sharer/internal/sharer_core.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/base/check.h"
#include "multirun/sharer/sharer.h"

namespace multirun {
namespace sharer_internal {

absl::Status SharerCore::Validate(const SharerOptions& options) {
  if (options.name.empty()) {
    return absl::InvalidArgumentError("Sharer: options.name is empty");
  }
  const std::string who = absl::StrCat("Sharer ", options.name, ": ");
  if (options.executor == nullptr && !options.dedicated_thread) {
    return absl::InvalidArgumentError(absl::StrCat(
        who,
        "no executor (options.executor is null): set it, or set "
        "options.dedicated_thread for a thread of the Sharer's own"));
  }
  if (options.executor != nullptr && options.dedicated_thread) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, "options.executor and options.dedicated_thread are both set"));
  }
  if (options.max_queued.has_value()) {
    const int64_t bound = *options.max_queued;
    if (bound < 1 || bound > Semaphore::kMaxPermits) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, "options.max_queued must be in [1, ",
                       Semaphore::kMaxPermits, "], got ", bound));
    }
  } else if (options.when_full != SharerWhenFull::kWait) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, "options.when_full is ",
        options.when_full == SharerWhenFull::kFail ? "kFail" : "kWaitFor",
        " but options.max_queued is not set (the queue is never full)"));
  }
  if (options.when_full == SharerWhenFull::kWaitFor) {
    if (options.full_timeout <= absl::ZeroDuration() ||
        options.full_timeout == absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          who,
          "options.full_timeout must be positive and finite with kWaitFor "
          "(use kFail or kWait), got ",
          absl::FormatDuration(options.full_timeout)));
    }
  } else if (options.full_timeout != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(who, "options.full_timeout is ",
                     absl::FormatDuration(options.full_timeout),
                     " but options.when_full is not kWaitFor"));
  }
  return absl::OkStatus();
}

SharerCore::SharerCore(const SharerOptions& options)
    : name_(options.name),
      max_queued_(options.max_queued.value_or(0)),
      when_full_(options.when_full),
      full_timeout_(options.full_timeout) {
  if (max_queued_ > 0) places_.emplace(max_queued_);
}

absl::Status SharerCore::Refuse(absl::Status status) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return status;
}

absl::Status SharerCore::Admit(const Strand& strand) {
  if (IsClosed()) {
    return Refuse(absl::FailedPreconditionError(
        absl::StrCat("Sharer ", name_, " is closed")));
  }
  if (places_.has_value() && !places_->TryAcquire()) {
    if (when_full_ == SharerWhenFull::kFail) {
      return Refuse(absl::ResourceExhaustedError(
          absl::StrCat("Sharer ", name_, ": the queue is full (", max_queued_,
                       " calls waiting, max_queued = ", max_queued_, ")")));
    }
    if (strand.RunningInThisStrand()) {
      return Refuse(absl::ResourceExhaustedError(absl::StrCat(
          "Sharer ", name_,
          ": the queue is full, and the caller is one of the Sharer's own "
          "calls (waiting for a place would never end; max_queued = ",
          max_queued_, ")")));
    }
    if (when_full_ == SharerWhenFull::kWait) {
      places_->Acquire();
    } else if (!places_->AcquireFor(full_timeout_)) {
      return Refuse(absl::DeadlineExceededError(
          absl::StrCat("Sharer ", name_, ": no place in the queue within ",
                       absl::FormatDuration(full_timeout_),
                       " (max_queued = ", max_queued_, ")")));
    }
    if (IsClosed()) {
      (void)places_->Release();
      return Refuse(absl::FailedPreconditionError(absl::StrCat(
          "Sharer ", name_, " was closed while the call waited for a place")));
    }
  }
  const int64_t depth = queued_.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t seen = max_queued_seen_.load(std::memory_order_relaxed);
  while (depth > seen && !max_queued_seen_.compare_exchange_weak(
                             seen, depth, std::memory_order_relaxed)) {
  }
  return absl::OkStatus();
}

void SharerCore::Started() {
  queued_.fetch_sub(1, std::memory_order_relaxed);
  if (places_.has_value()) (void)places_->Release();
  Bump(running_, 1);
}

void SharerCore::Finished(bool ok) {
  Bump(ok ? completed_ : failed_, 1);
  Bump(running_, -1);
}

void SharerCore::Dropped() {
  queued_.fetch_sub(1, std::memory_order_relaxed);
  if (places_.has_value()) (void)places_->Release();
  cancelled_.fetch_add(1, std::memory_order_relaxed);
}

void SharerCore::DroppedWasRejected() {
  cancelled_.fetch_sub(1, std::memory_order_relaxed);
  rejected_.fetch_add(1, std::memory_order_relaxed);
}

SharerStats SharerCore::stats() const {
  SharerStats stats;
  stats.queued = queued_.load(std::memory_order_relaxed);
  stats.running = running_.load(std::memory_order_relaxed);
  stats.completed = completed_.load(std::memory_order_relaxed);
  stats.failed = failed_.load(std::memory_order_relaxed);
  stats.cancelled = cancelled_.load(std::memory_order_relaxed);
  stats.rejected = rejected_.load(std::memory_order_relaxed);
  stats.max_queued_seen = max_queued_seen_.load(std::memory_order_relaxed);
  return stats;
}

const SharerOptions& CheckedOptions(const SharerOptions& options) {
  base_internal::CheckOk(SharerCore::Validate(options));
  return options;
}

absl::StatusOr<std::unique_ptr<ThreadPool>> DedicatedThread(
    const SharerOptions& options) {
  if (!options.dedicated_thread) return std::unique_ptr<ThreadPool>();
  return ThreadPool::Create({.workers = 1, .name = options.name});
}

std::unique_ptr<ThreadPool> DedicatedThreadOrDie(const SharerOptions& options) {
  base_internal::CheckOk(SharerCore::Validate(options));
  absl::StatusOr<std::unique_ptr<ThreadPool>> thread = DedicatedThread(options);
  base_internal::CheckOk(thread.status());
  return *std::move(thread);
}

}  // namespace sharer_internal
}  // namespace multirun
