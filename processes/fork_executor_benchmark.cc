// Copyright 2026 The multirun Authors.
//
// The fork executor against the physical limit and against Python.
//   ForkRoundTrip  one call at a time: fork, run a trivial function in the
//                  child, send an int back, reap, read the result. Peer: the
//                  same with fork + pipe + read + waitpid written out here, the
//                  least any fork-per-task design can cost on this machine.
//                  The executor is created outside the timed region.
//                  RawLoopBesideThread: the raw loop with one more thread
//                  asleep in the process (report-only).
//   ForkPerCall    kCalls trivial calls, kWidth in flight at once (a fork
//                  per call, as many processes as the machine has cores), vs
//                  inparallel's mechanism in Python: os.fork + pipe + pickle
//                  per call, select() over the pipes, waitpid, kWidth in
//                  flight, timed by the script itself (not the interpreter's
//                  start). Items are calls.

#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "multirun/futures/future.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace {

constexpr int kCalls = 200;
constexpr int kWidth = 2;

void BM_ForkRoundTrip_Multirun(benchmark::State& state) {
  ForkExecutor forks({.workers = 1});
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

// The raw loop in a process that has one more thread, asleep in read(): what
// forking costs once a process is multithreaded, as every process with a
// ForkExecutor is (its supervisor). Report-only: it tells the cost of the
// second thread (TLB shootdowns, glibc's fork handlers) from the executor's.
void BM_ForkRoundTrip_RawLoopBesideThread(benchmark::State& state) {
  int wake[2];
  if (pipe(wake) != 0) {
    state.SkipWithError("pipe failed");
    return;
  }
  std::thread sleeper([read_end = wake[0]] {
    char byte;
    [[maybe_unused]] ssize_t ignored = read(read_end, &byte, 1);
  });
  for (auto _ : state) benchmark::DoNotOptimize(RawForkCall());
  [[maybe_unused]] ssize_t ignored = write(wake[1], "x", 1);
  sleeper.join();
  close(wake[0]);
  close(wake[1]);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForkRoundTrip_RawLoopBesideThread)->UseRealTime();

void BM_ForkPerCall_Multirun(benchmark::State& state) {
  ForkExecutor forks({.workers = kWidth});
  std::vector<Future<int>> calls;
  calls.reserve(kCalls);
  for (auto _ : state) {
    for (int i = 0; i < kCalls; ++i) {
      calls.push_back(forks.Submit([i] { return i * 2; }));
    }
    int64_t sum = 0;
    for (Future<int>& call : calls) sum += *std::move(call).Get();
    calls.clear();
    if (sum != int64_t{kCalls} * (kCalls - 1)) {
      state.SkipWithError("wrong sum");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
}
BENCHMARK(BM_ForkPerCall_Multirun)->UseRealTime();

// inparallel's @task, reduced to its mechanism.
constexpr char kPythonForkPerCall[] = R"PY(
import os, pickle, select, sys, time

def task(i):
    return i * 2

def start(i):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.write(w, pickle.dumps(task(i)))
        os._exit(0)
    os.close(w)
    return r, pid

def run(calls, width):
    next_call, in_flight, chunks, total = 0, {}, {}, 0
    while next_call < calls or in_flight:
        while next_call < calls and len(in_flight) < width:
            r, pid = start(next_call)
            in_flight[r], chunks[r] = pid, []
            next_call += 1
        ready, _, _ = select.select(list(in_flight), [], [])
        for r in ready:
            chunk = os.read(r, 65536)
            if chunk:
                chunks[r].append(chunk)
                continue
            os.close(r)
            os.waitpid(in_flight.pop(r), 0)
            total += pickle.loads(b"".join(chunks.pop(r)))
    return total

calls, width = int(sys.argv[1]), int(sys.argv[2])
run(2, width)
begin = time.perf_counter()
total = run(calls, width)
elapsed = time.perf_counter() - begin
assert total == calls * (calls - 1)
print(elapsed)
)PY";

void BM_ForkPerCall_Python(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<double> seconds = testing_internal::RunPythonPeer(
        kPythonForkPerCall, {std::to_string(kCalls), std::to_string(kWidth)});
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
