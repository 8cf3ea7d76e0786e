// Copyright 2026 The multirun Authors.

#include "multirun/graph/graph.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/internal/run_state.h"
#include "multirun/base/drop_reason.h"
#include "multirun/base/status_message.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/worker.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace graph_internal {
namespace {

// The task a run hands to its executor: 16 bytes, so it fits
// AnyInvocable's inline storage (no allocation per scheduled node). If the
// executor destroys it without running it (rejected, ShutdownNow), the
// destructor tells the run, which then completes the nodes it stood for.
class Task {
 public:
  Task(RunState* run, uint32_t a, uint32_t b) : run_(run), a_(a), b_(b) {}
  Task(Task&& other) noexcept
      : run_(std::exchange(other.run_, nullptr)), a_(other.a_), b_(other.b_) {}
  Task& operator=(Task&&) = delete;
  ~Task() {
    if (run_ != nullptr) run_->Dropped(a_, b_);
  }
  void operator()() { std::exchange(run_, nullptr)->RunTask(a_, b_); }

 private:
  RunState* run_;
  uint32_t a_;
  uint32_t b_;
};

// An executor that runs tasks inline (InlineExecutor) nests them: a node
// that schedules its successor runs it inside Schedule(). Past kMaxDepth
// nested tasks on one thread, a task is deferred to the outermost one, which
// runs it after its own: the stack stays bounded.
constexpr int kMaxDepth = 48;
struct Deferred {
  RunState* run;
  uint32_t a;
  uint32_t b;
  Deferred* next;
};
thread_local int tl_depth = 0;
thread_local Deferred* tl_deferred = nullptr;

}  // namespace

std::string DotEscape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Completion::~Completion() {
  if (run_ != nullptr) {
    // Dropped unrun: its executor rejected or dropped the task that held it
    // (the reason in force on this thread says why), as for a node's task.
    const absl::Status why = absl::CancelledError(absl::StrCat(
        "graph: the executor dropped an asynchronous node's completion: ",
        base_internal::AbandonedStatus().ToString()));
    run_->CancelWith(why);
    run_->FinishAsync(node_, why);
  }
}

void Completion::SetOrigin(int32_t origin) {
  if (run_ != nullptr) run_->StampOrigin(node_, origin);
}

void Completion::operator()(absl::Status status) {
  RunState* run = std::exchange(run_, nullptr);
  if (run != nullptr) run->FinishAsync(node_, std::move(status));
}

absl::Status InvalidFuture() {
  return absl::FailedPreconditionError(
      "graph: the node's function returned an invalid (default-constructed) "
      "Future");
}

namespace {

// The executor that runs a subgraph's completion glue inline.
Executor& InlineGlue() {
  static InlineExecutor* const executor = new InlineExecutor;
  return *executor;
}

absl::Status SummaryOf(const absl::StatusOr<GraphRunReport>& report) {
  if (!report.ok()) return report.status();
  absl::Status status = report->status();
  if (status.ok()) return status;
  return base_internal::WithMessage(
      status, absl::StrCat("subgraph: ", status.message()));
}
}  // namespace

absl::Status RunChild(Invocation& invocation, Graph& graph,
                      std::shared_ptr<Graph> keep) {
  RunState* parent = invocation.run;
  if (parent->IsCancelled()) {
    return absl::CancelledError("graph: run cancelled before the subgraph");
  }
  Completion done(invocation);
  parent->AddChild(&graph);
  // The parent run and the child stay alive across the cancel check below,
  // even if the child completes (and the parent's last node after it)
  // before Start() returns.
  parent->HoldChain();
  std::shared_ptr<Graph> alive = keep;
  graph.Start(*invocation.executor, {})
      .Then(InlineGlue(), [parent, child = &graph, keep = std::move(keep),
                           done = std::move(done)](
                              absl::StatusOr<GraphRunReport> report) mutable {
        parent->RemoveChild(child);
        done(SummaryOf(report));
      });
  // A Cancel() between AddChild() and the child's start did not reach it.
  // (If the child already finished, Cancel() is a no-op.)
  if (parent->IsCancelled()) graph.Cancel();
  parent->ReleaseChain();
  return absl::OkStatus();
}

absl::Status RunSubgraph(Invocation& invocation, std::shared_ptr<Graph> graph) {
  Graph& g = *graph;
  return RunChild(invocation, g, std::move(graph));
}

absl::Status RunInnerGraph(Invocation& invocation, Graph& graph) {
  return RunChild(invocation, graph, nullptr);
}

