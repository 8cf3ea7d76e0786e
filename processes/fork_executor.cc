// Copyright 2026 The multirun Authors.

#include "multirun/processes/fork_executor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <thread>

#include "absl/base/config.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"
#include "multirun/base/futex.h"
#include "multirun/executors/worker.h"
#include "multirun/processes/internal/process_io.h"

namespace multirun {
namespace {

using processes_internal::ErrnoStatus;
using processes_internal::ForkCall;
using processes_internal::FrameBuffer;

constexpr int kMaxProcesses = 4096;

// What an epoll event is about: the low two bits of its tag; the task id is
// the rest.
enum EventKind : uint64_t { kWake = 0, kPipe = 1, kPidFd = 2 };

// Why the supervisor killed a child.
enum KillReason : int { kNotKilled = 0, kTimedOut, kCancelled, kShutDown };

// glibc 2.36 declares pidfd_open without C linkage for C++; the system call
// is the portable spelling.
int PidFdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

int64_t MonotonicNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// The deadline of a call without a timeout.
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();
// How long a fork from a submitting thread waits for the supervisor to
// finish its round (see fork_gate_). Past it the fork goes ahead: a
// continuation that runs long on the supervisor delays forks by this much at
// most and can never deadlock them.
constexpr absl::Duration kForkGateWait = absl::Milliseconds(250);
// Whether the supervisor takes the gate back after each sleep (every round
// of its work then excludes forks), or only holds it through its start.
// glibc's malloc locks itself around fork(), so a child never inherits it
// locked and only the start needs the gate (there, under any allocator, the
// thread runtime's own start may be copied half-way). AddressSanitizer's
// and ThreadSanitizer's allocators in GCC 12 do not, so under them every round
// is gated; that costs a fork that comes mid-round the rest of the round.
#if defined(ABSL_HAVE_ADDRESS_SANITIZER) || defined(ABSL_HAVE_THREAD_SANITIZER)
constexpr bool kGateEveryRound = true;
#else
constexpr bool kGateEveryRound = false;
#endif

int64_t DeadlineNanos(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return kNoDeadline;
  const int64_t nanos = absl::ToInt64Nanoseconds(timeout);
  const int64_t now = MonotonicNanos();
  return nanos > kNoDeadline - now ? kNoDeadline : now + nanos;
}

absl::Status CheckOptions(const ForkExecutorOptions& options) {
  if (options.workers < 0 || options.workers > kMaxProcesses) {
    return absl::InvalidArgumentError(
        absl::StrCat("ForkExecutor: workers must be in [0, ", kMaxProcesses,
                     "] (0: one per core), got ", options.workers));
  }
  if (options.task_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ForkExecutor: task_timeout must be positive, got ",
                     absl::FormatDuration(options.task_timeout)));
  }
  return absl::OkStatus();
}

int DefaultProcesses(int requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// The executor state whose supervisor is the calling thread, if any.
thread_local const void* supervised_here = nullptr;

// The supervisor's hold on the fork gate. The constructor takes the gate on
// the creating thread for the supervisor, which releases it, and the
// supervisor keeps it from one round to the next as its `gate_held` says;
// Clang's thread-safety analysis follows neither a lock handed to another
// thread nor one held across loop iterations under a flag, so these two are
// outside it.
void TakeForkGate(Lock& gate) ABSL_NO_THREAD_SAFETY_ANALYSIS { gate.Acquire(); }
void ReleaseForkGate(Lock& gate) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  gate.Release().IgnoreError();
}

}  // namespace

// What the futures' completion callbacks share with the executor: a Cancel()
// on any thread reaches the supervisor through here, even after the executor
// is gone.
struct ForkExecutor::Shared {
  Lock lock;
  std::vector<uint64_t> cancelled ABSL_GUARDED_BY(lock);
  int event_fd ABSL_GUARDED_BY(lock) = -1;  // -1 once the executor is gone.
};

struct ForkExecutor::Child {
  uint64_t id = 0;
  std::unique_ptr<ForkCall> call;
  absl::Duration timeout;
  pid_t pid = -1;
  int pipe_fd = -1;  // The read end of the result pipe.
  bool pipe_open = false;
  int pidfd = -1;
  int64_t deadline = 0;  // Monotonic nanoseconds.
  int killed = kNotKilled;
  FrameBuffer result;
  bool completed = false;  // The call has its result; the child may still exit.
};

