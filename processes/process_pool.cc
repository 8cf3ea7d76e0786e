// Copyright 2026 The multirun Authors.
//
// ProcessPool's own methods: creation, submission, shutdown and the
// snapshots. The supervisor thread they hand work to is in
// internal/pool_supervisor.cc, the worker processes' loop in
// internal/pool_worker.cc and the task registry in internal/pool_registry.cc.

#include "multirun/processes/process_pool.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/base/check.h"
#include "multirun/processes/internal/pool_job.h"
#include "multirun/processes/internal/process_io.h"
#include "multirun/sync/lock_holder.h"
#include "processes/internal/pool_supervisor.h"

namespace multirun {
namespace {

using processes_internal::CloseFd;
using processes_internal::PoolJob;

// This process's pid, kept by a fork handler: getpid() is a system call,
// too slow for every Submit().
constinit std::atomic<pid_t> g_pid{0};

void RefreshPid() { g_pid.store(getpid(), std::memory_order_relaxed); }

pid_t CurrentPid() {
  static const bool registered = [] {
    RefreshPid();
    pthread_atfork(nullptr, nullptr, &RefreshPid);
    return true;
  }();
  (void)registered;
  return g_pid.load(std::memory_order_relaxed);
}

absl::Status ValidateOptions(const ProcessPoolOptions& options) {
  if (options.workers < 0 || options.workers > ProcessPool::kMaxWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("ProcessPool: workers must be in [0, ",
                     ProcessPool::kMaxWorkers, "], got ", options.workers));
  }
  if (options.max_tasks_per_worker < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ProcessPool: max_tasks_per_worker must be >= 0, got ",
                     options.max_tasks_per_worker));
  }
  if (options.task_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ProcessPool: task_timeout must be positive, got ",
                     absl::FormatDuration(options.task_timeout)));
  }
  if (options.pipeline_depth < 1 ||
      options.pipeline_depth > ProcessPool::kMaxPipelineDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ProcessPool: pipeline_depth must be in [1, ",
        ProcessPool::kMaxPipelineDepth, "], got ", options.pipeline_depth));
  }
  if (options.name.empty()) {
    return absl::InvalidArgumentError("ProcessPool: name must not be empty");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessPool>> ProcessPool::Create(
    Options options) {
  if (absl::Status status = ValidateOptions(options); !status.ok()) {
    return status;
  }
  int workers = options.workers;
  if (workers == 0) {
    workers =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  auto pool = absl::WrapUnique(new ProcessPool(options, workers));
  pool->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (pool->epoll_fd_ < 0) {
    return processes_internal::ErrnoStatus("epoll_create1", errno);
  }
  pool->event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (pool->event_fd_ < 0) {
    return processes_internal::ErrnoStatus("eventfd", errno);
  }
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;
  if (epoll_ctl(pool->epoll_fd_, EPOLL_CTL_ADD, pool->event_fd_, &event) != 0) {
    return processes_internal::ErrnoStatus("epoll_ctl", errno);
  }
  {
    LockHolder hold(pool->join_lock_);
    try {
      pool->supervisor_ = std::thread([raw = pool.get()] { raw->Supervise(); });
    } catch (const std::system_error& error) {
      return absl::ResourceExhaustedError(
          absl::StrCat("ProcessPool ", options.name,
                       ": cannot start its supervisor thread: ", error.what()));
    }
  }
  pool->started_.Wait();
  if (!pool->start_status_.ok()) return pool->start_status_;
  return pool;
}

ProcessPool::ProcessPool(const Options& options, int workers)
    : workers_(workers),
      max_tasks_per_worker_(options.max_tasks_per_worker),
      task_timeout_(options.task_timeout),
      pipeline_depth_(options.pipeline_depth),
      name_(options.name),
      owner_pid_(CurrentPid()) {}

ProcessPool::~ProcessPool() {
  if (OnSupervisorThread()) {
    base_internal::Fatal(absl::StrCat(
        "ProcessPool ", name_,
        " destroyed on its own supervisor thread (by a future's callback); "
        "it would wait for itself"));
  }
  if (CurrentPid() != owner_pid_) {
    // A fork of the owner: the supervisor thread does not exist here, and
    // the workers are not this process's children.
    LockHolder hold(join_lock_);
    if (supervisor_.joinable()) supervisor_.detach();
  } else {
    Shutdown().IgnoreError();  // Only fails on the supervisor thread.
  }
  CloseFd(epoll_fd_);
  CloseFd(event_fd_);
}

void ProcessPool::Wake() {
  const uint64_t one = 1;
  while (write(event_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

// Pushes the job under the queue lock and writes the eventfd only when the
// supervisor has announced that it sleeps (`sleeping_`): while it works, a
// submission costs a lock and a push. The supervisor looks at the queue once
// more after the announcement, so a submission is never missed.
void ProcessPool::Enqueue(std::unique_ptr<PoolJob> job) {
  if (CurrentPid() != owner_pid_) {
    job->Fail(absl::FailedPreconditionError(
        absl::StrCat("ProcessPool ", name_, " belongs to process ", owner_pid_,
                     "; it cannot be used in process ", getpid(),
                     " (one of its workers, or another fork)")));
    return;
  }
  {
    LockHolder hold(queue_lock_);
    if (!closed_) queue_.push_back(std::move(job));
  }
  if (job != nullptr) {
    job->Fail(absl::FailedPreconditionError(
        absl::StrCat("ProcessPool ", name_, " is shut down")));
    return;
  }
  counters_.tasks_submitted.fetch_add(1, std::memory_order_relaxed);
  if (sleeping_.load(std::memory_order_relaxed) && sleeping_.exchange(false)) {
    Wake();
  }
}

void ProcessPool::EnqueueAll(std::vector<std::unique_ptr<PoolJob>> jobs) {
  if (CurrentPid() != owner_pid_) {
    for (auto& job : jobs) Enqueue(std::move(job));  // Each fails.
    return;
  }
  bool accepted = false;
  {
    LockHolder hold(queue_lock_);
    if (!closed_) {
      for (auto& job : jobs) queue_.push_back(std::move(job));
      accepted = true;
    }
  }
  if (!accepted) {
    for (auto& job : jobs) {
      job->Fail(absl::FailedPreconditionError(
          absl::StrCat("ProcessPool ", name_, " is shut down")));
    }
    return;
  }
  counters_.tasks_submitted.fetch_add(static_cast<int64_t>(jobs.size()),
                                      std::memory_order_relaxed);
  if (sleeping_.load(std::memory_order_relaxed) && sleeping_.exchange(false)) {
    Wake();
  }
}

absl::Status ProcessPool::Shutdown() {
  {
    LockHolder hold(queue_lock_);
    closed_ = true;
  }
  if (OnSupervisorThread()) {
    Wake();
    return absl::FailedPreconditionError(absl::StrCat(
        "ProcessPool ", name_,
        ": Shutdown() on the supervisor thread (in a future's callback) "
        "would wait for itself"));
  }
  LockHolder hold(join_lock_);
  if (supervisor_.joinable()) {
    Wake();
    supervisor_.join();
  }
  return absl::OkStatus();
}

size_t ProcessPool::ShutdownNow() {
  std::deque<std::unique_ptr<PoolJob>> dropped;
  {
    LockHolder hold(queue_lock_);
    closed_ = true;
    stop_now_ = true;
    dropped.swap(queue_);
  }
  const absl::Status cancelled =
      absl::CancelledError("cancelled by ProcessPool::ShutdownNow");
  size_t count = 0;
  for (auto& job : dropped) count += job->Fail(cancelled);
  dropped.clear();
  counters_.tasks_cancelled.fetch_add(count, std::memory_order_relaxed);
  Wake();
  if (!OnSupervisorThread()) {
    stopped_.Wait();
    count += stopped_count_.exchange(0);
  }
  return count;
}

std::vector<pid_t> ProcessPool::WorkerPids() const {
  LockHolder hold(pids_lock_);
  return pids_;
}

ProcessPoolStats ProcessPool::stats() const {
  ProcessPoolStats stats;
  stats.tasks_submitted = counters_.tasks_submitted.load();
  stats.tasks_answered = counters_.tasks_answered.load();
  stats.tasks_cancelled = counters_.tasks_cancelled.load();
  stats.tasks_killed = counters_.tasks_killed.load();
  stats.tasks_timed_out = counters_.tasks_timed_out.load();
  stats.tasks_resent = counters_.tasks_resent.load();
  stats.workers_started = counters_.workers_started.load();
  stats.workers_replaced = counters_.workers_replaced.load();
  stats.workers_recycled = counters_.workers_recycled.load();
  return stats;
}

bool ProcessPool::IsShutdown() const {
  LockHolder hold(queue_lock_);
  return closed_;
}

}  // namespace multirun
