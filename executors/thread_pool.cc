// Copyright 2026 The multirun Authors.
//
// How the pool works.
//
// Queues. Each worker owns a Chase-Lev deque (internal/work_stealing_deque.h):
// a task scheduled from inside a task of this pool is pushed on the running
// worker's deque and, unless another worker steals it, runs on the same worker,
// newest first, while its data is still in cache. A task scheduled from any
// other thread goes to one shared queue for the pool
// (internal/injection_queue.h: a lock-free ring that allocates nothing, with an
// overflow list under a lock for when the ring is full). A worker looks for
// work in its own deque, then steals the oldest task of another worker
// (starting at a random one), then takes from the shared queue. From the shared
// queue it takes up to 8 tasks with one claim, runs the oldest and puts the
// others on its deque, oldest on top, where other workers steal them before
// they look at the shared queue, and the worker itself takes them from the top
// too: the claim (a contended head, cache lines that come from the submitting
// core) is paid once per batch. Claims are serialized until the rest of the
// batch is on the claimer's deque, and a claimer searches the deques again
// first, so a searching worker never starts a newer outside task while an
// older one is held unseen. Every 61 tasks of its own deque a worker runs one
// from the shared queue, so that work which keeps re-posting itself cannot
// starve outside submissions (that one may be newer than the rest of another
// worker's batch, which the idle workers steal). A worker that finds nothing
// searches kSearchAttempts times (spinning, then yielding), then sleeps on the
// pool's event count (internal/event_count.h): an idle pool burns no CPU.
//
// Waking. A worker that is searching is a "thief". Scheduling a task wakes a
// sleeper only if no thief is searching (a thief will find the task), and a
// thief that finds a task wakes a sleeper if it was the last thief, so that
// while work is available there is always either a thief or no sleeper. A
// worker that finds more work as soon as it runs out takes it without
// becoming a thief (that removes no thief, so the rule holds), so a busy pool
// does not write the thief count that every Schedule() reads. With nobody
// asleep, scheduling costs a few loads beyond the push (no system call, no
// read-modify-write besides the push's own).
//
// Not losing a wake-up. The Dekker-style argument is in internal/event_count.h;
// the pool's side of it: a push is a seq_cst store (deque) or seq_cst CAS
// (shared queue), followed by a seq_cst load of the thief count and, if it is
// zero, of the event count. A worker about to sleep makes a seq_cst RMW of the
// event count (PrepareWait), then one of the thief count (it stops being a
// thief), then re-checks every queue with seq_cst loads before it commits. In
// the total order of seq_cst operations, a producer that saw a thief loaded the
// thief count before that thief's decrement, so the thief's re-check (or, if
// the thief found another task, the sleeper it wakes as the last thief) sees
// the push; a producer that saw no thief is covered by the event count's
// argument.

#include "multirun/executors/thread_pool.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"
#include "multirun/base/current_exception.h"
#include "multirun/base/drop_reason.h"
#include "multirun/base/futex.h"
#include "multirun/base/run_inline.h"
#include "multirun/base/wait_helper.h"
#include "multirun/executors/internal/fresh_stack.h"
#include "multirun/executors/internal/work_stealing_deque.h"
#include "multirun/executors/worker.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace executors_internal {

// A task scheduled from inside the pool: what a worker deque points to. One
// per cache line: a node is written by the worker that pushes it and read by
// the one that runs it, and nodes sharing a line would make workers that run
// different tasks pass the line back and forth.
struct alignas(64) TaskNode {
  absl::AnyInvocable<void()> task;
  TaskNode* next_free = nullptr;
  bool from_batch = false;  // Taken from the shared queue in a batch.
};

struct PoolWorker final : base_internal::WaitHelper {
  PoolWorker(ThreadPool* pool, int index) : pool(pool), index(index) {}
  ~PoolWorker() {
    while (free_nodes != nullptr)
      delete std::exchange(free_nodes, free_nodes->next_free);
  }

  // A node for `task`, from this worker's free list when it has one. Owner
  // only.
  TaskNode* NewNode(absl::AnyInvocable<void()> task) {
    TaskNode* node = free_nodes;
    if (node == nullptr) return new TaskNode{std::move(task)};
    free_nodes = node->next_free;
    --free_count;
    node->task = std::move(task);
    node->from_batch = false;
    return node;
  }

