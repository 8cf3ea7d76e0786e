// Copyright 2026 The multirun Authors.
//
// Graph: a dependency scheduler. Functions with
// dependencies run as a DAG on any Executor: each function once per run, only
// after all of its dependencies finished, and independent ones in parallel.
//
// Example:
//
//   multirun::Graph graph;
//   multirun::GraphNode<double> revenue = graph.Add("revenue", [] { return 3.0;
//   }); multirun::GraphNode<double> expenses = graph.Add("costs", [] {
//   return 1.0; }); multirun::GraphNode<double> profit = graph.Add(
//       "profit", [](double r, double e) { return r - e; }, revenue, expenses);
//   multirun::ThreadPool pool(2);
//   absl::StatusOr<multirun::GraphRunReport> report = graph.RunAndWait(pool);
//   if (report.ok() && report->status().ok()) {
//     double p = *graph.Result(profit);  // 2.0
//   }
//
// Nodes. Add(name, fn, deps...) returns a typed handle, GraphNode<T>, where T
// is what fn produces:
//   fn returns                          the node is a
//   void or absl::Status                GraphNode<void>
//   U or absl::StatusOr<U>              GraphNode<U>
//   multirun::Future<U>                 GraphNode<U>, completed by the future
// Dependencies are handles, given to Add() or to GraphNode::After(). Dataflow:
// when fn can be called with its dependencies' results (`const T1&, const
// T2&...`, in the order given to Add), it is, so results flow from node to node
// without a shared namespace; otherwise the dependencies only order the calls.
// A node's callback (GraphNode::OnDone) gets the node's result
// (absl::StatusOr<T>, or absl::Status for void) after the result is stored and
// before any dependent starts.
//
// Asynchronous nodes. A function that returns a multirun::Future<U> starts
// work that runs elsewhere (another executor, a timer, another process); the
// node completes when that future does, with its result, on the run's
// executor: a value is stored for the dependents, an error fails the node,
// exactly as if fn had returned absl::StatusOr<U>. An invalid
// (default-constructed) future fails the node with FailedPrecondition. A
// waiting node holds no worker. To run a node in another process, have it
// return the Future of a process executor, for example with
// multirun::InChildProcess(forks, fn) from //processes:fork_executor:
//
//   multirun::ForkExecutor forks;
//   auto parsed = graph.Add("parse", multirun::InChildProcess(forks, Parse),
//                           downloaded);
//
// A node killed there fails with that future's error (Aborted("task process
// <pid> killed by SIGKILL")), like any other failure.
//
// Validate() checks the graph: InvalidArgument for a cycle, naming its nodes
// in order, each arrow from a dependency to its dependent ("Graph: cycle of 3
// node(s): a -> b -> c -> a"), for duplicate names, handles of another graph,
// null functions and bad concurrency limits. Run() validates first.
//
// Run(executor) starts every node without dependencies and returns a
// Future<GraphRunReport>; RunAndWait() blocks for it. The report (run_report.h)
// has every node's state and status. Failure policy
// (GraphRunOptions::on_failure):
//   - kSkipDependents (default): the dependents of a failed node, and theirs,
//     are skipped with FailedPrecondition("skipped: dependency 'a' failed:
//     ..."), naming the node that failed; every independent branch runs;
//   - kCancelAll: the first failure cancels the run (nodes not yet started
//     end Cancelled).
// Cancel() cancels a running graph the same way.
//
// Errors. Nothing hangs and nothing is swallowed: a node that returns an
// error, throws (Unknown("<type>: <what>")), returns a future that fails, or
// whose task the executor drops or rejects (the run is then cancelled with
// that reason), completes its entry in the report.
//
// Re-run: a graph can run again once a run completed; every run gives a
// fresh report and fresh results.
//
// Composition: AddGraph(name, inner) makes a graph one node of another (the
// inner graph runs on the same executor; the node fails with the inner run's
// first failure). Subflow: a node whose function takes a `Subflow&` (a Graph)
// as its first argument builds a graph at run time; the node completes when
// that graph has run.
//
// Concurrency limits: NewConcurrencyGroup(n) and GraphNode::InGroup(group): at
// most n nodes of the group run at once (the others wait, without holding a
// worker).
//
// Observability: ToDot() (Graphviz), GraphRunOptions::timeline and
// GraphRunReport::ToChromeTrace() (Perfetto).
//
// Thread-safety: build, validate and inspect a graph from one thread, not
// while it runs (Add() while running aborts). Run(), Cancel(), IsRunning()
// may be called from any thread; a second Run() while one is in progress
// fails with FailedPrecondition. The graph must outlive its runs: its
// destructor waits for a run in progress. Nodes' functions run concurrently
// with each other and must synchronize what they share.
//
// Memory ordering: everything a node (and its callback) wrote is visible to
// its dependents when they run, and everything every node wrote is visible
// to whoever sees the run's future ready. For an asynchronous node, what
// the producer of its future wrote before completing it is visible to the
// node's callback and its dependents.
//
// Defines GraphFailurePolicy, GraphRunOptions, GraphConcurrencyGroup,
// GraphNode<T> and Graph (alias Subflow).

