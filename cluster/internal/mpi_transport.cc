// Copyright 2026 The multirun Authors.

#include "multirun/cluster/internal/mpi_transport.h"

#include <mpi.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace multirun {
namespace cluster_internal {
namespace {

absl::Status MpiError(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  return absl::InternalError(absl::StrCat(
      call, " failed: ", length > 0 ? std::string(text, length) : "error ",
      length > 0 ? "" : absl::StrCat(code)));
}

}  // namespace

bool LaunchedByMpi() {
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

struct MpiTransport::Comm {
  MPI_Comm comm = MPI_COMM_NULL;
};

struct MpiTransport::PendingSend {
  std::string bytes;
  MPI_Request request = MPI_REQUEST_NULL;
};

absl::StatusOr<std::unique_ptr<MpiTransport>> MpiTransport::Init(int* argc,
                                                                 char*** argv) {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized || finalized) {
    return absl::FailedPreconditionError(
        "MPI was initialised before in this process; MPI allows one "
        "initialisation per process, so a process has one Cluster");
  }
  int provided = MPI_THREAD_SINGLE;
  if (int rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
      rc != MPI_SUCCESS) {
    return MpiError("MPI_Init_thread", rc);
  }
  std::unique_ptr<MpiTransport> transport(new MpiTransport());
  transport->comm_ = std::make_unique<Comm>();
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    transport->finalized_ = true;
    return absl::FailedPreconditionError(absl::StrCat(
        "this MPI provides thread level ", provided,
        "; the cluster needs MPI_THREAD_SERIALIZED (", MPI_THREAD_SERIALIZED,
        "): its communication thread is not the thread that initialised MPI"));
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (int rc = MPI_Comm_dup(MPI_COMM_WORLD, &transport->comm_->comm);
      rc != MPI_SUCCESS) {
    absl::Status status = MpiError("MPI_Comm_dup", rc);
    (void)transport->Finalize();
    return status;
  }
  MPI_Comm_set_errhandler(transport->comm_->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(transport->comm_->comm, &transport->rank_);
  MPI_Comm_size(transport->comm_->comm, &transport->size_);
  MPI_Comm host = MPI_COMM_NULL;
  if (MPI_Comm_split_type(transport->comm_->comm, MPI_COMM_TYPE_SHARED,
                          transport->rank_, MPI_INFO_NULL,
                          &host) == MPI_SUCCESS) {
    MPI_Comm_size(host, &transport->ranks_on_host_);
    MPI_Comm_free(&host);
  }
  return transport;
}

MpiTransport::~MpiTransport() { (void)Finalize(); }

absl::StatusOr<std::vector<std::string>> MpiTransport::AllGather(
    const std::string& mine) {
  if (mine.size() > kMaxMessageBytes) {
    return absl::ResourceExhaustedError("AllGather: too many bytes");
  }
  std::vector<int> sizes(size_);
  int my_size = static_cast<int>(mine.size());
  if (int rc = MPI_Allgather(&my_size, 1, MPI_INT, sizes.data(), 1, MPI_INT,
                             comm_->comm);
      rc != MPI_SUCCESS) {
    return MpiError("MPI_Allgather", rc);
  }
  std::vector<int> offsets(size_);
  int64_t total = 0;
  for (int i = 0; i < size_; ++i) {
    offsets[i] = static_cast<int>(total);
    total += sizes[i];
  }
  if (total > static_cast<int64_t>(kMaxMessageBytes)) {
    return absl::ResourceExhaustedError("AllGather: too many bytes");
  }
  std::string all(static_cast<size_t>(total), '\0');
  if (int rc =
          MPI_Allgatherv(mine.data(), my_size, MPI_BYTE, all.data(),
                         sizes.data(), offsets.data(), MPI_BYTE, comm_->comm);
      rc != MPI_SUCCESS) {
    return MpiError("MPI_Allgatherv", rc);
  }
  std::vector<std::string> out(size_);
  for (int i = 0; i < size_; ++i) out[i] = all.substr(offsets[i], sizes[i]);
  return out;
}

absl::Status MpiTransport::Send(int destination, int tag, std::string bytes) {
  if (bytes.size() > kMaxMessageBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "a message of ", bytes.size(),
        " bytes is more than MPI sends at once (", kMaxMessageBytes, ")"));
  }
  auto send = std::make_unique<PendingSend>();
  send->bytes = std::move(bytes);
  if (int rc =
          MPI_Isend(send->bytes.data(), static_cast<int>(send->bytes.size()),
                    MPI_BYTE, destination, tag, comm_->comm, &send->request);
      rc != MPI_SUCCESS) {
    return MpiError("MPI_Isend", rc);
  }
  ++messages_sent_;
  bytes_sent_ += static_cast<int64_t>(send->bytes.size());
  sends_.push_back(std::move(send));
  return absl::OkStatus();
}

