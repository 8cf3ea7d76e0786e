// Copyright 2026 The multirun Authors.
//
// Graph: a dependency scheduler. Functions with dependencies run as a DAG in
// parallel on any Executor (semisync's decorated functions, Taskflow's
// taskflow), each function once per run and only after all of its
// dependencies finished.
//
// Build a graph with Add(name, fn, deps...), which returns a typed handle,
// Node<T>, where T is what fn produces (void for void / absl::Status,
// U for U / absl::StatusOr<U>). Dependencies are handles, given to Add() or
// to Node::After(). Dataflow: when fn can be called with its dependencies'
// results (`const T1&, const T2&...`, in the order given to Add), it is, so
// results flow from node to node without a shared namespace; otherwise the
// dependencies only order the calls. A node's callback (Node::OnDone) gets
// the node's result (absl::StatusOr<T>, or absl::Status for void) on the
// thread that completed the node, after the result is stored and before any
// dependent starts.
//
// Validate() checks the graph: a cycle is InvalidArgument naming its nodes
// in order ("cycle: a -> b -> c -> a"), as are duplicate names, handles of
// another graph, null functions and bad concurrency limits. Run() validates
// first.
//
// Run(executor) starts every node without dependencies and returns a
// Future<RunReport>; RunAndWait() blocks for it. The report (run_report.h)
// has every node's state and status. Failure policy (RunOptions::on_failure):
//   - kSkipDependents (default): the dependents of a failed node, and theirs,
//     are skipped with FailedPrecondition("skipped: dependency 'a' failed:
//     ..."), naming the node that failed; every independent branch runs;
//   - kCancelAll: the first failure cancels the run (nodes not yet started
//     end Cancelled).
// Cancel() cancels a running graph the same way. Nothing hangs: a node that
// returns an error, throws (Unknown("<type>: <what>")), is killed (on a
// ForkExecutor: Aborted("task process <pid> killed by SIGKILL")), or whose
// task the executor drops or rejects (the run is then cancelled with that
// reason), completes its entry in the report.
//
// Re-run: a graph can run again once a run completed (semisync's clear() +
// begin()); every run gives a fresh report and fresh results.
//
// Composition: AddGraph(name, inner) makes a graph one node of another (the
// inner graph runs on the same executor; the node fails with the inner run's
// first failure). Subflow (Taskflow's subflow): a node whose function takes a
// `Subflow&` (a Graph) as its first argument builds a graph at run time; the
// node completes when that graph has run.
//
// Concurrency limits: NewConcurrencyGroup(n) and Node::InGroup(group): at
// most n nodes of the group run at once (the others wait, without holding a
// worker).
//
// Executors: any Executor (ThreadPool, InlineExecutor, Strand, ...), or a
// ForkExecutor: every node in a process of its own, as semisync does, its
// result coming back through multirun::Codec (the result types must be
// Encodable; Validate says which node is not). Control work (releasing
// dependents, callbacks) then runs on one internal thread of the graph.
//
// Observability: ToDot() (Graphviz), RunOptions::timeline and
// RunReport::ToChromeTrace() (Perfetto).
//
// How it runs (the hot path). The graph is compiled once per change
// (Validate): nodes live in one vector, successors as index ranges of one
// flat array, a node's function type-erased once, at Add(). Each run resets
// an atomic pending count per node. A finishing node decrements its
// successors' counts (one acq_rel RMW each, no lock, no allocation); the
// first successor that becomes ready runs next on the same thread
// (continuation passing), the others are scheduled on the executor (on a
// ThreadPool worker: its own deque). Completion is counted per chain of
// continuations, not per node, so a linear chain costs no shared RMW at all.
// Nodes without dependencies are started by one task that splits its range
// in halves, so a thief takes half of what is left. Timestamps are taken
// only with RunOptions::timeline.
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
// to whoever sees the run's future ready.
//
// Defines Graph (alias Subflow), Node<T>, ConcurrencyGroup, RunOptions and
// FailurePolicy.

#ifndef MULTIRUN_GRAPH_GRAPH_H_
#define MULTIRUN_GRAPH_GRAPH_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/codec/codec.h"
#include "multirun/executors/executor.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/futures/future.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/run_report.h"
#include "multirun/sync/event.h"

