// Copyright 2026 The multirun Authors.
//
// What a serving rank of a Cluster does: receives the driver's batches of
// requests, runs each on the rank's ProcessPool, and sends the answers back
// in batches, until the driver says stop (cluster_protocol.h).

#ifndef MULTIRUN_CLUSTER_INTERNAL_RANK_SERVER_H_
#define MULTIRUN_CLUSTER_INTERNAL_RANK_SERVER_H_

#include "absl/status/status.h"
#include "multirun/cluster/internal/mpi_transport.h"
#include "multirun/processes/process_pool.h"

namespace multirun {
namespace cluster_internal {

// Serves on the calling thread until the driver's stop; returns OK then, or
// the MPI error that ended it. Leaves `pool` running (the caller shuts it
// down).
absl::Status ServeRequests(MpiTransport& transport, ProcessPool& pool);

}  // namespace cluster_internal
}  // namespace multirun

#endif  // MULTIRUN_CLUSTER_INTERNAL_RANK_SERVER_H_