absl::StatusOr<std::unique_ptr<ForkExecutor>> ForkExecutor::Create(
    ForkExecutorOptions options) {
  if (absl::Status valid = CheckOptions(options); !valid.ok()) return valid;
  // Probe for the descriptors the constructor would otherwise abort on.
  const int probe = epoll_create1(EPOLL_CLOEXEC);
  if (probe < 0) return ErrnoStatus("ForkExecutor: epoll_create1", errno);
  close(probe);
  return std::make_unique<ForkExecutor>(std::move(options));
}

ForkExecutor::ForkExecutor(ForkExecutorOptions options)
    : max_processes_(DefaultProcesses(options.workers)),
      timeout_(options.task_timeout),
      name_(std::move(options.name)),
      owner_pid_(getpid()),
      shared_(std::make_shared<Shared>()) {
  base_internal::CheckOk(CheckOptions(options));
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || event_fd_ < 0) {
    base_internal::Fatal(absl::StrCat(
        "ForkExecutor: cannot create the supervisor's descriptors: ",
        strerrordesc_np(errno)));
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = kWake;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &wake);
  {
    LockHolder hold(shared_->lock);
    shared_->event_fd = event_fd_;
  }
  // The supervisor holds the fork gate from its birth: until it first
  // sleeps, no fork may copy it halfway through its start (AddressSanitizer's
  // thread start allocates, and holds an allocator lock while it maps
  // memory). Any thread may release a Lock; the supervisor does.
  fork_gate_.Acquire();
  try {
    supervisor_ = std::thread([this] { Supervise(); });
  } catch (...) {
    fork_gate_.Release().IgnoreError();
    close(event_fd_);
    close(epoll_fd_);
    throw;
  }
}

ForkExecutor::~ForkExecutor() {
  if (getpid() != owner_pid_) {
    // A copy in a forked child: the supervisor thread and the children
    // belong to the parent. Leave them alone.
    supervisor_.detach();
    return;
  }
  Shutdown().IgnoreError();
  {
    LockHolder hold(shared_->lock);
    shared_->event_fd = -1;
  }
  close(event_fd_);
  close(epoll_fd_);
}

bool ForkExecutor::IsShutdown() const {
  LockHolder hold(lock_);
  return closed_;
}

ForkExecutorStats ForkExecutor::stats() const {
  LockHolder hold(lock_);
  return ForkExecutorStats{.running = running_, .queued = queue_.size()};
}

void ForkExecutor::Poke() {
  const uint64_t one = 1;
  // Fails only when the counter would overflow: the supervisor is awake then.
  [[maybe_unused]] ssize_t ignored = write(event_fd_, &one, sizeof(one));
}

void ForkExecutor::Enqueue(std::unique_ptr<ForkCall> call,
                           absl::Duration timeout) {
  if (getpid() != owner_pid_) {
    call->Fail(absl::FailedPreconditionError(absl::StrCat(
        "ForkExecutor '", name_, "' belongs to process ", owner_pid_,
        " and cannot run calls from process ", getpid(),
        " (a forked child): create a new executor in the child")));
    return;
  }
  if (timeout <= absl::ZeroDuration()) {
    call->Fail(absl::InvalidArgumentError(
        absl::StrCat("ForkExecutor: timeout must be positive, got ",
                     absl::FormatDuration(timeout))));
    return;
  }
  auto child = std::make_unique<Child>();
  child->call = std::move(call);
  child->timeout = timeout;
  bool fork_now = false;
  {
    LockHolder hold(lock_);
    if (closed_) {
      hold.Release();
      child->call->Fail(absl::FailedPreconditionError(absl::StrCat(
          "ForkExecutor '", name_, "' is shut down and accepts no calls")));
      return;
    }
    child->id = next_id_++;
    if (running_ < max_processes_ && queue_.empty()) {
      ++running_;
      fork_now = true;
    } else {
      queue_.push_back(std::move(child));
    }
  }
  if (!fork_now) return;
  // A Cancel() from now on reaches the supervisor, which kills the child.
  std::unique_ptr<Child> launched = Launch(std::move(child));
  if (launched != nullptr) HandOver(std::move(launched));
}