namespace multirun {

class Graph;
// The graph a subflow node's function builds at run time.
using Subflow = Graph;

enum class FailurePolicy {
  // Skip the dependents of a failed node; run every independent branch.
  kSkipDependents,
  // Cancel the run at the first failure.
  kCancelAll,
};

struct RunOptions {
  FailurePolicy on_failure = FailurePolicy::kSkipDependents;
  // Record each node's start and end time and worker (NodeTiming). Costs two
  // clock reads per node.
  bool timeline = false;
};

namespace graph_internal {

class RunState;

// One call of a node's function, as the run hands it to the function's
// type-erased wrapper.
struct Invocation {
  RunState* run;
  uint32_t node;
  Executor* executor;
  ForkExecutor* forks;  // Null unless the graph runs on a ForkExecutor.
  bool async = false;   // Set by a wrapper that completes later.
};

// Completes an asynchronous node (a subgraph, a subflow, a forked call). If
// destroyed without being called, completes the node with Internal, so a
// dropped continuation cannot hang the run. Move-only.
class Completion {
 public:
  explicit Completion(Invocation& invocation)
      : run_(invocation.run), node_(invocation.node) {
    invocation.async = true;
  }
  Completion(Completion&& other) noexcept
      : run_(std::exchange(other.run_, nullptr)), node_(other.node_) {}
  Completion& operator=(Completion&&) = delete;
  ~Completion();
  void operator()(absl::Status status);

