// Copyright 2026 The multirun Authors.
//
// The cluster's tests. The same program runs alone (a cluster of size 1, no
// MPI) and as an MPI job (cluster_mpi_test: `mpirun -np 4`), where rank 0
// runs the tests and the other ranks serve.

#include "multirun/cluster/cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/graph/graph.h"

namespace multirun {

// A type whose codec writes values its decoder rejects: a result that does
// not decode on the driver.
struct Fragile {
  int value = 0;
};

template <>
struct Codec<Fragile> {
  static void Encode(const Fragile& f, CodecWriter& out) { out.Write(f.value); }
  static absl::StatusOr<Fragile> Decode(CodecReader& in) {
    absl::StatusOr<int> value = in.Read<int>();
    if (!value.ok()) return value.status();
    if (*value < 0) return absl::DataLossError("a negative Fragile");
    return Fragile{*value};
  }
};

namespace {

Cluster* g_cluster = nullptr;

int SquareImpl(int x) { return x * x; }
MULTIRUN_REGISTER_TASK(Square, SquareImpl);

int WhereAmIImpl() { return Cluster::CurrentRank(); }
MULTIRUN_REGISTER_TASK(WhereAmI, WhereAmIImpl);

int64_t MixImpl(int64_t i) { return i * 2654435761LL + 12345; }
MULTIRUN_REGISTER_TASK(Mix, MixImpl);

// Size and a position-weighted sum of `bytes`.
std::pair<int64_t, uint64_t> ChecksumImpl(const std::string& bytes) {
  uint64_t sum = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    sum += static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) *
           (i % 251 + 1);
  }
  return {static_cast<int64_t>(bytes.size()), sum};
}
MULTIRUN_REGISTER_TASK(Checksum, ChecksumImpl);

std::string MakeBytesImpl(int64_t size, int seed) {
  std::string bytes(static_cast<size_t>(size), '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((i * 131 + static_cast<size_t>(seed)) % 256);
  }
  return bytes;
}
MULTIRUN_REGISTER_TASK(MakeBytes, MakeBytesImpl);

int ThrowsImpl(int x) { throw std::runtime_error(absl::StrCat("boom ", x)); }
MULTIRUN_REGISTER_TASK(Throws, ThrowsImpl);

absl::Status FailsImpl(int x) {
  absl::Status error(absl::StatusCode::kFailedPrecondition,
                     absl::StrCat("bad input ", x));
  error.SetPayload("type.multirun.test/detail",
                   absl::Cord(absl::StrCat(x * 2)));
  return error;
}
MULTIRUN_REGISTER_TASK(Fails, FailsImpl);

// Sleeps `millis`, returns the rank.
int NapImpl(int millis) {
  absl::SleepFor(absl::Milliseconds(millis));
  return Cluster::CurrentRank();
}
MULTIRUN_REGISTER_TASK(Nap, NapImpl);

// Sleeps `slow` ms on rank 1 and `fast` ms elsewhere; returns the rank.
int UnevenImpl(int slow, int fast) {
  absl::SleepFor(absl::Milliseconds(Cluster::CurrentRank() == 1 ? slow : fast));
  return Cluster::CurrentRank();
}
MULTIRUN_REGISTER_TASK(Uneven, UnevenImpl);

// Holds `bytes` for `millis`, returns their size.
int64_t HoldImpl(const std::string& bytes, int millis) {
  absl::SleepFor(absl::Milliseconds(millis));
  return static_cast<int64_t>(bytes.size());
}
MULTIRUN_REGISTER_TASK(Hold, HoldImpl);

int AbortsImpl(int) { std::abort(); }
MULTIRUN_REGISTER_TASK(Aborts, AbortsImpl);

Fragile FragileImpl(int value) { return Fragile{value}; }
MULTIRUN_REGISTER_TASK(MakeFragile, FragileImpl);

// A node of the random graphs: its value mixes a seed with its dependencies'
// values in order; it also says which rank computed it.
using NodeOut = std::pair<int64_t, int>;

