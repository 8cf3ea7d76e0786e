// Copyright 2026 The multirun Authors.
//
// ProcessPool throughput against its reference, Python's
// concurrent.futures.ProcessPoolExecutor, with the same number of workers and
// the same work:
//   TrivialTasks  kTasks calls of a function that squares an int, all
//                 submitted, then every result read and checked. Items are
//                 tasks. The pools (ours, and Python's, inside its script)
//                 start and run one warm-up task outside the timed region;
//                 Python's script times its own loop (not the interpreter's
//                 start) with time.perf_counter().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "multirun/futures/future.h"
#include "multirun/processes/process_pool.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace {

constexpr int kTasks = 10000;
constexpr int kWorkers = 2;

int64_t SquareImpl(int64_t x) { return x * x; }
MULTIRUN_REGISTER_TASK(Square, SquareImpl);

// The sum of i * i for i in [0, kTasks).
constexpr int64_t kExpectedSum =
    int64_t{kTasks - 1} * kTasks * (2 * int64_t{kTasks} - 1) / 6;

void BM_TrivialTasks_Multirun(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
      ProcessPool::Create({.workers = kWorkers});
  if (!pool.ok()) {
    state.SkipWithError(std::string(pool.status().message()).c_str());
    return;
  }
  if (!(*pool)->Submit(Square, int64_t{1}).Get().ok()) {
    state.SkipWithError("warm-up task failed");
    return;
  }
  std::vector<Future<int64_t>> results;
  results.reserve(kTasks);
  for (auto _ : state) {
    for (int64_t i = 0; i < kTasks; ++i) {
      results.push_back((*pool)->Submit(Square, i));
    }
    int64_t sum = 0;
    for (Future<int64_t>& result : results) {
      absl::StatusOr<int64_t> value = std::move(result).Get();
      if (!value.ok()) {
        state.SkipWithError(std::string(value.status().message()).c_str());
        return;
      }
      sum += *value;
    }
    results.clear();
    if (sum != kExpectedSum) {
      state.SkipWithError("wrong sum");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_TrivialTasks_Multirun)->UseRealTime();

constexpr char kPythonProcessPool[] = R"PY(
import concurrent.futures, sys, time

def square(x):
    return x * x

def main():
    tasks, workers = int(sys.argv[1]), int(sys.argv[2])
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in range(workers):
            pool.submit(square, 1).result()
        begin = time.perf_counter()
        futures = [pool.submit(square, i) for i in range(tasks)]
        total = sum(f.result() for f in futures)
        elapsed = time.perf_counter() - begin
    assert total == (tasks - 1) * tasks * (2 * tasks - 1) // 6
    print(elapsed)

if __name__ == "__main__":
    main()
)PY";

void BM_TrivialTasks_Python(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<double> seconds = testing_internal::RunPythonPeer(
        kPythonProcessPool, {std::to_string(kTasks), std::to_string(kWorkers)});
    if (!seconds.ok()) {
      state.SkipWithError(std::string(seconds.status().message()).c_str());
      return;
    }
    state.SetIterationTime(*seconds);
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_TrivialTasks_Python)->UseManualTime();

}  // namespace
}  // namespace multirun
