// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the Graph builder and Validate().
//
// The input is a sequence of calls on three graphs: Add (with no
// dependency, with one whose result flows in, or with a null function),
// After (a node of the same graph, of another graph, or an empty handle),
// AddGraph (another graph, or the graph itself), NewConcurrencyGroup and
// InGroup (limits below 1, groups of other graphs, a node put in two
// groups), Validate, and running the first graph on an InlineExecutor. A
// reference model kept here, with its own cycle search, says what Validate
// must answer. The oracle:
//   - nothing crashes;
//   - Validate is OK exactly when the model finds no bad call, no duplicate
//     name and no cycle; else InvalidArgument; when the only fault is a
//     cycle, the message names one: every arrow in it is a dependency of
//     the graph;
//   - a run of a valid graph runs each node's function at most once, and
//     only after every dependency's; with no subgraph node in it, every
//     node runs, and a result that flows in is the dependency's.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/graph/graph.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace {

using multirun::FuzzInput;
using multirun::FuzzRequire;
using multirun::Graph;
using multirun::GraphNode;

constexpr int kGraphs = 3;

// What the reference model knows of one graph.
struct Model {
  std::vector<std::string> names;  // "" for an unnamed node
  std::vector<bool> records;       // whether the node's function records
  std::vector<bool> subgraph;      // whether it is an AddGraph node
  std::set<std::pair<uint32_t, uint32_t>> edges;  // from -> to
  int groups = 0;
  std::set<uint32_t> grouped;
  bool bad_call = false;  // a call Validate must report

  std::string Name(uint32_t i) const {
    return names[i].empty() ? absl::StrCat("#", i) : names[i];
  }

  bool HasDuplicateName() const {
    std::set<std::string> seen;
    for (const std::string& name : names) {
      if (!name.empty() && !seen.insert(name).second) return true;
    }
    return false;
  }

  // Depth-first search for a cycle, independent of Graph's Kahn's algorithm.
  bool HasCycle() const {
    const size_t n = names.size();
    std::vector<std::vector<uint32_t>> successors(n);
    for (const auto& [from, to] : edges) successors[from].push_back(to);
    std::vector<int> color(n, 0);  // 0 new, 1 on the stack, 2 done
    std::function<bool(uint32_t)> visit = [&](uint32_t u) {
      color[u] = 1;
      for (uint32_t v : successors[u]) {
        if (color[v] == 1) return true;
        if (color[v] == 0 && visit(v)) return true;
      }
      color[u] = 2;
      return false;
    };
    for (uint32_t u = 0; u < n; ++u) {
      if (color[u] == 0 && visit(u)) return true;
    }
    return false;
  }
};

// A node's handle: typed when its function returns a value, else void.
struct Handle {
  GraphNode<int> typed;
  GraphNode<void> plain;
};

struct World {
  Graph graphs[kGraphs];
  Model models[kGraphs];
  std::vector<Handle> handles[kGraphs];
  std::vector<multirun::GraphConcurrencyGroup> groups[kGraphs];
  // What the running nodes saw: (graph, node) in the order they ran, and
  // whether a result that flowed in was not the dependency's.
  std::vector<std::pair<int, uint32_t>> ran;
  bool wrong_input = false;
};

std::string PickName(FuzzInput& in) {
  const size_t k = in.Pick(12);
  return k < 4 ? std::string() : absl::StrCat("n", k);
}

int OtherGraph(int g, FuzzInput& in) {
  return (g + 1 + static_cast<int>(in.Pick(kGraphs - 1))) % kGraphs;
}

// dependent.After(dep), whatever their types.
void CallAfter(Handle& dependent, const Handle& dep) {
  auto add = [&dep](auto& node) {
    if (dep.typed.valid()) {
      node.After(dep.typed);
    } else {
      node.After(dep.plain);
    }
  };
  if (dependent.typed.valid()) {
    add(dependent.typed);
  } else {
    add(dependent.plain);
  }
}

