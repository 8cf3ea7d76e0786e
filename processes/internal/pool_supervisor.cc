// Copyright 2026 The multirun Authors.
//
// The ProcessPool supervisor: the one thread per pool that owns the workers.
//
// Supervision. The thread (Supervisor::Run) blocks in epoll_wait over the
// workers' result pipes, a pidfd per worker and an eventfd for submissions
// and shutdown; its timeout is the nearest task deadline or fork retry (no
// polling). It forks the workers (at Create(), and to replace or recycle
// one), writes requests in batches (writev, no copy of the arguments), reads
// results in batches, completes the futures, reaps every worker (no zombies)
// and closes every descriptor.
//
// Pipelining. To keep workers busy on tiny tasks, each worker is sent up to
// `pipeline_depth` requests ahead of its answers, fewer when its recent
// tasks were slow (Window()), so that a slow task holds few others back.
//
// Acknowledgements. A worker acknowledges each request as it starts it, and
// answers each request before it starts the next (pool_protocol.h). The
// acknowledgement is written before the task runs, so once a dead worker is
// reaped, everything it wrote is in its pipe: HandleExit() reads it all, and
// then `head_started` says whether its first unanswered request had started.
// If it had, that task fails with the cause of death (or DeadlineExceeded
// when the pool killed the worker for it). Every other unanswered request
// had not started: they all go back to the front of the backlog, to the
// other workers or the replacement, whenever and however the worker died
// (idle, reading, killed from outside). A request therefore runs at most
// once, and a task that did not start never fails for its worker's death.
// Two deaths are told apart from those: a worker that cannot allocate, or
// parse, the request it reads exits with a code of its own (pool_worker.h),
// and that request fails (sent again, it would kill the next worker too);
// and after a malformed answer the rest of the worker's answers are not
// read, so every request that was whole in its pipe may have started, and
// fails.
//
// task_timeout runs from when the acknowledgement is read: a request waiting
// in a pipe is not timed.
//
// Recycling. A worker with `max_tasks_per_worker` is sent that many requests
// at most; when its budget is spent its successor is forked at once, and the
// worker exits by itself after its last answer.

#include "processes/internal/pool_supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/codec/codec.h"
#include "multirun/executors/worker.h"
#include "multirun/processes/internal/pool_job.h"
#include "multirun/processes/internal/pool_protocol.h"
#include "multirun/processes/internal/pool_worker.h"
#include "multirun/processes/internal/process_io.h"
#include "multirun/processes/process_pool.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace {

using processes_internal::CloseFd;
using processes_internal::kPoolErrorKind;
using processes_internal::kPoolFrameHeader;
using processes_internal::kPoolResultKind;
using processes_internal::kPoolStartedKind;
using processes_internal::kPoolStartsNextFlag;
using processes_internal::PoolJob;
using KillReason = processes_internal::PoolKillReason;

// Requests one writev() sends at most.
constexpr int kMaxIov = 64;
// How long to wait before trying again to fork a worker that failed to fork.
constexpr int64_t kSpawnRetryNanos = 100'000'000;

// The pool whose supervisor runs on this thread.
thread_local const ProcessPool* t_supervised_pool = nullptr;

int64_t MonotonicNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Clears a SIGPIPE that a write to a closed pipe left pending on this thread
// (the supervisor blocks SIGPIPE).
void ConsumeSigpipe() {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  timespec zero = {0, 0};
  while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
  }
}

}  // namespace

void ProcessPool::Supervise() { Supervisor(*this).Run(); }

bool ProcessPool::OnSupervisorThread() const {
  return t_supervised_pool == this;
}

