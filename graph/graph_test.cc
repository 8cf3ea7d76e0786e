// Copyright 2026 The multirun Authors.

#include "multirun/graph/graph.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/executors/worker.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/graph/run_report.h"
#include "multirun/retry/outcome_unknown.h"
#include "multirun/sync/event.h"
#include "multirun/testing/test_executors.h"
#include "nlohmann/json.hpp"

namespace multirun {
namespace {

using ::testing::HasSubstr;

TEST(GraphTest, DataflowPassesResultsToDependents) {
  Graph graph;
  auto revenue = graph.Add("revenue", [] { return 10.0; });
  auto expenses = graph.Add("expenses", [] { return 4.0; });
  auto profit = graph.Add(
      "profit", [](double r, double e) { return r - e; }, revenue, expenses);
  auto label = graph.Add(
      "label", [](double p) { return "profit " + std::to_string(int(p)); },
      profit);
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->status().ok()) << report->status();
  EXPECT_EQ(*graph.Result(profit), 6.0);
  EXPECT_EQ(*graph.Result(label), "profit 6");
  EXPECT_EQ(report->Count(GraphNodeState::kSucceeded), 4u);
  EXPECT_TRUE(report->has_result(profit.index()));
  EXPECT_EQ(report->name(label.index()), "label");
}

TEST(GraphTest, StatusOrAndStatusResults) {
  Graph graph;
  auto ok = graph.Add("ok", []() -> absl::StatusOr<int> { return 5; });
  auto bad = graph.Add(
      "bad", []() -> absl::StatusOr<int> { return absl::NotFoundError("x"); });
  auto plain = graph.Add("plain", [] { return absl::OkStatus(); });
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(*graph.Result(ok), 5);
  EXPECT_EQ(report->state(bad.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(bad.index()).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(graph.Result(bad).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(report->state(plain.index()), GraphNodeState::kSucceeded);
  EXPECT_FALSE(report->has_result(plain.index()));
  EXPECT_EQ(report->status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(report->status().message()), HasSubstr("'bad'"));
}

TEST(GraphTest, CallbackGetsResultOnWorkerBeforeDependents) {
  Graph graph;
  std::atomic<int> seen{0};
  std::atomic<bool> on_worker{false};
  std::atomic<int> seen_by_dependent{-1};
  auto a = graph.Add("a", [] { return 21; });
  a.OnDone([&](const absl::StatusOr<int>& result) {
    seen.store(result.ok() ? *result : -1);
    on_worker.store(CurrentWorker() != nullptr);
  });
  graph.Add(
      "b", [&](int) { seen_by_dependent.store(seen.load()); }, a);
  auto failing = graph.Add("failing", [] { return absl::AbortedError("no"); });
  absl::Status failing_seen;
  failing.OnDone([&](const absl::Status& s) { failing_seen = s; });
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(seen.load(), 21);
  EXPECT_TRUE(on_worker.load());
  EXPECT_EQ(seen_by_dependent.load(), 21);
  EXPECT_EQ(failing_seen.code(), absl::StatusCode::kAborted);
}

TEST(GraphTest, FailingCallbackFailsTheNode) {
  Graph graph;
  auto a = graph.Add("a", [] { return 1; });
  a.OnDone([](const absl::StatusOr<int>&) -> absl::Status {
    return absl::DataLossError("lost");
  });
  auto b = graph.Add(
      "b", [](int) {}, a);
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->state(a.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(a.index()).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(report->state(b.index()), GraphNodeState::kSkipped);
}

TEST(GraphTest, FutureNodeWhoseCompletionIsRejectedCancelsTheRun) {
  Graph graph;
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  auto source = graph.Add("source", [&] { return std::move(future); });
  std::atomic<bool> dependent_ran{false};
  graph.Add(
      "dependent", [&](const int&) { dependent_ran.store(true); }, source);
  testing_internal::ManualExecutor executor;
  Future<GraphRunReport> run = graph.Run(executor);
  executor.RunAll();  // "source" returns its pending future.
  ASSERT_FALSE(run.IsReady());
  // The executor refuses the completion of "source" once its future is set.
  executor.Reject(absl::UnavailableError("executor closing"));
  promise.SetValue(1);
  ASSERT_TRUE(run.WaitFor(absl::Seconds(60)));
  absl::StatusOr<GraphRunReport> report = std::move(run).Get();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(0).code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(report->status(0).message()),
              HasSubstr("executor closing"));
  EXPECT_NE(report->state(1), GraphNodeState::kSucceeded);
  EXPECT_FALSE(dependent_ran.load());
  EXPECT_EQ(report->status().code(), absl::StatusCode::kCancelled);
}

// The timeline records where a future node's result came from, as its
// producer said (Promise::SetOrigin); -1 for a node without one.
TEST(GraphTest, TimelineRecordsTheOriginOfAFutureNode) {
  ThreadPool pool(2);
  Graph graph;
  Promise<int> tagged;
  Future<int> tagged_future = tagged.GetFuture();
  auto remote = graph.Add("remote", [&] { return std::move(tagged_future); });
  auto local = graph.Add("local", [] { return 1; });
  std::thread producer([&] {
    absl::SleepFor(absl::Milliseconds(20));
    tagged.SetOrigin(5);
    tagged.Set(2);
  });
  absl::StatusOr<GraphRunReport> report =
      graph.RunAndWait(pool, {.timeline = true});
  producer.join();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->node(remote.index()).timing.origin, 5);
  EXPECT_EQ(report->node(local.index()).timing.origin, -1);
}

TEST(GraphTest, FutureNodeCompletesWhenAnotherThreadSetsThePromise) {
  Graph graph;
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  Event started;
  Event other_ran;
  std::atomic<int> dependent_got{-1};
  std::atomic<bool> callback_on_worker{false};
  auto source = graph.Add("source", [&] {
    started.Set();
    return std::move(future);
  });
  static_assert(std::is_same_v<decltype(source), GraphNode<int>>);
  source.OnDone([&](const absl::StatusOr<int>& result) {
    EXPECT_EQ(result.value_or(-1), 21);
    // The completion runs on the run's executor, not on the producer.
    callback_on_worker.store(CurrentWorker() != nullptr &&
                             CurrentWorker()->executor == "graph-pool");
  });
  auto doubled = graph.Add(
      "doubled",
      [&](const int& v) {
        dependent_got.store(v);
        return v * 2;
      },
      source);
  // With one worker, "other" can run only if the waiting node holds none.
  graph.Add("other", [&] { other_ran.Set(); });
  ThreadPool pool(1, {.name = "graph-pool"});
  std::atomic<int> seen_before_set{0};
  std::thread producer([&] {
    started.Wait();
    other_ran.Wait();
    seen_before_set.store(dependent_got.load());
    promise.SetValue(21);
  });
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  producer.join();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->status().ok()) << report->status();
  EXPECT_EQ(seen_before_set.load(), -1);
  EXPECT_EQ(dependent_got.load(), 21);
  EXPECT_TRUE(callback_on_worker.load());
  EXPECT_EQ(*graph.Result(source), 21);
  EXPECT_EQ(*graph.Result(doubled), 42);
  EXPECT_EQ(report->Count(GraphNodeState::kSucceeded), 3u);
  EXPECT_TRUE(report->has_result(source.index()));
}

TEST(GraphTest, FailedFutureFailsTheNodeAndSkipsItsDependents) {
  Graph graph;
  Promise<std::string> promise;
  Future<std::string> future = promise.GetFuture();
  Event started;
  std::atomic<int> dependents_ran{0};
  std::atomic<int> independent_ran{0};
  auto source = graph.Add("source", [&] {
    started.Set();
    return std::move(future);
  });
  absl::Status callback_saw;
  source.OnDone([&](const absl::StatusOr<std::string>& result) {
    callback_saw = result.status();
  });
  auto dependent = graph.Add(
      "dependent", [&](const std::string&) { dependents_ran.fetch_add(1); },
      source);
  auto grandchild =
      graph.Add("grandchild", [&] { dependents_ran.fetch_add(1); })
          .After(dependent);
  auto independent =
      graph.Add("independent", [&] { independent_ran.fetch_add(1); });
  ThreadPool pool(2);
  std::thread producer([&] {
    started.Wait();
    promise.SetError(absl::DataLossError("disk gone"));
  });
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  producer.join();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->state(source.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(source.index()).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(report->status(source.index()).message(), "disk gone");
  EXPECT_EQ(callback_saw.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(report->state(dependent.index()), GraphNodeState::kSkipped);
  EXPECT_EQ(report->status(dependent.index()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(report->status(dependent.index()).message()),
              HasSubstr("dependency 'source' failed"));
  EXPECT_EQ(report->state(grandchild.index()), GraphNodeState::kSkipped);
  EXPECT_EQ(report->state(independent.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(dependents_ran.load(), 0);
  EXPECT_EQ(independent_ran.load(), 1);
  EXPECT_EQ(report->status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(graph.Result(source).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(GraphTest, InvalidOrThrowingFutureFunctionFailsTheNode) {
  Graph graph;
  auto invalid = graph.Add("invalid", [] { return Future<int>(); });
  auto dependent = graph.Add(
      "dependent", [](int v) { return v; }, invalid);
  auto thrower = graph.Add("thrower", []() -> Future<int> {
    throw std::runtime_error("no future");
  });
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->state(invalid.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(invalid.index()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(report->status(invalid.index()).message()),
              HasSubstr("invalid"));
  EXPECT_EQ(report->state(dependent.index()), GraphNodeState::kSkipped);
  EXPECT_EQ(report->state(thrower.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(thrower.index()).code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(std::string(report->status(thrower.index()).message()),
              HasSubstr("std::runtime_error: no future"));
}

TEST(GraphTest, VoidFutureNodeOrdersItsDependents) {
  Graph graph;
  ThreadPool workers(1, {.name = "workers"});
  int written = 0;  // Written on `workers`, read by the dependent.
  auto write =
      graph.Add("write", [&] { return Submit(workers, [&] { written = 5; }); });
  static_assert(std::is_same_v<decltype(write), GraphNode<void>>);
  std::atomic<int> read{-1};
  auto reader = graph.Add("reader", [&] { read.store(written); }).After(write);
  auto failing = graph.Add("failing", [&] {
    return Submit(workers, [] { return absl::UnavailableError("later"); });
  });
  static_assert(std::is_same_v<decltype(failing), GraphNode<void>>);
  auto ready = graph.Add("ready", [] { return MakeReadyFuture(); });
  ThreadPool pool(2);
  for (int round = 0; round < 2; ++round) {
    written = 0;
    read.store(-1);
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->state(write.index()), GraphNodeState::kSucceeded);
    EXPECT_EQ(report->state(reader.index()), GraphNodeState::kSucceeded);
    EXPECT_EQ(read.load(), 5);
    EXPECT_FALSE(report->has_result(write.index()));
    EXPECT_EQ(report->state(failing.index()), GraphNodeState::kFailed);
    EXPECT_EQ(report->status(failing.index()).code(),
              absl::StatusCode::kUnavailable);
    EXPECT_EQ(report->state(ready.index()), GraphNodeState::kSucceeded);
  }
}

TEST(GraphTest, SubmittedWorkIsANode) {
  ThreadPool pool(1);
  Graph graph;
  auto a = graph.Add("a", [] { return 20; });
  auto b = graph.Add("b", [] { return 22; });
  // The sum runs as its own task on the run's only worker: the node returns
  // its future at once instead of holding the worker.
  std::atomic<bool> sum_on_worker{false};
  auto sum = graph.Add(
      "sum",
      [&](int x, int y) {
        return Submit(pool, [&sum_on_worker, x, y] {
          sum_on_worker.store(CurrentWorker() != nullptr);
          return x + y;
        });
      },
      a, b);
  static_assert(std::is_same_v<decltype(sum), GraphNode<int>>);
  auto text = graph.Add(
      "text", [](int v) { return std::to_string(v); }, sum);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->status().ok()) << report->status();
  EXPECT_EQ(*graph.Result(sum), 42);
  EXPECT_EQ(*graph.Result(text), "42");
  EXPECT_TRUE(sum_on_worker.load());
  // On an InlineExecutor too: the submitted work runs inline.
  InlineExecutor inline_executor;
  Graph inline_graph;
  auto inline_sum = inline_graph.Add(
      "sum", [&] { return Submit(inline_executor, [] { return 7; }); });
  report = inline_graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(*inline_graph.Result(inline_sum), 7);
}

TEST(GraphTest, ValidateRejectsSelfLoop) {
  Graph graph;
  auto a = graph.Add("a", [] {});
  a.After(a);
  absl::Status status = graph.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("a -> a"));
}

TEST(GraphTest, ValidateRejectsTwoCycleAndRunFails) {
  Graph graph;
  auto a = graph.Add("a", [] {});
  auto b = graph.Add(
      "b", [] {}, a);
  a.After(b);
  graph.Add("c", [] {});
  absl::Status status = graph.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "a -> b -> a") ||
              absl::StrContains(status.message(), "b -> a -> b"))
      << status;
  ThreadPool pool(1);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(graph.IsRunning());
}

TEST(GraphTest, ValidateNamesTheCycleExactly) {
  Graph graph;
  auto a = graph.Add("a", [] {});
  auto b = graph.Add(
      "b", [] {}, a);
  auto c = graph.Add(
      "c", [] {}, b);
  a.After(c);
  absl::Status status = graph.Validate();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // Each arrow goes from a dependency to its dependent; the cycle may start
  // at any of its nodes.
  EXPECT_THAT(std::string(status.message()),
              ::testing::AnyOf("Graph: cycle of 3 node(s): a -> b -> c -> a",
                               "Graph: cycle of 3 node(s): b -> c -> a -> b",
                               "Graph: cycle of 3 node(s): c -> a -> b -> c"));
}

TEST(GraphTest, ValidateNamesLongCycleInOrder) {
  Graph graph;
  auto entry = graph.Add("entry", [] {});
  std::vector<GraphNode<void>> ring;
  for (int i = 0; i < 6; ++i) {
    ring.push_back(graph.Add("r" + std::to_string(i), [] {}));
    if (i > 0) ring[i].After(ring[i - 1]);
  }
  ring[0].After(ring[5], entry);
  absl::Status status = graph.Validate();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // The cycle, starting anywhere, follows the edges in order.
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("cycle of 6 node(s)"));
  const std::string doubled =
      "r0 -> r1 -> r2 -> r3 -> r4 -> r5 -> r0 -> r1 -> r2 -> r3 -> r4 -> r5";
  const size_t colon = message.find("(s): ");
  ASSERT_NE(colon, std::string::npos);
  std::string cycle = message.substr(colon + 5);
  cycle = cycle.substr(0, cycle.rfind(" -> "));  // Drop the repeated start.
  EXPECT_THAT(doubled, HasSubstr(cycle)) << message;
  EXPECT_THAT(message, ::testing::Not(HasSubstr("entry")));
}

TEST(GraphTest, ValidateRejectsDuplicateNamesButNotUnnamedNodes) {
  Graph graph;
  graph.Add([] {});
  graph.Add([] {});
  EXPECT_TRUE(graph.Validate().ok());
  graph.Add("x", [] {});
  graph.Add("x", [] {});
  absl::Status status = graph.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("duplicate node name 'x'"));
}

TEST(GraphTest, ValidateRejectsForeignAndEmptyHandles) {
  Graph other;
  auto foreign = other.Add("foreign", [] { return 1; });
  {
    Graph graph;
    graph.Add(
        "uses", [](int v) { return v; }, foreign);
    absl::Status status = graph.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("another graph"));
  }
  {
    Graph graph;
    GraphNode<void> empty;
    graph.Add("uses", [] {}).After(empty);
    absl::Status status = graph.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("empty GraphNode"));
  }
  {
    Graph graph;
    auto node = graph.Add("n", [] {});
    EXPECT_EQ(graph.Result(foreign).status().code(),
              absl::StatusCode::kInvalidArgument);
    node.InGroup(other.NewConcurrencyGroup(1));
    EXPECT_EQ(graph.Validate().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(GraphTest, ValidateRejectsNullFunctionAndBadLimit) {
  {
    Graph graph;
    void (*null_fn)() = nullptr;
    graph.Add("null", null_fn);
    absl::Status status = graph.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("null function"));
  }
  {
    Graph graph;
    graph.NewConcurrencyGroup(0);
    absl::Status status = graph.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("got 0"));
  }
  {
    Graph graph;
    auto group = graph.NewConcurrencyGroup(1);
    graph.Add("n", [] {}).InGroup(group).InGroup(group);
    EXPECT_EQ(graph.Validate().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(GraphTest, FailureSkipsDependentsAndRunsIndependentBranches) {
  Graph graph;
  std::atomic<int> ran{0};
  auto a = graph.Add("a", []() -> int { throw std::runtime_error("boom"); });
  auto b = graph.Add(
      "b", [&](int) { ran.fetch_add(1); }, a);
  auto d = graph.Add("d", [&] { ran.fetch_add(100); }).After(b);
  auto c = graph.Add("c", [&] { ran.fetch_add(10); });
  auto e = graph.Add(
      "e", [&] { ran.fetch_add(1000); }, c);
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(ran.load(), 1010);
  EXPECT_EQ(report->state(a.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(a.index()).code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(std::string(report->status(a.index()).message()),
              HasSubstr("std::runtime_error: boom"));
  for (auto node : {b.index(), d.index()}) {
    EXPECT_EQ(report->state(node), GraphNodeState::kSkipped);
    EXPECT_EQ(report->status(node).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(report->status(node).message()),
                HasSubstr("dependency 'a' failed"));
  }
  EXPECT_EQ(report->state(c.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(report->state(e.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(report->status().code(), absl::StatusCode::kUnknown);
  EXPECT_FALSE(report->cancelled());
}

TEST(GraphTest, CancelAllPolicyCancelsTheRest) {
  Graph graph;
  std::atomic<int> ran{0};
  auto a = graph.Add("a", [] { return absl::InternalError("first"); });
  std::vector<GraphNode<void>> rest;
  for (int i = 0; i < 5; ++i) {
    rest.push_back(graph.Add([&] { ran.fetch_add(1); }).After(a));
  }
  auto independent = graph.Add("independent", [&] { ran.fetch_add(1); });
  independent.After(rest[0]);
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(
      inline_executor, {.on_failure = GraphFailurePolicy::kCancelAll});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(ran.load(), 0);
  EXPECT_TRUE(report->cancelled());
  EXPECT_THAT(std::string(report->cancel_reason().message()),
              HasSubstr("node 'a' failed"));
  EXPECT_EQ(report->Count(GraphNodeState::kFailed), 1u);
  // Dependents of the failure are skipped; the rest of the run cancelled.
  EXPECT_EQ(report->Count(GraphNodeState::kSkipped) +
                report->Count(GraphNodeState::kCancelled),
            6u);
}

TEST(GraphTest, CancelMidRunStopsNodesThatHaveNotStarted) {
  Graph graph;
  Event started;
  Event release;
  std::atomic<int> after{0};
  auto gate = graph.Add("gate", [&] {
    started.Set();
    release.Wait();
  });
  for (int i = 0; i < 10; ++i) {
    graph.Add([&] { after.fetch_add(1); }).After(gate);
  }
  ThreadPool pool(2);
  EXPECT_FALSE(graph.Cancel());  // Not running yet.
  Future<GraphRunReport> future = graph.Run(pool);
  started.Wait();
  EXPECT_TRUE(graph.IsRunning());
  EXPECT_TRUE(graph.Cancel());
  release.Set();
  absl::StatusOr<GraphRunReport> report = std::move(future).Get();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(after.load(), 0);
  EXPECT_EQ(report->state(gate.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(report->Count(GraphNodeState::kCancelled), 10u);
  EXPECT_EQ(report->status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(report->status().message()),
              HasSubstr("Graph::Cancel"));
  // The next run is not cancelled.
  absl::StatusOr<GraphRunReport> again = graph.RunAndWait(pool);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->status().ok());
  EXPECT_EQ(after.load(), 10);
}

TEST(GraphTest, SecondRunWhileRunningFails) {
  Graph graph;
  Event started;
  Event release;
  graph.Add("gate", [&] {
    started.Set();
    release.Wait();
  });
  ThreadPool pool(2);
  Future<GraphRunReport> first = graph.Run(pool);
  started.Wait();
  absl::StatusOr<GraphRunReport> second = graph.RunAndWait(pool);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph.Validate().code(), absl::StatusCode::kFailedPrecondition);
  release.Set();
  EXPECT_TRUE(first.Get().ok());
}

TEST(GraphTest, ReRunGivesFreshReportAndResults) {
  Graph graph;
  std::atomic<int> round{0};
  auto a = graph.Add("a", [&]() -> absl::StatusOr<int> {
    const int r = round.fetch_add(1);
    if (r == 1) return absl::UnavailableError("second round fails");
    return r * 10;
  });
  auto b = graph.Add(
      "b", [](int v) { return v + 1; }, a);
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> first = graph.RunAndWait(pool);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->status().ok());
  EXPECT_EQ(*graph.Result(b), 1);
  absl::StatusOr<GraphRunReport> second = graph.RunAndWait(pool);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state(b.index()), GraphNodeState::kSkipped);
  EXPECT_FALSE(graph.Result(b).ok());  // No stale result.
  // The first report is unchanged.
  EXPECT_EQ(first->state(b.index()), GraphNodeState::kSucceeded);
  absl::StatusOr<GraphRunReport> third = graph.RunAndWait(pool);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->status().ok());
  EXPECT_EQ(*graph.Result(b), 21);
  // Adding a node after a run: the old report keeps its names and size.
  graph.Add("c", [] {});
  EXPECT_EQ(third->size(), 2u);
  absl::StatusOr<GraphRunReport> fourth = graph.RunAndWait(pool);
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(fourth->size(), 3u);
  EXPECT_EQ(fourth->name(2), "c");
}

TEST(GraphTest, GraphAsANodeOfAnotherGraph) {
  Graph inner;
  std::atomic<int> order{0};
  std::atomic<int> inner_done_at{-1};
  std::atomic<int> after_at{-1};
  auto x = inner.Add("x", [&] { order.fetch_add(1); });
  inner.Add("y", [&] { inner_done_at.store(order.fetch_add(1)); }).After(x);
  Graph outer;
  auto sub = outer.AddGraph("inner", inner);
  outer.Add("after", [&] { after_at.store(order.fetch_add(1)); }).After(sub);
  ThreadPool pool(2);
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<GraphRunReport> report = outer.RunAndWait(pool);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->status().ok()) << report->status();
    EXPECT_LT(inner_done_at.load(), after_at.load());
  }
  // A failing inner graph fails the node and skips its dependents.
  inner.Add("z", [] { return absl::ResourceExhaustedError("full"); });
  absl::StatusOr<GraphRunReport> report = outer.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->state(sub.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(sub.index()).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(report->status(sub.index()).message()),
              HasSubstr("'z'"));
  EXPECT_EQ(report->Count(GraphNodeState::kSkipped), 1u);
  // A graph cannot be its own node.
  Graph self;
  self.AddGraph("me", self);
  EXPECT_EQ(self.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GraphTest, FailuresKeepTheirPayloadsThroughSubgraphsAndCallbacks) {
  // A write that may have been applied must not look retryable once the graph
  // has reworded its status: the node's status, the subgraph's and the run's
  // keep the outcome-unknown mark and any other payload.
  Graph inner;
  inner.Add("write", [] {
    absl::Status lost =
        MarkOutcomeUnknown(absl::UnavailableError("connection lost"));
    lost.SetPayload("type.googleapis.com/test.Detail", absl::Cord("row 7"));
    return lost;
  });
  Graph outer;
  auto sub = outer.AddGraph("inner", inner);
  auto checked = outer.Add("checked", [] { return 1; });
  checked.OnDone([](const absl::StatusOr<int>&) -> absl::Status {
    return MarkOutcomeUnknown(absl::DeadlineExceededError("ack timed out"));
  });
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = outer.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  const absl::Status from_sub = report->status(sub.index());
  EXPECT_EQ(from_sub.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(from_sub.message()), HasSubstr("'write'"));
  EXPECT_TRUE(IsOutcomeUnknown(from_sub)) << from_sub;
  ASSERT_TRUE(
      from_sub.GetPayload("type.googleapis.com/test.Detail").has_value());
  EXPECT_EQ(*from_sub.GetPayload("type.googleapis.com/test.Detail"), "row 7");
  const absl::Status from_callback = report->status(checked.index());
  EXPECT_EQ(from_callback.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(from_callback.message()), HasSubstr("callback: "));
  EXPECT_TRUE(IsOutcomeUnknown(from_callback)) << from_callback;
  // The run's summary names the first failed node and keeps its payloads.
  EXPECT_TRUE(IsOutcomeUnknown(report->status())) << report->status();
  EXPECT_THAT(std::string(report->status().message()), HasSubstr("failed: "));
  // Each payload is printed once, not again inside the message.
  const std::string printed = report->status().ToString();
  EXPECT_NE(printed.find("row 7"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("row 7"), printed.rfind("row 7")) << printed;
}

TEST(GraphTest, SubflowBuildsNodesAtRunTime) {
  Graph graph;
  std::atomic<int> sum{0};
  std::atomic<int> seen_after{-1};
  auto width = graph.Add("width", [] { return 8; });
  auto spawn = graph.Add(
      "spawn",
      [&](Subflow& subflow, int n) {
        for (int i = 1; i <= n; ++i) {
          subflow.Add([&sum, i] { sum.fetch_add(i); });
        }
      },
      width);
  graph.Add("after", [&] { seen_after.store(sum.load()); }).After(spawn);
  ThreadPool pool(2);
  for (int round = 1; round <= 2; ++round) {
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->status().ok()) << report->status();
    EXPECT_EQ(sum.load(), 36 * round);
    EXPECT_EQ(seen_after.load(), 36 * round);
  }
  // A subflow whose graph has a cycle fails its node.
  Graph bad;
  auto node = bad.Add("cyclic", [](Subflow& subflow) {
    auto a = subflow.Add("a", [] {});
    a.After(a);
  });
  absl::StatusOr<GraphRunReport> report = bad.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->status(node.index()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GraphTest, CancelReachesARunningSubflow) {
  Graph graph;
  Event started;
  Event release;
  std::atomic<int> after{0};
  auto spawn = graph.Add("spawn", [&](Subflow& subflow) {
    auto gate = subflow.Add("gate", [&] {
      started.Set();
      release.Wait();
    });
    for (int i = 0; i < 5; ++i) {
      subflow.Add([&] { after.fetch_add(1); }).After(gate);
    }
  });
  auto next = graph.Add("next", [&] { after.fetch_add(100); }).After(spawn);
  ThreadPool pool(2);
  Future<GraphRunReport> future = graph.Run(pool);
  started.Wait();
  EXPECT_TRUE(graph.Cancel());
  release.Set();
  absl::StatusOr<GraphRunReport> report = std::move(future).Get();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(after.load(), 0);
  EXPECT_EQ(report->state(spawn.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(spawn.index()).code(), absl::StatusCode::kCancelled);
  EXPECT_NE(report->state(next.index()), GraphNodeState::kSucceeded);
  EXPECT_TRUE(report->cancelled());
}

TEST(GraphTest, ConcurrencyGroupCapsRunningNodes) {
  for (int limit : {1, 2}) {
    Graph graph;
    auto group = graph.NewConcurrencyGroup(limit);
    std::atomic<int> running{0};
    std::atomic<int> peak{0};
    std::atomic<int> ran{0};
    for (int i = 0; i < 40; ++i) {
      graph
          .Add([&] {
            const int now = running.fetch_add(1) + 1;
            int old = peak.load();
            while (now > old && !peak.compare_exchange_weak(old, now)) {
            }
            for (int k = 0; k < 2000; ++k) std::this_thread::yield();
            running.fetch_sub(1);
            ran.fetch_add(1);
          })
          .InGroup(group);
    }
    // Ungrouped nodes are not limited.
    graph.Add([&] { ran.fetch_add(1); });
    ThreadPool pool(4);
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->status().ok());
    EXPECT_EQ(ran.load(), 41);
    EXPECT_LE(peak.load(), limit);
    EXPECT_GE(peak.load(), 1);
  }
}

TEST(GraphTest, CancelReleasesParkedGroupMembers) {
  Graph graph;
  auto group = graph.NewConcurrencyGroup(1);
  Event started;
  Event release;
  Event members_ready;
  auto holder = graph
                    .Add("holder",
                         [&] {
                           started.Set();
                           release.Wait();
                         })
                    .InGroup(group);
  // Releases the members only once the holder has the group's one permit,
  // so they park behind it.
  auto starter = graph.Add("starter", [&] { started.Wait(); });
  starter.OnDone([&](const absl::Status&) { members_ready.Set(); });
  for (int i = 0; i < 5; ++i) graph.Add([] {}).After(starter).InGroup(group);
  ThreadPool pool(2);
  Future<GraphRunReport> future = graph.Run(pool);
  members_ready.Wait();
  graph.Cancel();
  release.Set();
  absl::StatusOr<GraphRunReport> report = std::move(future).Get();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->state(holder.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(report->state(starter.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(report->Count(GraphNodeState::kCancelled), 5u);
}

TEST(GraphTest, RunsOnInlineAndStrandExecutors) {
  Graph graph;
  std::vector<int> order;  // Serial executors: no lock needed.
  auto a = graph.Add("a", [&] {
    order.push_back(1);
    return 1;
  });
  auto b = graph.Add(
      "b",
      [&](int v) {
        order.push_back(2);
        return v + 1;
      },
      a);
  graph.Add(
      "c",
      [&](int v) {
        order.push_back(3);
        return v + 1;
      },
      b);
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  ThreadPool pool(2);
  Strand strand(pool);
  order.clear();
  report = graph.RunAndWait(strand);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->status().ok());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(GraphTest, DeepGraphsOnInlineExecutorDoNotOverflowTheStack) {
  // A wavefront nests scheduled nodes on an InlineExecutor; the depth guard
  // defers them to the outermost task.
  constexpr int kSide = 300;
  Graph graph;
  std::vector<GraphNode<void>> nodes;
  std::atomic<int> ran{0};
  nodes.reserve(kSide * kSide);
  for (int i = 0; i < kSide; ++i) {
    for (int j = 0; j < kSide; ++j) {
      auto node =
          graph.Add([&] { ran.fetch_add(1, std::memory_order_relaxed); });
      if (i > 0) node.After(nodes[(i - 1) * kSide + j]);
      if (j > 0) node.After(nodes[i * kSide + j - 1]);
      nodes.push_back(node);
    }
  }
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->status().ok());
  EXPECT_EQ(ran.load(), kSide * kSide);
}

TEST(GraphTest, ShutDownExecutorCancelsTheRunInsteadOfHanging) {
  Graph graph;
  std::atomic<int> ran{0};
  auto a = graph.Add("a", [&] { ran.fetch_add(1); });
  graph.Add("b", [&] { ran.fetch_add(1); }).After(a);
  graph.Add("c", [&] { ran.fetch_add(1); });
  ThreadPool pool(1);
  ASSERT_TRUE(pool.Shutdown().ok());
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(report->Count(GraphNodeState::kCancelled), 3u);
  EXPECT_THAT(std::string(report->cancel_reason().message()),
              HasSubstr("shut down"));
}

TEST(GraphTest, EmptyGraphRunsAndCompletes) {
  Graph graph;
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->size(), 0u);
  EXPECT_TRUE(report->status().ok());
}

TEST(GraphTest, ToDotListsNodesAndEdges) {
  Graph graph;
  auto revenue = graph.Add("revenue", [] { return 1.0; });
  auto expenses = graph.Add("expenses", [] { return 1.0; });
  graph.Add(
      "pro\"fit", [](double r, double e) { return r - e; }, revenue, expenses);
  const std::string dot = graph.ToDot();
  EXPECT_THAT(dot, HasSubstr("digraph"));
  EXPECT_THAT(dot, HasSubstr("n0 [label=\"revenue\"]"));
  EXPECT_THAT(dot, HasSubstr("n2 [label=\"pro\\\"fit\"]"));
  EXPECT_THAT(dot, HasSubstr("n0 -> n2;"));
  EXPECT_THAT(dot, HasSubstr("n1 -> n2;"));
}

TEST(GraphTest, TimelineAndChromeTrace) {
  Graph graph;
  auto a = graph.Add("first", [] {});
  graph.Add("second", [] {}).After(a);
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> plain = graph.RunAndWait(pool);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_timeline());
  absl::StatusOr<GraphRunReport> report =
      graph.RunAndWait(pool, {.timeline = true});
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->has_timeline());
  GraphNodeReport first = report->node(0);
  GraphNodeReport second = report->node(1);
  EXPECT_GE(first.timing.start_ns, 0);
  EXPECT_LE(first.timing.start_ns, first.timing.end_ns);
  EXPECT_LE(first.timing.end_ns, second.timing.start_ns);
  EXPECT_GE(first.timing.worker, 0);
  EXPECT_NE(first.timing.thread_id, 0u);
  const std::string trace = report->ToChromeTrace();
  EXPECT_THAT(trace, HasSubstr("\"traceEvents\""));
  EXPECT_THAT(trace, HasSubstr("\"name\":\"first\""));
  EXPECT_THAT(trace, HasSubstr("\"ph\":\"X\""));
  EXPECT_THAT(trace, HasSubstr("\"state\":\"succeeded\""));
  // It is valid JSON, one complete event per node, in the node's thread.
  const nlohmann::json parsed = nlohmann::json::parse(trace);
  ASSERT_EQ(parsed["traceEvents"].size(), 2u);
  const nlohmann::json& event = parsed["traceEvents"][1];
  EXPECT_EQ(event["name"], "second");
  EXPECT_EQ(event["tid"], second.timing.thread_id);
  EXPECT_EQ(event["args"]["state"], "succeeded");
  EXPECT_GE(event["dur"].get<double>(), 0.0);
}

TEST(GraphTest, MillionNodeBinaryTree) {
  // 2^20 - 1 nodes; node i precedes 2i and 2i + 1 (1-based).
  constexpr uint32_t kNodes = (1u << 20) - 1;
  Graph graph;
  graph.Reserve(kNodes, kNodes);
  std::atomic<int64_t> counter{0};
  std::vector<GraphNode<void>> nodes;
  nodes.reserve(kNodes);
  for (uint32_t i = 1; i <= kNodes; ++i) {
    auto node = graph.Add(
        [&counter] { counter.fetch_add(1, std::memory_order_relaxed); });
    if (i > 1) node.After(nodes[i / 2 - 1]);
    nodes.push_back(node);
  }
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->status().ok());
  EXPECT_EQ(counter.load(), kNodes);
  EXPECT_EQ(report->Count(GraphNodeState::kSucceeded), kNodes);
}

}  // namespace
}  // namespace multirun