  // Recycles `node` (its task already destroyed). Owner only: the worker that
  // ran the node, whichever worker allocated it.
  void FreeNode(TaskNode* node) {
    if (free_count >= kMaxFreeNodes) {
      delete node;
      return;
    }
    node->next_free = free_nodes;
    free_nodes = node;
    ++free_count;
  }

  // A blocking wait for a future on this worker runs the pool's work.
  Outcome HelpUntil(
      absl::FunctionRef<bool()> ready,
      absl::FunctionRef<void(absl::AnyInvocable<void()>)> on_ready,
      const base_internal::Deadline& deadline) override {
    return pool->HelpUntil(*this, ready, on_ready, deadline);
  }

  // xorshift64: the first victim of a steal round.
  uint64_t NextRandom() {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    return random;
  }

  static constexpr int kMaxFreeNodes = 1024;
  // The most tasks a worker takes from the shared queue at once: the claim
  // (a CAS on its head, which the workers contend for, and cache lines that
  // come from the submitting thread's core) is paid once per batch. The rest
  // of a batch goes on the worker's deque, where other workers can steal it.
  static constexpr int kInjectionBatch = 8;

  ThreadPool* const pool;
  const int index;
  WorkerInfo info;
  std::thread thread;
  WorkStealingDeque<TaskNode> deque;

  // Owner only.
  absl::AnyInvocable<void()> injected;  // A task taken from the shared queue.
  // Tasks taken from the shared queue with `injected`, one claim for all; the
  // worker moves them to its deque at once (kept here so that a search does
  // not construct and destroy the array each time).
  absl::AnyInvocable<void()> batch[kInjectionBatch];
  TaskNode* free_nodes = nullptr;
  int free_count = 0;
  bool holds_batch = false;  // The rest of a batch is on top of its deque.
  uint64_t random = 0;
  uint64_t executed = 0;

  // Written by the owner only, read by the drain's completion check
  // (ThreadPool::Quiescent()).
  alignas(64) std::atomic<uint64_t> spawned{0};  // Pushed on `deque`.
  std::atomic<uint64_t> executed_published{0};   // `executed`, now and then.
};

// Wakes a worker that sleeps in a helping wait once the awaited result is
// ready. The callback that does it sits in the future's state and may run
// after the wait has returned, and after the pool is gone: it holds this by
// shared_ptr, and the pool clears `pool` before it goes.
struct PoolWakeToken {
  Lock lock;
  EventCount* events ABSL_GUARDED_BY(lock) = nullptr;

  void Wake() {
    LockHolder hold(lock);
    if (events != nullptr) events->Notify(true);
  }
};

// One untimed helping wait that sleeps: the awaited result's callback sets
// `ready` (seq_cst, before it notifies: the waiter re-checks it between
// PrepareWait() and CommitWait(), which is the event count's Dekker
// argument) and wakes the sleeping workers.
struct HelpWake {
  explicit HelpWake(std::shared_ptr<PoolWakeToken> token)
      : token(std::move(token)) {}
  std::atomic<bool> ready{false};
  const std::shared_ptr<PoolWakeToken> token;

  void Wake() {
    ready.store(true, std::memory_order_seq_cst);
    token->Wake();
  }
};

namespace {

// The pool worker running on this thread, if any.
thread_local PoolWorker* current_pool_worker = nullptr;

// A process forked from a worker is not one.
void ResetInChild() { current_pool_worker = nullptr; }

[[maybe_unused]] const int reset_in_child_registered =
    pthread_atfork(nullptr, nullptr, &ResetInChild);

// Tries to find work this many times before sleeping: 12 rounds spinning
// with pauses (a few microseconds in all, base_internal::SpinPause()), then
// 12 rounds that yield the processor, so that on a machine with fewer cores
// than threads a searching worker lets the submitting thread run instead of
// starving it. The count only bounds how long an idle worker searches before
// it sleeps; a busy pool seldom reaches it.
constexpr int kSearchAttempts = 24;

void Backoff(int attempt) {
  if (!base_internal::SpinPause(attempt)) std::this_thread::yield();
}

}  // namespace
}  // namespace executors_internal

using executors_internal::PoolWorker;
using executors_internal::TaskNode;

// What FindTask() found: a stolen node, or a task from the shared queue (then
// in worker.injected).
struct ThreadPool::Taken {
  TaskNode* node = nullptr;
};

