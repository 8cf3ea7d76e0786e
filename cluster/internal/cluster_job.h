// Copyright 2026 The multirun Authors.
//
// A task submitted to a Cluster, as its driver sees it: the sealed request
// frame (processes/internal/pool_protocol.h) and the promise its answer
// completes.

#ifndef MULTIRUN_CLUSTER_INTERNAL_CLUSTER_JOB_H_
#define MULTIRUN_CLUSTER_INTERNAL_CLUSTER_JOB_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/codec/codec.h"
#include "multirun/futures/future.h"

namespace multirun {
namespace cluster_internal {

class ClusterJob {
 public:
  ClusterJob() = default;
  ClusterJob(const ClusterJob&) = delete;
  ClusterJob& operator=(const ClusterJob&) = delete;
  virtual ~ClusterJob() = default;

  // Marks the task as sent. False when its future was cancelled: it must not
  // be sent.
  virtual bool TryStart() = 0;
  // Rank `rank` answered with `encoded`, an encoded FutureResult<T>; a result
  // that does not decode fails the task with DataLoss.
  virtual void Complete(absl::string_view encoded, int rank) = 0;
  // Fails the task; false when its result was set already.
  virtual bool Fail(absl::Status status) = 0;
  // Names the rank that answered, for the future's continuations
  // (CurrentOrigin()); before Complete() or Fail().
  virtual void SetOrigin(int rank) = 0;

  // The request: a sealed pool request frame.
  std::string frame;
  // The registered name (static storage, NUL-terminated), for messages.
  absl::string_view task_name;
};

template <typename T>
class TypedClusterJob final : public ClusterJob {
 public:
  Future<T> GetFuture() { return promise_.GetFuture(); }
  bool TryStart() override { return promise_.TryStart(); }
  void Complete(absl::string_view encoded, int rank) override {
    absl::StatusOr<FutureResult<T>> decoded = Decode<FutureResult<T>>(encoded);
    if (decoded.ok()) {
      promise_.Set(*std::move(decoded));
    } else {
      promise_.SetError(absl::DataLossError(
          absl::StrCat("task ", task_name, ": the result from rank ", rank,
                       " does not decode: ", decoded.status().message())));
    }
  }
  bool Fail(absl::Status status) override {
    return promise_.SetError(std::move(status));
  }
  void SetOrigin(int rank) override { promise_.SetOrigin(rank); }

 private:
  Promise<T> promise_;
};

}  // namespace cluster_internal
}  // namespace multirun

#endif  // MULTIRUN_CLUSTER_INTERNAL_CLUSTER_JOB_H_
