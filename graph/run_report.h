// Copyright 2026 The multirun Authors.
//
// GraphRunReport: what happened to every node of one Graph run (graph.h).
//
// A run of a Graph completes with one GraphRunReport, also when nodes failed,
// threw, were killed (in another process) or were cancelled: every node of the
// graph has an entry, indexed by GraphNode::index(). Each entry has the node's
// GraphNodeState (succeeded, failed, skipped because a dependency failed,
// cancelled), its status, whether a result is available (Graph::Result()),
// and, when GraphRunOptions::timeline was set, its start and end times and the
// worker that ran it. ToChromeTrace() turns the timeline into Chrome trace
// JSON (open it in Perfetto, ui.perfetto.dev, or chrome://tracing).
//
// A report is a value: it owns its data (the node names are shared with the
// graph, copy-on-write) and stays valid after the graph changes, runs again
// or is destroyed.
//
// Defines GraphNodeState, GraphNodeTiming, GraphNodeReport and GraphRunReport.

#ifndef MULTIRUN_GRAPH_RUN_REPORT_H_
#define MULTIRUN_GRAPH_RUN_REPORT_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace multirun {

namespace graph_internal {
class RunState;
}  // namespace graph_internal

// What happened to one node in a run.
enum class GraphNodeState : uint8_t {
  kNotRun = 0,  // Only in a report of a run that never started a node.
  kSucceeded,   // Its function returned a value / OK.
  kFailed,      // Its function (or callback) returned an error or threw.
  kSkipped,     // A dependency failed or was skipped (FailedPrecondition).
  kCancelled,   // The run was cancelled before the node started.
};

// "succeeded", "failed", "skipped", "cancelled", "not run".
absl::string_view NodeStateName(GraphNodeState state);

// When and where a node ran (GraphRunOptions::timeline). Times are nanoseconds
// since the run started (steady clock); -1 when the node's function never
// ran (skipped, cancelled).
struct GraphNodeTiming {
  int64_t start_ns = -1;
  int64_t end_ns = -1;
  // CurrentWorker()->index of the thread that started the node, or -1 when
  // it is not a multirun worker (an InlineExecutor's caller).
  int32_t worker = -1;
  // The kernel thread id that started the node, and its process.
  uint32_t thread_id = 0;
  pid_t pid = 0;
  // For a node whose function returned a Future: where its result came from,
  // as the future's producer says (CurrentOrigin(), futures/future.h): for a
  // node run on a Cluster (OnCluster), the rank that ran it. -1 otherwise.
  int32_t origin = -1;
};

// One node's entry, as GraphRunReport::node() returns it.
struct GraphNodeReport {
  std::string name;  // The node's name, "#<index>" for an unnamed node.
  GraphNodeState state = GraphNodeState::kNotRun;
  absl::Status status;
  bool has_result = false;  // Graph::Result() has a value for it.
  GraphNodeTiming timing;   // Empty unless GraphRunOptions::timeline.
};

// Example:
//
//   absl::StatusOr<multirun::GraphRunReport> report = graph.RunAndWait(pool);
//   if (!report.ok()) return report.status();  // the graph did not validate
//   for (size_t i = 0; i < report->size(); ++i) {
//     multirun::GraphNodeReport node = report->node(i);
//     std::cout << node.name << ": " << node.status << "\n";
//   }
//   absl::Status overall = report->status();  // the first failure, if any
class GraphRunReport {
 public:
  GraphRunReport() = default;

  // The number of nodes (the graph's size when it ran).
  size_t size() const { return states_.size(); }

  // The entry of node `index` (GraphNode::index()); index < size().
  GraphNodeReport node(size_t index) const;
  GraphNodeState state(size_t index) const { return states_[index]; }
  const absl::Status& status(size_t index) const { return statuses_[index]; }
  bool has_result(size_t index) const;
  // The node's name, "#<index>" when it has none.
  std::string name(size_t index) const;

  // The index of the node called `name`, if there is one. Linear.
  std::optional<size_t> Find(absl::string_view name) const;

  // OK when every node succeeded. Otherwise the first failed node's error
  // (lowest index; its code and payloads), with its name: "node 'b' failed:
  // UNKNOWN: ..."; or, when no node failed, the cancellation's status.
  absl::Status status() const;

  // How many nodes ended in `state`.
  size_t Count(GraphNodeState state) const;

  // Whether the run was cancelled (Graph::Cancel(),
  // GraphFailurePolicy::kCancelAll, or an executor that dropped a node's
  // task).
  bool cancelled() const { return !cancel_reason_.ok(); }
  const absl::Status& cancel_reason() const { return cancel_reason_; }

  // From the run's start to its last node's end.
  absl::Duration wall_time() const { return wall_time_; }

  // Whether timings were recorded (GraphRunOptions::timeline).
  bool has_timeline() const { return !timeline_.empty(); }

  // The run as Chrome trace JSON ("traceEvents", one complete event per node
  // that ran, on its process and thread, with its state and status as
  // args). Without a timeline: an empty event list.
  std::string ToChromeTrace() const;

  // One line per node: "<name>: <state> <status>".
  std::string ToString() const;

 private:
  friend class graph_internal::RunState;

  std::shared_ptr<const std::vector<std::string>> names_;
  std::vector<absl::Status> statuses_;
  std::vector<GraphNodeState> states_;
  std::vector<bool> typed_;  // Whether the node has a (non-void) result.
  std::vector<GraphNodeTiming> timeline_;
  absl::Status cancel_reason_;
  absl::Duration wall_time_;
};

}  // namespace multirun

#endif  // MULTIRUN_GRAPH_RUN_REPORT_H_