#ifndef MULTIRUN_GRAPH_GRAPH_H_
#define MULTIRUN_GRAPH_GRAPH_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"
#include "multirun/graph/internal/node_body.h"
#include "multirun/graph/run_report.h"
#include "multirun/sync/event.h"

namespace multirun {

// What a run does when a node fails (GraphRunOptions::on_failure).
enum class GraphFailurePolicy {
  // Skip the dependents of a failed node; run every independent branch.
  kSkipDependents,
  // Cancel the run at the first failure.
  kCancelAll,
};

// How Graph::Run() runs.
struct GraphRunOptions {
  GraphFailurePolicy on_failure = GraphFailurePolicy::kSkipDependents;
  // Record each node's start and end time and worker (GraphNodeTiming). Costs
  // two clock reads per node.
  bool timeline = false;
};

// The graph a subflow node's function builds at run time.
using Subflow = Graph;

// A handle to a group of nodes of which at most `max_concurrent` run at once
// (Graph::NewConcurrencyGroup).
class GraphConcurrencyGroup {
 public:
  GraphConcurrencyGroup() = default;

 private:
  friend class Graph;
  GraphConcurrencyGroup(Graph* graph, int32_t id) : graph_(graph), id_(id) {}
  Graph* graph_ = nullptr;
  int32_t id_ = -1;
};

// A typed handle to a node of a Graph: T is the node's result type (void for
// none). Cheap to copy; valid as long as its graph.
//
// Example:
//
//   multirun::GraphNode<int> count = graph.Add("count", [] { return 3; });
//   multirun::GraphNode<std::string> label = graph.Add(
//       "label", [](int n) { return std::to_string(n) + " items"; }, count);
//   label.OnDone([](const absl::StatusOr<std::string>& text) {
//     if (text.ok()) std::puts(text->c_str());
//   });
template <typename T>
class GraphNode {
 public:
  using value_type = T;

  // An empty handle; a graph rejects it as a dependency.
  GraphNode() = default;

  // The node's index in its graph and in a GraphRunReport.
  uint32_t index() const { return index_; }
  bool valid() const { return graph_ != nullptr; }

  // Makes this node run after each of `deps` (ordering only: their results
  // are not passed). A handle of another graph is reported by Validate().
  template <typename... Deps>
  GraphNode& After(const Deps&... deps);

  // Sets the node's callback: `callback(const absl::StatusOr<T>&)` (for
  // void: `callback(const absl::Status&)`), called once per run when the
  // node's function has run (successfully or not, not when skipped or
  // cancelled), on the thread that completed it (a worker of the run's
  // executor; for an asynchronous node, the one that ran the future's
  // continuation), before any dependent starts. It may return void or
  // absl::Status; an error or an exception fails the node. Replaces an
  // earlier callback.
  template <typename F>
  GraphNode& OnDone(F callback);