void ForkExecutor::HandOver(std::unique_ptr<Child> child) {
  // Once watched, the child may be reaped and freed by the supervisor at any
  // time: read what is needed first.
  const uint64_t id = child->id;
  const int pipe_fd = child->pipe_fd;
  const int pidfd = child->pidfd;
  const bool has_deadline = child->deadline != kNoDeadline;
  {
    LockHolder hold(lock_);
    launched_.push_back(std::move(child));
  }
  // epoll_ctl is safe beside the supervisor's epoll_wait, so the supervisor
  // need not be woken for the child: its first event wakes it, and it adopts
  // the child from launched_ then (the events are level-triggered and come
  // again). Only a deadline it must sleep less for needs a poke.
  Watch(id, pipe_fd, pidfd);
  if (has_deadline) Poke();
}

void ForkExecutor::Watch(uint64_t id, int pipe_fd, int pidfd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = (id << 2) | kPipe;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, pipe_fd, &event);
  event.data.u64 = (id << 2) | kPidFd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, pidfd, &event);
}

std::unique_ptr<ForkExecutor::Child> ForkExecutor::Launch(
    std::unique_ptr<Child> child) {
  const uint64_t id = child->id;
  child->call->OnCompleted([shared = shared_, id] {
    LockHolder hold(shared->lock);
    shared->cancelled.push_back(id);
    // The supervisor itself looks at the list before it sleeps again.
    if (supervised_here != shared.get() && shared->event_fd >= 0) {
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t ignored =
          write(shared->event_fd, &one, sizeof(one));
    }
  });
  absl::Status failure;
  if (child->call->IsCompleted()) {
    failure = absl::CancelledError(
        "future cancelled before its task process was forked");
  } else {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      failure = ErrnoStatus("ForkExecutor: pipe2", errno);
    } else {
      // The supervisor holds the gate while it works; on its own thread the
      // fork happens inside that round, elsewhere it waits for the round.
      const bool gated = supervised_here != shared_.get() &&
                         fork_gate_.AcquireFor(kForkGateWait);
      const pid_t pid = fork();
      if (pid == 0) {
        close(fds[0]);
        RunChild(*child, fds[1]);
      }
      const int fork_error = errno;
      if (gated) fork_gate_.Release().IgnoreError();
      close(fds[1]);
      if (pid < 0) {
        close(fds[0]);
        failure = ErrnoStatus("ForkExecutor: fork", fork_error);
      } else {
        const int pidfd = PidFdOpen(pid);
        if (pidfd < 0) {
          const int error = errno;
          kill(pid, SIGKILL);
          int ignored;
          while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
          }
          close(fds[0]);
          failure = ErrnoStatus("ForkExecutor: pidfd_open", error);
        } else {
          fcntl(fds[0], F_SETFL, O_NONBLOCK);
          child->pid = pid;
          child->pipe_fd = fds[0];
          child->pipe_open = true;
          child->pidfd = pidfd;
          child->deadline = DeadlineNanos(child->timeout);
          child->call->Started(pid);
          return child;
        }
      }
    }
  }
  child->call->Fail(std::move(failure));
  // Give the slot to the next queued call, on this thread.
  for (std::unique_ptr<Child>& next : ReleaseSlot()) {
    std::unique_ptr<Child> launched = Launch(std::move(next));
    if (launched == nullptr) continue;
    if (supervised_here == shared_.get()) {
      Watch(launched->id, launched->pipe_fd, launched->pidfd);
      Adopt(std::move(launched));
    } else {
      HandOver(std::move(launched));
    }
  }
  return nullptr;
}

void ForkExecutor::RunChild(Child& child, int result_fd) {
  // The child must never return into the caller's code, nor die of a write
  // to a parent that is gone.
  signal(SIGPIPE, SIG_IGN);
  std::string encoded;
  {
    const int index = static_cast<int>(child.id - 1);
    WorkerInfo worker{name_, index, absl::StrCat(name_, "-", index),
                      base_internal::CurrentThreadId(), getpid()};
    ScopedCurrentWorker scope(&worker);
    child.call->RunInChild(&encoded);
  }
  if (!processes_internal::WriteFrame(result_fd, encoded)) {
    processes_internal::ExitChild(processes_internal::kResultNotSentExitCode);
  }
  processes_internal::ExitChild(0);
}