// --- RunState ---
//
// How it runs (the hot path). The graph is compiled once per change
// (Validate): nodes live in one vector, successors as index ranges of one
// flat array, a node's function type-erased once, at Add(). Each run resets
// an atomic pending count per node (Prepare). A finishing node decrements its
// successors' counts (Release: one acq_rel RMW each, no lock, no
// allocation); the first successor that becomes ready runs next on the same
// thread (continuation passing, Drain), the others are scheduled on the
// executor (on a ThreadPool worker: its own deque). Completion is counted per
// chain of continuations, not per node (remaining_, see run_state.h), so a
// linear chain costs no shared RMW at all. Nodes without dependencies are
// started by one task that splits its range in halves (Execute), so a thief
// takes half of what is left. An asynchronous node (a subgraph, a returned
// future) ends its chain's turn on this thread; its completion continues the
// chain on the executor (FinishAsync). Timestamps are taken only with
// GraphRunOptions::timeline.

Future<GraphRunReport> RunState::Prepare(Executor& executor,
                                         const GraphRunOptions& options,
                                         std::shared_ptr<Event> finished) {
  executor_ = &executor;
  options_ = options;
  const size_t n = graph_->size();
  successor_offsets_ = graph_->successor_offsets_.data();
  successors_ = graph_->successors_.data();
  flags_ = graph_->flags_.data();
  bodies_ = graph_->bodies_.data();
  if (runtime_size_ != n) {
    runtime_ = std::make_unique<NodeRuntime[]>(n);
    runtime_size_ = n;
  }
  const uint32_t* indegree = graph_->indegree_.data();
  for (size_t i = 0; i < n; ++i) {
    runtime_[i].pending.store(static_cast<int32_t>(indegree[i]),
                              std::memory_order_relaxed);
    runtime_[i].failed_root.store(-1, std::memory_order_relaxed);
  }
  for (auto& slot : graph_->slots_) slot->Reset();
  statuses_.assign(n, absl::OkStatus());
  states_.assign(n, GraphNodeState::kNotRun);
  timeline_.clear();
  if (options.timeline) timeline_.resize(n);
  groups_.clear();
  for (int limit : graph_->group_limits_) {
    auto group = std::make_unique<GroupRuntime>();
    LockHolder hold(group->lock);
    group->available = limit;
    groups_.push_back(std::move(group));
  }
  {
    LockHolder hold(cancel_lock_);
    cancel_reason_ = absl::OkStatus();
    cancelled_.store(false, std::memory_order_relaxed);
  }
  remaining_.store(graph_->sources_.empty() ? 0 : 1, std::memory_order_relaxed);
  promise_ = Promise<GraphRunReport>();
  finished_ = std::move(finished);
  start_ = std::chrono::steady_clock::now();
  return promise_.GetFuture();
}

void RunState::Start() {
  if (graph_->sources_.empty()) {
    Finish();
    return;
  }
  // Rejected: the task's destructor completes the run.
  executor_
      ->Schedule(Task(this, 0, static_cast<uint32_t>(graph_->sources_.size())))
      .IgnoreError();
}

void RunState::RunTask(uint32_t a, uint32_t b) {
  if (tl_depth >= kMaxDepth) {
    tl_deferred = new Deferred{this, a, b, tl_deferred};
    return;
  }
  ++tl_depth;
  Execute(a, b);
  if (tl_depth == 1) {
    while (tl_deferred != nullptr) {
      Deferred* d = tl_deferred;
      tl_deferred = d->next;
      RunState* run = d->run;
      const uint32_t da = d->a;
      const uint32_t db = d->b;
      delete d;
      run->Execute(da, db);
    }
  }
  --tl_depth;
}

void RunState::Execute(uint32_t a, uint32_t b) {
  if (b == kNodeTag) {
    Drain(a, false, nullptr);
  } else if (b == kResumedTag) {
    Drain(a, true, nullptr);
  } else {
    // Split the range of sources: a thief takes the upper half.
    while (b - a > 1) {
      const uint32_t mid = a + (b - a) / 2;
      remaining_.fetch_add(1, std::memory_order_relaxed);
      executor_->Schedule(Task(this, mid, b)).IgnoreError();
      b = mid;
    }
    Drain(graph_->sources_[a], false, nullptr);
  }
}