  // Puts the node in `group` (at most one group per node).
  GraphNode& InGroup(const GraphConcurrencyGroup& group);

 private:
  friend class Graph;
  GraphNode(Graph* graph, uint32_t index) : graph_(graph), index_(index) {}
  Graph* graph_ = nullptr;
  uint32_t index_ = 0;
};

// A set of functions with dependencies, run as a DAG (see the file comment).
//
// Example: a node that waits for work submitted to another executor.
//
//   multirun::ThreadPool pool(2);
//   multirun::Graph graph;
//   multirun::GraphNode<int> size = graph.Add("size", [&pool] {
//     return multirun::Submit(pool, [] { return ReadSize(); });
//   });
//   graph.Add("print", [](int n) { std::printf("%d\n", n); }, size);
//   absl::StatusOr<multirun::GraphRunReport> report = graph.RunAndWait(pool);
//   if (report.ok() && !report->status().ok()) {
//     std::puts(report->status().ToString().c_str());
//   }
class Graph {
 public:
  Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  // Waits for a run in progress (blocks).
  ~Graph();

  // Reserves room for `nodes` nodes and `edges` dependencies.
  void Reserve(size_t nodes, size_t edges);

  // Adds a node that runs `fn` after every node in `deps`; see the file
  // comment for how fn is called and what T is. `name` may be empty (the
  // node is then "#<index>"); non-empty names must be unique (Validate).
  // A null `fn` is reported by Validate().
  template <typename F, typename... Deps>
  auto Add(std::string name, F fn, const Deps&... deps);
  // An unnamed node.
  template <typename F, typename... Deps>
  requires(!std::is_convertible_v<F, absl::string_view>) auto Add(
      F fn, const Deps&... deps) {
    return Add(std::string(), std::move(fn), deps...);
  }

  // Adds a node that runs `inner` (on the same executor) and fails with its
  // first failure. `inner` must outlive this graph's runs and must not run
  // elsewhere meanwhile (the node fails with FailedPrecondition if it is).
  GraphNode<void> AddGraph(std::string name, Graph& inner);

  // A group of which at most `max_concurrent` nodes run at once.
  // `max_concurrent` < 1 is reported by Validate().
  GraphConcurrencyGroup NewConcurrencyGroup(int max_concurrent);

  // Checks the graph and compiles it for running. OK, or InvalidArgument for
  // a cycle (naming its nodes in order), a duplicate name, a dependency of
  // another graph or an empty handle, a null function, a bad group;
  // FailedPrecondition while the graph runs. Cheap when nothing changed.
  absl::Status Validate();

  // Validates, then runs every node on `executor`, which must outlive the
  // run. The future completes with the report once every node has an entry;
  // it is an error only when the run could not start: Validate()'s error, or
  // FailedPrecondition when the graph is already running. Never blocks.
  Future<GraphRunReport> Run(Executor& executor, GraphRunOptions options = {});
  // Run() and wait for the report (blocks).
  absl::StatusOr<GraphRunReport> RunAndWait(Executor& executor,
                                            GraphRunOptions options = {});

  // Cancels the run in progress: nodes that have not started end Cancelled
  // (running ones finish, and the futures that asynchronous nodes returned
  // are not cancelled: the run waits for them). Returns whether a run was in
  // progress. Never blocks. Thread-safe.
  bool Cancel();

  // Whether a run is in progress. Thread-safe.
  bool IsRunning() const { return running_.load(std::memory_order_acquire); }

  // The result `node` produced in the last run. FailedPrecondition when it
  // has none (it did not succeed) or the graph is running; InvalidArgument
  // for a handle of another graph.
  template <typename T>
  requires(!std::is_void_v<T>) absl::StatusOr<T> Result(
      const GraphNode<T>& node)
  const;

  // The graph in Graphviz's DOT language: one vertex per node (its name),
  // one edge per dependency, from the dependency to the dependent.
  std::string ToDot() const;