int64_t MixValues(int64_t seed, std::initializer_list<int64_t> inputs) {
  uint64_t h = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL + 1;
  for (int64_t input : inputs) {
    h = (h ^ static_cast<uint64_t>(input)) * 0x100000001B3ULL;
  }
  return static_cast<int64_t>(h);
}

NodeOut Combine0Impl(int64_t seed) {
  return {MixValues(seed, {}), Cluster::CurrentRank()};
}
NodeOut Combine1Impl(int64_t seed, NodeOut a) {
  return {MixValues(seed, {a.first}), Cluster::CurrentRank()};
}
NodeOut Combine2Impl(int64_t seed, NodeOut a, NodeOut b) {
  return {MixValues(seed, {a.first, b.first}), Cluster::CurrentRank()};
}
NodeOut Combine3Impl(int64_t seed, NodeOut a, NodeOut b, NodeOut c) {
  return {MixValues(seed, {a.first, b.first, c.first}), Cluster::CurrentRank()};
}
MULTIRUN_REGISTER_TASK(Combine0, Combine0Impl);
MULTIRUN_REGISTER_TASK(Combine1, Combine1Impl);
MULTIRUN_REGISTER_TASK(Combine2, Combine2Impl);
MULTIRUN_REGISTER_TASK(Combine3, Combine3Impl);

Cluster& cluster() { return *g_cluster; }

TEST(ClusterTest, SubmitAndGet) {
  Future<int> future = cluster().Submit(Square, 7);
  absl::StatusOr<int> result = future.Get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 49);
}

TEST(ClusterTest, SubmitByName) {
  absl::StatusOr<int> result = cluster().Submit<int>("Square", 12).Get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 144);
}

TEST(ClusterTest, SubmitByNameErrors) {
  const ClusterStats before = cluster().stats();
  absl::StatusOr<int> unknown = cluster().Submit<int>("NoSuchTask", 1).Get();
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::string> wrong =
      cluster().Submit<std::string>("Square", 1).Get();
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  // Nothing was sent.
  const ClusterStats after = cluster().stats();
  EXPECT_EQ(after.tasks_submitted, before.tasks_submitted);
  EXPECT_EQ(after.messages_sent, before.messages_sent);
}

TEST(ClusterTest, EveryServingRankRunsTasks) {
  std::vector<Future<int>> futures;
  for (int i = 0; i < 300; ++i) futures.push_back(cluster().Submit(Nap, 2));
  std::set<int> ranks;
  for (Future<int>& future : futures) {
    absl::StatusOr<int> rank = future.Get();
    ASSERT_TRUE(rank.ok()) << rank.status();
    ranks.insert(*rank);
  }
  std::set<int> expected;
  if (cluster().size() == 1) expected.insert(0);
  for (int r = 1; r < cluster().size(); ++r) expected.insert(r);
  EXPECT_EQ(ranks, expected);
}

TEST(ClusterTest, MapOfAHundredThousandTasksInOrder) {
  const ClusterStats before = cluster().stats();
  std::vector<int64_t> inputs(100000);
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i] = static_cast<int64_t>(i);
  std::vector<absl::StatusOr<int64_t>> results = cluster().Map(Mix, inputs);
  ASSERT_EQ(results.size(), inputs.size());
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    ASSERT_EQ(*results[i], MixImpl(inputs[i])) << i;
  }
  const ClusterStats after = cluster().stats();
  EXPECT_EQ(after.tasks_answered - before.tasks_answered, 100000);
  EXPECT_EQ(after.tasks_submitted - before.tasks_submitted, 100000);
}

TEST(ClusterTest, HundredMegabyteArgument) {
  const std::string bytes = MakeBytesImpl(100 << 20, 3);
  absl::StatusOr<std::pair<int64_t, uint64_t>> sum =
      cluster().Submit(Checksum, bytes).Get();
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, ChecksumImpl(bytes));
}

