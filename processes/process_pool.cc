// Copyright 2026 The multirun Authors.
//
// The protocol between the supervisor and a worker. Both directions carry
// frames of process_io.h (an 8-byte little-endian length, then the payload).
//   request:  [u32 task number][Codec-encoded std::tuple of the arguments]
//             An empty payload asks the worker to exit (Shutdown).
//   response: [u8 kind][bytes]: kind kResult, an encoded FutureResult<T> of
//             the task; kind kError, an encoded absl::Status from the worker
//             itself (an unknown task number, an exception while encoding).
// A worker reads requests in batches, runs them one at a time in order, and
// writes each answer before it starts the next request, so its first
// unanswered request is always the one it is running.

#include "multirun/processes/process_pool.h"

#include <cxxabi.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
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
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/codec/codec.h"
#include "multirun/processes/internal/process_io.h"
#include "multirun/executors/worker.h"
#include "multirun/base/check.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace processes_internal {
namespace {

constexpr uint32_t kMaxPoolTasks = 4096;
constexpr size_t kFrameHeader = sizeof(uint64_t);

struct PoolTaskEntry {
  std::string name;
  const std::type_info* signature;
  PoolTaskRunner runner;
};

// Constant-initialised and append-only, so that a worker reads it without
// any lock or initialisation guard (another thread of the parent may have
// held those at the fork).
constinit std::atomic<const PoolTaskEntry*> g_tasks[kMaxPoolTasks] = {};
constinit std::atomic<uint32_t> g_task_count{0};

const PoolTaskEntry* PoolTaskById(uint32_t id) {
  if (id >= g_task_count.load(std::memory_order_acquire)) return nullptr;
  return g_tasks[id].load(std::memory_order_acquire);
}

std::string Demangle(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status != 0 || name == nullptr) return type.name();
  std::string out(name);
  std::free(name);
  return out;
}

}  // namespace

PoolTaskKey RegisterPoolTask(absl::string_view name,
                             const std::type_info& signature,
                             PoolTaskRunner runner) {
  if (name.empty()) {
    base_internal::Fatal("MULTIRUN_REGISTER_TASK: a task needs a name");
  }
  static Lock register_lock;  // Serialises writers; readers take no lock.
  LockHolder hold(register_lock);
  const uint32_t count = g_task_count.load(std::memory_order_relaxed);
  for (uint32_t id = 0; id < count; ++id) {
    const PoolTaskEntry* entry = g_tasks[id].load(std::memory_order_relaxed);
    if (entry->name != name) continue;
    if (*entry->signature == signature && entry->runner == runner) {
      return {id, entry->name};
    }
    base_internal::Fatal(absl::StrCat(
        "MULTIRUN_REGISTER_TASK: task \"", name,
        "\" is registered twice, for different functions (",
        Demangle(*entry->signature), " and ", Demangle(signature), ")"));
  }
  if (count == kMaxPoolTasks) {
    base_internal::Fatal(absl::StrCat("MULTIRUN_REGISTER_TASK: more than ",
                                      kMaxPoolTasks, " tasks (registering \"",
                                      name, "\")"));
  }
  auto* entry = new PoolTaskEntry{std::string(name), &signature, runner};
  g_tasks[count].store(entry, std::memory_order_release);
  g_task_count.store(count + 1, std::memory_order_release);
  return {count, entry->name};
}

absl::StatusOr<PoolTaskKey> FindPoolTask(absl::string_view name,
                                         const std::type_info& signature) {
  const uint32_t count = g_task_count.load(std::memory_order_acquire);
  for (uint32_t id = 0; id < count; ++id) {
    const PoolTaskEntry* entry = g_tasks[id].load(std::memory_order_acquire);
    if (entry->name != name) continue;
    if (*entry->signature != signature) {
      return absl::InvalidArgumentError(absl::StrCat(
          "task \"", name, "\" is registered as ", Demangle(*entry->signature),
          ", not submitted as ", Demangle(signature)));
    }
    return PoolTaskKey{id, entry->name};
  }
  return absl::NotFoundError(
      absl::StrCat("no task is registered as \"", name, "\""));
}

void SealPoolRequest(uint32_t task, std::string* frame) {
  const uint64_t size = frame->size() - kFrameHeader;
  std::memcpy(frame->data(), &size, kFrameHeader);
  std::memcpy(frame->data() + kFrameHeader, &task, sizeof(task));
}

}  // namespace processes_internal