  // The number of nodes, and a node's name ("#<index>" when unnamed).
  size_t size() const { return bodies_.size(); }
  std::string name(uint32_t index) const;

 private:
  template <typename T>
  friend class GraphNode;
  friend class graph_internal::RunState;
  friend absl::Status graph_internal::RunChild(graph_internal::Invocation&,
                                               Graph&, std::shared_ptr<Graph>);

  enum Flags : uint8_t {
    kTyped = 1,
    kHasCallback = 2,
    kGrouped = 4,
  };

  uint32_t NewNode(std::string name, uint8_t flags, graph_internal::Body body);
  template <typename T>
  void AddEdge(const GraphNode<T>& from, uint32_t to) {
    AddEdge(from.graph_, from.index_, to);
  }
  void AddEdge(const Graph* from_graph, uint32_t from, uint32_t to);
  void SetCallback(uint32_t node, graph_internal::Callback callback);
  void SetGroup(uint32_t node, const GraphConcurrencyGroup& group);
  void RecordError(absl::Status status);
  void CheckNotRunning(const char* what) const;
  absl::Status Compile();
  absl::Status FindCycle(const std::vector<uint32_t>& indegree_left) const;
  Future<GraphRunReport> Start(Executor& executor, GraphRunOptions options);

  // Built by Add() and friends.
  std::shared_ptr<std::vector<std::string>> names_;
  std::vector<graph_internal::Body> bodies_;
  std::vector<uint8_t> flags_;
  // Typed nodes' slots by index (shorter than size() when the last nodes
  // are void).
  std::vector<graph_internal::SlotBase*> slot_of_;
  std::vector<std::unique_ptr<graph_internal::SlotBase>> slots_;
  std::vector<std::pair<uint32_t, uint32_t>> edges_;
  absl::flat_hash_map<uint32_t, graph_internal::Callback> callbacks_;
  absl::flat_hash_map<uint32_t, int32_t> group_of_;
  std::vector<int> group_limits_;
  absl::Status first_error_;

  // Compiled by Validate().
  bool compiled_ = false;
  std::vector<uint32_t> successor_offsets_;  // size() + 1
  std::vector<uint32_t> successors_;
  std::vector<uint32_t> indegree_;
  std::vector<uint32_t> sources_;

