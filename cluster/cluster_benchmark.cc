// Copyright 2026 The multirun Authors.
//
// The cluster against the ProcessPool on one machine, and against the ideal
// for work that takes time. The binary runs itself as an MPI job of kRanks
// ranks (`mpirun -np 4 --oversubscribe`) when no launcher started it; rank 0
// runs the benchmarks, the other ranks serve.
//   TrivialTasks  kTrivialTasks calls of a function that squares an int, all
//                 submitted, then every result read and checked: on the
//                 cluster (kRanks - 1 serving ranks, the cores of the
//                 machine divided among the ranks), and on a ProcessPool of
//                 kRanks workers in rank 0. Items are tasks. What it costs to
//                 go through MPI on one host.
//   MillisecondMap  Cluster::Map of kMapTasks tasks of about 1 ms of
//                 arithmetic each, against the same tasks run on as many
//                 threads of one process as the machine has cores (the
//                 ideal: total work / cores). Items are tasks.

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "multirun/benchmarks/benchmark_runner.h"
#include "multirun/cluster/cluster.h"
#include "multirun/futures/future.h"
#include "multirun/processes/process_pool.h"

namespace multirun {
namespace {

constexpr int kRanks = 4;
constexpr int kTrivialTasks = 100000;
constexpr int kMapTasks = 10000;
// Rounds of SpinWork: about a millisecond of arithmetic with -c opt.
constexpr int64_t kMillisecondRounds = 700000;

Cluster* g_cluster = nullptr;

int64_t SquareImpl(int64_t x) { return x * x; }
MULTIRUN_REGISTER_TASK(Square, SquareImpl);

// Arithmetic the compiler cannot fold: `rounds` steps of a linear
// congruential generator.
uint64_t SpinWorkImpl(int64_t rounds) {
  uint64_t x = static_cast<uint64_t>(rounds);
  for (int64_t i = 0; i < rounds; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  return x;
}
MULTIRUN_REGISTER_TASK(SpinWork, SpinWorkImpl);

constexpr int64_t kExpectedSum = int64_t{kTrivialTasks - 1} * kTrivialTasks *
                                 (2 * int64_t{kTrivialTasks} - 1) / 6;

// Submits kTrivialTasks squares through `submit`, reads them, checks the sum.
template <typename Submit>
bool RunTrivial(benchmark::State& state, Submit submit) {
  std::vector<Future<int64_t>> results;
  results.reserve(kTrivialTasks);
  for (int64_t i = 0; i < kTrivialTasks; ++i) results.push_back(submit(i));
  int64_t sum = 0;
  for (Future<int64_t>& result : results) {
    absl::StatusOr<int64_t> value = std::move(result).Get();
    if (!value.ok()) {
      state.SkipWithError(std::string(value.status().message()).c_str());
      return false;
    }
    sum += *value;
  }
  if (sum != kExpectedSum) {
    state.SkipWithError("wrong sum");
    return false;
  }
  return true;
}

void BM_TrivialTasks_Cluster(benchmark::State& state) {
  if (!g_cluster->Submit(Square, int64_t{1}).Get().ok()) {
    state.SkipWithError("warm-up task failed");
    return;
  }
  const ClusterStats before = g_cluster->stats();
  for (auto _ : state) {
    if (!RunTrivial(state,
                    [](int64_t i) { return g_cluster->Submit(Square, i); })) {
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kTrivialTasks);
  const ClusterStats after = g_cluster->stats();
  state.counters["tasks_per_answer_message"] =
      static_cast<double>(after.tasks_answered - before.tasks_answered) /
      static_cast<double>(after.messages_received - before.messages_received);
  state.counters["tasks_per_request_message"] =
      static_cast<double>(after.tasks_answered - before.tasks_answered) /
      static_cast<double>(after.messages_sent - before.messages_sent);
  state.counters["ranks"] = g_cluster->size();
}
BENCHMARK(BM_TrivialTasks_Cluster)->UseRealTime();

void BM_TrivialTasks_ProcessPool(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
      ProcessPool::Create({.workers = kRanks});
  if (!pool.ok()) {
    state.SkipWithError(std::string(pool.status().message()).c_str());
    return;
  }
  if (!(*pool)->Submit(Square, int64_t{1}).Get().ok()) {
    state.SkipWithError("warm-up task failed");
    return;
  }
  for (auto _ : state) {
    if (!RunTrivial(state,
                    [&](int64_t i) { return (*pool)->Submit(Square, i); })) {
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kTrivialTasks);
}
BENCHMARK(BM_TrivialTasks_ProcessPool)->UseRealTime();

void BM_MillisecondMap_Cluster(benchmark::State& state) {
  const std::vector<int64_t> inputs(kMapTasks, kMillisecondRounds);
  const uint64_t expected = SpinWorkImpl(kMillisecondRounds);
  for (auto _ : state) {
    std::vector<absl::StatusOr<uint64_t>> results =
        g_cluster->Map(SpinWork, inputs);
    for (const absl::StatusOr<uint64_t>& result : results) {
      if (!result.ok() || *result != expected) {
        state.SkipWithError("a task failed or computed another value");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kMapTasks);
}
BENCHMARK(BM_MillisecondMap_Cluster)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_MillisecondMap_Ideal(benchmark::State& state) {
  const int threads =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const uint64_t expected = SpinWorkImpl(kMillisecondRounds);
  for (auto _ : state) {
    std::atomic<int> next{0};
    std::atomic<bool> wrong{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        while (next.fetch_add(1, std::memory_order_relaxed) < kMapTasks) {
          if (SpinWorkImpl(kMillisecondRounds) != expected) wrong = true;
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    if (wrong) {
      state.SkipWithError("computed another value");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kMapTasks);
  state.counters["threads"] = threads;
}
BENCHMARK(BM_MillisecondMap_Ideal)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Runs this program again as an MPI job of kRanks ranks; returns only when
// that fails.
int RunUnderMpirun(int argc, char** argv) {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  // Open MPI 6 does not start without a HOME, and Bazel's tests have none.
  if (std::getenv("HOME") == nullptr) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    setenv("HOME", tmp != nullptr ? tmp : "/tmp", 0);
  }
  std::vector<std::string> words = {
      "mpirun",  "-np",  std::to_string(kRanks), "--oversubscribe",
      "--stdin", "none", "/proc/self/exe"};
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length > 0) words.back().assign(self, static_cast<size_t>(length));
  for (int i = 1; i < argc; ++i) words.emplace_back(argv[i]);
  std::vector<char*> args;
  for (std::string& word : words) args.push_back(word.data());
  args.push_back(nullptr);
  execvp("mpirun", args.data());
  std::perror("cluster_benchmark: exec mpirun");
  return 1;
}

}  // namespace
}  // namespace multirun

int main(int argc, char** argv) {
  if (!multirun::Cluster::LaunchedByMpi()) {
    return multirun::RunUnderMpirun(argc, argv);
  }
  absl::StatusOr<std::unique_ptr<multirun::Cluster>> cluster =
      multirun::Cluster::Start(&argc, &argv, {.name = "bench"});
  if (!cluster.ok()) {
    std::cerr << "Cluster::Start: " << cluster.status() << "\n";
    return 1;
  }
  if (!(*cluster)->is_driver()) return (*cluster)->Serve().ok() ? 0 : 1;
  multirun::g_cluster = cluster->get();
  const int rc = multirun::bench::RunBenchmarks(argc, argv);
  const absl::Status ended = (*cluster)->Shutdown();
  if (!ended.ok()) std::cerr << "Shutdown: " << ended << "\n";
  return ended.ok() ? rc : 1;
}
