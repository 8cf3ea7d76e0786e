// Copyright 2026 The multirun Authors.
//
// The fork executor against the physical limit and against Python.
//   ForkRoundTrip  one call at a time: fork, run a trivial function in the
//                  child, send an int back, reap, read the result. Peer: the
//                  same with fork + pipe + read + waitpid written out here, the
//                  least any fork-per-task design can cost on this machine.
//                  The executor is created outside the timed region.
//   ForkPerCall    kCalls such calls, vs inparallel's mechanism in Python
//                  (os.fork + pipe + pickle + waitpid per call, timed by the
//                  script itself, without the interpreter's start). Items are
//                  calls.

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "benchmark/benchmark.h"
#include "multirun/executors/fork_executor.h"
#include "multirun/executors/internal/python_peer.h"

namespace multirun {
namespace {

constexpr int kCalls = 200;

void BM_ForkRoundTrip_Multirun(benchmark::State& state) {
  ForkExecutor forks({.max_processes = 1});
  for (auto _ : state) {
    benchmark::DoNotOptimize(*forks.Submit([] { return 7; }).Get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForkRoundTrip_Multirun)->UseRealTime();

int RawForkCall() {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    const int value = 7;
    ssize_t ignored = write(fds[1], &value, sizeof(value));
    _exit(ignored == sizeof(value) ? 0 : 1);
  }
  close(fds[1]);
  int value = -1;
  ssize_t got = read(fds[0], &value, sizeof(value));
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  return got == sizeof(value) ? value : -1;
}

void BM_ForkRoundTrip_RawLoop(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(RawForkCall());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForkRoundTrip_RawLoop)->UseRealTime();

void BM_ForkPerCall_Multirun(benchmark::State& state) {
  ForkExecutor forks({.max_processes = 1});
  for (auto _ : state) {
    int64_t sum = 0;
    for (int i = 0; i < kCalls; ++i) {
      sum += *forks.Submit([i] { return i * 2; }).Get();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
}
BENCHMARK(BM_ForkPerCall_Multirun)->UseRealTime();

// inparallel's @task, reduced to its mechanism.
constexpr char kPythonForkPerCall[] = R"PY(
import os, pickle, sys, time

def task(i):
    return i * 2

def call(i):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        data = pickle.dumps(task(i))
        os.write(w, data)
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return pickle.loads(b"".join(chunks))

calls = int(sys.argv[1])
call(0)
start = time.perf_counter()
total = sum(call(i) for i in range(calls))
elapsed = time.perf_counter() - start
assert total == calls * (calls - 1)
print(elapsed)
)PY";

void BM_ForkPerCall_Python(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<double> seconds = executors_internal::RunPythonPeer(
        kPythonForkPerCall, {std::to_string(kCalls)});
    if (!seconds.ok()) {
      state.SkipWithError(std::string(seconds.status().message()).c_str());
      return;
    }
    state.SetIterationTime(*seconds);
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
}
BENCHMARK(BM_ForkPerCall_Python)->UseManualTime();

}  // namespace
}  // namespace multirun