absl::Status ThreadPool::Validate(const Options& options) {
  if (options.workers < 0 || options.workers > kMaxWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("ThreadPool: workers must be in [0, ", kMaxWorkers,
                     "] (0: one per core), got ", options.workers));
  }
  if (options.name.empty()) {
    return absl::InvalidArgumentError("ThreadPool: the name must not be empty");
  }
  return absl::OkStatus();
}

int ThreadPool::WorkerCount(const Options& options) {
  if (options.workers > 0) return options.workers;
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(
      std::clamp<unsigned>(cores, 1, static_cast<unsigned>(kMaxWorkers)));
}

ThreadPool::Options ThreadPool::CheckedOptions(Options& options) {
  base_internal::CheckOk(Validate(options));
  return std::move(options);
}

absl::StatusOr<std::unique_ptr<ThreadPool>> ThreadPool::Create(
    Options options) {
  if (absl::Status valid = Validate(options); !valid.ok()) return valid;
  auto pool =
      absl::WrapUnique(new ThreadPool(PrivateTag{}, std::move(options)));
  if (absl::Status started = pool->Start(); !started.ok()) return started;
  return pool;
}

absl::StatusOr<std::unique_ptr<ThreadPool>> ThreadPool::Create(
    int workers, Options options) {
  options.workers = workers;
  return Create(std::move(options));
}

ThreadPool::ThreadPool(Options options)
    : ThreadPool(PrivateTag{}, CheckedOptions(options)) {
  base_internal::CheckOk(Start());
}

ThreadPool::ThreadPool(int workers, Options options)
    : ThreadPool([&] {
        options.workers = workers;
        return std::move(options);
      }()) {}

ThreadPool::ThreadPool(PrivateTag, Options options)
    : name_(std::move(options.name)),
      wait_helps_(options.wait_helps),
      event_count_(WorkerCount(options)),
      wake_token_(std::make_shared<executors_internal::PoolWakeToken>()) {
  {
    LockHolder hold(wake_token_->lock);
    wake_token_->events = &event_count_;
  }
  const int workers = WorkerCount(options);
  workers_.reserve(workers);
  for (int i = 0; i < workers; ++i) {
    auto worker = std::make_unique<PoolWorker>(this, i);
    worker->info.executor = name_;
    worker->info.index = i;
    worker->info.name = absl::StrCat(name_, "-", i);
    worker->info.pid = getpid();
    worker->random = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(i + 1);
    workers_.push_back(std::move(worker));
  }
}

absl::Status ThreadPool::Start() {
  for (auto& worker : workers_) {
    PoolWorker* raw = worker.get();
    try {
      worker->thread = std::thread([this, raw] { WorkerMain(*raw); });
    } catch (const std::system_error& e) {
      ShutdownNow();
      Shutdown().IgnoreError();
      return absl::ResourceExhaustedError(
          absl::StrCat("ThreadPool ", name_, ": cannot start worker ",
                       raw->index, ": ", e.what()));
    }
  }
  return absl::OkStatus();
}

ThreadPool::~ThreadPool() {
  if (IsOwnWorker()) {
    base_internal::Fatal(absl::StrCat(
        "ThreadPool ", name_, " destroyed from one of its own workers (",
        CurrentWorker()->name,
        "): the destructor would wait for the worker to exit"));
  }
  Shutdown().IgnoreError();
  DropLeftovers();
  {
    // A future that a helping wait waited for may complete later.
    LockHolder hold(wake_token_->lock);
    wake_token_->events = nullptr;
  }
  // A thread that scheduled a task from outside may still be inside
  // Schedule() (just after the push) although the task has run: wait for it
  // to leave before the memory goes.
  while (outside_schedules_.load(std::memory_order_acquire) != 0) {
    std::this_thread::yield();
  }
}

bool ThreadPool::IsOwnWorker() const {
  const PoolWorker* worker = executors_internal::current_pool_worker;
  return worker != nullptr && worker->pool == this;
}

absl::Status ThreadPool::ShutDownError() const {
  return absl::FailedPreconditionError(
      absl::StrCat("ThreadPool ", name_, " is shut down"));
}