 private:
  RunState* run_;
  uint32_t node_;
};

struct SlotBase {
  virtual ~SlotBase() = default;
  virtual void Reset() = 0;
};
// Where a typed node's result lives between its run and its dependents'.
template <typename T>
struct Slot final : SlotBase {
  std::optional<T> value;
  void Reset() override { value.reset(); }
};
template <>
struct Slot<void> final : SlotBase {
  void Reset() override {}
};

using Body = absl::AnyInvocable<absl::Status(Invocation&)>;
using Callback = absl::AnyInvocable<absl::Status(const absl::Status&)>;

template <typename T>
inline constexpr bool kIsNode = false;

enum class BodyKind { kInvalid, kPlain, kData, kSubflow, kSubflowData };

template <typename F, typename... Ts>
constexpr BodyKind KindOf() {
  constexpr bool kAllValues = (!std::is_void_v<Ts> && ...);
  if constexpr (sizeof...(Ts) > 0 && kAllValues) {
    if constexpr (std::is_invocable_v<F&, const Ts&...>) {
      return BodyKind::kData;
    } else if constexpr (std::is_invocable_v<F&, Graph&, const Ts&...>) {
      return BodyKind::kSubflowData;
    }
  }
  if constexpr (std::is_invocable_v<F&>) {
    return BodyKind::kPlain;
  } else if constexpr (std::is_invocable_v<F&, Graph&>) {
    return BodyKind::kSubflow;
  } else {
    return BodyKind::kInvalid;
  }
}

template <typename F, typename... Ts>
constexpr auto ReturnOf() {
  constexpr BodyKind kKind = KindOf<F, Ts...>();
  if constexpr (kKind == BodyKind::kData) {
    return std::type_identity<std::invoke_result_t<F&, const Ts&...>>{};
  } else if constexpr (kKind == BodyKind::kSubflowData) {
    return std::type_identity<std::invoke_result_t<F&, Graph&, const Ts&...>>{};
  } else if constexpr (kKind == BodyKind::kPlain) {
    return std::type_identity<std::invoke_result_t<F&>>{};
  } else if constexpr (kKind == BodyKind::kSubflow) {
    return std::type_identity<std::invoke_result_t<F&, Graph&>>{};
  } else {
    return std::type_identity<void>{};
  }
}

// Stores a function's outcome in `slot`; returns the status part.
template <typename T>
absl::Status Store(Slot<T>* slot, FutureResult<T>&& result) {
  if constexpr (std::is_void_v<T>) {
    return std::move(result);
  } else {
    if (!result.ok()) return std::move(result).status();
    slot->value.emplace(*std::move(result));
    return absl::OkStatus();
  }
}

// Runs a subgraph built at run time (subflow) on the invocation's executor;
// the node completes when it has run. Defined in graph.cc.
absl::Status RunSubgraph(Invocation& invocation, std::shared_ptr<Graph> graph);
// Runs an existing graph as one node.
absl::Status RunInnerGraph(Invocation& invocation, Graph& graph);
// What both do; `keep` (may be null) owns `graph`.
absl::Status RunChild(Invocation& invocation, Graph& graph,
                      std::shared_ptr<Graph> keep);

// The status of a forked node whose result has no codec.
absl::Status NotForkable();

// The executor that runs fork completions' glue inline.
Executor& InlineGlue();

template <typename T, BodyKind kKind, typename F, typename... Ts>
Body MakeDataBody(F fn, Slot<T>* out, Slot<Ts>*... in) {
  return [fn = std::move(fn), out,
          in...](Invocation& invocation) mutable -> absl::Status {
    if constexpr (kKind == BodyKind::kSubflow ||
                  kKind == BodyKind::kSubflowData) {
      auto graph = std::make_shared<Graph>();
      absl::Status built;
      if constexpr (kKind == BodyKind::kSubflow) {
        built = base_internal::InvokeToResult(fn, *graph);
      } else {
        built = base_internal::InvokeToResult(fn, *graph, *in->value...);
      }
      if (!built.ok()) return built;
      return RunSubgraph(invocation, std::move(graph));
    } else {
      if (invocation.forks != nullptr) {
        if constexpr (Encodable<FutureResult<T>>) {
          F* f = &fn;
          Future<T> result = invocation.forks->Submit([f, in...]() {
            if constexpr (kKind == BodyKind::kData) {
              return (*f)(*in->value...);
            } else {
              return (*f)();
            }
          });
          std::move(result).Then(*invocation.executor,
                                 [out, done = Completion(invocation)](
                                     FutureResult<T> outcome) mutable {
                                   done(Store<T>(out, std::move(outcome)));
                                 });
          return absl::OkStatus();
        } else {
          return NotForkable();
        }
      }
      if constexpr (kKind == BodyKind::kData) {
        return Store<T>(out,
                        base_internal::InvokeToResult(fn, *in->value...));
      } else {
        return Store<T>(out, base_internal::InvokeToResult(fn));
      }
    }
  };
}

// Runs `fn()` in a forked child; the node completes with its result.
template <typename T, typename F>
absl::Status ForkCall(Invocation& invocation, F* fn, Slot<T>* out) {
  if constexpr (Encodable<FutureResult<T>>) {
    Future<T> result = invocation.forks->Submit([fn]() { return (*fn)(); });
    std::move(result).Then(
        *invocation.executor,
        [out, done = Completion(invocation)](FutureResult<T> outcome) mutable {
          done(Store<T>(out, std::move(outcome)));
        });
    return absl::OkStatus();
  } else {
    return NotForkable();
  }
}

// A node without dataflow arguments: the closure holds only `fn` (and the
// result slot for a typed node), so a small fn stays in AnyInvocable's
// inline storage: no allocation per node.
template <typename T, typename F>
Body MakePlainBody(F fn, Slot<T>* out) {
  if constexpr (std::is_void_v<T>) {
    return [fn = std::move(fn)](Invocation& invocation) mutable {
      if (invocation.forks != nullptr) {
        return ForkCall<T>(invocation, &fn, static_cast<Slot<T>*>(nullptr));
      }
      return absl::Status(base_internal::InvokeToResult(fn));
    };
  } else {
    return [fn = std::move(fn), out](Invocation& invocation) mutable {
      if (invocation.forks != nullptr) return ForkCall<T>(invocation, &fn, out);
      return Store<T>(out, base_internal::InvokeToResult(fn));
    };
  }
}

template <typename T, BodyKind kKind, typename F, typename... Ts>
Body MakeBody(F fn, Slot<T>* out, Slot<Ts>*... in) {
  if constexpr (kKind == BodyKind::kPlain) {
    return MakePlainBody<T>(std::move(fn), out);
  } else {
    return MakeDataBody<T, kKind>(std::move(fn), out, in...);
  }
}

}  // namespace graph_internal

// A handle to a group of nodes of which at most `max_concurrent` run at once
// (Graph::NewConcurrencyGroup).
class ConcurrencyGroup {
 public:
  ConcurrencyGroup() = default;

