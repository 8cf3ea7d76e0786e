// Copyright 2026 The multirun Authors.
//
// inparallel's third example in C++: log in to twelve servers and gather
// their `uname -a`, with at most three probes running at a time. In Python:
//
//   @task
//   def getOS(server): ...ssh.exec_command('uname -a')...
//
//   active_futures = []
//   for future in waitfor(active_futures, concurrency_factor=3):
//     if future is not None:
//       print(future.result())
//     elif len(servers) > 0:
//       active_futures.append(getOS(servers.pop(0)))
//
// Here `waitfor` is multirun::InFlightCompletions(in_flight, 3, more): it
// yields completed futures and calls `more` (the `None` above) while fewer
// than three are in flight. Each probe forks (ForkExecutor, the `@task`); the
// executor may run three children at once, whatever the number of cores, so
// the factor is what the processes do, not only what the loop submits. A
// probe is local work (examples/server_probe.h); golf.local is unreachable
// and its future fails instead of hanging.
//
// Checks, from the children themselves (atomics in shared memory, and the
// parent's live children counted in /proc), that three probes, and three
// processes, ran at once and never more; that every server answered once,
// from a process of its own; exits non-zero otherwise (it runs as a test).
// examples/fork_waitfor_all.cc is the second example: all twelve at once.

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "examples/server_probe.h"
#include "multirun/futures/as_completed.h"
#include "multirun/futures/future.h"
#include "multirun/processes/fork_executor.h"

namespace {

constexpr int kConcurrencyFactor = 3;

int Fail(const std::string& what) {
  std::fprintf(stderr, "fork_waitfor: FAILED: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  std::vector<std::string> servers = examples::Servers();
  absl::StatusOr<examples::ProbeCensus> census =
      examples::ProbeCensus::Create();
  if (!census.ok()) return Fail(census.status().ToString());

  // @task, with room for the concurrency factor's children.
  multirun::ForkExecutor forks({.workers = kConcurrencyFactor});
  std::vector<multirun::Future<std::string>> active_futures;
  size_t next = 0;
  // waitfor() yielded None: run one more task, if there is one.
  auto more = [&](std::vector<multirun::Future<std::string>>& futures) {
    if (next == servers.size()) return;
    futures.push_back(forks.Submit(
        [&census, server = servers[next], index = static_cast<int>(next)] {
          return examples::Probe(*census, server, index);
        }));
    ++next;
  };
  int answered = 0;
  int unreachable = 0;
  std::set<std::string> pids;
  for (multirun::Future<std::string> future :
       multirun::InFlightCompletions<std::string>(active_futures,
                                                  kConcurrencyFactor, more)) {
    absl::StatusOr<std::string> line = std::move(future).Get();
    if (line.ok()) {
      std::printf("%s\n", line->c_str());
      pids.insert(line->substr(line->rfind("(pid ")));
      ++answered;
    } else {
      std::printf("error: %s\n", line.status().ToString().c_str());
      if (!examples::IsUnreachable(line.status())) {
        return Fail("the unreachable server's status");
      }
      ++unreachable;
    }
  }
  std::printf(
      "%d answered, %d unreachable; at most %d probes and %d child processes "
      "at once (concurrency_factor=%d)\n",
      answered, unreachable, census->most_probing(), census->most_live(),
      kConcurrencyFactor);
  if (answered != 11 || unreachable != 1) return Fail("every server reported");
  if (pids.size() != 11) return Fail("one process per probe");
  if (census->most_probing() != kConcurrencyFactor) {
    return Fail("three probes at once");
  }
  if (census->most_live() != kConcurrencyFactor) {
    return Fail("three child processes at once, never more");
  }
  return 0;
}
