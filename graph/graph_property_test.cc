// Copyright 2026 The multirun Authors.
//
// Property tests over random DAGs: for many seeds, every node runs exactly
// once and only after all its dependencies; with random failures, exactly
// the nodes downstream of a failure are skipped.

#include <atomic>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"
#include "multirun/graph/run_report.h"

namespace multirun {
namespace {

struct RandomDag {
  int n = 0;
  std::vector<std::vector<int>> deps;  // deps[v]: the nodes v depends on
};

// Nodes in a random order; an edge u -> v only when u comes before v in a
// random permutation, so the graph is acyclic.
RandomDag MakeDag(std::mt19937& rng) {
  RandomDag dag;
  dag.n = std::uniform_int_distribution<int>(1, 150)(rng);
  std::vector<int> order(dag.n);
  for (int i = 0; i < dag.n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  dag.deps.resize(dag.n);
  const double density = std::uniform_real_distribution<double>(0, 0.1)(rng);
  std::bernoulli_distribution edge(density);
  for (int a = 0; a < dag.n; ++a) {
    for (int b = a + 1; b < dag.n; ++b) {
      if (edge(rng)) dag.deps[order[b]].push_back(order[a]);
    }
  }
  return dag;
}

class RandomDagTest : public ::testing::TestWithParam<int> {};

TEST_P(RandomDagTest, EveryNodeRunsOnceAfterItsDependencies) {
  ThreadPool pool(3);
  InlineExecutor inline_executor;
  for (int seed = GetParam() * 100; seed < GetParam() * 100 + 100; ++seed) {
    std::mt19937 rng(seed);
    RandomDag dag = MakeDag(rng);
    auto runs = std::make_unique<std::atomic<int>[]>(dag.n);
    auto done = std::make_unique<std::atomic<bool>[]>(dag.n);
    std::atomic<int> violations{0};
    Graph graph;
    std::vector<GraphNode<void>> nodes;
    for (int v = 0; v < dag.n; ++v) {
      nodes.push_back(graph.Add([&, v] {
        for (int u : dag.deps[v]) {
          if (!done[u].load(std::memory_order_acquire)) violations.fetch_add(1);
        }
        runs[v].fetch_add(1);
        done[v].store(true, std::memory_order_release);
      }));
    }
    for (int v = 0; v < dag.n; ++v) {
      for (int u : dag.deps[v]) nodes[v].After(nodes[u]);
    }
    for (int round = 0; round < 2; ++round) {
      for (int v = 0; v < dag.n; ++v) {
        runs[v].store(0);
        done[v].store(false);
      }
      Executor& executor =
          round == 0 ? static_cast<Executor&>(pool) : inline_executor;
      absl::StatusOr<GraphRunReport> report = graph.RunAndWait(executor);
      ASSERT_TRUE(report.ok()) << "seed " << seed << ": " << report.status();
      ASSERT_TRUE(report->status().ok()) << "seed " << seed;
      for (int v = 0; v < dag.n; ++v) {
        ASSERT_EQ(runs[v].load(), 1) << "seed " << seed << " node " << v;
      }
      ASSERT_EQ(violations.load(), 0) << "seed " << seed;
    }
  }
}

TEST_P(RandomDagTest, FailuresSkipExactlyTheirDescendants) {
  ThreadPool pool(2);
  for (int seed = GetParam() * 100; seed < GetParam() * 100 + 100; ++seed) {
    std::mt19937 rng(seed + 7777);
    RandomDag dag = MakeDag(rng);
    std::vector<bool> fails(dag.n);
    std::bernoulli_distribution fail(0.05);
    for (int v = 0; v < dag.n; ++v) fails[v] = fail(rng);
    Graph graph;
    std::vector<GraphNode<void>> nodes;
    for (int v = 0; v < dag.n; ++v) {
      const bool f = fails[v];
      nodes.push_back(graph.Add([f] {
        return f ? absl::InternalError("planned") : absl::OkStatus();
      }));
    }
    for (int v = 0; v < dag.n; ++v) {
      for (int u : dag.deps[v]) nodes[v].After(nodes[u]);
    }
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    ASSERT_TRUE(report.ok()) << report.status();
    // Reference: a node is skipped when any ancestor failed (and it did not
    // run). Compute by fixed point.
    std::vector<int> expected(dag.n, 0);  // 0 run, 1 failed, 2 skipped
    bool changed = true;
    while (changed) {
      changed = false;
      for (int v = 0; v < dag.n; ++v) {
        int want = fails[v] ? 1 : 0;
        for (int u : dag.deps[v]) {
          if (expected[u] != 0) want = 2;
        }
        if (want != expected[v]) {
          expected[v] = want;
          changed = true;
        }
      }
    }
    for (int v = 0; v < dag.n; ++v) {
      const GraphNodeState want = expected[v] == 0 ? GraphNodeState::kSucceeded
                                  : expected[v] == 1 ? GraphNodeState::kFailed
                                                     : GraphNodeState::kSkipped;
      ASSERT_EQ(report->state(v), want) << "seed " << seed << " node " << v;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomDagTest, ::testing::Range(0, 4));

}  // namespace
}  // namespace multirun