 private:
  friend class Graph;
  ConcurrencyGroup(Graph* graph, int32_t id) : graph_(graph), id_(id) {}
  Graph* graph_ = nullptr;
  int32_t id_ = -1;
};

// A typed handle to a node of a Graph: T is the node's result type (void for
// none). Cheap to copy; valid as long as its graph.
//
// Example:
//
//   multirun::Node<double> revenue = graph.Add("revenue", [] { return 3.0; });
//   multirun::Node<double> expenses = graph.Add("expenses", [] { return 1.0;
//   }); multirun::Node<double> profit = graph.Add(
//       "profit", [](double r, double e) { return r - e; }, revenue, expenses);
//   profit.OnDone([](const absl::StatusOr<double>& p) { Print(p); });
template <typename T>
class Node {
 public:
  using value_type = T;

  // An empty handle; a graph rejects it as a dependency.
  Node() = default;

  // The node's index in its graph and in a RunReport.
  uint32_t index() const { return index_; }
  bool valid() const { return graph_ != nullptr; }

  // Makes this node run after each of `deps` (ordering only: their results
  // are not passed). A handle of another graph is reported by Validate().
  template <typename... Deps>
  Node& After(const Deps&... deps);

  // Sets the node's callback: `callback(const absl::StatusOr<T>&)` (for
  // void: `callback(const absl::Status&)`), called once per run when the
  // node's function has run (successfully or not, not when skipped or
  // cancelled), on the thread that completed it (a worker; for a forked node
  // the graph's control thread), before any dependent starts. It may return
  // void or absl::Status; an error or an exception fails the node. Replaces
  // an earlier callback.
  template <typename F>
  Node& OnDone(F callback);

  // Puts the node in `group` (at most one group per node).
  Node& InGroup(const ConcurrencyGroup& group);

 private:
  friend class Graph;
  Node(Graph* graph, uint32_t index) : graph_(graph), index_(index) {}
  Graph* graph_ = nullptr;
  uint32_t index_ = 0;
};

namespace graph_internal {
template <typename T>
inline constexpr bool kIsNode<Node<T>> = true;
}  // namespace graph_internal

// Example: semisync's revenue / expenses / profit.
//
//   multirun::Graph graph;
//   auto revenue = graph.Add("revenue", [] { return FetchRevenue(); });
//   auto expenses = graph.Add("expenses", [] { return FetchExpenses(); });
//   auto profit = graph.Add(
//       "profit", [](double r, double e) { return r - e; }, revenue, expenses);
//   multirun::ThreadPool pool(2);
//   absl::StatusOr<multirun::RunReport> report = graph.RunAndWait(pool);
//   if (report.ok() && report->status().ok()) {
//     double p = *graph.Result(profit);
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
  Node<void> AddGraph(std::string name, Graph& inner);

  // A group of which at most `max_concurrent` nodes run at once.
  // `max_concurrent` < 1 is reported by Validate().
  ConcurrencyGroup NewConcurrencyGroup(int max_concurrent);

  // Checks the graph and compiles it for running. OK, or InvalidArgument for
  // a cycle (naming its nodes in order), a duplicate name, a dependency of
  // another graph or an empty handle, a null function, a bad group;
  // FailedPrecondition while the graph runs. Cheap when nothing changed.
  absl::Status Validate();

  // Validates, then runs every node on `executor`, which must outlive the
  // run. The future completes with the report once every node has an entry;
  // it is an error only when the run could not start: Validate()'s error, or
  // FailedPrecondition when the graph is already running. Never blocks.
  Future<RunReport> Run(Executor& executor, RunOptions options = {});
  // Run() and wait for the report.
  absl::StatusOr<RunReport> RunAndWait(Executor& executor,
                                       RunOptions options = {});

  // Runs every node in a process of its own on `forks` (see the file
  // comment). Also InvalidArgument when a node's result has no Codec.
  Future<RunReport> Run(ForkExecutor& forks, RunOptions options = {});
  absl::StatusOr<RunReport> RunAndWait(ForkExecutor& forks,
                                       RunOptions options = {});

  // Cancels the run in progress: nodes that have not started end Cancelled
  // (running ones finish; on a ForkExecutor they are not killed). Returns
  // whether a run was in progress. Never blocks. Thread-safe.
  bool Cancel();

  // Whether a run is in progress. Thread-safe.
  bool IsRunning() const { return running_.load(std::memory_order_acquire); }

  // The result `node` produced in the last run. FailedPrecondition when it
  // has none (it did not succeed) or the graph is running; InvalidArgument
  // for a handle of another graph.
  template <typename T>
  requires(!std::is_void_v<T>) absl::StatusOr<T> Result(const Node<T>& node)
  const;

