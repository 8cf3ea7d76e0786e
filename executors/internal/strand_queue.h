// Copyright 2026 The multirun Authors.
//
// TaskQueue: the FIFO of tasks behind Strand (one for the tasks scheduled
// since the drain last looked, one for the batch it is running).
//
// Tasks are stored in place in fixed-size chunks (kChunkBytes) linked in
// order: Push() never moves a stored task (unlike a growing vector, which
// would copy the whole backlog while the strand's lock is held), a drain reads
// its tasks from contiguous memory (unlike a node per task, which costs an
// allocation and a dependent cache miss per task), and swap() is O(1). An
// emptied chunk is kept for the next pushes (kSpareChunks of them), so a busy
// strand allocates about once per chunk's worth of backlog; a burst's extra
// chunks are freed as they drain.
//
// Not thread-safe: Strand guards one queue with its lock and owns the other
// from the drain, and swaps them.

#ifndef MULTIRUN_EXECUTORS_INTERNAL_STRAND_QUEUE_H_
#define MULTIRUN_EXECUTORS_INTERNAL_STRAND_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "absl/functional/any_invocable.h"

namespace multirun {
namespace executors_internal {

// Example:
//
//   TaskQueue queue;
//   queue.Push([] { std::puts("first"); });
//   queue.Push([] { std::puts("second"); });
//   while (!queue.empty()) {
//     queue.front()();
//     queue.pop_front();
//   }
class TaskQueue {
 public:
  using Task = absl::AnyInvocable<void()>;

  static constexpr size_t kChunkBytes = 1024;
  static constexpr int kSpareChunks = 1;

  TaskQueue() = default;
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;
  // Destroys the tasks still queued, oldest first, and frees the chunks.
  ~TaskQueue() {
    while (!empty()) pop_front();
    FreeList(head_);
    FreeList(spare_);
  }

  bool empty() const { return head_ == nullptr || head_index_ == head_->size; }

  // Appends `task` (moved from). Allocates a chunk when the last one is full
  // and no spare one is left.
  void Push(Task task) {
    if (tail_ == nullptr || tail_->size == Chunk::kTasks) AddChunk();
    new (tail_->slot(tail_->size)) Task(std::move(task));
    ++tail_->size;
  }

  // The oldest task. Precondition: !empty().
  Task& front() { return *head_->slot(head_index_); }

  // Destroys the oldest task. Precondition: !empty().
  void pop_front() {
    head_->slot(head_index_)->~Task();
    if (++head_index_ < head_->size) return;
    Chunk* done = head_;
    if (done == tail_) {
      // Empty now: reuse the chunk from its start.
      done->size = 0;
      head_index_ = 0;
      return;
    }
    head_ = done->next;
    head_index_ = 0;
    Recycle(done);
  }

  void swap(TaskQueue& other) {
    std::swap(head_, other.head_);
    std::swap(tail_, other.tail_);
    std::swap(head_index_, other.head_index_);
    std::swap(spare_, other.spare_);
    std::swap(spare_count_, other.spare_count_);
  }

 private:
  struct Chunk {
    static constexpr uint32_t kTasks =
        static_cast<uint32_t>((kChunkBytes - 2 * alignof(Task)) / sizeof(Task));

    Task* slot(uint32_t index) {
      return std::launder(
          reinterpret_cast<Task*>(storage + index * sizeof(Task)));
    }

    Chunk* next = nullptr;
    uint32_t size = 0;  // Slots constructed, [0, size); those before the
                        // queue's head_index_ are destroyed already.
    alignas(Task) unsigned char storage[kTasks * sizeof(Task)];
  };
  static_assert(sizeof(Chunk) <= kChunkBytes);

  void AddChunk() {
    Chunk* chunk = spare_;
    if (chunk != nullptr) {
      spare_ = chunk->next;
      --spare_count_;
      chunk->next = nullptr;
      chunk->size = 0;
    } else {
      chunk = new Chunk;
    }
    if (tail_ == nullptr) {
      head_ = chunk;
      head_index_ = 0;
    } else {
      tail_->next = chunk;
    }
    tail_ = chunk;
  }

  void Recycle(Chunk* chunk) {
    if (spare_count_ == kSpareChunks) {
      delete chunk;
      return;
    }
    chunk->next = spare_;
    spare_ = chunk;
    ++spare_count_;
  }

  static void FreeList(Chunk* chunk) {
    while (chunk != nullptr) delete std::exchange(chunk, chunk->next);
  }

  Chunk* head_ = nullptr;  // Oldest chunk; head_index_ is its first task.
  Chunk* tail_ = nullptr;  // Newest chunk, where Push() appends.
  uint32_t head_index_ = 0;
  Chunk* spare_ = nullptr;
  int spare_count_ = 0;
};

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_STRAND_QUEUE_H_