TEST(ClusterTest, HundredMegabyteResult) {
  absl::StatusOr<std::string> bytes =
      cluster().Submit(MakeBytes, int64_t{100 << 20}, 5).Get();
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_TRUE(*bytes == MakeBytesImpl(100 << 20, 5));
}

TEST(ClusterTest, ThrowingTaskIsUnknownWithTypeAndMessage) {
  absl::StatusOr<int> result = cluster().Submit(Throws, 7).Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "runtime_error"))
      << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(), "boom 7"))
      << result.status();
}

TEST(ClusterTest, ErrorKeepsCodeMessageAndPayload) {
  absl::Status status = cluster().Submit(Fails, 21).Get();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "bad input 21");
  absl::optional<absl::Cord> payload =
      status.GetPayload("type.multirun.test/detail");
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(std::string(*payload), "42");
}

TEST(ClusterTest, TaskPastItsTimeLimitIsKilledAndTheRankServesOn) {
  absl::StatusOr<int> stuck = cluster().Submit(Nap, 600000).Get();
  EXPECT_EQ(stuck.status().code(), absl::StatusCode::kDeadlineExceeded)
      << stuck.status();
  if (cluster().size() > 1) {
    EXPECT_TRUE(absl::StrContains(stuck.status().message(), "on rank "))
        << stuck.status();
  }
  // Every rank still serves.
  absl::StatusOr<int> after = cluster().Submit(Square, 3).Get();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 9);
}

TEST(ClusterTest, CrashingTaskFailsAloneWithAborted) {
  absl::StatusOr<int> crashed = cluster().Submit(Aborts, 1).Get();
  EXPECT_EQ(crashed.status().code(), absl::StatusCode::kAborted)
      << crashed.status();
  EXPECT_TRUE(absl::StrContains(crashed.status().message(), "SIGABRT"))
      << crashed.status();
  absl::StatusOr<int> after = cluster().Submit(Square, 4).Get();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 16);
}

TEST(ClusterTest, ResultThatDoesNotDecodeIsDataLoss) {
  absl::StatusOr<Fragile> good = cluster().Submit(MakeFragile, 5).Get();
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->value, 5);
  absl::StatusOr<Fragile> bad = cluster().Submit(MakeFragile, -5).Get();
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss) << bad.status();
}

TEST(ClusterTest, FuturesComposeAsEverywhere) {
  // A continuation that submits again: a chain across ranks.
  InlineExecutor inline_executor;
  Future<int> chained = cluster().Submit(Square, 2).Then(
      inline_executor,
      [](int four) { return g_cluster->Submit(Square, four + 1); });
  absl::StatusOr<int> result = chained.Get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 25);
  // A continuation knows the rank that answered.
  absl::StatusOr<std::pair<int, int>> where =
      cluster()
          .Submit(WhereAmI)
          .Then(inline_executor,
                [](int rank) { return std::make_pair(rank, CurrentOrigin()); })
          .Get();
  ASSERT_TRUE(where.ok()) << where.status();
  EXPECT_EQ(where->first, where->second);
  EXPECT_TRUE(cluster().Submit(Square, 5).WaitFor(absl::Seconds(60)));
}

TEST(ClusterTest, SlowRankGetsFewerTasks) {
  if (cluster().size() < 3) GTEST_SKIP() << "needs two serving ranks";
  const ClusterStats before = cluster().stats();
  std::vector<Future<int>> futures;
  for (int i = 0; i < 400; ++i)
    futures.push_back(cluster().Submit(Uneven, 40, 2));
  for (Future<int>& future : futures) ASSERT_TRUE(future.Get().ok());
  const ClusterStats after = cluster().stats();
  const int64_t slow = after.answered_by_rank[1] - before.answered_by_rank[1];
  const int64_t fast = after.answered_by_rank[2] - before.answered_by_rank[2];
  EXPECT_LT(slow * 2, fast) << "slow rank " << slow << ", fast rank " << fast;
}

