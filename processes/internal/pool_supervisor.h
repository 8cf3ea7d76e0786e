// Copyright 2026 The multirun Authors.
//
// The supervisor of a ProcessPool: the state of the one thread per pool that
// forks, feeds, reads, times and reaps the workers (ProcessPool::Supervisor),
// and its record of each worker process (ProcessPool::Worker). Only the
// supervisor thread touches either. pool_supervisor.cc says how it works.

#ifndef MULTIRUN_PROCESSES_INTERNAL_POOL_SUPERVISOR_H_
#define MULTIRUN_PROCESSES_INTERNAL_POOL_SUPERVISOR_H_

#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "multirun/processes/internal/pool_job.h"
#include "multirun/processes/internal/process_io.h"
#include "multirun/processes/process_pool.h"

namespace multirun {
namespace processes_internal {

// Why the supervisor killed a worker.
enum class PoolKillReason { kNone, kTimeout, kProtocol, kStop };

// Closes `fd` if it is open and marks it closed (-1).
inline void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace processes_internal

// The supervisor's record of one worker process: its descriptors, the
// requests sent to it, and how it is doing.
struct ProcessPool::Worker {
  // What an epoll event is about: `data.ptr` points to one of the tags.
  enum Kind { kRequest, kResponse, kExit };
  struct Tag {
    Worker* worker;
    Kind kind;
  };

  int index = 0;
  pid_t pid = -1;
  int request_fd = -1;   // The parent's write end, non-blocking.
  int response_fd = -1;  // The parent's read end, non-blocking.
  int pidfd = -1;
  Tag request_tag{this, kRequest};
  Tag response_tag{this, kResponse};
  Tag exit_tag{this, kExit};
  bool want_write = false;  // EPOLLOUT is registered for request_fd.

  // Requests sent or being sent, oldest first; the first `written` are in the
  // pipe whole, and `offset` bytes of the next one.
  std::deque<std::unique_ptr<processes_internal::PoolJob>> inflight;
  size_t written = 0;
  size_t offset = 0;
  processes_internal::FrameBuffer responses;

  // The worker acknowledged inflight.front(): it started it (it runs it, or
  // the answer is on its way). The requests after the front never started.
  bool head_started = false;
  int64_t started_at = 0;   // When that acknowledgement was read.
  int64_t budget = -1;      // Requests it may still be sent; -1: no limit.
  int64_t head_start = 0;   // When inflight.front() became the first (for
                            // the service time).
  int64_t service_ns = -1;  // Average recent task time; -1: not known yet.
  bool retiring = false;    // Budget spent: gets no more; already replaced.
  bool reaped = false;
  // Why the supervisor killed it, the task it was killed for, and what that
  // task gets.
  processes_internal::PoolKillReason kill_reason =
      processes_internal::PoolKillReason::kNone;
  const processes_internal::PoolJob* kill_target = nullptr;
  absl::Status kill_status;
  // Set when it sent a malformed answer: the error, and how many requests
  // were whole in its pipe then. What it sent after is not read.
  absl::Status malformed;
  size_t malformed_written = 0;
};

// The supervisor thread's state and work. Only that thread touches it.
struct ProcessPool::Supervisor {
  explicit Supervisor(ProcessPool& pool)
      : pool(pool),
        timeout_ns(pool.task_timeout_ == absl::InfiniteDuration()
                       ? -1
                       : absl::ToInt64Nanoseconds(pool.task_timeout_)) {}

  // The thread's body: forks the workers, then loops until every worker is
  // reaped after Shutdown() or ShutdownNow().
  void Run();
  // Moves the pool's queue into `backlog` and notes shutdown requests.
  // Returns whether there was anything new.
  bool TakeSubmissions();
  // One round of work between two epoll_waits.
  void Step();
  // ShutdownNow(): fails every task and kills every worker.
  void StopEverything();
  // Forks the workers in `to_spawn` (not before `spawn_retry_at`).
  void SpawnPending(int64_t now);
  absl::Status Spawn(int index);
  // How many requests `worker` may have in flight.
  size_t Window(const Worker& worker) const;
  // Moves tasks from `backlog` to the least loaded workers and sends them.
  void Dispatch(int64_t now);
  void FlushWrites(Worker& worker);
  void SetWantWrite(Worker& worker, bool want);
  void StopWriting(Worker& worker);
  void ReadResponses(Worker& worker);
  void ProcessResponses(Worker& worker);
  // Stops reading `worker`'s answers (what follows a malformed one).
  void StopReading(Worker& worker);
  // The worker's pidfd is readable: reaps it, fails the task it had started
  // and re-queues the others, and schedules its replacement.
  void HandleExit(Worker& worker);
  // How many of the requests of the dead `worker` may have started, from
  // the first: they fail, with `reason` (the cause of death unless this
  // moves another in, from `worker`). `exit_code` is -1 unless the worker
  // exited.
  size_t StartedAtDeath(Worker& worker, int exit_code,
                        absl::Status& reason) const;
  // SIGKILLs `worker` (once) for `target`, which will fail with `status`.
  void Kill(Worker& worker, processes_internal::PoolKillReason reason,
            const processes_internal::PoolJob* target, absl::Status status);
  void CheckDeadlines(int64_t now);
  int NextTimeoutMs(int64_t now) const;
  bool Idle() const;
  void SendExit();
  void RemoveReaped();
  void PublishPids();
  void FailBacklog(const absl::Status& status);
  int ServingWorkers() const;

  ProcessPool& pool;
  const int64_t timeout_ns;
  std::vector<std::unique_ptr<Worker>> workers;
  // Tasks taken from the pool's queue, not yet sent, oldest first.
  std::deque<std::unique_ptr<processes_internal::PoolJob>> backlog;
  // Worker indices that need a new process.
  std::vector<int> to_spawn;
  int64_t spawn_retry_at = 0;
  bool draining = false;   // Shutdown() began.
  bool stopping = false;   // ShutdownNow() began.
  bool stopped = false;    // ... and the supervisor stopped every task.
  bool exit_sent = false;  // Drained: the workers were told to exit.
};

}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_INTERNAL_POOL_SUPERVISOR_H_
