// Copyright 2026 The multirun Authors.
//
// The twelve servers of inparallel's examples and the probe each example runs
// in a forked child: what `ssh <server> uname -a` would print, as local work.
// The probe reads uname(2), waits as a remote round trip would (300 to 500
// ms), and answers with the server's name; "golf.local" is unreachable and
// exits as ssh does (code 255), after the same wait, so the parent sees a
// failed future.
//
// ProbeCensus counts, from the children themselves, how many probes ran at
// once: through atomics in a SharedRegion that every child inherits, and by
// counting the live child processes of the parent in /proc (zombies
// included, so a process that answered but was not reaped yet counts too).
//
// Shared by examples/fork_waitfor_all.cc and examples/fork_waitfor.cc.

#ifndef MULTIRUN_EXAMPLES_SERVER_PROBE_H_
#define MULTIRUN_EXAMPLES_SERVER_PROBE_H_

#include <dirent.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/sync/shared_region.h"

namespace examples {

// The servers of inparallel's examples, in their order.
inline std::vector<std::string> Servers() {
  return {"alpha.local", "bravo.local",   "charlie.local", "delta.local",
          "echo.local",  "foxtrot.local", "golf.local",    "hotel.local",
          "india.local", "juliet.local",  "kilo.local",    "lima.local"};
}

inline constexpr char kUnreachable[] = "golf.local";

// The number of live child processes of `parent` (zombies included), from
// /proc; -1 if /proc cannot be read.
inline int LiveChildrenOf(pid_t parent) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  int children = 0;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)),
                     std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const size_t end_of_comm = text.rfind(')');
    if (end_of_comm == std::string::npos) continue;  // The process is gone.
    std::istringstream fields(text.substr(end_of_comm + 1));
    std::string state;
    long ppid = 0;
    if (fields >> state >> ppid && ppid == parent) ++children;
  }
  closedir(proc);
  return children;
}

// Counters in shared memory, written by the probes in their children.
class ProbeCensus {
 public:
  static absl::StatusOr<ProbeCensus> Create() {
    absl::StatusOr<multirun::SharedRegion> region =
        multirun::SharedRegion::Create(4096);
    if (!region.ok()) return region.status();
    std::atomic<int>* counters[3];
    for (std::atomic<int>*& counter : counters) {
      absl::StatusOr<std::atomic<int>*> made = region->New<std::atomic<int>>(0);
      if (!made.ok()) return made.status();
      counter = *made;
    }
    return ProbeCensus(std::move(*region), counters);
  }

  // In a probe: it starts, and counts the parent's live children.
  void Enter() {
    RaiseTo(*most_probing_, probing_->fetch_add(1) + 1);
    Look();
  }
  // In a probe: it ends (after a last look at the live children).
  void Leave() {
    Look();
    probing_->fetch_sub(1);
  }

  // The most probes that were inside Probe() at once.
  int most_probing() const { return most_probing_->load(); }
  // The most live child processes of the parent a probe saw (-1: /proc could
  // not be read).
  int most_live() const { return most_live_->load(); }

 private:
  ProbeCensus(multirun::SharedRegion region, std::atomic<int>* counters[3])
      : region_(std::move(region)),
        probing_(counters[0]),
        most_probing_(counters[1]),
        most_live_(counters[2]) {}

  static void RaiseTo(std::atomic<int>& most, int now) {
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  }
  void Look() { RaiseTo(*most_live_, LiveChildrenOf(getppid())); }

  multirun::SharedRegion region_;
  std::atomic<int>* probing_;
  std::atomic<int>* most_probing_;
  std::atomic<int>* most_live_;
};

// What `ssh <server> uname -a` would print; runs in a forked child.
inline absl::StatusOr<std::string> Probe(ProbeCensus& census,
                                         const std::string& server, int index) {
  census.Enter();
  // The remote round trip (or, for the unreachable server, the connect
  // timeout).
  absl::SleepFor(absl::Milliseconds(300 + (index * 37) % 200));
  census.Leave();
  if (server == kUnreachable) _exit(255);  // ssh: connect to host: timed out.
  utsname name;
  if (uname(&name) != 0) return absl::InternalError("uname failed");
  return absl::StrCat(name.sysname, " ", server, " ", name.release, " ",
                      name.version, " ", name.machine, " (pid ", getpid(), ")");
}

// Whether `status` is the unreachable server's: the child exited with 255.
inline bool IsUnreachable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInternal &&
         status.message().find("exited with code 255") != std::string::npos;
}

}  // namespace examples

#endif  // MULTIRUN_EXAMPLES_SERVER_PROBE_H_
