// Copyright 2026 The multirun Authors.

#include "cluster/internal/rank_server.h"

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/cluster/internal/cluster_protocol.h"
#include "multirun/cluster/internal/mpi_transport.h"
#include "multirun/cluster/internal/wake_word.h"
#include "multirun/codec/codec.h"
#include "multirun/processes/process_pool.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace cluster_internal {
namespace {

// An answer's bytes besides its payload (cluster_protocol.h).
constexpr size_t kAnswerOverhead = 17;

// The answers of the rank's pool, waiting for the communication thread, in
// batches of about kBatchBytes (one answer may be larger).
struct Outbox {
  Lock lock;
  std::vector<std::string> batches ABSL_GUARDED_BY(lock);
  int64_t count ABSL_GUARDED_BY(lock) = 0;
  WakeWord wake;

  void Add(uint64_t job, AnswerKind kind, absl::string_view bytes) {
    std::string too_large;
    if (bytes.size() > kMaxMessageBytes - kAnswerOverhead) {
      too_large = Encode(absl::ResourceExhaustedError(
          absl::StrCat("the task's result of ", bytes.size(),
                       " bytes is more than one MPI message carries (",
                       kMaxMessageBytes, ")")));
      kind = AnswerKind::kError;
      bytes = too_large;
    }
    {
      LockHolder hold(lock);
      if (batches.empty() || batches.back().size() >= kBatchBytes ||
          batches.back().size() + kAnswerOverhead + bytes.size() >
              kMaxMessageBytes) {
        batches.emplace_back();
      }
      AppendAnswer(job, kind, bytes, &batches.back());
      ++count;
    }
    wake.Wake();
  }
};

// One request as the rank's pool sees it: its answer goes to the outbox.
class ForwardingJob final : public processes_internal::PoolJob {
 public:
  ForwardingJob(uint64_t job, std::shared_ptr<Outbox> outbox)
      : job_(job), outbox_(std::move(outbox)) {}

  bool TryStart() override { return true; }
  void Complete(absl::string_view encoded, pid_t) override {
    if (done_) return;
    done_ = true;
    outbox_->Add(job_, AnswerKind::kResult, encoded);
  }
  bool Fail(absl::Status status) override {
    if (done_) return false;
    done_ = true;
    outbox_->Add(job_, AnswerKind::kError, Encode(status));
    return true;
  }

 private:
  const uint64_t job_;
  // Shared: the pool may finish with a job after the server has returned.
  const std::shared_ptr<Outbox> outbox_;
  // Set once: the pool completes a job on one thread at a time.
  bool done_ = false;
};

absl::Status Fault(int rank, absl::string_view what) {
  return absl::InternalError(absl::StrCat("rank ", rank, ": ", what));
}

}  // namespace

absl::Status ServeRequests(MpiTransport& transport, ProcessPool& pool) {
  auto outbox_owner = std::make_shared<Outbox>();
  Outbox& outbox = *outbox_owner;
  int64_t in_flight = 0;
  bool stop = false;
  for (;;) {
    bool progress = false;
    // The pool's answers first, so that the load report sees the rank at
    // its emptiest: before this round's requests.
    std::vector<std::string> answers;
    int64_t answered = 0;
    {
      LockHolder hold(outbox.lock);
      answers.swap(outbox.batches);
      std::swap(answered, outbox.count);
    }
    if (answered > 0) {
      progress = true;
      in_flight -= answered;
      // What the rank holds beyond one request per task process: 0 when
      // its task processes may run dry. The driver sizes the rank's share
      // by it.
      if (answers.back().size() + kAnswerOverhead + sizeof(uint64_t) >
          kMaxMessageBytes) {
        answers.emplace_back();
      }
      AppendLoad(
          static_cast<uint64_t>(std::max<int64_t>(0, in_flight - pool.size())),
          &answers.back());
      for (std::string& batch : answers) {
        if (absl::Status sent = transport.Send(0, kAnswerTag, std::move(batch));
            !sent.ok()) {
          return sent;
        }
      }
    }
    for (int round = 0; round < 64; ++round) {
      absl::StatusOr<std::optional<MpiMessage>> message =
          transport.TryReceive();
      if (!message.ok()) return message.status();
      if (!message->has_value()) break;
      progress = true;
      MpiMessage& m = **message;
      if (m.source != 0) {
        return Fault(transport.rank(),
                     absl::StrCat("a message from rank ", m.source,
                                  "; only the driver (rank 0) sends here"));
      }
      if (m.tag == kRequestTag && !stop) {
        std::vector<std::unique_ptr<processes_internal::PoolJob>> jobs;
        absl::Status parsed =
            ForEachRequest(m.bytes, [&](uint64_t job, absl::string_view frame) {
              auto forward = std::make_unique<ForwardingJob>(job, outbox_owner);
              forward->frame.assign(frame.data(), frame.size());
              jobs.push_back(std::move(forward));
            });
        if (!parsed.ok()) return Fault(transport.rank(), parsed.message());
        in_flight += static_cast<int64_t>(jobs.size());
        processes_internal::PoolAccess::EnqueueAll(pool, std::move(jobs));
      } else if (m.tag == kStopTag && m.bytes.size() == 1 && !stop) {
        stop = true;
        // The pool fails what it has not answered with Cancelled; the
        // driver drops those answers.
        if (m.bytes[0] == 1) pool.ShutdownNow();
      } else {
        return Fault(transport.rank(),
                     absl::StrCat("an unexpected message (tag ", m.tag, ", ",
                                  m.bytes.size(), " bytes) from the driver"));
      }
    }
    absl::StatusOr<size_t> pending = transport.ProgressSends();
    if (!pending.ok()) return pending.status();
    if (stop && in_flight == 0) {
      return transport.Send(0, kStoppedTag, std::string());
    }
    if (progress) {
      outbox.wake.Busy();
    } else {
      outbox.wake.Idle(in_flight > 0);
    }
  }
}

}  // namespace cluster_internal
}  // namespace multirun
