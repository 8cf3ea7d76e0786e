// Copyright 2026 The multirun Authors.
//
// The containers behind Queue's orders (FifoOrder, LifoOrder, PriorityOrder in
// sync/queue.h). Users must not depend on them; include sync/queue.h.

#ifndef MULTIRUN_SYNC_INTERNAL_QUEUE_ORDER_H_
#define MULTIRUN_SYNC_INTERNAL_QUEUE_ORDER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace multirun {
namespace sync_internal {

// A deque popped at the front (oldest first) or at the back (newest first).
template <bool kNewestFirst>
struct DequeOrder {
  template <typename T>
  class Container {
   public:
    void Push(T value) { items_.push_back(std::move(value)); }
    T Pop() {
      T& next = kNewestFirst ? items_.back() : items_.front();
      T value = std::move(next);
      if constexpr (kNewestFirst) {
        items_.pop_back();
      } else {
        items_.pop_front();
      }
      return value;
    }
    size_t size() const { return items_.size(); }

   private:
    std::deque<T> items_;
  };
};

// A binary heap that pops the smallest value under Compare first, and values
// that compare equal in push order (each entry carries its push sequence).
template <typename T, typename Compare>
class PriorityContainer {
 public:
  void Push(T value) {
    heap_.push_back(Entry{std::move(value), next_sequence_++});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  T Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    T value = std::move(heap_.back().value);
    heap_.pop_back();
    return value;
  }
  size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    T value;
    uint64_t sequence;
  };
  // std::*_heap keep the greatest on top; "greatest" here is the entry to pop
  // first, so an entry ranks higher when it is smaller or, if equal, older.
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      Compare less;
      if (less(a.value, b.value)) return false;
      if (less(b.value, a.value)) return true;
      return a.sequence > b.sequence;
    }
  };
  std::vector<Entry> heap_;
  uint64_t next_sequence_ = 0;
};

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_QUEUE_ORDER_H_