void AddNode(World& w, int g, FuzzInput& in) {
  Model& m = w.models[g];
  const std::string name = PickName(in);
  const auto index = static_cast<uint32_t>(m.names.size());
  World* world = &w;
  Handle handle;
  bool records = true;
  const size_t kind = in.Pick(16);
  if (kind == 0) {  // A null function.
    handle.typed = w.graphs[g].Add(name, std::function<int()>());
    m.bad_call = true;
    records = false;
  } else if (kind < 6 && !m.names.empty()) {  // A dependency's result flows in.
    const auto from = static_cast<uint32_t>(in.Pick(m.names.size()));
    const GraphNode<int> dep = w.handles[g][from].typed;
    if (!dep.valid()) return;  // Its node has no result.
    handle.typed = w.graphs[g].Add(
        name,
        [world, g, index, from](const int& value) {
          if (value != static_cast<int>(from)) world->wrong_input = true;
          world->ran.emplace_back(g, index);
          return static_cast<int>(index);
        },
        dep);
    m.edges.insert({from, index});
  } else {
    handle.typed = w.graphs[g].Add(name, [world, g, index] {
      world->ran.emplace_back(g, index);
      return static_cast<int>(index);
    });
  }
  FuzzRequire(handle.typed.index() == index, "Add returned another index");
  m.names.push_back(name);
  m.records.push_back(records);
  m.subgraph.push_back(false);
  w.handles[g].push_back(handle);
}

void AddSubgraph(World& w, int g, FuzzInput& in) {
  Model& m = w.models[g];
  const std::string name = PickName(in);
  // Mostly another graph; now and then the graph itself (refused).
  const int inner = in.Pick(8) == 0 ? g : OtherGraph(g, in);
  Handle handle;
  handle.plain = w.graphs[g].AddGraph(name, w.graphs[inner]);
  FuzzRequire(handle.plain.index() == m.names.size(),
              "AddGraph returned another index");
  if (inner == g) m.bad_call = true;
  m.names.push_back(name);
  m.records.push_back(false);
  m.subgraph.push_back(true);
  w.handles[g].push_back(handle);
}

void AddEdge(World& w, int g, FuzzInput& in) {
  Model& m = w.models[g];
  if (m.names.empty()) return;
  const auto to = static_cast<uint32_t>(in.Pick(m.names.size()));
  const size_t kind = in.Pick(16);
  if (kind == 0) {  // A node of another graph.
    const int other = OtherGraph(g, in);
    if (w.models[other].names.empty()) return;
    CallAfter(w.handles[g][to],
              w.handles[other][in.Pick(w.models[other].names.size())]);
    m.bad_call = true;
  } else if (kind == 1) {  // An empty handle.
    CallAfter(w.handles[g][to], Handle());
    m.bad_call = true;
  } else {
    const auto from = static_cast<uint32_t>(in.Pick(m.names.size()));
    CallAfter(w.handles[g][to], w.handles[g][from]);
    m.edges.insert({from, to});
  }
}

void Group(World& w, int g, FuzzInput& in) {
  Model& m = w.models[g];
  if (in.Bool() || w.groups[g].empty()) {
    const int limit = static_cast<int>(in.IntInRange(-1, 3));
    w.groups[g].push_back(w.graphs[g].NewConcurrencyGroup(limit));
    if (limit < 1) m.bad_call = true;
    return;
  }
  if (m.names.empty()) return;
  const auto node = static_cast<uint32_t>(in.Pick(m.names.size()));
  multirun::GraphConcurrencyGroup group;
  const int owner = in.Pick(8) == 0 ? OtherGraph(g, in) : g;
  if (!w.groups[owner].empty()) {
    group = w.groups[owner][in.Pick(w.groups[owner].size())];
  }
  Handle& handle = w.handles[g][node];
  if (handle.typed.valid()) {
    handle.typed.InGroup(group);
  } else {
    handle.plain.InGroup(group);
  }
  if (owner != g || w.groups[owner].empty() || !m.grouped.insert(node).second) {
    m.bad_call = true;
  }
}