absl::StatusOr<size_t> MpiTransport::ProgressSends() {
  // Sends to one rank complete in order, to different ranks in any order:
  // test each, keep the ones still going.
  for (auto it = sends_.begin(); it != sends_.end();) {
    int done = 0;
    if (int rc = MPI_Test(&(*it)->request, &done, MPI_STATUS_IGNORE);
        rc != MPI_SUCCESS) {
      return MpiError("MPI_Test", rc);
    }
    it = done ? sends_.erase(it) : std::next(it);
  }
  return sends_.size();
}

absl::StatusOr<std::optional<MpiMessage>> MpiTransport::TryReceive() {
  int arrived = 0;
  MPI_Message handle = MPI_MESSAGE_NULL;
  MPI_Status status;
  if (int rc = MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_->comm, &arrived,
                           &handle, &status);
      rc != MPI_SUCCESS) {
    return MpiError("MPI_Improbe", rc);
  }
  if (!arrived) return std::optional<MpiMessage>();
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  MpiMessage message;
  message.source = status.MPI_SOURCE;
  message.tag = status.MPI_TAG;
  message.bytes.resize(static_cast<size_t>(count));
  if (int rc = MPI_Mrecv(message.bytes.data(), count, MPI_BYTE, &handle,
                         MPI_STATUS_IGNORE);
      rc != MPI_SUCCESS) {
    return MpiError("MPI_Mrecv", rc);
  }
  ++messages_received_;
  bytes_received_ += count;
  return std::optional<MpiMessage>(std::move(message));
}

absl::Status MpiTransport::Finalize() {
  if (finalized_) return absl::OkStatus();
  finalized_ = true;
  absl::Status status;
  for (auto& send : sends_) {
    if (int rc = MPI_Wait(&send->request, MPI_STATUS_IGNORE);
        rc != MPI_SUCCESS && status.ok()) {
      status = MpiError("MPI_Wait", rc);
    }
  }
  sends_.clear();
  if (comm_ != nullptr && comm_->comm != MPI_COMM_NULL) {
    // The cluster's protocol leaves no message in flight at the end: one
    // found here is a fault, reported.
    int arrived = 0;
    MPI_Status left;
    if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_->comm, &arrived, &left) ==
            MPI_SUCCESS &&
        arrived && status.ok()) {
      status = absl::InternalError(absl::StrCat(
          "rank ", rank_, " finalises with a message unreceived (from rank ",
          left.MPI_SOURCE, ", tag ", left.MPI_TAG, ")"));
    }
    MPI_Comm_free(&comm_->comm);
  }
  if (int rc = MPI_Finalize(); rc != MPI_SUCCESS && status.ok()) {
    status = MpiError("MPI_Finalize", rc);
  }
  return status;
}

void MpiTransport::Abort(int code) {
  MPI_Abort(comm_ != nullptr && comm_->comm != MPI_COMM_NULL ? comm_->comm
                                                             : MPI_COMM_WORLD,
            code);
  std::abort();
}

}  // namespace cluster_internal
}  // namespace multirun
