// Copyright 2026 The multirun Authors.
//
// inparallel's example in C++: gather `uname -a` from twelve servers with at
// most three in flight, each probe in a process of its own, results taken as
// they complete. Here a "server" is local work: the child reads uname(2),
// waits a little as a remote call would, and answers as `uname -a` does with
// the server's name; server-07 is "unreachable" and exits as ssh does (255),
// which the parent sees as a failed future, not a hang.
//
// Checks its own outcome and exits non-zero on a failure (it runs as a test).

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/futures/as_completed.h"
#include "multirun/futures/future.h"
#include "multirun/processes/fork_executor.h"

namespace {

// What `ssh <server> uname -a` would print, computed in the child.
absl::StatusOr<std::string> UnameOf(const std::string& server, int index) {
  if (server == "server-07") _exit(255);  // ssh: connect to host: refused.
  absl::SleepFor(absl::Milliseconds(10 + (index * 37) % 60));
  utsname name;
  if (uname(&name) != 0) return absl::InternalError("uname failed");
  return absl::StrCat(name.sysname, " ", server, " ", name.release, " ",
                      name.version, " ", name.machine, " (pid ", getpid(), ")");
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  std::vector<std::string> servers;
  for (int i = 1; i <= 12; ++i)
    servers.push_back(absl::StrFormat("server-%02d", i));

  multirun::ForkExecutor forks;
  std::vector<multirun::Future<std::string>> in_flight;
  size_t next = 0;
  size_t most_in_flight = 0;
  // waitfor(in_flight, concurrency_factor=3): asked for more while fewer than
  // three probes are in flight.
  auto more = [&](std::vector<multirun::Future<std::string>>& futures) {
    if (next == servers.size()) return;
    futures.push_back(
        forks.Submit(UnameOf, servers[next], static_cast<int>(next)));
    ++next;
    most_in_flight = std::max(most_in_flight, futures.size());
  };
  int answered = 0;
  int failed = 0;
  std::set<std::string> pids;
  for (multirun::Future<std::string> done :
       multirun::InFlightCompletions<std::string>(in_flight, 3, more)) {
    absl::StatusOr<std::string> line = std::move(done).Get();
    if (line.ok()) {
      std::printf("%s\n", line->c_str());
      pids.insert(line->substr(line->rfind("(pid ")));
      ++answered;
    } else {
      std::printf("error: %s\n", line.status().ToString().c_str());
      if (line.status().code() != absl::StatusCode::kInternal ||
          line.status().message().find("exited with code 255") ==
              std::string::npos) {
        return Fail("the unreachable server's status");
      }
      ++failed;
    }
  }
  std::printf("%d answered, %d failed, at most %zu in flight\n", answered,
              failed, most_in_flight);
  if (answered != 11 || failed != 1) return Fail("every server reported");
  if (most_in_flight != 3) return Fail("three in flight");
  if (pids.size() != 11) return Fail("one process per probe");
  return 0;
}