// Validate() against the model; returns whether the graph is valid.
bool CheckValidate(World& w, int g) {
  const Model& m = w.models[g];
  const absl::Status status = w.graphs[g].Validate();
  const bool duplicate = m.HasDuplicateName();
  const bool cycle = m.HasCycle();
  const bool valid = !m.bad_call && !duplicate && !cycle;
  FuzzRequire(status.ok() == valid,
              valid ? "Validate rejected a valid graph"
                    : "Validate accepted an invalid graph",
              status.ToString());
  if (valid) return true;
  FuzzRequire(status.code() == absl::StatusCode::kInvalidArgument,
              "Validate's error is not InvalidArgument", status.ToString());
  if (m.bad_call || duplicate) return false;
  // Only a cycle: "Graph: cycle of K node(s): a -> b -> ... -> a".
  const absl::string_view message = status.message();
  const size_t colon = message.rfind("): ");
  FuzzRequire(absl::StartsWith(message, "Graph: cycle of ") &&
                  colon != absl::string_view::npos,
              "a cycle is reported as something else", status.ToString());
  const std::vector<std::string> names =
      absl::StrSplit(message.substr(colon + 3), " -> ");
  std::map<std::string, uint32_t> index_of;
  for (uint32_t i = 0; i < m.names.size(); ++i) index_of[m.Name(i)] = i;
  FuzzRequire(names.size() >= 2 && names.front() == names.back(),
              "the reported cycle does not close", status.ToString());
  for (size_t k = 0; k + 1 < names.size(); ++k) {
    const auto from = index_of.find(names[k]);
    const auto to = index_of.find(names[k + 1]);
    FuzzRequire(from != index_of.end() && to != index_of.end() &&
                    m.edges.count({from->second, to->second}) == 1,
                "the reported cycle has an arrow that is no dependency",
                status.ToString());
  }
  return false;
}

void CheckRun(World& w) {
  if (!CheckValidate(w, 0)) return;
  const Model& m = w.models[0];
  w.ran.clear();
  w.wrong_input = false;
  multirun::InlineExecutor executor;
  const absl::StatusOr<multirun::GraphRunReport> report =
      w.graphs[0].RunAndWait(executor);
  FuzzRequire(report.ok(), "a valid graph did not run",
              report.ok() ? "" : report.status().ToString());
  FuzzRequire(report->size() == m.names.size(),
              "the report has another number of nodes");
  FuzzRequire(!w.wrong_input,
              "a node got another result than its dependency's");
  std::vector<int> position(m.names.size(), -1);
  for (size_t k = 0; k < w.ran.size(); ++k) {
    const auto [g, node] = w.ran[k];
    if (g != 0) continue;
    FuzzRequire(position[node] < 0, "a node ran twice in one run");
    position[node] = static_cast<int>(k);
  }
  bool has_subgraph = false;
  for (uint32_t i = 0; i < m.names.size(); ++i) {
    has_subgraph = has_subgraph || m.subgraph[i];
  }
  for (const auto& [from, to] : m.edges) {
    if (position[to] < 0 || !m.records[from]) continue;
    FuzzRequire(position[from] >= 0 && position[from] < position[to],
                "a node ran before its dependency");
  }
  if (!has_subgraph) {
    FuzzRequire(report->status().ok(), "a graph of plain nodes failed",
                report->status().ToString());
    for (uint32_t i = 0; i < m.names.size(); ++i) {
      FuzzRequire(!m.records[i] || position[i] >= 0, "a node did not run");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  World w;
  for (int step = 0; step < 64 && !in.empty(); ++step) {
    const int g = in.Pick(4) == 0 ? static_cast<int>(in.Pick(kGraphs)) : 0;
    switch (in.Pick(8)) {
      case 0:
      case 1:
      case 2:
        AddNode(w, g, in);
        break;
      case 3:
      case 4:
        AddEdge(w, g, in);
        break;
      case 5:
        if (in.Bool()) {
          AddSubgraph(w, g, in);
        } else {
          Group(w, g, in);
        }
        break;
      case 6:
        CheckValidate(w, g);
        break;
      default:
        CheckRun(w);
        break;
    }
  }
  for (int g = 0; g < kGraphs; ++g) CheckValidate(w, g);
  return 0;
}