absl::Status ThreadPool::Schedule(absl::AnyInvocable<void()> task) {
  if (!task) {
    return absl::InvalidArgumentError(
        absl::StrCat("ThreadPool ", name_, ": null task"));
  }
  PoolWorker* worker = executors_internal::current_pool_worker;
  if (worker != nullptr && worker->pool == this) {
    if (stop_.load(std::memory_order_relaxed)) {
      return base_internal::RejectTask(std::move(task), ShutDownError());
    }
    TaskNode* node = worker->NewNode(std::move(task));
    worker->spawned.store(worker->spawned.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
    worker->deque.Push(node);
    // Push-then-check against ShutdownNow()'s stop-then-sweep: either the
    // sweep sees the node (and drops it: accepted, then dropped) or this load
    // sees `stop_` and takes the node back (rejected).
    if (stop_.load(std::memory_order_seq_cst)) {
      if (worker->deque.Pop() == node) {  // Else stolen: it counts as accepted.
        absl::AnyInvocable<void()> rejected = std::move(node->task);
        worker->FreeNode(node);
        return base_internal::RejectTask(std::move(rejected), ShutDownError());
      }
      return absl::OkStatus();
    }
    if (thieves_.load(std::memory_order_seq_cst) == 0) {
      event_count_.Notify(false);
    }
    return absl::OkStatus();
  }
  outside_schedules_.fetch_add(1, std::memory_order_acquire);
  if (!injection_.Push(task)) {
    outside_schedules_.fetch_sub(1, std::memory_order_release);
    return base_internal::RejectTask(std::move(task), ShutDownError());
  }
  if (thieves_.load(std::memory_order_seq_cst) == 0) event_count_.Notify(false);
  // The last access to the pool: the task may have run already, and its
  // owner may be waiting in ~ThreadPool() for this call to leave.
  outside_schedules_.fetch_sub(1, std::memory_order_release);
  return absl::OkStatus();
}

void ThreadPool::WorkerMain(PoolWorker& worker) {
  const std::string thread_name = worker.info.name.substr(0, 15);
  pthread_setname_np(pthread_self(), thread_name.c_str());
  worker.info.thread_id = base_internal::CurrentThreadId();
  ScopedCurrentWorker scoped_worker(&worker.info);
  base_internal::ScopedWaitHelper helper(wait_helps_ ? &worker : nullptr);
  executors_internal::current_pool_worker = &worker;

  thieves_.fetch_add(1, std::memory_order_seq_cst);
  Taken taken;
  while (FindTask(worker, taken)) {
    // While it finds work at the first try, the worker stays busy: it does
    // not count itself as a thief, so a busy pool does not write the thief
    // count (read by every Schedule()) twice per task taken. Taking work
    // without being a thief removes no thief, so the waking rule above holds.
    do {
      Exploit(worker, taken);
      if (stop_.load(std::memory_order_relaxed)) goto stopped;
    } while (TryTake(worker, taken, /*as_thief=*/false));
    thieves_.fetch_add(1, std::memory_order_seq_cst);
  }
stopped:
  worker.executed_published.store(worker.executed, std::memory_order_seq_cst);
  executors_internal::current_pool_worker = nullptr;
}

bool ThreadPool::TryTake(PoolWorker& worker, Taken& taken, bool as_thief) {
  taken.node = nullptr;
  // The other deques first: what they hold from the shared queue (the rest
  // of a batch, perhaps under a task that blocks until it runs) was scheduled
  // before anything still in the shared queue, so outside tasks still start
  // oldest first.
  if (TrySteal(worker, taken)) return true;
  if (!injection_.MaybeNonEmpty()) return false;
  // Claims from the shared queue are serialized until the rest of each batch
  // is on its claimer's deque, and the deques are searched again under the
  // gate: without it, a worker that found the deques empty could claim a
  // newer task while an older one, claimed just before by another worker,
  // was not yet on that worker's deque, and run the newer one first (and if
  // it waits for the older one while the other worker's task waits too,
  // neither ever runs it). Publishing a batch is a few pushes, so the gate is
  // held briefly; a claim costs one exchange more.
  LockClaims();
  if (TrySteal(worker, taken)) {
    UnlockClaims();
    return true;
  }
  const int count =
      injection_.TryPopBatch(worker.batch, PoolWorker::kInjectionBatch);
  if (count <= 1) UnlockClaims();
  if (count > 0) {
    worker.injected = std::move(worker.batch[0]);
    if (count == 1) return true;
    // Oldest first: thieves take from the top, so another worker that steals
    // from this batch takes the task scheduled earliest (a task of the batch
    // may wait for an earlier one). These tasks were accepted by the shared
    // queue (Pushed() counts them), so `spawned` does not.
    for (int i = 1; i < count; ++i) {
      TaskNode* node = worker.NewNode(std::move(worker.batch[i]));
      node->from_batch = true;
      worker.deque.Push(node);
    }
    UnlockClaims();
    worker.holds_batch = true;
    // Push-then-check against ShutdownNow()'s stop-then-sweep, as in
    // Schedule(): either the sweep sees these tasks (and drops and counts
    // them), or this load sees `stop_` and the worker runs what the sweep
    // did not take, after the one in `injected`: the worker had taken them
    // all from the shared queue (perhaps just after the stop began), and one
    // may wait for the one before it.
    if (stop_.load(std::memory_order_seq_cst)) {
      RunInjected(worker);
      while (TaskNode* node = TakeOldestOwn(worker)) RunNode(worker, node);
      worker.holds_batch = false;
      return false;
    }
    // New work on a deque, as a Schedule() from inside the pool makes: wake
    // a sleeper unless another thief is searching (the push-then-load is the
    // pool's side of the Dekker argument above). Without it, a thief that
    // checked this deque before the pushes could sleep while these tasks
    // wait behind one that blocks until they run.
    if (thieves_.load(std::memory_order_seq_cst) <= (as_thief ? 1 : 0)) {
      event_count_.Notify(false);
    }
    return true;
  }
  return false;
}

void ThreadPool::LockClaims() {
  for (int attempt = 0;; ++attempt) {
    if (!claim_gate_.load(std::memory_order_relaxed) &&
        !claim_gate_.exchange(true, std::memory_order_acquire)) {
      return;
    }
    // The holder pushes a few tasks and releases: spin, then let it run.
    if (!base_internal::SpinPause(attempt)) std::this_thread::yield();
  }
}

void ThreadPool::UnlockClaims() {
  claim_gate_.store(false, std::memory_order_release);
}

TaskNode* ThreadPool::TakeOldestOwn(PoolWorker& worker) {
  // Steal() fails only when it loses a race for the top (to a thief): then
  // there is a next oldest, unless the deque is empty.
  while (!worker.deque.Empty()) {
    if (TaskNode* node = worker.deque.Steal()) return node;
  }
  return nullptr;
}

bool ThreadPool::TrySteal(PoolWorker& worker, Taken& taken) {
  const int count = size();
  if (count == 1) return false;
  const int first = static_cast<int>(worker.NextRandom() % count);
  for (int i = 0; i < count; ++i) {
    int victim = first + i;
    if (victim >= count) victim -= count;
    if (victim == worker.index) continue;
    if (TaskNode* node = workers_[victim]->deque.Steal()) {
      taken.node = node;
      return true;
    }
  }
  return false;
}

bool ThreadPool::HasWork() const {
  if (injection_.MaybeNonEmpty()) return true;
  for (const auto& worker : workers_) {
    if (!worker->deque.Empty()) return true;
  }
  return false;
}

bool ThreadPool::Quiescent() const {
  // Completions first, then acceptances: a completion counted here happens
  // after its acceptance, which is then counted too (the counters only grow),
  // so equal sums mean that at the moment between the two loops every
  // accepted task had completed. With no task running, only outside threads
  // could add work, and the shared queue is closed before `draining_` is set.
  uint64_t executed = 0;
  for (const auto& worker : workers_) {
    executed += worker->executed_published.load(std::memory_order_seq_cst);
  }
  uint64_t accepted = injection_.Pushed();
  for (const auto& worker : workers_) {
    accepted += worker->spawned.load(std::memory_order_seq_cst);
  }
  return executed == accepted;
}

bool ThreadPool::FindTask(PoolWorker& worker, Taken& taken) {
  // Precondition: this worker is counted in `thieves_`.
  for (;;) {
    for (int attempt = 0; attempt < executors_internal::kSearchAttempts;
         ++attempt) {
      if (stop_.load(std::memory_order_relaxed)) {
        thieves_.fetch_sub(1, std::memory_order_seq_cst);
        return false;
      }
      if (TryTake(worker, taken, /*as_thief=*/true)) {
        // The last thief leaves to work: wake a sleeper to search in its
        // place (the task it found may not be the one a producer, seeing a
        // thief, did not wake anybody for).
        if (thieves_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
          event_count_.Notify(false);
        }
        return true;
      }
      executors_internal::Backoff(attempt);
    }
    event_count_.PrepareWait();
    thieves_.fetch_sub(1, std::memory_order_seq_cst);
    if (stop_.load(std::memory_order_seq_cst) ||
        finished_.load(std::memory_order_seq_cst)) {
      event_count_.CancelWait();
      return false;
    }
    if (HasWork()) {
      event_count_.CancelWait();
      thieves_.fetch_add(1, std::memory_order_seq_cst);
      continue;
    }
    if (draining_.load(std::memory_order_seq_cst)) {
      worker.executed_published.store(worker.executed,
                                      std::memory_order_seq_cst);
      if (Quiescent()) {
        finished_.store(true, std::memory_order_seq_cst);
        event_count_.CancelWait();
        event_count_.Notify(true);
        return false;
      }
    }
    event_count_.CommitWait(event_count_.waiter(worker.index));
    thieves_.fetch_add(1, std::memory_order_seq_cst);
  }
}

void ThreadPool::Invoke(absl::AnyInvocable<void()>& task) {
  try {
    task();
  } catch (...) {
    if (!reported_exception_.exchange(true, std::memory_order_relaxed)) {
      const std::string message = absl::StrCat(
          "multirun: ThreadPool ", name_, ": a task threw ",
          base_internal::CurrentExceptionDescription(),
          "; the worker goes on (later exceptions of this pool are not "
          "reported)\n");
      std::fputs(message.c_str(), stderr);
    }
  }
  task = nullptr;  // Destroy what it captured now, outside the catch.
}

void ThreadPool::RunInjected(PoolWorker& worker) {
  // Out of `injected` first: the task may wait and help, and the helping
  // takes the next task from the shared queue into `injected`.
  absl::AnyInvocable<void()> task = std::move(worker.injected);
  Invoke(task);
  ++worker.executed;
}

void ThreadPool::RunTaken(PoolWorker& worker, TaskNode* node) {
  if (node == nullptr) {
    RunInjected(worker);
  } else {
    RunNode(worker, node);
  }
}

void ThreadPool::RunNode(PoolWorker& worker, TaskNode* node) {
  Invoke(node->task);
  worker.FreeNode(node);
  ++worker.executed;
}

void ThreadPool::Exploit(PoolWorker& worker, Taken& taken) {
  RunTaken(worker, taken.node);
  // Every kFairnessInterval tasks from its own deque, the worker takes one
  // from the shared queue, so that work which keeps re-posting itself (a busy
  // strand's drain lands on the deque of the worker running it) cannot starve
  // outside submissions.
  constexpr int kFairnessInterval = 61;
  int own_tasks = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (!worker.holds_batch) {
      if (++own_tasks == kFairnessInterval) {
        own_tasks = 0;
        bool popped = false;
        if (injection_.MaybeNonEmpty()) {
          LockClaims();  // See TryTake.
          popped = injection_.TryPop(&worker.injected);
          UnlockClaims();
        }
        if (popped) {
          RunInjected(worker);
          continue;
        }
      }
    }
    TaskNode* node = NextOwn(worker);
    if (node == nullptr) return;
    RunNode(worker, node);
  }
}

