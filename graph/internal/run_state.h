// Copyright 2026 The multirun Authors.
//
// RunState: one run of a Graph, the scheduler's hot path (see graph.cc, "How
// it runs"). Internal: users must not touch it.
//
// Counting. `remaining_` counts chains in flight: a chain is a task that
// runs nodes one after another (a node's first ready successor runs next on
// the same thread). A node that makes k > 1 successors ready adds k - 1 (one
// new chain per scheduled successor); a chain that ends (no successor ready)
// subtracts one; the run finishes when the count reaches zero. A node parked
// in a concurrency group, or whose function completes asynchronously, keeps
// its chain alive until it resumes.
//
// Memory ordering: a node's writes (its result slot, its status) happen
// before the acq_rel decrement of each successor's pending count, so the
// successor that the decrement makes ready sees them; every RMW of
// `remaining_` is acq_rel or part of its release sequence, so the thread
// that takes it to zero (and builds the report) sees every node's writes.

#ifndef MULTIRUN_GRAPH_INTERNAL_RUN_STATE_H_
#define MULTIRUN_GRAPH_INTERNAL_RUN_STATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"
#include "multirun/graph/graph.h"
#include "multirun/graph/run_report.h"
#include "multirun/sync/event.h"
#include "multirun/sync/lock.h"

namespace multirun {
namespace graph_internal {

class RunState {
 public:
  // Tags of a task's second word (otherwise the end of a range of sources).
  static constexpr uint32_t kNodeTag = 0xFFFFFFFFu;
  static constexpr uint32_t kResumedTag = 0xFFFFFFFEu;  // Holds a permit.

  explicit RunState(Graph* graph) : graph_(graph) {}

  // Resets for a run of the (compiled) graph. Returns the run's future.
  Future<GraphRunReport> Prepare(Executor& executor,
                                 const GraphRunOptions& options,
                                 std::shared_ptr<Event> finished);
  // Starts the run prepared last (the caller must not touch this after).
  void Start();

  // A task of this run: a node (b == kNodeTag / kResumedTag) or a range
  // [a, b) of the graph's sources.
  void RunTask(uint32_t a, uint32_t b);
  // The executor destroyed a task of this run without running it.
  void Dropped(uint32_t a, uint32_t b);
  // An asynchronous node finished.
  void FinishAsync(uint32_t node, absl::Status status);
  // Records, when there is a timeline, where an asynchronous node's result
  // came from (GraphNodeTiming::origin).
  void StampOrigin(uint32_t node, int32_t origin);

  // Cancels the run (the first reason wins) and the subgraphs it runs.
  void CancelWith(absl::Status reason);
  bool IsCancelled() const {
    return cancelled_.load(std::memory_order_acquire);
  }

  // A subgraph (AddGraph, subflow) that a node of this run runs: Cancel()
  // reaches it while it is registered. `child` must stay alive until
  // RemoveChild().
  void AddChild(Graph* child);
  // Keeps the run from finishing until ReleaseChain() (counts as a chain).
  void HoldChain() { remaining_.fetch_add(1, std::memory_order_relaxed); }
  void ReleaseChain() { EndChain(); }
  void RemoveChild(Graph* child);

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr uint32_t kMoved = 0xFFFFFFFEu;  // The chain went elsewhere.
  static constexpr uint32_t kPermitBit = 0x80000000u;

  struct alignas(8) NodeRuntime {
    std::atomic<int32_t> pending{0};
    // The node whose failure makes this one skip, or -1.
    std::atomic<int32_t> failed_root{-1};
  };
  struct GroupRuntime {
    Lock lock;
    int available ABSL_GUARDED_BY(lock) = 0;
    std::deque<uint32_t> waiting ABSL_GUARDED_BY(lock);
  };
  using Sink = std::vector<uint32_t>;

  void Execute(uint32_t a, uint32_t b);
  void Drain(uint32_t node, bool has_permit, Sink* sink);
  void DrainLocal(Sink& local);
  uint32_t Step(uint32_t node, bool has_permit, Sink* sink);
  uint32_t FinishBody(uint32_t node, absl::Status status, Sink* sink,
                      bool allow_inline);
  uint32_t Release(uint32_t node, GraphNodeState state, absl::Status status,
                   int32_t propagate, Sink* sink, bool allow_inline);
  void Spawn(uint32_t node, bool new_chain, bool has_permit, Sink* sink);
  void EndChain();
  void Finish();
  bool AcquirePermit(uint32_t node);
  void ReleasePermit(uint32_t node, Sink* sink);
  absl::Status SkippedStatus(int32_t root) const;
  int64_t Now() const;
  void StampStart(uint32_t node);

  Graph* const graph_;
  Executor* executor_ = nullptr;
  GraphRunOptions options_;
  // The compiled graph's arrays.
  const uint32_t* successor_offsets_ = nullptr;
  const uint32_t* successors_ = nullptr;
  const uint8_t* flags_ = nullptr;
  Body* bodies_ = nullptr;

  std::unique_ptr<NodeRuntime[]> runtime_;
  size_t runtime_size_ = 0;
  alignas(64) std::atomic<int64_t> remaining_{0};
  alignas(64) std::atomic<bool> cancelled_{false};
  Lock cancel_lock_;
  // Written once per run, before `cancelled_` is set (under cancel_lock_);
  // read after an acquire load of `cancelled_` saw true.
  absl::Status cancel_reason_;

  Lock children_lock_;
  std::vector<Graph*> children_ ABSL_GUARDED_BY(children_lock_);

  std::vector<absl::Status> statuses_;
  std::vector<GraphNodeState> states_;
  std::vector<GraphNodeTiming> timeline_;
  std::vector<std::unique_ptr<GroupRuntime>> groups_;
  std::chrono::steady_clock::time_point start_;
  Promise<GraphRunReport> promise_;
  std::shared_ptr<Event> finished_;
};

}  // namespace graph_internal
}  // namespace multirun

#endif  // MULTIRUN_GRAPH_INTERNAL_RUN_STATE_H_