std::vector<std::unique_ptr<ForkExecutor::Child>> ForkExecutor::ReleaseSlot() {
  std::vector<std::unique_ptr<Child>> ready;
  LockHolder hold(lock_);
  --running_;
  while (running_ < max_processes_ && !queue_.empty()) {
    ++running_;
    ready.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return ready;
}

void ForkExecutor::Adopt(std::unique_ptr<Child> child) {
  // Cancelled between its fork and now: the cancel request may have been
  // handled before the child was known here.
  if (child->call->IsCompleted()) Kill(*child, kCancelled);
  children_.emplace(child->id, std::move(child));
}

void ForkExecutor::Kill(Child& child, int reason) {
  if (child.killed != kNotKilled) return;
  child.killed = reason;
  // The child is not reaped before the supervisor sees its pidfd, so the pid
  // cannot have been reused.
  kill(child.pid, SIGKILL);
}

void ForkExecutor::KillCancelled() {
  std::vector<uint64_t> cancelled;
  {
    LockHolder hold(shared_->lock);
    cancelled.swap(shared_->cancelled);
  }
  for (uint64_t id : cancelled) {
    auto it = children_.find(id);
    // A completed call whose child still runs was cancelled (the supervisor
    // completes a call only after reaping its child).
    if (it != children_.end() && !it->second->completed &&
        it->second->call->IsCompleted()) {
      Kill(*it->second, kCancelled);
    }
  }
}

void ForkExecutor::DrainPipe(Child& child) {
  while (child.pipe_open) {
    const int64_t got = child.result.ReadAvailable(child.pipe_fd);
    if (got > 0) continue;
    if (got == -1) return;  // Nothing more for now.
    // Closed by the child (or a read error): nothing more will come.
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, child.pipe_fd, nullptr);
    child.pipe_open = false;
  }
}

void ForkExecutor::Finish(Child& child) {
  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(child.pid, &wait_status, 0);
  } while (reaped < 0 && errno == EINTR);
  // The child has exited, so everything it wrote is in the pipe (a
  // grandchild holding the write end open must not delay the result).
  DrainPipe(child);
  if (child.pipe_open) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, child.pipe_fd, nullptr);
    child.pipe_open = false;
  }
  close(child.pipe_fd);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, child.pidfd, nullptr);
  close(child.pidfd);

  std::optional<absl::string_view> frame = child.result.PeekFrame();
  if (child.completed) {
    // Completed when its result arrived.
  } else if (frame.has_value()) {
    // A whole result beats a kill that came too late to matter.
    child.call->Complete(child.pid, *frame);
  } else if (child.killed == kTimedOut) {
    child.call->Fail(absl::DeadlineExceededError(absl::StrCat(
        "task process ", child.pid, " ran longer than its timeout of ",
        absl::FormatDuration(child.timeout), " and was killed")));
  } else if (child.killed == kCancelled) {
    child.call->Fail(absl::CancelledError(
        absl::StrCat("task process ", child.pid, " killed by Cancel()")));
  } else if (child.killed == kShutDown) {
    child.call->Fail(absl::CancelledError(absl::StrCat(
        "task process ", child.pid, " killed by ForkExecutor::ShutdownNow")));
  } else if (reaped < 0) {
    child.call->Fail(ErrnoStatus(
        absl::StrCat("ForkExecutor: waitpid(", child.pid, ")"), errno));
  } else {
    child.call->Fail(
        processes_internal::StatusFromWaitStatus(child.pid, wait_status));
  }
}