  // The graph in Graphviz's DOT language: one vertex per node (its name),
  // one edge per dependency, from the dependency to the dependent.
  std::string ToDot() const;

  // The number of nodes, and a node's name ("#<index>" when unnamed).
  size_t size() const { return bodies_.size(); }
  std::string name(uint32_t index) const;

 private:
  template <typename T>
  friend class Node;
  friend class graph_internal::RunState;
  friend absl::Status graph_internal::RunChild(graph_internal::Invocation&,
                                               Graph&, std::shared_ptr<Graph>);

  enum Flags : uint8_t {
    kTyped = 1,
    kHasCallback = 2,
    kGrouped = 4,
    kForkable = 8,
  };

  uint32_t NewNode(std::string name, uint8_t flags, graph_internal::Body body);
  template <typename T>
  void AddEdge(const Node<T>& from, uint32_t to) {
    AddEdge(from.graph_, from.index_, to);
  }
  void AddEdge(const Graph* from_graph, uint32_t from, uint32_t to);
  void SetCallback(uint32_t node, graph_internal::Callback callback);
  void SetGroup(uint32_t node, const ConcurrencyGroup& group);
  void RecordError(absl::Status status);
  void CheckNotRunning(const char* what) const;
  absl::Status Compile();
  absl::Status FindCycle(const std::vector<uint32_t>& indegree_left) const;
  Future<RunReport> Start(Executor& executor, ForkExecutor* forks,
                          RunOptions options);

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
  std::unique_ptr<ThreadPool> fork_control_;
};

// --- implementation ---

template <typename F, typename... Deps>
auto Graph::Add(std::string name, F fn, const Deps&... deps) {
  static_assert((graph_internal::kIsNode<Deps> && ...),
                "Graph::Add: dependencies must be Node<T> handles");
  using graph_internal::BodyKind;
  constexpr BodyKind kKind =
      graph_internal::KindOf<F, typename Deps::value_type...>();
  static_assert(kKind != BodyKind::kInvalid,
                "Graph::Add: fn must be callable with no arguments, with its "
                "dependencies' results (const T1&, const T2&, ...), or with "
                "a Subflow& first");
  using R = typename decltype(graph_internal::ReturnOf<
                              F, typename Deps::value_type...>())::type;
  static_assert(!base_internal::kIsFuture<R>,
                "Graph::Add: fn must not return a Future; use a subflow");
  using T = typename base_internal::ValueOf<R>::type;
  constexpr bool kSubflow =
      kKind == BodyKind::kSubflow || kKind == BodyKind::kSubflowData;
  static_assert(!kSubflow || std::is_void_v<T>,
                "Graph::Add: a subflow function returns void or absl::Status");
  CheckNotRunning("Add");
  uint8_t flags = 0;
  if constexpr (!std::is_void_v<T>) flags |= kTyped;
  if constexpr (kSubflow || Encodable<FutureResult<T>>) flags |= kForkable;
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
          graph_internal::MakeBody<T, kKind>(std::move(fn), slot,
                                             slot_of(deps)...));
  (AddEdge(deps, index), ...);
  if (null_fn) {
    RecordError(absl::InvalidArgumentError(
        "Graph::Add: node '" + this->name(index) + "' has a null function"));
  }
  return Node<T>(this, index);
}

template <typename T>
requires(!std::is_void_v<T>) absl::StatusOr<T> Graph::Result(
    const Node<T>& node)
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
Node<T>& Node<T>::After(const Deps&... deps) {
  static_assert((graph_internal::kIsNode<Deps> && ...),
                "Node::After: dependencies must be Node<U> handles");
  if (graph_ == nullptr) return *this;
  graph_->CheckNotRunning("Node::After");
  (graph_->AddEdge(deps, index_), ...);
  return *this;
}

template <typename T>
template <typename F>
Node<T>& Node<T>::OnDone(F callback) {
  if (graph_ == nullptr) return *this;
  graph_->CheckNotRunning("Node::OnDone");
  if (base_internal::IsNullCallable(callback)) {
    graph_->RecordError(absl::InvalidArgumentError("Node::OnDone: node '" +
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
Node<T>& Node<T>::InGroup(const ConcurrencyGroup& group) {
  if (graph_ != nullptr) graph_->SetGroup(index_, group);
  return *this;
}

}  // namespace multirun

#endif  // MULTIRUN_GRAPH_GRAPH_H_