void RunState::Dropped(uint32_t a, uint32_t b) {
  const absl::Status why = base_internal::AbandonedStatus();
  CancelWith(absl::CancelledError(absl::StrCat(
      "graph: the executor dropped a node's task: ", why.ToString())));
  Sink local;
  if (b == kNodeTag) {
    local.push_back(a);
  } else if (b == kResumedTag) {
    local.push_back(a | kPermitBit);
  } else {
    remaining_.fetch_add(b - a - 1, std::memory_order_relaxed);
    for (uint32_t i = a; i < b; ++i) local.push_back(graph_->sources_[i]);
  }
  DrainLocal(local);
}

void RunState::DrainLocal(Sink& local) {
  while (!local.empty()) {
    const uint32_t entry = local.back();
    local.pop_back();
    Drain(entry & ~kPermitBit, (entry & kPermitBit) != 0, &local);
  }
}

void RunState::Drain(uint32_t node, bool has_permit, Sink* sink) {
  for (;;) {
    const uint32_t next = Step(node, has_permit, sink);
    if (next == kNone) {
      EndChain();
      return;
    }
    if (next == kMoved) return;
    node = next;
    has_permit = false;
  }
}

void RunState::EndChain() {
  if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) Finish();
}

int64_t RunState::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now() - start_)
      .count();
}

void RunState::StampOrigin(uint32_t node, int32_t origin) {
  if (!timeline_.empty()) timeline_[node].origin = origin;
}

void RunState::StampStart(uint32_t node) {
  GraphNodeTiming& t = timeline_[node];
  t.start_ns = Now();
  const WorkerInfo* worker = CurrentWorker();
  t.worker = worker != nullptr ? worker->index : -1;
  t.thread_id = worker != nullptr ? worker->thread_id
                                  : static_cast<uint32_t>(syscall(SYS_gettid));
  t.pid = getpid();
}

uint32_t RunState::Step(uint32_t node, bool has_permit, Sink* sink) {
  const int32_t root =
      runtime_[node].failed_root.load(std::memory_order_relaxed);
  if (root >= 0) {
    if (has_permit) ReleasePermit(node, sink);
    return Release(node, GraphNodeState::kSkipped, SkippedStatus(root), root,
                   sink, true);
  }
  if (cancelled_.load(std::memory_order_acquire)) {
    if (has_permit) ReleasePermit(node, sink);
    return Release(node, GraphNodeState::kCancelled, cancel_reason_, -1, sink,
                   true);
  }
  if ((flags_[node] & Graph::kGrouped) && !has_permit && !AcquirePermit(node)) {
    return kMoved;  // Parked: a finishing member of the group resumes it.
  }
  if (!timeline_.empty()) StampStart(node);
  Invocation invocation{this, node, executor_};
  absl::Status status = bodies_[node](invocation);
  if (invocation.async) return kMoved;  // FinishAsync() continues the chain.
  return FinishBody(node, std::move(status), sink, true);
}

uint32_t RunState::FinishBody(uint32_t node, absl::Status status, Sink* sink,
                              bool allow_inline) {
  const uint8_t flags = flags_[node];
  if (flags & Graph::kHasCallback) {
    auto it = graph_->callbacks_.find(node);
    if (it != graph_->callbacks_.end()) {
      absl::Status from_callback = it->second(status);
      if (status.ok() && !from_callback.ok()) {
        status = base_internal::WithMessage(
            from_callback, absl::StrCat("callback: ", from_callback.message()));
      }
    }
  }
  if (!timeline_.empty()) timeline_[node].end_ns = Now();
  if (flags & Graph::kGrouped) ReleasePermit(node, sink);
  if (status.ok()) {
    return Release(node, GraphNodeState::kSucceeded, absl::OkStatus(), -1, sink,
                   allow_inline);
  }
  if (options_.on_failure == GraphFailurePolicy::kCancelAll) {
    CancelWith(absl::CancelledError(
        absl::StrCat("graph: cancelled because node '", graph_->name(node),
                     "' failed: ", status.ToString())));
  }
  return Release(node, GraphNodeState::kFailed, std::move(status),
                 static_cast<int32_t>(node), sink, allow_inline);
}

