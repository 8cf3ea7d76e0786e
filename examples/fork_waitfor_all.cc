// Copyright 2026 The multirun Authors.
//
// inparallel's second example in C++: log in to twelve servers at once and
// gather their `uname -a` as the answers come. In Python:
//
//   @task
//   def getOS(server): ...ssh.exec_command('uname -a')...
//
//   active_futures = []
//   while len(servers) > 0:
//     active_futures.append(getOS(servers.pop(0)))   # forks at each call
//   for future in waitfor(active_futures):
//     print(future.result())
//
// Here `@task` is a ForkExecutor with room for all twelve children (a
// ForkExecutor's default is one per core) and `waitfor(active_futures)` is
// multirun::InFlightCompletions(active_futures): it yields each future as it
// completes and removes it from the vector. A probe is local work
// (examples/server_probe.h); golf.local is unreachable and its future fails
// instead of hanging.
//
// Checks, from the children themselves (atomics in shared memory, and the
// parent's live children counted in /proc), that all twelve probes, and
// twelve processes, ran at once; that every server answered once, from a
// process of its own, and that the vector is empty at the end; exits non-zero
// otherwise (it runs as a test). examples/fork_waitfor.cc is the third
// example, with concurrency_factor=3.

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

int Fail(const std::string& what) {
  std::fprintf(stderr, "fork_waitfor_all: FAILED: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  std::vector<std::string> servers = examples::Servers();
  const int count = static_cast<int>(servers.size());
  absl::StatusOr<examples::ProbeCensus> census =
      examples::ProbeCensus::Create();
  if (!census.ok()) return Fail(census.status().ToString());

  // @task, with no cap below the number of calls.
  multirun::ForkExecutor forks({.workers = count});
  std::vector<multirun::Future<std::string>> active_futures;
  for (int index = 0; index < count; ++index) {
    active_futures.push_back(
        forks.Submit([&census, server = servers[index], index] {
          return examples::Probe(*census, server, index);
        }));
  }

  int answered = 0;
  int unreachable = 0;
  std::set<std::string> pids;
  for (multirun::Future<std::string> future :
       multirun::InFlightCompletions<std::string>(active_futures)) {
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
      "at once\n",
      answered, unreachable, census->most_probing(), census->most_live());
  if (answered != count - 1 || unreachable != 1) {
    return Fail("every server reported");
  }
  if (!active_futures.empty()) return Fail("waitfor emptied the vector");
  if (pids.size() != static_cast<size_t>(count - 1)) {
    return Fail("one process per probe");
  }
  if (census->most_probing() != count || census->most_live() != count) {
    return Fail("all twelve probes, in twelve processes, at once");
  }
  return 0;
}