// A rank starts with room for 2 requests per worker, so a request message
// carries at most that many until the rank reports that its workers run dry
// while more requests wait; its room then grows, and the requests of a long
// run of short tasks travel many to a message.
TEST(ClusterTest, ShortTasksTravelManyToAMessage) {
  if (cluster().size() < 2) GTEST_SKIP() << "needs a serving rank";
  const ClusterStats before = cluster().stats();
  constexpr int kTasks = 20000;
  std::vector<int64_t> inputs(kTasks);
  for (int i = 0; i < kTasks; ++i) inputs[i] = i;
  std::vector<absl::StatusOr<int64_t>> mixed = cluster().Map(Mix, inputs);
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(mixed[i].ok()) << mixed[i].status();
    ASSERT_EQ(*mixed[i], MixImpl(i));
  }
  const ClusterStats after = cluster().stats();
  int64_t most_workers = 0;
  for (int r = 1; r < cluster().size(); ++r) {
    most_workers =
        std::max<int64_t>(most_workers, cluster().workers_by_rank()[r]);
  }
  const double per_message =
      static_cast<double>(kTasks) /
      static_cast<double>(after.messages_sent - before.messages_sent);
  EXPECT_GT(per_message, 4.0 * static_cast<double>(most_workers))
      << after.messages_sent - before.messages_sent << " request messages";
}

// A rank is sent no more requests while it holds 64 MiB of them: with
// 104 MiB arguments, one at a time, although its room (2 per worker) would
// take 2 or more. Each task holds its rank's worker long enough for every
// request to be dealt before any answer. No earlier test sends a request as
// large (the statistic is the most since the cluster started).
TEST(ClusterTest, RankHoldsAtMost64MegabytesOfRequests) {
  if (cluster().size() < 2) GTEST_SKIP() << "needs a serving rank";
  constexpr int64_t kBytes = int64_t{104} << 20;
  const std::string bytes = MakeBytesImpl(kBytes, 9);
  const int tasks = 2 * (cluster().size() - 1);
  std::vector<Future<int64_t>> futures;
  for (int i = 0; i < tasks; ++i) {
    futures.push_back(cluster().Submit(Hold, bytes, 500));
  }
  for (Future<int64_t>& future : futures) {
    absl::StatusOr<int64_t> size = future.Get();
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_EQ(*size, kBytes);
  }
  const int64_t most = cluster().stats().most_request_bytes_in_flight;
  EXPECT_GT(most, kBytes);      // one request: the argument and a header
  EXPECT_LT(most, 2 * kBytes);  // never two
}

// Clusters of their own, of size 1: only where no MPI launcher started the
// test (MPI allows one cluster per process).
class ClusterLocalTest : public testing::Test {
 protected:
  void SetUp() override {
    if (Cluster::LaunchedByMpi()) GTEST_SKIP() << "one cluster per MPI process";
  }
  static std::unique_ptr<Cluster> Make(ClusterOptions options) {
    absl::StatusOr<std::unique_ptr<Cluster>> made =
        Cluster::Start(nullptr, nullptr, std::move(options));
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? *std::move(made) : nullptr;
  }
};

TEST_F(ClusterLocalTest, OptionsOutOfRangeAreInvalidArgument) {
  for (ClusterOptions bad :
       {ClusterOptions{.workers_per_rank = -1},
        ClusterOptions{.workers_per_rank = 100000},
        ClusterOptions{.task_timeout = absl::ZeroDuration()},
        ClusterOptions{.pipeline_depth = 0},
        ClusterOptions{.pipeline_depth = 5000}, ClusterOptions{.name = ""}}) {
    absl::StatusOr<std::unique_ptr<Cluster>> made =
        Cluster::Start(nullptr, nullptr, bad);
    EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument)
        << made.status();
  }
}