TaskNode* ThreadPool::NextOwn(PoolWorker& worker) {
  if (!worker.holds_batch) return worker.deque.Pop();
  // The rest of a batch from the shared queue is on top of the deque: run it
  // oldest first, as the shared queue would have (a task may wait for one
  // scheduled before it), and before anything newer from the shared queue.
  // What those tasks spawn goes below and waits for them.
  TaskNode* node = TakeOldestOwn(worker);
  if (node == nullptr || !node->from_batch) {
    worker.holds_batch = false;  // The batch is done.
  }
  return node;
}

void ThreadPool::RunHelped(PoolWorker& worker, TaskNode* node) {
  const auto run = [&] {
    // On top of the waiter's frames, but not part of them: what the task
    // queues inline it runs itself (base/run_inline.h).
    base_internal::ScopedInlineContext inline_context;
    RunTaken(worker, node);
  };
  // Helping nests: the task may wait and help in turn. Below the reserve, it
  // runs on a fresh stack segment, so no depth of nesting overflows.
  if (executors_internal::StackLeft() < executors_internal::kStackReserve) {
    executors_internal::RunOnFreshStack(run);
  } else {
    run();
  }
}

base_internal::WaitHelper::Outcome ThreadPool::HelpUntil(
    PoolWorker& worker, absl::FunctionRef<bool()> ready,
    absl::FunctionRef<void(absl::AnyInvocable<void()>)> on_ready,
    const base_internal::Deadline& deadline) {
  using Outcome = base_internal::WaitHelper::Outcome;
  std::shared_ptr<executors_internal::HelpWake> wake;
  int idle_rounds = 0;
  for (;;) {
    if (ready()) {
      // A wait that slept may have taken a wake-up meant for new work (a
      // Notify(false) that chose it): pass it on.
      if (wake != nullptr && !stop_.load(std::memory_order_relaxed) &&
          HasWork() && thieves_.load(std::memory_order_seq_cst) == 0) {
        event_count_.Notify(false);
      }
      return Outcome::kReady;
    }
    // A timed wait helps only until its deadline (a task it runs may take it
    // past the deadline: a task is not interrupted).
    if (!deadline.IsNever() && deadline.Expired()) return Outcome::kExpired;
    if (!stop_.load(std::memory_order_relaxed)) {
      // The worker's own tasks first (the newest: most likely what this wait
      // needs), then what other workers and the shared queue hold.
      if (TaskNode* node = NextOwn(worker)) {
        RunHelped(worker, node);
        idle_rounds = 0;
        continue;
      }
      Taken taken;
      if (TryTake(worker, taken, /*as_thief=*/false)) {
        RunHelped(worker, taken.node);
        idle_rounds = 0;
        continue;
      }
    }
    if (idle_rounds < executors_internal::kSearchAttempts) {
      executors_internal::Backoff(idle_rounds++);
      continue;
    }
    // A timed wait sleeps on the result alone, until it or the deadline.
    if (!deadline.IsNever()) return Outcome::kIdle;
    if (wake == nullptr) {
      wake = std::make_shared<executors_internal::HelpWake>(wake_token_);
      on_ready([wake] { wake->Wake(); });
      continue;
    }
    // Sleep on the pool's event count, as an idle worker does, so that both
    // new work and the result wake it.
    event_count_.PrepareWait();
    if (wake->ready.load(std::memory_order_seq_cst) ||
        (!stop_.load(std::memory_order_seq_cst) && HasWork())) {
      event_count_.CancelWait();
      idle_rounds = 0;
      continue;
    }
    event_count_.CommitWait(event_count_.waiter(worker.index));
    idle_rounds = 0;
  }
}

