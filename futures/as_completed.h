// Copyright 2026 The multirun Authors.
//
// InFlightCompletions and AsCompleted: take futures in the order they
// complete.
//
// Use them to handle results as they arrive rather than in submission order,
// and to keep a bounded number of tasks in flight. The caller keeps a
// std::vector of futures in flight; `InFlightCompletions(in_flight)` is a
// range whose each step blocks until one of them completes, removes that
// future from the vector and yields it. The caller may add futures to the
// vector between steps (they are watched from the next step on) and may
// remove some itself. No busy polling: the range sleeps until a completion
// callback wakes it.
//
// With a concurrency factor and a source of work, the range also keeps the
// work flowing: before each step, while fewer than `concurrency_factor`
// futures are in flight, it calls `more(in_flight)`, which should add one or
// more futures (and returns nothing). It stops asking for this step as soon
// as a call adds nothing. The range ends when nothing is in flight and the
// source adds nothing.
//
// Order: futures that complete while watched come in the order they
// completed; futures that were already complete when the range first watched
// them (at its first step, or the step after the caller added them) come
// first, in their order in the vector.
//
// `AsCompleted(futures)` is the same over a vector the range owns: every
// future, once, in completion order.
//
// An invalid (moved-from) future in the vector is yielded at once (its Get()
// gives FailedPrecondition).
//
// Example: at most 8 downloads at a time, results handled as they arrive.
//
//   std::vector<std::string> urls = Urls();
//   std::vector<multirun::Future<Page>> in_flight;
//   size_t next = 0;
//   auto more = [&](std::vector<multirun::Future<Page>>& futures) {
//     if (next == urls.size()) return;
//     futures.push_back(multirun::Submit(pool, Fetch, urls[next++]));
//   };
//   for (multirun::Future<Page> done :
//        multirun::InFlightCompletions<Page>(in_flight, 8, more)) {
//     absl::StatusOr<Page> page = std::move(done).Get();  // ready, no wait
//   }
//
// Thread-safety: a range is single-pass and for one thread (the one that
// iterates it, which is also the thread that calls `more`); the futures may
// complete on any threads. `in_flight` must outlive the range.
//
// Memory ordering: everything a future's producer wrote before completing it
// is visible to the iterating thread once the range yields that future.

#ifndef MULTIRUN_FUTURES_AS_COMPLETED_H_
#define MULTIRUN_FUTURES_AS_COMPLETED_H_

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "multirun/futures/future.h"
#include "multirun/sync/queue.h"

namespace multirun {

// The futures of a caller's vector, as they complete (see the file comment).
template <typename T>
class InFlightCompletions {
 public:
  using Source = absl::AnyInvocable<void(std::vector<Future<T>>&)>;

  // Yields the futures of `in_flight` as they complete.
  explicit InFlightCompletions(std::vector<Future<T>>& in_flight)
      : in_flight_(in_flight) {}

  // Also keeps up to `concurrency_factor` in flight by asking `more`. A
  // factor below 1 is treated as 1.
  InFlightCompletions(std::vector<Future<T>>& in_flight, int concurrency_factor,
                      Source more)
      : in_flight_(in_flight),
        concurrency_factor_(concurrency_factor < 1 ? 1 : concurrency_factor),
        more_(std::move(more)) {}

  InFlightCompletions(const InFlightCompletions&) = delete;
  InFlightCompletions& operator=(const InFlightCompletions&) = delete;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = Future<T>*;
    using reference = Future<T>&&;

    iterator() = default;
    // Moves the current future out to the caller.
    Future<T>&& operator*() const { return std::move(*range_->current_); }
    iterator& operator++() {
      range_->Advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const {
      return !range_->current_.has_value();
    }

   private:
    friend class InFlightCompletions;
    explicit iterator(InFlightCompletions* range) : range_(range) {}
    InFlightCompletions* range_ = nullptr;
  };

  iterator begin() {
    if (!started_) {
      started_ = true;
      Advance();
    }
    return iterator(this);
  }
  std::default_sentinel_t end() const { return {}; }

  // The loop-free form: blocks for the next completed future; nullopt when
  // the range is done. Use either Next() or the iterators, not both.
  std::optional<Future<T>> Next() {
    started_ = true;
    Advance();
    if (!current_.has_value()) return std::nullopt;
    return std::move(*current_);
  }

 private:
  using StatePtr = std::shared_ptr<futures_internal::State<T>>;
  // Completed states, in completion order. Shared with the callbacks, which
  // may outlive the range.
  using Channel = Queue<StatePtr>;

  void Refill() {
    if (!more_) return;
    while (in_flight_.size() < static_cast<size_t>(concurrency_factor_)) {
      const size_t before = in_flight_.size();
      more_(in_flight_);
      if (in_flight_.size() <= before) break;
    }
  }

  void Advance() {
    current_.reset();
    Refill();
    while (!in_flight_.empty()) {
      // Watch futures added since the last step; yield invalid ones at once.
      for (size_t i = 0; i < in_flight_.size(); ++i) {
        const StatePtr& state =
            futures_internal::FutureAccess::StateOf(in_flight_[i]);
        if (state == nullptr) {
          current_.emplace(std::move(in_flight_[i]));
          in_flight_.erase(in_flight_.begin() + i);
          return;
        }
        if (watched_.insert(state.get()).second) {
          state->OnReady([channel = channel_, state]() mutable {
            channel->Push(std::move(state)).IgnoreError();
          });
        }
      }
      absl::StatusOr<StatePtr> ready = channel_->Pop();
      if (!ready.ok()) return;  // the channel is never closed
      watched_.erase(ready->get());
      for (size_t i = 0; i < in_flight_.size(); ++i) {
        if (futures_internal::FutureAccess::StateOf(in_flight_[i]) == *ready) {
          current_.emplace(std::move(in_flight_[i]));
          in_flight_.erase(in_flight_.begin() + i);
          return;
        }
      }
      // The caller removed that future itself: wait for the next one.
    }
  }

  std::vector<Future<T>>& in_flight_;
  int concurrency_factor_ = 0;
  Source more_;
  bool started_ = false;
  std::optional<Future<T>> current_;
  absl::flat_hash_set<const void*> watched_;
  std::shared_ptr<Channel> channel_ = std::make_shared<Channel>();
};

// Deduces T from the vector when a source of work (any callable) is given.
template <typename T, typename F>
InFlightCompletions(std::vector<Future<T>>&, int, F) -> InFlightCompletions<T>;

// Every future of `futures`, once, in completion order.
//
// Example:
//
//   for (multirun::Future<int> done :
//        multirun::AsCompleted(multirun::Map(pool, Work, inputs))) {
//     absl::StatusOr<int> result = std::move(done).Get();  // ready
//   }
template <typename T>
class AsCompleted {
 public:
  explicit AsCompleted(std::vector<Future<T>> futures)
      : futures_(std::move(futures)), range_(futures_) {}
  AsCompleted(const AsCompleted&) = delete;
  AsCompleted& operator=(const AsCompleted&) = delete;

  auto begin() { return range_.begin(); }
  std::default_sentinel_t end() const { return {}; }

 private:
  std::vector<Future<T>> futures_;
  InFlightCompletions<T> range_;
};

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_AS_COMPLETED_H_