TEST_F(ClusterLocalTest, ShutdownStopsAcceptingAndIsIdempotent) {
  std::unique_ptr<Cluster> local = Make({.workers_per_rank = 1, .name = "l1"});
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->Submit(Square, 5).Get().value_or(0), 25);
  EXPECT_FALSE(local->IsShutdown());
  EXPECT_TRUE(local->Shutdown().ok());
  EXPECT_TRUE(local->IsShutdown());
  EXPECT_EQ(local->Submit(Square, 5).Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(local->Shutdown().ok());
  EXPECT_EQ(local->Serve().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ClusterLocalTest, ShutdownNowCancelsQueuedAndRunningTasks) {
  std::unique_ptr<Cluster> local = Make({.workers_per_rank = 1, .name = "l2"});
  ASSERT_NE(local, nullptr);
  std::vector<Future<int>> naps;
  for (int i = 0; i < 50; ++i) naps.push_back(local->Submit(Nap, 200));
  absl::SleepFor(absl::Milliseconds(50));
  const size_t cancelled = local->ShutdownNow();
  size_t seen = 0;
  for (Future<int>& nap : naps) {
    absl::StatusOr<int> result = nap.Get();
    if (!result.ok()) {
      EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled)
          << result.status();
      ++seen;
    }
  }
  EXPECT_EQ(seen, cancelled);
  EXPECT_GE(cancelled, 45u);
}

// ShutdownNow() in a callback of the cluster's own future neither waits for
// itself nor deadlocks; a later Shutdown() from outside ends the cluster.
TEST_F(ClusterLocalTest, ShutdownNowInACallbackDoesNotWaitForItself) {
  std::unique_ptr<Cluster> local = Make({.workers_per_rank = 1, .name = "l3"});
  ASSERT_NE(local, nullptr);
  // Slow enough that its callback is attached before it completes, so the
  // callback runs on the thread that completes it.
  Future<int> first = local->Submit(Nap, 300);
  std::vector<Future<int>> rest;
  for (int i = 0; i < 20; ++i) rest.push_back(local->Submit(Nap, 100));
  std::atomic<bool> called{false};
  first.OnReady([&] {
    local->ShutdownNow();
    EXPECT_EQ(local->Shutdown().code(), absl::StatusCode::kFailedPrecondition);
    called = true;
  });
  for (Future<int>& nap : rest) (void)nap.Get();
  EXPECT_TRUE(called.load());
  EXPECT_TRUE(local->Shutdown().ok());
}