namespace {

using processes_internal::PoolJob;

constexpr char kResultKind = 0;
constexpr char kErrorKind = 1;
constexpr size_t kFrameHeader = sizeof(uint64_t);
// The exit code of a worker that received a request it cannot parse.
constexpr int kBadRequestExitCode = 122;
// A worker's result buffer above this is freed after it is sent.
constexpr size_t kKeepBuffer = size_t{1} << 20;
// Requests one writev() sends at most.
constexpr int kMaxIov = 64;
// How long to wait before trying again to fork a worker that failed to fork.
constexpr int64_t kSpawnRetryNanos = 100'000'000;

// Why the supervisor killed a worker.
enum class KillReason { kNone, kTimeout, kProtocol, kStop };

// The pool whose supervisor runs on this thread.
thread_local const ProcessPool* t_supervised_pool = nullptr;

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

int64_t MonotonicNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
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

// Appends the response to `request` (a request payload) to `*out`, running
// the task. Runs in a worker.
void AnswerRequest(absl::string_view request, std::string* out) {
  uint32_t id;
  std::memcpy(&id, request.data(), sizeof(id));
  request.remove_prefix(sizeof(id));
  const size_t start = out->size();
  out->append(kFrameHeader + 1, '\0');
  char kind = kResultKind;
  const processes_internal::PoolTaskEntry* entry =
      processes_internal::PoolTaskById(id);
  if (entry == nullptr) {
    kind = kErrorKind;
    EncodeTo(absl::NotFoundError(absl::StrCat(
                 "task number ", id, " is not registered in worker process ",
                 getpid(), " (registered after the worker was forked?)")),
             out);
  } else {
    try {
      entry->runner(request, out);
    } catch (...) {  // bad_alloc, a throwing user codec.
      out->resize(start + kFrameHeader + 1);
      kind = kErrorKind;
      try {
        EncodeTo(base_internal::StatusFromCurrentException(), out);
      } catch (...) {
        processes_internal::ExitChild(
            processes_internal::kResultNotSentExitCode);
      }
    }
  }
  (*out)[start + kFrameHeader] = kind;
  const uint64_t size = out->size() - start - kFrameHeader;
  std::memcpy(out->data() + start, &size, kFrameHeader);
}

// Sends `*out` to the supervisor and empties it; exits if it cannot.
void Flush(int response_fd, std::string* out) {
  if (out->empty()) return;
  if (!processes_internal::WriteAll(response_fd, *out)) {
    processes_internal::ExitChild(processes_internal::kResultNotSentExitCode);
  }
  if (out->capacity() > kKeepBuffer) {
    std::string().swap(*out);
  } else {
    out->clear();
  }
}

// A worker's life, in the forked child. Touches nothing of the parent that
// another thread may have held at the fork: only its own pipes, the task
// registry (constant-initialised) and malloc.
[[noreturn]] void RunWorker(int request_fd, int response_fd,
                            const std::vector<int>& close_fds, WorkerInfo& info,
                            pid_t parent, int max_tasks) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Die with the supervisor thread; it may have died before this line.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) processes_internal::ExitChild(0);
  for (int fd : close_fds) close(fd);
  prctl(PR_SET_NAME, info.name.c_str());
  info.pid = getpid();
  info.thread_id = static_cast<uint32_t>(gettid());
  ScopedCurrentWorker current(&info);

  processes_internal::FrameBuffer requests;
  std::string out;
  int64_t done = 0;
  while (true) {
    while (std::optional<absl::string_view> request = requests.PeekFrame()) {
      // The previous answer leaves before the next task starts: if this
      // task kills the worker, the supervisor knows which one it was.
      Flush(response_fd, &out);
      if (request->empty()) processes_internal::ExitChild(0);  // Shutdown.
      if (request->size() < sizeof(uint32_t)) {
        processes_internal::ExitChild(kBadRequestExitCode);
      }
      AnswerRequest(*request, &out);
      requests.TakeFrame();
      if (++done == max_tasks) {
        Flush(response_fd, &out);
        processes_internal::ExitChild(0);
      }
    }
    Flush(response_fd, &out);
    const int64_t got = requests.ReadAvailable(request_fd);  // Blocks.
    if (got == 0 || got == -2) processes_internal::ExitChild(0);
  }
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

struct ProcessPool::Worker {
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
  std::deque<std::unique_ptr<PoolJob>> inflight;
  size_t written = 0;
  size_t offset = 0;
  processes_internal::FrameBuffer responses;

  int64_t budget = -1;      // Requests it may still be sent; -1: no limit.
  int64_t head_start = 0;   // When inflight.front() started (an estimate).
  int64_t service_ns = -1;  // Average recent task time; -1: not known yet.
  bool retiring = false;    // Budget spent: gets no more; already replaced.
  bool reaped = false;
  KillReason kill_reason = KillReason::kNone;
  const PoolJob* kill_target = nullptr;  // The task it was killed for.
  absl::Status kill_status;              // What that task gets.
};