uint32_t RunState::Release(uint32_t node, GraphNodeState state,
                           absl::Status status, int32_t propagate, Sink* sink,
                           bool allow_inline) {
  states_[node] = state;
  if (!status.ok()) statuses_[node] = std::move(status);
  uint32_t next = kNone;
  const uint32_t end = successor_offsets_[node + 1];
  for (uint32_t k = successor_offsets_[node]; k < end; ++k) {
    const uint32_t s = successors_[k];
    NodeRuntime& rt = runtime_[s];
    if (propagate >= 0) {
      int32_t expected = -1;
      rt.failed_root.compare_exchange_strong(expected, propagate,
                                             std::memory_order_relaxed);
    }
    if (rt.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      if (allow_inline && next == kNone) {
        next = s;
      } else {
        Spawn(s, /*new_chain=*/true, /*has_permit=*/false, sink);
      }
    }
  }
  return next;
}

void RunState::Spawn(uint32_t node, bool new_chain, bool has_permit,
                     Sink* sink) {
  if (new_chain) remaining_.fetch_add(1, std::memory_order_relaxed);
  if (sink != nullptr) {
    sink->push_back(has_permit ? (node | kPermitBit) : node);
    return;
  }
  // Rejected: the task's destructor completes the node.
  executor_->Schedule(Task(this, node, has_permit ? kResumedTag : kNodeTag))
      .IgnoreError();
}

bool RunState::AcquirePermit(uint32_t node) {
  GroupRuntime& group = *groups_[graph_->group_of_.at(node)];
  LockHolder hold(group.lock);
  if (group.available > 0) {
    --group.available;
    return true;
  }
  group.waiting.push_back(node);
  return false;
}

void RunState::ReleasePermit(uint32_t node, Sink* sink) {
  GroupRuntime& group = *groups_[graph_->group_of_.at(node)];
  uint32_t next = kNone;
  {
    LockHolder hold(group.lock);
    if (group.waiting.empty()) {
      ++group.available;
      return;
    }
    next = group.waiting.front();
    group.waiting.pop_front();
  }
  // The parked node's chain resumes, with this node's permit.
  Spawn(next, /*new_chain=*/false, /*has_permit=*/true, sink);
}

void RunState::FinishAsync(uint32_t node, absl::Status status) {
  FinishBody(node, std::move(status), nullptr, /*allow_inline=*/false);
  EndChain();
}

absl::Status RunState::SkippedStatus(int32_t root) const {
  return absl::FailedPreconditionError(
      absl::StrCat("skipped: dependency '", graph_->name(root),
                   "' failed: ", statuses_[root].ToString()));
}

void RunState::CancelWith(absl::Status reason) {
  {
    LockHolder hold(cancel_lock_);
    if (!cancel_reason_.ok()) return;
    cancel_reason_ = std::move(reason);
    cancelled_.store(true, std::memory_order_release);
  }
  LockHolder hold(children_lock_);
  for (Graph* child : children_) child->Cancel();
}

void RunState::AddChild(Graph* child) {
  LockHolder hold(children_lock_);
  children_.push_back(child);
}

void RunState::RemoveChild(Graph* child) {
  LockHolder hold(children_lock_);
  auto it = std::find(children_.begin(), children_.end(), child);
  if (it != children_.end()) children_.erase(it);
}

void RunState::Finish() {
  GraphRunReport report;
  report.names_ = graph_->names_;
  report.statuses_ = std::move(statuses_);
  report.states_ = std::move(states_);
  report.timeline_ = std::move(timeline_);
  report.typed_.resize(report.states_.size());
  for (size_t i = 0; i < report.typed_.size(); ++i) {
    report.typed_[i] = (flags_[i] & Graph::kTyped) != 0;
  }
  {
    LockHolder hold(cancel_lock_);
    report.cancel_reason_ = cancel_reason_;
  }
  report.wall_time_ =
      absl::FromChrono(std::chrono::steady_clock::now() - start_);
  Promise<GraphRunReport> promise = std::move(promise_);
  std::shared_ptr<Event> finished = std::move(finished_);
  // From here on the graph may be destroyed or run again: locals only.
  graph_->running_.store(false, std::memory_order_release);
  finished->Set();
  promise.SetValue(std::move(report));
}

}  // namespace graph_internal

// --- Graph ---

Graph::Graph()
    : names_(std::make_shared<std::vector<std::string>>()),
      run_(std::make_unique<graph_internal::RunState>(this)) {}

Graph::~Graph() {
  if (finished_ != nullptr) finished_->Wait();
}

void Graph::CheckNotRunning(const char* what) const {
  if (IsRunning()) {
    std::fprintf(stderr, "multirun::Graph::%s called while the graph runs\n",
                 what);
    std::abort();
  }
}