  std::atomic<bool> running_{false};
  std::unique_ptr<graph_internal::RunState> run_;
  std::shared_ptr<Event> finished_;
};

// --- implementation ---

template <typename F, typename... Deps>
auto Graph::Add(std::string name, F fn, const Deps&... deps) {
  static_assert((graph_internal::kIsNode<Deps> && ...),
                "Graph::Add: dependencies must be GraphNode<T> handles");
  using graph_internal::BodyKind;
  constexpr BodyKind kKind =
      graph_internal::KindOf<F, typename Deps::value_type...>();
  static_assert(kKind != BodyKind::kInvalid,
                "Graph::Add: fn must be callable with no arguments, with its "
                "dependencies' results (const T1&, const T2&, ...), or with "
                "a Subflow& first");
  using R = typename decltype(graph_internal::ReturnOf<
                              F, typename Deps::value_type...>())::type;
  // A Future<U> makes an asynchronous node of type U.
  constexpr bool kAsync = base_internal::kIsFuture<R>;
  using T = typename base_internal::ValueOf<R>::type;
  constexpr bool kSubflow =
      kKind == BodyKind::kSubflow || kKind == BodyKind::kSubflowData;
  static_assert(!kSubflow || !kAsync,
                "Graph::Add: a subflow function must not return a Future; it "
                "returns void or absl::Status");
  static_assert(!kSubflow || std::is_void_v<T>,
                "Graph::Add: a subflow function returns void or absl::Status");
  CheckNotRunning("Add");
  uint8_t flags = 0;
  if constexpr (!std::is_void_v<T>) flags |= kTyped;
  const auto index = static_cast<uint32_t>(size());
  graph_internal::Slot<T>* slot = nullptr;
  if constexpr (!std::is_void_v<T>) {
    auto owned = std::make_unique<graph_internal::Slot<T>>();
    slot = owned.get();
    if (slot_of_.size() <= index) slot_of_.resize(index + 1, nullptr);
    slot_of_[index] = slot;
    slots_.push_back(std::move(owned));
  }
  // A dependency's slot, or null for a handle this graph rejects anyway.
  [[maybe_unused]] auto slot_of = [this](const auto& dep) {
    using U = typename std::decay_t<decltype(dep)>::value_type;
    if constexpr (std::is_void_v<U>) {
      return static_cast<graph_internal::Slot<U>*>(nullptr);
    } else {
      const bool mine = dep.graph_ == this && dep.index_ < slot_of_.size();
      return mine ? static_cast<graph_internal::Slot<U>*>(slot_of_[dep.index_])
                  : nullptr;
    }
  };
  const bool null_fn = base_internal::IsNullCallable(fn);
  NewNode(std::move(name), flags,
          graph_internal::MakeBody<T, kKind, kAsync>(std::move(fn), slot,
                                                     slot_of(deps)...));
  (AddEdge(deps, index), ...);
  if (null_fn) {
    RecordError(absl::InvalidArgumentError(
        "Graph::Add: node '" + this->name(index) + "' has a null function"));
  }
  return GraphNode<T>(this, index);
}

template <typename T>
requires(!std::is_void_v<T>) absl::StatusOr<T> Graph::Result(
    const GraphNode<T>& node)
const {
  if (node.graph_ != this || node.index_ >= size()) {
    return absl::InvalidArgumentError(
        "Graph::Result: the handle belongs to another graph (or is empty)");
  }
  if (IsRunning()) {
    return absl::FailedPreconditionError("Graph::Result: the graph is running");
  }
  auto* slot = static_cast<graph_internal::Slot<T>*>(slot_of_[node.index_]);
  if (!slot->value.has_value()) {
    return absl::FailedPreconditionError(
        "Graph::Result: node '" + name(node.index_) +
        "' has no result (it did not succeed in the last run)");
  }
  return *slot->value;
}

template <typename T>
template <typename... Deps>
GraphNode<T>& GraphNode<T>::After(const Deps&... deps) {
  static_assert((graph_internal::kIsNode<Deps> && ...),
                "GraphNode::After: dependencies must be GraphNode<U> handles");
  if (graph_ == nullptr) return *this;
  graph_->CheckNotRunning("GraphNode::After");
  (graph_->AddEdge(deps, index_), ...);
  return *this;
}

template <typename T>
template <typename F>
GraphNode<T>& GraphNode<T>::OnDone(F callback) {
  if (graph_ == nullptr) return *this;
  graph_->CheckNotRunning("GraphNode::OnDone");
  if (base_internal::IsNullCallable(callback)) {
    graph_->RecordError(absl::InvalidArgumentError("GraphNode::OnDone: node '" +
                                                   graph_->name(index_) +
                                                   "' got a null callback"));
    return *this;
  }
  if constexpr (std::is_void_v<T>) {
    graph_->SetCallback(index_, [callback = std::move(callback)](
                                    const absl::Status& status) mutable {
      return absl::Status(base_internal::InvokeToResult(callback, status));
    });
  } else {
    auto* slot =
        static_cast<graph_internal::Slot<T>*>(graph_->slot_of_[index_]);
    graph_->SetCallback(index_, [callback = std::move(callback),
                                 slot](const absl::Status& status) mutable {
      const absl::StatusOr<T> result = status.ok()
                                           ? absl::StatusOr<T>(*slot->value)
                                           : absl::StatusOr<T>(status);
      return absl::Status(base_internal::InvokeToResult(callback, result));
    });
  }
  return *this;
}

template <typename T>
GraphNode<T>& GraphNode<T>::InGroup(const GraphConcurrencyGroup& group) {
  if (graph_ != nullptr) graph_->SetGroup(index_, group);
  return *this;
}

}  // namespace multirun

#endif  // MULTIRUN_GRAPH_GRAPH_H_
