// Copyright 2026 The multirun Authors.
//
// A cluster program for the tests of how a cluster ends
// (cluster_lifecycle_test.sh runs it under mpirun). Its one argument picks
// the ending:
//   throw         the driver throws with tasks in flight: RunCluster()
//                 returns Unknown, exit code 3.
//   error         the driver returns an error with tasks in flight: exit 4.
//   shutdown_now  ShutdownNow() with 2,000 tasks queued and running: every
//                 future completes (a value or Cancelled), exit 0.
//   kill_rank     a task SIGKILLs the rank that runs it: mpirun ends the job.
//   mismatch      rank 2 registers a task the others do not: Start() fails
//                 on every rank, exit 5.
//   options       rank 1 passes other options: Start() fails on every rank
//                 with InvalidArgument, exit 6.
// Every rank prints "rank <r> exits <code>" as it leaves main().

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/cluster/cluster.h"
#include "multirun/futures/future.h"

namespace multirun {
namespace {

int NapImpl(int millis) {
  absl::SleepFor(absl::Milliseconds(millis));
  return millis;
}
MULTIRUN_REGISTER_TASK(Nap, NapImpl);

// Runs in a worker of the rank's pool, whose parent is the rank.
int KillMyRankImpl() {
  kill(getppid(), SIGKILL);
  absl::SleepFor(absl::Seconds(60));
  return 0;
}
MULTIRUN_REGISTER_TASK(KillMyRank, KillMyRankImpl);

int ExtraImpl() { return 1; }

int Exit(int rank, int code) {
  std::printf("rank %d exits %d\n", rank, code);
  std::fflush(stdout);
  return code;
}

int Main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const char* world_rank = std::getenv("OMPI_COMM_WORLD_RANK");
  if (mode == "mismatch" && world_rank != nullptr &&
      std::string(world_rank) == "2") {
    processes_internal::RegisterTask<&ExtraImpl>("ExtraOnRankTwo");
  }
  int rank = -1;
  absl::Status status = RunCluster(
      &argc, &argv,
      {.name = mode == "options" && world_rank != nullptr &&
                       std::string(world_rank) == "1"
                   ? "lifecycle-other"
                   : "lifecycle"},
      [&](Cluster& cluster) -> absl::Status {
        rank = cluster.rank();
        if (mode == "throw" || mode == "error") {
          std::vector<Future<int>> futures;
          for (int i = 0; i < 20; ++i) {
            futures.push_back(cluster.Submit(Nap, 60000));
          }
          absl::SleepFor(absl::Milliseconds(300));
          if (mode == "throw") throw std::logic_error("driver bug");
          return absl::InternalError("driver gave up");
        }
        if (mode == "shutdown_now") {
          std::vector<Future<int>> futures;
          for (int i = 0; i < 2000; ++i) {
            futures.push_back(cluster.Submit(Nap, 50));
          }
          absl::SleepFor(absl::Milliseconds(300));
          const size_t cancelled = cluster.ShutdownNow();
          int ok = 0;
          int cancelled_seen = 0;
          for (Future<int>& future : futures) {
            absl::StatusOr<int> result = future.Get();
            if (result.ok()) {
              ++ok;
            } else if (result.status().code() == absl::StatusCode::kCancelled) {
              ++cancelled_seen;
            } else {
              return absl::InternalError(absl::StrCat(
                  "unexpected outcome: ", result.status().ToString()));
            }
          }
          std::printf("shutdown_now: %d answered, %d cancelled, %zu counted\n",
                      ok, cancelled_seen, cancelled);
          if (ok + cancelled_seen != 2000 || cancelled_seen == 0 ||
              static_cast<size_t>(cancelled_seen) != cancelled) {
            return absl::InternalError("shutdown_now: counts do not add up");
          }
          absl::StatusOr<int> after = cluster.Submit(Nap, 1).Get();
          if (after.status().code() != absl::StatusCode::kFailedPrecondition) {
            return absl::InternalError("a submission after ShutdownNow ran");
          }
          return absl::OkStatus();
        }
        if (mode == "kill_rank") {
          // The kill first: each rank runs one task at a time on this
          // machine, and the naps keep the other ranks busy.
          Future<int> kill = cluster.Submit(KillMyRank);
          std::vector<Future<int>> naps;
          for (int i = 0; i < 6; ++i)
            naps.push_back(cluster.Submit(Nap, 60000));
          absl::StatusOr<int> killed = kill.Get();
          return absl::InternalError(absl::StrCat(
              "the job outlived a killed rank: ", killed.status().ToString()));
        }
        return absl::InvalidArgumentError(absl::StrCat("unknown mode ", mode));
      });
  if (rank < 0) rank = world_rank != nullptr ? std::atoi(world_rank) : 0;
  if (status.ok()) return Exit(rank, 0);
  std::cerr << "rank " << rank << ": " << status << "\n";
  switch (status.code()) {
    case absl::StatusCode::kUnknown:
      return Exit(rank, 3);
    case absl::StatusCode::kInternal:
      return Exit(rank, 4);
    case absl::StatusCode::kFailedPrecondition:
      return Exit(rank, 5);
    case absl::StatusCode::kInvalidArgument:
      return Exit(rank, 6);
    default:
      return Exit(rank, 1);
  }
}

}  // namespace
}  // namespace multirun

int main(int argc, char** argv) { return multirun::Main(argc, argv); }