void ForkExecutor::Supervise() {
  supervised_here = shared_.get();
  bool gate_held = true;  // Taken for it by the constructor.
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  std::vector<uint64_t> finished;
  while (true) {
    // Cancellations made on this thread (by continuations) since the last
    // round did not poke the event fd.
    KillCancelled();
    // Sleep until an event or the nearest deadline.
    int64_t nearest = kNoDeadline;
    for (const auto& [id, child] : children_) {
      if (child->killed == kNotKilled && !child->completed)
        nearest = std::min(nearest, child->deadline);
    }
    int timeout_ms = -1;
    if (nearest != kNoDeadline) {
      const int64_t wait = nearest - MonotonicNanos();
      timeout_ms = wait <= 0 ? 0
                             : static_cast<int>(std::min<int64_t>(
                                   (wait + 999'999) / 1'000'000, 60'000));
    }
    if (gate_held) {
      ReleaseForkGate(fork_gate_);
      gate_held = false;
    }
    const int count = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (kGateEveryRound) {
      TakeForkGate(fork_gate_);
      gate_held = true;
    }
    if (count < 0 && errno != EINTR) {
      base_internal::Fatal(
          absl::StrCat("ForkExecutor: epoll_wait: ", strerrordesc_np(errno)));
    }
    finished.clear();
    for (int i = 0; i < count; ++i) {
      const uint64_t tag = events[i].data.u64;
      if ((tag & 3) == kWake) {
        uint64_t counter;
        [[maybe_unused]] ssize_t ignored =
            read(event_fd_, &counter, sizeof(counter));
        continue;
      }
      auto it = children_.find(tag >> 2);
      if (it == children_.end()) continue;
      if ((tag & 3) == kPipe) {
        Child& child = *it->second;
        DrainPipe(child);
        // The whole result is in: complete the call now, and reap the child
        // when it has exited (its exit is off the caller's path).
        std::optional<absl::string_view> frame = child.result.PeekFrame();
        if (frame.has_value() && !child.completed) {
          child.completed = true;
          child.call->Complete(child.pid, *frame);
        }
      } else {
        finished.push_back(tag >> 2);
      }
    }
    // Calls forked on other threads.
    std::vector<std::unique_ptr<Child>> launched;
    bool stop_now;
    {
      LockHolder hold(lock_);
      launched.swap(launched_);
      stop_now = stop_now_;
    }
    for (std::unique_ptr<Child>& child : launched) Adopt(std::move(child));
    KillCancelled();
    const int64_t now = MonotonicNanos();
    for (auto& [id, child] : children_) {
      if (stop_now) {
        Kill(*child, kShutDown);
      } else if (child->deadline <= now && !child->completed) {
        Kill(*child, kTimedOut);
      }
    }
    // Reap, complete, and fork what waited for the slots.
    for (uint64_t id : finished) {
      auto it = children_.find(id);
      if (it == children_.end()) continue;
      std::unique_ptr<Child> child = std::move(it->second);
      children_.erase(it);
      Finish(*child);
      child.reset();
      for (std::unique_ptr<Child>& next : ReleaseSlot()) {
        std::unique_ptr<Child> started = Launch(std::move(next));
        if (started == nullptr) continue;
        Watch(started->id, started->pipe_fd, started->pidfd);
        Adopt(std::move(started));
      }
    }
    {
      LockHolder hold(lock_);
      if (closed_ && running_ == 0 && queue_.empty() && launched_.empty() &&
          children_.empty()) {
        if (gate_held) ReleaseForkGate(fork_gate_);
        return;
      }
    }
  }
}

absl::Status ForkExecutor::Shutdown() {
  {
    LockHolder hold(lock_);
    closed_ = true;
  }
  Poke();
  if (supervisor_.joinable()) {
    if (supervisor_.get_id() == std::this_thread::get_id()) {
      return absl::FailedPreconditionError(
          "ForkExecutor::Shutdown called from its own supervisor (a "
          "continuation run inline): it cannot wait for itself");
    }
    supervisor_.join();
  }
  return absl::OkStatus();
}

size_t ForkExecutor::ShutdownNow() {
  std::deque<std::unique_ptr<Child>> dropped;
  size_t stopped;
  {
    LockHolder hold(lock_);
    closed_ = true;
    stop_now_ = true;
    dropped.swap(queue_);
    stopped = dropped.size() + static_cast<size_t>(running_);
  }
  for (std::unique_ptr<Child>& child : dropped) {
    child->call->Fail(absl::CancelledError(absl::StrCat(
        "cancelled by ForkExecutor::ShutdownNow before its process started")));
  }
  Poke();
  return stopped;
}

}  // namespace multirun