// ShutdownNow() from one thread stops a Shutdown() another thread waits in,
// instead of waiting for every queued task.
TEST_F(ClusterLocalTest, ShutdownNowInterruptsAWaitingShutdown) {
  std::unique_ptr<Cluster> local = Make({.workers_per_rank = 1, .name = "l4"});
  ASSERT_NE(local, nullptr);
  std::vector<Future<int>> naps;
  for (int i = 0; i < 40; ++i) naps.push_back(local->Submit(Nap, 250));
  const absl::Time start = absl::Now();
  std::thread draining([&] { EXPECT_TRUE(local->Shutdown().ok()); });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_GE(local->ShutdownNow(), 30u);
  draining.join();
  // Draining all 40 would take 10 s.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// Random DAGs whose nodes run on the ranks: every node runs once, on a
// serving rank, with its dependencies' values (so after them), and computes
// what the same graph computes locally.
TEST(ClusterGraphTest, RandomDataflowGraphsAcrossRanks) {
  std::mt19937 random(20261205);
  ThreadPool pool(2);
  std::set<int> ranks_used;
  for (int round = 0; round < 8; ++round) {
    const int n = 20 + static_cast<int>(random() % 60);
    Graph graph;
    std::vector<GraphNode<NodeOut>> nodes;
    std::vector<int64_t> expected;
    for (int i = 0; i < n; ++i) {
      const int64_t seed = static_cast<int64_t>(random());
      const int k = std::min<int>(i, static_cast<int>(random() % 4));
      std::vector<int> deps;
      while (static_cast<int>(deps.size()) < k) {
        const int d = static_cast<int>(random() % i);
        if (std::find(deps.begin(), deps.end(), d) == deps.end()) {
          deps.push_back(d);
        }
      }
      const std::string name = absl::StrCat("n", i);
      switch (k) {
        case 0:
          nodes.push_back(
              graph.Add(name, OnCluster(cluster(), Combine0, seed)));
          expected.push_back(MixValues(seed, {}));
          break;
        case 1:
          nodes.push_back(graph.Add(name, OnCluster(cluster(), Combine1, seed),
                                    nodes[deps[0]]));
          expected.push_back(MixValues(seed, {expected[deps[0]]}));
          break;
        case 2:
          nodes.push_back(graph.Add(name, OnCluster(cluster(), Combine2, seed),
                                    nodes[deps[0]], nodes[deps[1]]));
          expected.push_back(
              MixValues(seed, {expected[deps[0]], expected[deps[1]]}));
          break;
        default:
          nodes.push_back(graph.Add(name, OnCluster(cluster(), Combine3, seed),
                                    nodes[deps[0]], nodes[deps[1]],
                                    nodes[deps[2]]));
          expected.push_back(MixValues(
              seed, {expected[deps[0]], expected[deps[1]], expected[deps[2]]}));
          break;
      }
    }
    const ClusterStats before = cluster().stats();
    absl::StatusOr<GraphRunReport> report =
        graph.RunAndWait(pool, {.timeline = true});
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE(report->status().ok()) << report->status();
    EXPECT_EQ(report->Count(GraphNodeState::kSucceeded),
              static_cast<size_t>(n));
    const ClusterStats after = cluster().stats();
    EXPECT_EQ(after.tasks_answered - before.tasks_answered, n);
    for (int i = 0; i < n; ++i) {
      absl::StatusOr<NodeOut> out = graph.Result(nodes[i]);
      ASSERT_TRUE(out.ok()) << i << ": " << out.status();
      EXPECT_EQ(out->first, expected[i]) << "node " << i;
      // The report names the rank that ran the node.
      EXPECT_EQ(report->node(i).timing.origin, out->second) << "node " << i;
      ranks_used.insert(out->second);
    }
  }
  std::set<int> serving;
  if (cluster().size() == 1) serving.insert(0);
  for (int r = 1; r < cluster().size(); ++r) serving.insert(r);
  EXPECT_EQ(ranks_used, serving);
}

// A node whose task throws on its rank fails; its dependents are skipped and
// the independent branch runs.
TEST(ClusterGraphTest, FailedRemoteNodeSkipsItsDependents) {
  ThreadPool pool(2);
  Graph graph;
  auto bad = graph.Add("bad", OnCluster(cluster(), Throws, 3));
  auto after = graph.Add("after", OnCluster(cluster(), Square), bad);
  auto good = graph.Add("good", OnCluster(cluster(), Square, 6));
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->state(bad.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(bad.index()).code(), absl::StatusCode::kUnknown);
  EXPECT_TRUE(
      absl::StrContains(report->status(bad.index()).message(), "boom 3"));
  EXPECT_EQ(report->state(after.index()), GraphNodeState::kSkipped);
  EXPECT_EQ(report->state(good.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(*graph.Result(good), 36);
}

}  // namespace
}  // namespace multirun

int main(int argc, char** argv) {
  absl::StatusOr<std::unique_ptr<multirun::Cluster>> cluster =
      multirun::Cluster::Start(
          &argc, &argv,
          {.task_timeout = absl::Seconds(20), .name = "cluster-test"});
  if (!cluster.ok()) {
    std::cerr << "Cluster::Start: " << cluster.status() << "\n";
    return 1;
  }
  if (!(*cluster)->is_driver()) {
    absl::Status served = (*cluster)->Serve();
    if (!served.ok()) std::cerr << "Serve: " << served << "\n";
    return served.ok() ? 0 : 1;
  }
  multirun::g_cluster = cluster->get();
  testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  absl::Status ended = (*cluster)->Shutdown();
  if (!ended.ok()) {
    std::cerr << "Shutdown: " << ended << "\n";
    rc = 1;
  }
  return rc;
}