void Graph::Reserve(size_t nodes, size_t edges) {
  CheckNotRunning("Reserve");
  bodies_.reserve(nodes);
  flags_.reserve(nodes);
  edges_.reserve(edges);
}

uint32_t Graph::NewNode(std::string name, uint8_t flags,
                        graph_internal::Body body) {
  if (bodies_.size() >= 0x7FFFFFF0u) {
    std::fprintf(stderr, "multirun::Graph: too many nodes\n");
    std::abort();
  }
  const auto index = static_cast<uint32_t>(bodies_.size());
  // Only named nodes take room in names_ (a graph of unnamed nodes keeps it
  // empty). Reports share the names: copy on write.
  if (!name.empty()) {
    if (names_.use_count() > 1) {
      names_ = std::make_shared<std::vector<std::string>>(*names_);
    }
    if (names_->size() <= index) names_->resize(index + 1);
    (*names_)[index] = std::move(name);
  }
  bodies_.push_back(std::move(body));
  flags_.push_back(flags);
  compiled_ = false;
  return index;
}

std::string Graph::name(uint32_t index) const {
  if (index < names_->size() && !(*names_)[index].empty()) {
    return (*names_)[index];
  }
  return absl::StrCat("#", index);
}

void Graph::RecordError(absl::Status status) {
  if (first_error_.ok()) first_error_ = std::move(status);
}

void Graph::AddEdge(const Graph* from_graph, uint32_t from, uint32_t to) {
  if (from_graph != this || from >= size()) {
    RecordError(absl::InvalidArgumentError(
        absl::StrCat("Graph: node '", name(to), "' depends on ",
                     from_graph == nullptr ? "an empty GraphNode handle"
                                           : "a node of another graph")));
    return;
  }
  edges_.emplace_back(from, to);
  compiled_ = false;
}

void Graph::SetCallback(uint32_t node, graph_internal::Callback callback) {
  callbacks_[node] = std::move(callback);
  flags_[node] |= kHasCallback;
}

void Graph::SetGroup(uint32_t node, const GraphConcurrencyGroup& group) {
  CheckNotRunning("GraphNode::InGroup");
  if (group.graph_ != this || group.id_ < 0 ||
      group.id_ >= static_cast<int32_t>(group_limits_.size())) {
    RecordError(absl::InvalidArgumentError(absl::StrCat(
        "Graph: node '", name(node),
        "' joins a concurrency group of another graph (or an empty one)")));
    return;
  }
  if (!group_of_.emplace(node, group.id_).second) {
    RecordError(absl::InvalidArgumentError(absl::StrCat(
        "Graph: node '", name(node), "' is already in a concurrency group")));
    return;
  }
  flags_[node] |= kGrouped;
}

GraphConcurrencyGroup Graph::NewConcurrencyGroup(int max_concurrent) {
  CheckNotRunning("NewConcurrencyGroup");
  if (max_concurrent < 1) {
    RecordError(absl::InvalidArgumentError(
        absl::StrCat("Graph::NewConcurrencyGroup: max_concurrent must be at "
                     "least 1, got ",
                     max_concurrent)));
  }
  group_limits_.push_back(std::max(max_concurrent, 1));
  return GraphConcurrencyGroup(this,
                               static_cast<int32_t>(group_limits_.size() - 1));
}

GraphNode<void> Graph::AddGraph(std::string name, Graph& inner) {
  CheckNotRunning("AddGraph");
  Graph* inner_ptr = &inner;
  const uint32_t index = NewNode(
      std::move(name), 0, [inner_ptr](graph_internal::Invocation& invocation) {
        return graph_internal::RunInnerGraph(invocation, *inner_ptr);
      });
  if (inner_ptr == this) {
    RecordError(absl::InvalidArgumentError(
        absl::StrCat("Graph::AddGraph: node '", this->name(index),
                     "' adds the graph to itself")));
  }
  return GraphNode<void>(this, index);
}

absl::Status Graph::Validate() {
  if (IsRunning()) {
    return absl::FailedPreconditionError(
        "Graph::Validate: the graph is running");
  }
  return Compile();
}