// The supervisor thread's state and work. Only that thread touches it.
struct ProcessPool::Supervisor {
  explicit Supervisor(ProcessPool& pool)
      : pool(pool),
        timeout_ns(pool.task_timeout_ == absl::InfiniteDuration()
                       ? -1
                       : absl::ToInt64Nanoseconds(pool.task_timeout_)) {}

  void Run();
  bool TakeSubmissions();
  void Step();
  void StopEverything();
  void SpawnPending(int64_t now);
  absl::Status Spawn(int index);
  size_t Window(const Worker& worker) const;
  void Dispatch(int64_t now);
  void FlushWrites(Worker& worker);
  void SetWantWrite(Worker& worker, bool want);
  void StopWriting(Worker& worker);
  void ReadResponses(Worker& worker);
  void ProcessResponses(Worker& worker);
  void HandleExit(Worker& worker);
  void Kill(Worker& worker, KillReason reason, const PoolJob* target,
            absl::Status status);
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
  std::deque<std::unique_ptr<PoolJob>> backlog;
  // Worker indices that need a new process.
  std::vector<int> to_spawn;
  int64_t spawn_retry_at = 0;
  bool draining = false;   // Shutdown() began.
  bool stopping = false;   // ShutdownNow() began.
  bool stopped = false;    // ... and the supervisor stopped every task.
  bool exit_sent = false;  // Drained: the workers were told to exit.
};

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
    RunWorker(request[0], response[1], close_fds, info, parent,
              pool.max_tasks_per_worker_);
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
    if (worker.written == 0 || frame->empty() ||
        (frame->front() != kResultKind && frame->front() != kErrorKind)) {
      Kill(worker, KillReason::kProtocol,
           worker.inflight.empty() ? nullptr : worker.inflight.front().get(),
           absl::InternalError(absl::StrCat(
               "ProcessPool ", pool.name_, ": worker process ", worker.pid,
               " sent a malformed or unrequested answer")));
      // Everything after it is suspect: drop the rest of the buffer.
      worker.responses = processes_internal::FrameBuffer();
      break;
    }
    PoolJob& job = *worker.inflight.front();
    absl::string_view payload = frame->substr(1);
    // Counted first: whoever sees the future ready sees the count.
    pool.counters_.tasks_answered.fetch_add(1, std::memory_order_relaxed);
    if (frame->front() == kResultKind) {
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
  }
  if (answered == 0) return;
  const int64_t each = (now - worker.head_start) / answered;
  worker.service_ns =
      worker.service_ns < 0 ? each : (3 * worker.service_ns + each) / 4;
  worker.head_start = now;
  // A retiring worker exits by itself after its last answer.
  if (worker.retiring && worker.inflight.empty()) StopWriting(worker);
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
  const absl::Status death =
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
  if (worker.response_fd >= 0) {
    epoll_ctl(pool.epoll_fd_, EPOLL_CTL_DEL, worker.response_fd, nullptr);
    CloseFd(worker.response_fd);
  }
  epoll_ctl(pool.epoll_fd_, EPOLL_CTL_DEL, worker.pidfd, nullptr);
  CloseFd(worker.pidfd);

  if (!worker.inflight.empty()) {
    std::unique_ptr<PoolJob>& first = worker.inflight.front();
    bool blame_first = true;
    absl::Status reason = death;
    if (worker.kill_reason == KillReason::kTimeout ||
        worker.kill_reason == KillReason::kProtocol) {
      // The pool killed it for `kill_target`; if that one answered in the
      // meantime, the task now at the head was not at fault.
      blame_first = first.get() == worker.kill_target;
      reason = worker.kill_status;
    }
    if (blame_first) {
      pool.counters_.tasks_killed.fetch_add(1, std::memory_order_relaxed);
      first->Fail(reason);
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
  if (!worker.retiring && !stopping && !exit_sent) {
    to_spawn.push_back(worker.index);
    pool.counters_.workers_replaced.fetch_add(1, std::memory_order_relaxed);
  }
  PublishPids();
}

void ProcessPool::Supervisor::CheckDeadlines(int64_t now) {
  if (timeout_ns < 0) return;
  for (auto& worker : workers) {
    if (worker->reaped || worker->kill_reason != KillReason::kNone ||
        worker->inflight.empty() || now - worker->head_start < timeout_ns) {
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
          worker->inflight.empty()) {
        continue;
      }
      next = std::min(next, worker->head_start + timeout_ns);
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
  static constexpr char kExitFrame[kFrameHeader] = {};
  for (auto& worker : workers) {
    if (worker->request_fd >= 0) {
      ssize_t ignored = write(worker->request_fd, kExitFrame, kFrameHeader);
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

void ProcessPool::Supervise() { Supervisor(*this).Run(); }

bool ProcessPool::OnSupervisorThread() const {
  return t_supervised_pool == this;
}

void ProcessPool::Wake() {
  const uint64_t one = 1;
  while (write(event_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

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