absl::Status ThreadPool::Shutdown() {
  if (IsOwnWorker()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "ThreadPool ", name_,
        ": Shutdown() called from one of its own workers would wait for "
        "itself"));
  }
  // Closed before IsShutdown() says so: once it does, outside tasks fail.
  injection_.Close();
  closed_.store(true, std::memory_order_release);
  LockHolder hold(shutdown_lock_);
  if (!joined_) {
    // Announced after the close: a worker that sees `draining_` reads the
    // final count of outside tasks.
    draining_.store(true, std::memory_order_seq_cst);
    event_count_.Notify(true);
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) worker->thread.join();
    }
    joined_ = true;
  }
  return absl::OkStatus();
}

size_t ThreadPool::ShutdownNow() {
  stop_.store(true, std::memory_order_seq_cst);
  injection_.Close();
  closed_.store(true, std::memory_order_release);
  base_internal::ScopedDropReason reason(
      absl::CancelledError("cancelled by ThreadPool::ShutdownNow"));
  size_t dropped = 0;
  absl::AnyInvocable<void()> task;
  // A producer that claimed a cell before the close fills it in a moment.
  while (injection_.MaybeNonEmpty()) {
    if (injection_.TryPop(&task)) {
      task = nullptr;
      ++dropped;
    } else {
      std::this_thread::yield();
    }
  }
  for (auto& worker : workers_) {
    while (!worker->deque.Empty()) {
      if (TaskNode* node = worker->deque.Steal()) {
        node->task = nullptr;
        delete node;
        ++dropped;
      }
    }
  }
  event_count_.Notify(true);
  return dropped;
}

void ThreadPool::DropLeftovers() {
  // After the workers have exited. Only a pool whose start failed, or a race
  // between ShutdownNow() and a worker, leaves tasks behind.
  base_internal::ScopedDropReason reason(
      absl::CancelledError("cancelled by ThreadPool::ShutdownNow"));
  absl::AnyInvocable<void()> task;
  while (injection_.TryPop(&task)) task = nullptr;
  for (auto& worker : workers_) {
    while (TaskNode* node = worker->deque.Steal()) {
      node->task = nullptr;
      delete node;
    }
  }
}

}  // namespace multirun