void ProcessPool::Supervisor::Run() {
  t_supervised_pool = &pool;
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  const std::string thread_name = pool.name_.substr(0, 15);
  pthread_setname_np(pthread_self(), thread_name.c_str());

  for (int index = 0; index < pool.workers_; ++index) {
    absl::Status status = Spawn(index);
    if (!status.ok()) {
      for (auto& worker : workers) kill(worker->pid, SIGKILL);
      for (auto& worker : workers) {
        while (waitpid(worker->pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        CloseFd(worker->request_fd);
        CloseFd(worker->response_fd);
        CloseFd(worker->pidfd);
      }
      workers.clear();
      pool.start_status_ = absl::Status(
          status.code(),
          absl::StrCat("ProcessPool ", pool.name_,
                       ": cannot start a worker: ", status.message()));
      pool.started_.Set();
      pool.stopped_.Set();
      return;
    }
  }
  PublishPids();
  pool.started_.Set();

  epoll_event events[64];
  while (true) {
    Step();
    if ((stopped || exit_sent) && workers.empty()) break;
    // Announce the sleep, then look at the queue once more: a submission
    // either is seen here or sees `sleeping_` and writes the eventfd (the
    // queue lock orders the two).
    pool.sleeping_.store(true);
    const bool more = TakeSubmissions();
    if (more) pool.sleeping_.store(false);
    const int timeout = more ? 0 : NextTimeoutMs(MonotonicNanos());
    const int ready = epoll_wait(pool.epoll_fd_, events, 64, timeout);
    pool.sleeping_.store(false);
    for (int i = 0; i < ready; ++i) {
      auto* tag = static_cast<Worker::Tag*>(events[i].data.ptr);
      if (tag == nullptr) {  // The eventfd.
        uint64_t count;
        while (read(pool.event_fd_, &count, sizeof(count)) < 0 &&
               errno == EINTR) {
        }
        continue;
      }
      Worker& worker = *tag->worker;
      if (worker.reaped) continue;
      switch (tag->kind) {
        case Worker::kResponse:
          ReadResponses(worker);
          break;
        case Worker::kExit:
          HandleExit(worker);
          break;
        case Worker::kRequest:
          if (events[i].events & (EPOLLERR | EPOLLHUP)) {
            StopWriting(worker);  // Its reader is gone: it is dying.
          } else {
            FlushWrites(worker);
          }
          break;
      }
    }
    CheckDeadlines(MonotonicNanos());
    RemoveReaped();
  }
  // Nothing can be left, but a future must never hang.
  FailBacklog(absl::CancelledError(
      absl::StrCat("ProcessPool ", pool.name_, " stopped")));
  PublishPids();
  pool.stopped_.Set();
}

bool ProcessPool::Supervisor::TakeSubmissions() {
  bool more = false;
  LockHolder hold(pool.queue_lock_);
  if (!pool.queue_.empty()) {
    if (backlog.empty()) {
      backlog.swap(pool.queue_);
    } else {
      for (auto& job : pool.queue_) backlog.push_back(std::move(job));
      pool.queue_.clear();
    }
    more = true;
  }
  if (pool.stop_now_ && !stopping) stopping = more = true;
  if (pool.closed_ && !draining) draining = more = true;
  return more;
}

void ProcessPool::Supervisor::Step() {
  TakeSubmissions();
  if (stopping && !stopped) StopEverything();
  const int64_t now = MonotonicNanos();
  SpawnPending(now);
  Dispatch(now);
  if (draining && !stopping && !exit_sent && Idle()) SendExit();
}

void ProcessPool::Supervisor::StopEverything() {
  const absl::Status cancelled =
      absl::CancelledError("cancelled by ProcessPool::ShutdownNow");
  size_t count = 0;
  for (auto& job : backlog) count += job->Fail(cancelled);
  backlog.clear();
  for (auto& worker : workers) {
    if (worker->reaped) continue;
    if (worker->kill_reason == KillReason::kNone) kill(worker->pid, SIGKILL);
    worker->kill_reason = KillReason::kStop;
    for (auto& job : worker->inflight) count += job->Fail(cancelled);
    worker->inflight.clear();
    worker->written = worker->offset = 0;
    StopWriting(*worker);
  }
  to_spawn.clear();
  stopped = true;
  pool.counters_.tasks_cancelled.fetch_add(count, std::memory_order_relaxed);
  pool.stopped_count_.fetch_add(count);
  pool.stopped_.Set();
}

void ProcessPool::Supervisor::SpawnPending(int64_t now) {
  if (to_spawn.empty() || stopping || exit_sent || now < spawn_retry_at) {
    return;
  }
  std::vector<int> failed;
  absl::Status error;
  for (int index : to_spawn) {
    absl::Status status = Spawn(index);
    if (!status.ok()) {
      failed.push_back(index);
      error = std::move(status);
    }
  }
  to_spawn = std::move(failed);
  if (!to_spawn.empty()) {
    spawn_retry_at = now + kSpawnRetryNanos;
    // With no worker at all, queued tasks would wait for a fork that may
    // never work: fail them now, try again for later ones.
    if (ServingWorkers() == 0) {
      FailBacklog(absl::Status(
          error.code(),
          absl::StrCat("ProcessPool ", pool.name_,
                       ": no worker could be started: ", error.message())));
    }
  }
  PublishPids();
}

absl::Status ProcessPool::Supervisor::Spawn(int index) {
  int request[2];
  int response[2];
  if (pipe2(request, O_CLOEXEC) != 0) {
    return processes_internal::ErrnoStatus("pipe", errno);
  }
  if (pipe2(response, O_CLOEXEC) != 0) {
    const int error = errno;
    close(request[0]);
    close(request[1]);
    return processes_internal::ErrnoStatus("pipe", error);
  }
  // Every descriptor of the pool but the worker's own two ends: a worker
  // must not keep another worker's pipes open.
  std::vector<int> close_fds = {pool.epoll_fd_, pool.event_fd_, request[1],
                                response[0]};
  for (const auto& other : workers) {
    for (int fd : {other->request_fd, other->response_fd, other->pidfd}) {
      if (fd >= 0) close_fds.push_back(fd);
    }
  }
  WorkerInfo info;
  info.executor = pool.name_;
  info.index = index;
  info.name = absl::StrCat(pool.name_, "-", index);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    processes_internal::RunPoolWorker(request[0], response[1], close_fds, info,
                                      parent, pool.max_tasks_per_worker_);
  }
  const int fork_error = errno;
  close(request[0]);
  close(response[1]);
  if (pid < 0) {
    close(request[1]);
    close(response[0]);
    return processes_internal::ErrnoStatus("fork", fork_error);
  }
  auto worker = std::make_unique<Worker>();
  worker->index = index;
  worker->pid = pid;
  worker->request_fd = request[1];
  worker->response_fd = response[0];
  // The syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.
  worker->pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  absl::Status status;
  if (worker->pidfd < 0) {
    status = processes_internal::ErrnoStatus("pidfd_open", errno);
  } else if (fcntl(worker->request_fd, F_SETFL, O_NONBLOCK) != 0 ||
             fcntl(worker->response_fd, F_SETFL, O_NONBLOCK) != 0) {
    status = processes_internal::ErrnoStatus("fcntl", errno);
  } else {
    epoll_event request_event = {};
    request_event.events = 0;
    request_event.data.ptr = &worker->request_tag;
    epoll_event response_event = {};
    response_event.events = EPOLLIN;
    response_event.data.ptr = &worker->response_tag;
    epoll_event exit_event = {};
    exit_event.events = EPOLLIN;
    exit_event.data.ptr = &worker->exit_tag;
    if (epoll_ctl(pool.epoll_fd_, EPOLL_CTL_ADD, worker->request_fd,
                  &request_event) != 0 ||
        epoll_ctl(pool.epoll_fd_, EPOLL_CTL_ADD, worker->response_fd,
                  &response_event) != 0 ||
        epoll_ctl(pool.epoll_fd_, EPOLL_CTL_ADD, worker->pidfd, &exit_event) !=
            0) {
      status = processes_internal::ErrnoStatus("epoll_ctl", errno);
    }
  }
  if (!status.ok()) {
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    // Closing them takes them out of the epoll set too.
    CloseFd(worker->request_fd);
    CloseFd(worker->response_fd);
    CloseFd(worker->pidfd);
    return status;
  }
  if (pool.max_tasks_per_worker_ > 0) {
    worker->budget = pool.max_tasks_per_worker_;
  }
  workers.push_back(std::move(worker));
  pool.counters_.workers_started.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

size_t ProcessPool::Supervisor::Window(const Worker& worker) const {
  const size_t depth = static_cast<size_t>(pool.pipeline_depth_);
  // Until a worker's speed is known, and for slow tasks, one at a time: a
  // slow task must not hold others back while another worker is idle.
  if (worker.service_ns < 0) return 1;
  if (worker.service_ns < 200'000) return depth;
  if (worker.service_ns < 2'000'000) return std::min<size_t>(depth, 4);
  return 1;
}

void ProcessPool::Supervisor::Dispatch(int64_t now) {
  if (stopping) return;
  // A second round when the first retired workers whose successors can take
  // what is left.
  for (int round = 0; round < 2 && !backlog.empty(); ++round) {
    while (!backlog.empty()) {
      Worker* best = nullptr;
      for (auto& worker : workers) {
        if (worker->reaped || worker->retiring ||
            worker->kill_reason != KillReason::kNone ||
            worker->request_fd < 0 ||
            worker->inflight.size() >= Window(*worker)) {
          continue;
        }
        if (best == nullptr ||
            worker->inflight.size() < best->inflight.size()) {
          best = worker.get();
        }
      }
      if (best == nullptr) break;
      std::unique_ptr<PoolJob> job = std::move(backlog.front());
      backlog.pop_front();
      if (!job->started) {
        if (!job->TryStart()) {  // Cancelled while queued.
          pool.counters_.tasks_cancelled.fetch_add(1,
                                                   std::memory_order_relaxed);
          continue;
        }
        job->started = true;
      }
      if (best->inflight.empty()) best->head_start = now;
      best->inflight.push_back(std::move(job));
      if (best->budget > 0 && --best->budget == 0) {
        // It exits after this request; its successor starts now.
        best->retiring = true;
        to_spawn.push_back(best->index);
        pool.counters_.workers_recycled.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (to_spawn.empty()) break;
    SpawnPending(now);
  }
  for (auto& worker : workers) {
    if (worker->written < worker->inflight.size()) FlushWrites(*worker);
  }
}

void ProcessPool::Supervisor::FlushWrites(Worker& worker) {
  while (worker.request_fd >= 0 && worker.written < worker.inflight.size()) {
    iovec iov[kMaxIov];
    int count = 0;
    for (size_t i = worker.written;
         i < worker.inflight.size() && count < kMaxIov; ++i, ++count) {
      const std::string& frame = worker.inflight[i]->frame;
      const size_t skip = i == worker.written ? worker.offset : 0;
      iov[count].iov_base = const_cast<char*>(frame.data()) + skip;
      iov[count].iov_len = frame.size() - skip;
    }
    ssize_t sent = writev(worker.request_fd, iov, count);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        SetWantWrite(worker, true);
        return;
      }
      if (errno == EPIPE) ConsumeSigpipe();
      // The worker is gone (or going): its pidfd will say how.
      StopWriting(worker);
      return;
    }
    while (sent > 0) {
      const size_t left =
          worker.inflight[worker.written]->frame.size() - worker.offset;
      if (static_cast<size_t>(sent) >= left) {
        sent -= static_cast<ssize_t>(left);
        ++worker.written;
        worker.offset = 0;
      } else {
        worker.offset += static_cast<size_t>(sent);
        sent = 0;
      }
    }
  }
  SetWantWrite(worker, false);
}

void ProcessPool::Supervisor::SetWantWrite(Worker& worker, bool want) {
  if (worker.want_write == want || worker.request_fd < 0) return;
  epoll_event event = {};
  event.events = want ? uint32_t{EPOLLOUT} : uint32_t{0};
  event.data.ptr = &worker.request_tag;
  epoll_ctl(pool.epoll_fd_, EPOLL_CTL_MOD, worker.request_fd, &event);
  worker.want_write = want;
}

void ProcessPool::Supervisor::StopWriting(Worker& worker) {
  if (worker.request_fd < 0) return;
  epoll_ctl(pool.epoll_fd_, EPOLL_CTL_DEL, worker.request_fd, nullptr);
  CloseFd(worker.request_fd);
  worker.want_write = false;
}

void ProcessPool::Supervisor::ReadResponses(Worker& worker) {
  if (worker.response_fd < 0) return;
  const int64_t got = worker.responses.ReadAvailable(worker.response_fd);
  if (got > 0) {
    ProcessResponses(worker);
  } else if (got == 0 || got == -2) {
    // The worker closed its end: it is exiting (its pidfd will say how), or
    // a task closed the descriptor (the worker exits when it answers).
    epoll_ctl(pool.epoll_fd_, EPOLL_CTL_DEL, worker.response_fd, nullptr);
    CloseFd(worker.response_fd);
  }
}

void ProcessPool::Supervisor::ProcessResponses(Worker& worker) {
  const int64_t now = MonotonicNanos();
  int64_t answered = 0;
  while (std::optional<absl::string_view> frame =
             worker.responses.PeekFrame()) {
    if (worker.kill_reason == KillReason::kStop) {
      worker.responses.TakeFrame();  // Its tasks are cancelled already.
      continue;
    }
    const char kind = frame->empty() ? char{-1} : frame->front();
    const char answer_kind = static_cast<char>(kind & ~kPoolStartsNextFlag);
    bool valid = false;
    if (kind == kPoolStartedKind) {
      // Only a request sent whole can start.
      valid = frame->size() == 1 && !worker.head_started && worker.written > 0;
    } else if (answer_kind == kPoolResultKind ||
               answer_kind == kPoolErrorKind) {
      valid =
          worker.head_started && (kind == answer_kind || worker.written > 1);
    }
    if (!valid) {
      worker.malformed = absl::InternalError(
          absl::StrCat("ProcessPool ", pool.name_, ": worker process ",
                       worker.pid, " sent a malformed or unrequested answer"));
      worker.malformed_written = worker.written;
      // The tasks fail with `malformed` (see StartedAtDeath()).
      Kill(worker, KillReason::kProtocol, nullptr, absl::OkStatus());
      StopReading(worker);  // Everything after it is suspect.
      break;
    }
    if (kind == kPoolStartedKind) {
      worker.head_started = true;
      worker.started_at = now;
      worker.responses.TakeFrame();
      continue;
    }
    PoolJob& job = *worker.inflight.front();
    absl::string_view payload = frame->substr(1);
    // Counted first: whoever sees the future ready sees the count.
    pool.counters_.tasks_answered.fetch_add(1, std::memory_order_relaxed);
    if (answer_kind == kPoolResultKind) {
      job.Complete(payload, worker.pid);
    } else {
      absl::StatusOr<absl::Status> error = Decode<absl::Status>(payload);
      job.Fail(!error.ok()
                   ? absl::InternalError(absl::StrCat(
                         "task ", job.task_name, ": worker process ",
                         worker.pid, " sent an error that does not decode: ",
                         error.status().message()))
               : error->ok() ? absl::InternalError(absl::StrCat(
                                   "task ", job.task_name, ": worker process ",
                                   worker.pid, " sent an OK error"))
                             : *std::move(error));
    }
    worker.responses.TakeFrame();
    worker.inflight.pop_front();
    --worker.written;
    ++answered;
    worker.head_started = kind != answer_kind;
    worker.started_at = now;
  }
  if (answered == 0) return;
  const int64_t each = (now - worker.head_start) / answered;
  worker.service_ns =
      worker.service_ns < 0 ? each : (3 * worker.service_ns + each) / 4;
  worker.head_start = now;
  // A retiring worker exits by itself after its last answer.
  if (worker.retiring && worker.inflight.empty()) StopWriting(worker);
}

void ProcessPool::Supervisor::StopReading(Worker& worker) {
  worker.responses = processes_internal::FrameBuffer();
  if (worker.response_fd < 0) return;
  epoll_ctl(pool.epoll_fd_, EPOLL_CTL_DEL, worker.response_fd, nullptr);
  CloseFd(worker.response_fd);
}

void ProcessPool::Supervisor::Kill(Worker& worker, KillReason reason,
                                   const PoolJob* target, absl::Status status) {
  if (worker.kill_reason != KillReason::kNone) return;
  if (!worker.reaped) kill(worker.pid, SIGKILL);
  worker.kill_reason = reason;
  worker.kill_target = target;
  worker.kill_status = std::move(status);
  PublishPids();
}

void ProcessPool::Supervisor::HandleExit(Worker& worker) {
  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(worker.pid, &wait_status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) return;  // Not yet.
  // From here on its pid may belong to another process: never signal it.
  worker.reaped = true;
  absl::Status death =
      reaped == worker.pid
          ? processes_internal::StatusFromWaitStatus(worker.pid, wait_status)
          : absl::InternalError(absl::StrCat(
                "task process ", worker.pid,
                " ended and was reaped elsewhere (waitpid(-1) in the "
                "process?)"));
  // Everything it wrote is in the pipe now.
  while (worker.response_fd >= 0) {
    const int64_t got = worker.responses.ReadAvailable(worker.response_fd);
    if (got <= 0) break;
    ProcessResponses(worker);
  }
  StopWriting(worker);
  StopReading(worker);
  epoll_ctl(pool.epoll_fd_, EPOLL_CTL_DEL, worker.pidfd, nullptr);
  CloseFd(worker.pidfd);

  if (!worker.inflight.empty()) {
    absl::Status reason = std::move(death);
    const size_t started =
        StartedAtDeath(worker,
                       reaped == worker.pid && WIFEXITED(wait_status)
                           ? WEXITSTATUS(wait_status)
                           : -1,
                       reason);
    pool.counters_.tasks_killed.fetch_add(started, std::memory_order_relaxed);
    for (size_t i = 0; i < started; ++i) {
      // The last one takes the status itself: the supervisor keeps no copy
      // that could outlive the futures' (a status shares its message
      // between copies, with a reference count).
      if (i + 1 < started) {
        worker.inflight.front()->Fail(reason);
      } else {
        worker.inflight.front()->Fail(std::move(reason));
      }
      worker.inflight.pop_front();
    }
    // The rest never started: they go first to the other workers.
    pool.counters_.tasks_resent.fetch_add(worker.inflight.size(),
                                          std::memory_order_relaxed);
    while (!worker.inflight.empty()) {
      backlog.push_front(std::move(worker.inflight.back()));
      worker.inflight.pop_back();
    }
  }
  worker.written = worker.offset = 0;
  worker.head_started = false;
  if (!worker.retiring && !stopping && !exit_sent) {
    to_spawn.push_back(worker.index);
    pool.counters_.workers_replaced.fetch_add(1, std::memory_order_relaxed);
  }
  PublishPids();
}

size_t ProcessPool::Supervisor::StartedAtDeath(Worker& worker, int exit_code,
                                               absl::Status& reason) const {
  const PoolJob& first = *worker.inflight.front();
  if (!worker.malformed.ok()) {
    // What it wrote after the malformed answer was not read: any request
    // that was whole in its pipe then may have started.
    reason = std::move(worker.malformed);
    return std::min(worker.malformed_written, worker.inflight.size());
  }
  if (worker.head_started) {
    // The pool killed it for this task (a timeout that it did not answer in
    // time); otherwise the death is the task's, whoever caused it.
    if (worker.kill_reason == KillReason::kTimeout &&
        &first == worker.kill_target) {
      reason = std::move(worker.kill_status);
    }
    return 1;
  }
  // It died before it started the first request: sent again, unless it
  // died of that request, which it says with its exit code.
  if (exit_code == processes_internal::kRequestTooLargeExitCode) {
    reason = absl::ResourceExhaustedError(
        absl::StrCat("task ", first.task_name, ": worker process ", worker.pid,
                     " could not allocate the memory to read its request of ",
                     first.frame.size(), " bytes"));
    return 1;
  }
  if (exit_code == processes_internal::kBadRequestExitCode) {
    reason = absl::InternalError(absl::StrCat("task ", first.task_name,
                                              ": worker process ", worker.pid,
                                              " could not parse its request"));
    return 1;
  }
  return 0;
}

void ProcessPool::Supervisor::CheckDeadlines(int64_t now) {
  if (timeout_ns < 0) return;
  for (auto& worker : workers) {
    if (worker->reaped || worker->kill_reason != KillReason::kNone ||
        !worker->head_started || now - worker->started_at < timeout_ns) {
      continue;
    }
    const PoolJob& job = *worker->inflight.front();
    Kill(*worker, KillReason::kTimeout, &job,
         absl::DeadlineExceededError(
             absl::StrCat("task ", job.task_name, " timed out after ",
                          absl::FormatDuration(pool.task_timeout_),
                          " in process ", worker->pid, " (killed)")));
    pool.counters_.tasks_timed_out.fetch_add(1, std::memory_order_relaxed);
  }
}

int ProcessPool::Supervisor::NextTimeoutMs(int64_t now) const {
  int64_t next = std::numeric_limits<int64_t>::max();
  if (!to_spawn.empty() && !stopping && !exit_sent) {
    next = std::min(next, spawn_retry_at);
  }
  if (timeout_ns >= 0) {
    for (const auto& worker : workers) {
      if (worker->reaped || worker->kill_reason != KillReason::kNone ||
          !worker->head_started) {
        continue;
      }
      next = std::min(next, worker->started_at + timeout_ns);
    }
  }
  if (next == std::numeric_limits<int64_t>::max()) return -1;
  if (next <= now) return 0;
  // Round up: waking early would only loop.
  const int64_t ms = (next - now + 999'999) / 1'000'000;
  return static_cast<int>(std::min<int64_t>(ms, 1'000'000));
}

bool ProcessPool::Supervisor::Idle() const {
  if (!backlog.empty()) return false;
  for (const auto& worker : workers) {
    if (!worker->inflight.empty()) return false;
  }
  return true;
}

void ProcessPool::Supervisor::SendExit() {
  // An empty frame, then EOF: the frame works even if some other process
  // (a fork made elsewhere in the program) holds a copy of the write end.
  static constexpr char kExitFrame[kPoolFrameHeader] = {};
  for (auto& worker : workers) {
    if (worker->request_fd >= 0) {
      ssize_t ignored = write(worker->request_fd, kExitFrame, kPoolFrameHeader);
      if (ignored < 0 && errno == EPIPE) ConsumeSigpipe();
    }
    StopWriting(*worker);
  }
  to_spawn.clear();
  exit_sent = true;
}

void ProcessPool::Supervisor::RemoveReaped() {
  workers.erase(std::remove_if(workers.begin(), workers.end(),
                               [](const std::unique_ptr<Worker>& worker) {
                                 return worker->reaped;
                               }),
                workers.end());
}

void ProcessPool::Supervisor::PublishPids() {
  std::vector<std::pair<int, pid_t>> serving;
  for (const auto& worker : workers) {
    if (!worker->reaped && !worker->retiring &&
        worker->kill_reason == KillReason::kNone) {
      serving.emplace_back(worker->index, worker->pid);
    }
  }
  std::sort(serving.begin(), serving.end());
  std::vector<pid_t> pids;
  pids.reserve(serving.size());
  for (const auto& [index, pid] : serving) pids.push_back(pid);
  LockHolder hold(pool.pids_lock_);
  pool.pids_ = std::move(pids);
}

void ProcessPool::Supervisor::FailBacklog(const absl::Status& status) {
  for (auto& job : backlog) job->Fail(status);
  backlog.clear();
}

int ProcessPool::Supervisor::ServingWorkers() const {
  int serving = 0;
  for (const auto& worker : workers) {
    serving += !worker->reaped && !worker->retiring &&
               worker->kill_reason == KillReason::kNone;
  }
  return serving;
}

}  // namespace multirun