absl::Status Graph::Compile() {
  if (!first_error_.ok()) return first_error_;
  if (compiled_) return absl::OkStatus();
  const size_t n = size();
  {
    absl::flat_hash_map<absl::string_view, uint32_t> seen;
    for (uint32_t i = 0; i < names_->size(); ++i) {
      const std::string& name = (*names_)[i];
      if (name.empty()) continue;
      auto [it, inserted] = seen.emplace(name, i);
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat("Graph: duplicate node name '", name, "' (nodes ",
                         it->second, " and ", i, ")"));
      }
    }
  }
  successor_offsets_.assign(n + 1, 0);
  indegree_.assign(n, 0);
  for (const auto& [from, to] : edges_) {
    ++successor_offsets_[from + 1];
    ++indegree_[to];
  }
  for (size_t i = 0; i < n; ++i) {
    successor_offsets_[i + 1] += successor_offsets_[i];
  }
  successors_.resize(edges_.size());
  {
    std::vector<uint32_t> fill(successor_offsets_.begin(),
                               successor_offsets_.end() - 1);
    for (const auto& [from, to] : edges_) successors_[fill[from]++] = to;
  }
  sources_.clear();
  for (uint32_t i = 0; i < n; ++i) {
    if (indegree_[i] == 0) sources_.push_back(i);
  }
  // Kahn's algorithm: a cycle leaves nodes unvisited.
  std::vector<uint32_t> left = indegree_;
  std::vector<uint32_t> queue = sources_;
  size_t visited = 0;
  while (!queue.empty()) {
    const uint32_t u = queue.back();
    queue.pop_back();
    ++visited;
    for (uint32_t k = successor_offsets_[u]; k < successor_offsets_[u + 1];
         ++k) {
      if (--left[successors_[k]] == 0) queue.push_back(successors_[k]);
    }
  }
  if (visited != n) return FindCycle(left);
  compiled_ = true;
  return absl::OkStatus();
}

absl::Status Graph::FindCycle(const std::vector<uint32_t>& left) const {
  // Every node left unvisited has an unvisited predecessor: walking
  // predecessors must repeat a node, and the walk from there is a cycle.
  const size_t n = size();
  std::vector<uint32_t> predecessor(n, UINT32_MAX);
  for (const auto& [from, to] : edges_) {
    if (left[to] > 0 && left[from] > 0 && predecessor[to] == UINT32_MAX) {
      predecessor[to] = from;
    }
  }
  uint32_t start = 0;
  while (left[start] == 0) ++start;
  std::vector<int64_t> position(n, -1);
  std::vector<uint32_t> walk;
  uint32_t u = start;
  while (position[u] < 0) {
    position[u] = static_cast<int64_t>(walk.size());
    walk.push_back(u);
    u = predecessor[u];
  }
  // walk[position[u]..] is the cycle backwards.
  std::vector<std::string> names;
  for (size_t i = walk.size(); i-- > static_cast<size_t>(position[u]);) {
    names.push_back(name(walk[i]));
  }
  names.push_back(names.front());
  return absl::InvalidArgumentError(
      absl::StrCat("Graph: cycle of ", names.size() - 1,
                   " node(s): ", absl::StrJoin(names, " -> ")));
}

Future<GraphRunReport> Graph::Start(Executor& executor,
                                    GraphRunOptions options) {
  if (running_.exchange(true, std::memory_order_acq_rel)) {
    return MakeErrorFuture<GraphRunReport>(absl::FailedPreconditionError(
        "Graph::Run: the graph is already running"));
  }
  absl::Status valid = Compile();
  if (!valid.ok()) {
    running_.store(false, std::memory_order_release);
    return MakeErrorFuture<GraphRunReport>(std::move(valid));
  }
  finished_ = std::make_shared<Event>();
  Future<GraphRunReport> report = run_->Prepare(executor, options, finished_);
  run_->Start();
  return report;
}

Future<GraphRunReport> Graph::Run(Executor& executor, GraphRunOptions options) {
  return Start(executor, options);
}

absl::StatusOr<GraphRunReport> Graph::RunAndWait(Executor& executor,
                                                 GraphRunOptions options) {
  return Run(executor, options).Get();
}

bool Graph::Cancel() {
  if (!IsRunning()) return false;
  run_->CancelWith(
      absl::CancelledError("graph: run cancelled by Graph::Cancel()"));
  return true;
}

std::string Graph::ToDot() const {
  std::string out = "digraph multirun_graph {\n  rankdir=LR;\n";
  for (uint32_t i = 0; i < size(); ++i) {
    absl::StrAppend(&out, "  n", i, " [label=\"",
                    graph_internal::DotEscape(name(i)), "\"];\n");
  }
  for (const auto& [from, to] : edges_) {
    absl::StrAppend(&out, "  n", from, " -> n", to, ";\n");
  }
  out += "}\n";
  return out;
}

}  // namespace multirun
