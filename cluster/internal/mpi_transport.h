// Copyright 2026 The multirun Authors.
//
// MpiTransport: the only part of the cluster that calls MPI. It starts and
// ends MPI for the process, and moves byte messages between ranks: sends
// that never block (the transport keeps each buffer until MPI has sent it)
// and receives that take only what has arrived.
//
// Thread level: MPI_THREAD_SERIALIZED. Init() and Finalize() run on the
// thread that owns the cluster; every other call runs on the cluster's one
// communication thread, started after Init() and joined before Finalize(),
// so no two threads ever call MPI at once and each hand-over is ordered by
// the thread's start and join.
//
// Errors: MPI's calls return their error codes (MPI_ERRORS_RETURN on the
// transport's communicator); a failure is an Internal status with MPI's
// error string.

#ifndef MULTIRUN_CLUSTER_INTERNAL_MPI_TRANSPORT_H_
#define MULTIRUN_CLUSTER_INTERNAL_MPI_TRANSPORT_H_

#include <climits>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace multirun {
namespace cluster_internal {

// Whether a launcher of MPI jobs (mpirun, mpiexec, srun) started this
// process: the environment variables Open MPI, MPICH (Hydra) and Slurm's PMI
// set.
bool LaunchedByMpi();

// The largest message the transport moves: MPI counts bytes in an int.
inline constexpr size_t kMaxMessageBytes = INT_MAX;

// A message that has arrived.
struct MpiMessage {
  int source = -1;
  int tag = -1;
  std::string bytes;
};

class MpiTransport {
 public:
  // Initialises MPI (MPI_Init_thread asking for MPI_THREAD_SERIALIZED) and
  // duplicates MPI_COMM_WORLD. FailedPrecondition when MPI was initialised
  // or finalised before in this process (MPI allows one initialisation per
  // process) or provides less than MPI_THREAD_SERIALIZED.
  static absl::StatusOr<std::unique_ptr<MpiTransport>> Init(int* argc,
                                                            char*** argv);

  MpiTransport(const MpiTransport&) = delete;
  MpiTransport& operator=(const MpiTransport&) = delete;
  // Finalize() if it has not run.
  ~MpiTransport();

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The ranks on this rank's host (MPI_COMM_TYPE_SHARED).
  int ranks_on_host() const { return ranks_on_host_; }

  // Collective: every rank passes its `mine` and gets all of them, by rank.
  absl::StatusOr<std::vector<std::string>> AllGather(const std::string& mine);

  // Starts sending `bytes` to `destination` with `tag`. ResourceExhausted
  // for more than kMaxMessageBytes; nothing is sent then.
  absl::Status Send(int destination, int tag, std::string bytes);

  // Retires the sends MPI has completed; returns how many are still going.
  absl::StatusOr<size_t> ProgressSends();

  // The next message that has arrived, from any rank, if there is one.
  absl::StatusOr<std::optional<MpiMessage>> TryReceive();

  // Waits for every send and finalises MPI. Internal when a message sent to
  // this rank is left unreceived (the protocol leaves none), or an MPI call
  // fails; MPI is finalised all the same. Idempotent.
  absl::Status Finalize();

  // Ends the whole job (MPI_Abort) with `code`; does not return.
  [[noreturn]] void Abort(int code);

  // Counts, for statistics.
  int64_t messages_sent() const { return messages_sent_; }
  int64_t messages_received() const { return messages_received_; }
  int64_t bytes_sent() const { return bytes_sent_; }
  int64_t bytes_received() const { return bytes_received_; }

 private:
  struct PendingSend;
  MpiTransport() = default;

  int rank_ = 0;
  int size_ = 1;
  int ranks_on_host_ = 1;
  // MPI_Comm is an int (MPICH) or a pointer (Open MPI): kept as a handle of
  // either kind without including mpi.h here.
  struct Comm;
  std::unique_ptr<Comm> comm_;
  std::deque<std::unique_ptr<PendingSend>> sends_;
  bool finalized_ = false;
  int64_t messages_sent_ = 0;
  int64_t messages_received_ = 0;
  int64_t bytes_sent_ = 0;
  int64_t bytes_received_ = 0;
};

}  // namespace cluster_internal
}  // namespace multirun

#endif  // MULTIRUN_CLUSTER_INTERNAL_MPI_TRANSPORT_H_
