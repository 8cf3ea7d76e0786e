// Copyright 2026 The multirun Authors.

#include "multirun/executors/thread_pool.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/base/drop_reason.h"
#include "multirun/executors/worker.h"
#include "multirun/sync/event.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::CurrentTid;
using testing_internal::RunThreads;
using testing_internal::TrackedThread;

constexpr absl::Duration kGenerous = absl::Seconds(60);

// Spins (yielding) until `done()`; fails the test after a generous budget
// instead of hanging until Bazel's timeout.
template <typename F>
void AwaitTrue(F done, const char* what) {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up)
        << "gave up waiting: " << what;
    std::this_thread::yield();
  }
}

// What a task records about itself: how often it ran, and whether (and with
// which drop reason) it was destroyed without running.
struct Slot {
  std::atomic<int> runs{0};
  std::atomic<int> drops{0};
  absl::Status drop_status;  // Written once, by the dropping thread.
};

// Captured by a task: records in its Slot when the task runs, and, when the
// task is destroyed without having run, base_internal::AbandonedStatus().
class Probe {
 public:
  explicit Probe(Slot* slot) : slot_(slot) {}
  Probe(Probe&& other) noexcept
      : slot_(std::exchange(other.slot_, nullptr)), ran_(other.ran_) {}
  Probe& operator=(Probe&&) = delete;
  ~Probe() {
    if (slot_ != nullptr && !ran_) {
      slot_->drop_status = base_internal::AbandonedStatus();
      slot_->drops.fetch_add(1);
    }
  }
  void Run() {
    ran_ = true;
    slot_->runs.fetch_add(1);
  }

 private:
  Slot* slot_;
  bool ran_ = false;
};

absl::AnyInvocable<void()> ProbeTask(Slot& slot) {
  return [probe = Probe(&slot)]() mutable { probe.Run(); };
}

// The kernel ids of the pool's workers: runs one task per worker, each
// waiting until all of them run at once (so this also checks that sleeping
// workers are woken for work).
std::vector<pid_t> WorkerTids(ThreadPool& pool) {
  const int workers = pool.size();
  // Shared with the tasks: if the wait below gives up, they may still run
  // after this function has returned.
  struct Meeting {
    explicit Meeting(int workers) : tids(workers) {}
    std::vector<std::atomic<pid_t>> tids;
    std::atomic<int> arrived{0};
    std::atomic<int> left{0};
  };
  auto meeting = std::make_shared<Meeting>(workers);
  for (int i = 0; i < workers; ++i) {
    EXPECT_TRUE(pool.Schedule([meeting, workers] {
                      const WorkerInfo* worker = CurrentWorker();
                      meeting->tids[worker->index].store(
                          testing_internal::CurrentTid());
                      meeting->arrived.fetch_add(1);
                      while (meeting->arrived.load() < workers) {
                        std::this_thread::yield();
                      }
                      meeting->left.fetch_add(1);
                    })
                    .ok());
  }
  AwaitTrue([&] { return meeting->left.load() == workers; },
            "every worker ran a task");
  std::vector<pid_t> result;
  for (auto& tid : meeting->tids) result.push_back(tid.load());
  return result;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// The scheduler state of thread `tid` ('R', 'S', ...) and its CPU time in
// clock ticks (utime + stime), from /proc/self/task/<tid>/stat.
std::pair<char, long> StateAndCpuTicks(pid_t tid) {
  const std::string stat =
      ReadFile(absl::StrCat("/proc/self/task/", tid, "/stat"));
  // The command name is in parentheses and may contain spaces.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  char state = '?';
  rest >> state;
  std::string field;
  // Fields 4..13, then utime (14) and stime (15).
  for (int i = 4; i <= 13; ++i) rest >> field;
  long utime = 0;
  long stime = 0;
  rest >> utime >> stime;
  return {state, utime + stime};
}

long ContextSwitches(pid_t tid) {
  std::istringstream status(
      ReadFile(absl::StrCat("/proc/self/task/", tid, "/status")));
  long total = 0;
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
        line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
      total += std::stol(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

bool InFutexWait(pid_t tid) {
  std::istringstream syscall_line(
      ReadFile(absl::StrCat("/proc/self/task/", tid, "/syscall")));
  long number = -1;
  syscall_line >> number;
  return number == SYS_futex && StateAndCpuTicks(tid).first == 'S';
}

TEST(ThreadPoolTest, CreateRejectsInvalidWorkerCounts) {
  for (int workers : {-1, -1000, 1025}) {
    absl::StatusOr<std::unique_ptr<ThreadPool>> pool =
        ThreadPool::Create(workers);
    ASSERT_FALSE(pool.ok()) << workers;
    EXPECT_EQ(pool.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(pool.status().message().find(absl::StrCat("got ", workers)),
              absl::string_view::npos)
        << pool.status();
  }
}

TEST(ThreadPoolTest, CreateRejectsEmptyName) {
  absl::StatusOr<std::unique_ptr<ThreadPool>> pool =
      ThreadPool::Create(2, {.name = ""});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(pool.status().message().find("name"), absl::string_view::npos);
}

TEST(ThreadPoolTest, CreateStartsTheWorkers) {
  absl::StatusOr<std::unique_ptr<ThreadPool>> pool =
      ThreadPool::Create(3, {.name = "crunch"});
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ((*pool)->size(), 3);
  EXPECT_EQ((*pool)->name(), "crunch");
  EXPECT_FALSE((*pool)->IsShutdown());
  EXPECT_EQ(WorkerTids(**pool).size(), 3u);
}

TEST(ThreadPoolTest, ZeroWorkersMeansOnePerCore) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  ThreadPool pool(ThreadPool::Options{.workers = 0, .name = "cores"});
  EXPECT_EQ(pool.size(), std::max(cores, 1));
  EXPECT_EQ(WorkerTids(pool).size(), static_cast<size_t>(pool.size()));
  absl::StatusOr<std::unique_ptr<ThreadPool>> made = ThreadPool::Create(0);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ((*made)->size(), std::max(cores, 1));
}

TEST(ThreadPoolDeathTest, ConstructorAbortsOnInvalidInput) {
  EXPECT_DEATH(ThreadPool(-1), "workers must be in \\[0, 1024\\].*got -1");
  EXPECT_DEATH(ThreadPool(1025), "got 1025");
  EXPECT_DEATH(ThreadPool(1, {.name = ""}), "name must not be empty");
}

TEST(ThreadPoolTest, NullTaskIsInvalidArgument) {
  ThreadPool pool(1);
  const absl::Status status = pool.Schedule(nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("null task"), absl::string_view::npos);
}

TEST(ThreadPoolTest, EveryTaskRunsExactlyOnce) {
  // 100k tasks from 4 outside threads; every 10th also spawns a small binary
  // tree of 14 tasks from inside the pool (depth 3).
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25000;
  constexpr int kOutside = kThreads * kPerThread;
  constexpr int kTree = 14;
  constexpr int kSpawners = kOutside / 10;
  std::vector<std::atomic<int>> outside_runs(kOutside);
  std::vector<std::atomic<int>> inside_runs(kSpawners * kTree);
  std::atomic<int> inside_failures{0};
  std::atomic<int> off_pool{0};
  ThreadPool pool(4, {.name = "once"});

  // Spawns the children of tree node `node` (heap layout: node k has
  // children 2k+1 and 2k+2) of tree `tree`.
  std::function<void(int, int)> spawn_children = [&](int tree, int node) {
    for (int child : {2 * node + 1, 2 * node + 2}) {
      if (child > kTree) continue;
      const absl::Status status = pool.Schedule([&, tree, child] {
        if (CurrentWorker() == nullptr) off_pool.fetch_add(1);
        inside_runs[tree * kTree + child - 1].fetch_add(1);
        spawn_children(tree, child);
      });
      if (!status.ok()) inside_failures.fetch_add(1);
    }
  };
  testing_internal::RunThreads(kThreads, [&](int thread) {
    for (int i = 0; i < kPerThread; ++i) {
      const int id = thread * kPerThread + i;
      ASSERT_TRUE(pool.Schedule([&, id] {
                        outside_runs[id].fetch_add(1);
                        if (id % 10 == 0) spawn_children(id / 10, 0);
                      })
                      .ok());
    }
  });
  ASSERT_TRUE(pool.Shutdown().ok());
  for (int id = 0; id < kOutside; ++id) {
    ASSERT_EQ(outside_runs[id].load(), 1) << "outside task " << id;
  }
  for (size_t id = 0; id < inside_runs.size(); ++id) {
    ASSERT_EQ(inside_runs[id].load(), 1) << "inside task " << id;
  }
  EXPECT_EQ(inside_failures.load(), 0);
  EXPECT_EQ(off_pool.load(), 0);
}

TEST(ThreadPoolTest, TasksSpawnedInsideRunOnThePool) {
  ThreadPool pool(2, {.name = "spawn"});
  Event done;
  const WorkerInfo* child_worker = nullptr;
  std::string child_executor;
  ASSERT_TRUE(pool.Schedule([&] {
                    ASSERT_TRUE(pool.Schedule([&] {
                                      child_worker = CurrentWorker();
                                      if (child_worker != nullptr) {
                                        child_executor = child_worker->executor;
                                      }
                                      done.Set();
                                    })
                                    .ok());
                  })
                  .ok());
  ASSERT_TRUE(done.WaitFor(kGenerous));
  ASSERT_NE(child_worker, nullptr);
  EXPECT_EQ(child_executor, "spawn");
}

TEST(ThreadPoolTest, CurrentWorkerDescribesTheWorker) {
  EXPECT_EQ(CurrentWorker(), nullptr);
  const std::string long_name = "a-rather-long-pool-name";
  ThreadPool pool(3, {.name = long_name});
  const pid_t caller = testing_internal::CurrentTid();
  constexpr int kTasks = 300;
  struct Seen {
    WorkerInfo info;
    bool present = false;
    std::string thread_name;
  };
  std::vector<Seen> seen(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(pool.Schedule([&seen, i] {
                      if (const WorkerInfo* worker = CurrentWorker()) {
                        seen[i].info = *worker;
                        seen[i].present = true;
                      }
                      char name[16] = {};
                      pthread_getname_np(pthread_self(), name, sizeof(name));
                      seen[i].thread_name = name;
                    })
                    .ok());
  }
  ASSERT_TRUE(pool.Shutdown().ok());
  for (const Seen& s : seen) {
    ASSERT_TRUE(s.present);
    EXPECT_EQ(s.info.executor, long_name);
    EXPECT_GE(s.info.index, 0);
    EXPECT_LT(s.info.index, 3);
    const std::string expected_name =
        absl::StrCat(long_name, "-", s.info.index);
    EXPECT_EQ(s.info.name, expected_name);
    EXPECT_EQ(s.thread_name, expected_name.substr(0, 15));
    EXPECT_NE(s.info.thread_id, 0u);
    EXPECT_NE(static_cast<pid_t>(s.info.thread_id), caller);
    EXPECT_EQ(s.info.pid, getpid());
  }
  EXPECT_EQ(CurrentWorker(), nullptr);
}

TEST(ThreadPoolTest, WorkersHaveDistinctIdentities) {
  ThreadPool pool(3);
  const std::vector<pid_t> tids = WorkerTids(pool);
  EXPECT_EQ(std::set<pid_t>(tids.begin(), tids.end()).size(), 3u);
  EXPECT_EQ(
      std::count(tids.begin(), tids.end(), testing_internal::CurrentTid()), 0);
}

TEST(ThreadPoolTest, ScheduleAfterShutdownFails) {
  ThreadPool pool(2, {.name = "closed"});
  ASSERT_TRUE(pool.Shutdown().ok());
  EXPECT_TRUE(pool.IsShutdown());
  Slot slot;
  const absl::Status status = pool.Schedule(ProbeTask(slot));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "ThreadPool closed is shut down");
  // Rejected: destroyed before Schedule() returned, never run.
  EXPECT_EQ(slot.drops.load(), 1);
  EXPECT_EQ(slot.runs.load(), 0);
}

TEST(ThreadPoolTest, ScheduleAfterShutdownNowFails) {
  ThreadPool pool(2, {.name = "stopped"});
  EXPECT_EQ(pool.ShutdownNow(), 0u);
  EXPECT_TRUE(pool.IsShutdown());
  const absl::Status status = pool.Schedule([] {});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "ThreadPool stopped is shut down");
}

TEST(ThreadPoolTest,
     ShutdownRunsEveryAcceptedTaskIncludingSpawnsDuringTheDrain) {
  ThreadPool pool(2, {.name = "drain"});
  Event release;
  Event blocker_started;
  constexpr int kQueued = 1000;
  constexpr int kSpawnDepth = 10;  // 2^10 - 1 = 1023 tasks spawned in the drain
  std::atomic<int> queued_runs{0};
  std::atomic<int> spawned_runs{0};
  std::atomic<int> spawn_failures{0};
  std::function<void(int)> spawn = [&](int depth) {
    spawned_runs.fetch_add(1);
    if (depth == 0) return;
    for (int i = 0; i < 2; ++i) {
      if (!pool.Schedule([&, depth] { spawn(depth - 1); }).ok()) {
        spawn_failures.fetch_add(1);
      }
    }
  };
  ASSERT_TRUE(pool.Schedule([&] {
                    blocker_started.Set();
                    release.Wait();
                    // The drain has begun: these must still be accepted.
                    spawn(kSpawnDepth - 1);
                  })
                  .ok());
  ASSERT_TRUE(blocker_started.WaitFor(kGenerous));
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_TRUE(pool.Schedule([&] { queued_runs.fetch_add(1); }).ok());
  }
  std::atomic<bool> shutdown_returned{false};
  absl::Status shutdown_status;
  testing_internal::TrackedThread shutdown([&] {
    shutdown_status = pool.Shutdown();
    shutdown_returned.store(true);
  });
  AwaitTrue([&] { return pool.IsShutdown(); }, "Shutdown() began");
  EXPECT_EQ(pool.Schedule([] {}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(shutdown_returned.load());  // The blocker still runs.
  release.Set();
  shutdown.Join();
  EXPECT_TRUE(shutdown_status.ok()) << shutdown_status;
  EXPECT_EQ(queued_runs.load(), kQueued);
  EXPECT_EQ(spawned_runs.load(), (1 << kSpawnDepth) - 1);
  EXPECT_EQ(spawn_failures.load(), 0);
}

TEST(ThreadPoolTest, ShutdownIsIdempotentAndConcurrentCallersWaitForTheDrain) {
  ThreadPool pool(2);
  constexpr int kTasks = 20000;
  std::atomic<int> runs{0};
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(pool.Schedule([&] { runs.fetch_add(1); }).ok());
  }
  std::atomic<int> early{0};
  testing_internal::RunThreads(3, [&](int) {
    EXPECT_TRUE(pool.Shutdown().ok());
    if (runs.load() != kTasks) early.fetch_add(1);
  });
  EXPECT_EQ(early.load(), 0);
  EXPECT_TRUE(pool.Shutdown().ok());
  EXPECT_EQ(runs.load(), kTasks);
}

TEST(ThreadPoolTest, ShutdownNowDropsQueuedTasksUnderTheDropReason) {
  ThreadPool pool(2, {.name = "now"});
  Event release;
  std::atomic<int> blockers_started{0};
  std::vector<Slot> blockers(2);
  for (Slot& slot : blockers) {
    ASSERT_TRUE(pool.Schedule([&, probe = Probe(&slot)]() mutable {
                      probe.Run();
                      blockers_started.fetch_add(1);
                      release.Wait();
                    })
                    .ok());
  }
  AwaitTrue([&] { return blockers_started.load() == 2; },
            "both workers blocked");
  constexpr int kQueued = 100;
  std::vector<Slot> queued(kQueued);
  for (Slot& slot : queued) ASSERT_TRUE(pool.Schedule(ProbeTask(slot)).ok());

  EXPECT_EQ(pool.ShutdownNow(), static_cast<size_t>(kQueued));
  for (const Slot& slot : queued) {
    EXPECT_EQ(slot.runs.load(), 0);
    ASSERT_EQ(slot.drops.load(), 1);
    EXPECT_EQ(slot.drop_status.code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(slot.drop_status.message(),
              "cancelled by ThreadPool::ShutdownNow");
  }
  EXPECT_EQ(pool.Schedule([] {}).code(), absl::StatusCode::kFailedPrecondition);
  release.Set();
  // The running tasks finish; the destructor joins.
}

TEST(ThreadPoolTest, ShutdownNowReturnsWhileATaskBlocksInsideShutdown) {
  auto pool =
      std::make_unique<ThreadPool>(1, ThreadPool::Options{.name = "stuck"});
  Event forever;  // Set at the very end of the test.
  Event started;
  ASSERT_TRUE(pool->Schedule([&] {
                    started.Set();
                    forever.Wait();
                  })
                  .ok());
  ASSERT_TRUE(started.WaitFor(kGenerous));
  constexpr int kQueued = 10;
  std::vector<Slot> queued(kQueued);
  for (Slot& slot : queued) ASSERT_TRUE(pool->Schedule(ProbeTask(slot)).ok());

  std::atomic<bool> shutdown_returned{false};
  testing_internal::TrackedThread shutdown([&] {
    EXPECT_TRUE(pool->Shutdown().ok());
    shutdown_returned.store(true);
  });
  AwaitTrue([&] { return pool->IsShutdown(); }, "Shutdown() began");
  // The drain cannot finish: the only worker is blocked. ShutdownNow() must
  // still return, having dropped the queued tasks.
  EXPECT_EQ(pool->ShutdownNow(), static_cast<size_t>(kQueued));
  for (const Slot& slot : queued) {
    EXPECT_EQ(slot.runs.load(), 0);
    EXPECT_EQ(slot.drops.load(), 1);
  }
  EXPECT_FALSE(shutdown_returned.load());
  forever.Set();
  shutdown.Join();
  EXPECT_TRUE(shutdown_returned.load());
  pool.reset();
}

TEST(ThreadPoolTest, WorkerScheduleAfterShutdownNowIsRejected) {
  ThreadPool pool(1);
  Event release;
  Event started;
  Slot child;
  absl::Status child_status;
  Event child_scheduled;
  ASSERT_TRUE(pool.Schedule([&] {
                    started.Set();
                    release.Wait();
                    child_status = pool.Schedule(ProbeTask(child));
                    child_scheduled.Set();
                  })
                  .ok());
  ASSERT_TRUE(started.WaitFor(kGenerous));
  EXPECT_EQ(pool.ShutdownNow(), 0u);
  release.Set();
  ASSERT_TRUE(child_scheduled.WaitFor(kGenerous));
  EXPECT_EQ(child_status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(child.runs.load(), 0);
  EXPECT_EQ(child.drops.load(), 1);  // Destroyed before Schedule() returned.
}

TEST(ThreadPoolTest, ShutdownFromAWorkerFailsAndHasNoEffect) {
  ThreadPool pool(2, {.name = "self"});
  absl::Status status;
  Event done;
  ASSERT_TRUE(pool.Schedule([&] {
                    status = pool.Shutdown();
                    done.Set();
                  })
                  .ok());
  ASSERT_TRUE(done.WaitFor(kGenerous));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("own workers"), absl::string_view::npos);
  EXPECT_FALSE(pool.IsShutdown());
  Event again;
  ASSERT_TRUE(pool.Schedule([&] { again.Set(); }).ok());
  EXPECT_TRUE(again.WaitFor(kGenerous));
}

TEST(ThreadPoolDeathTest, DestroyingThePoolFromItsOwnWorkerAborts) {
  EXPECT_DEATH(
      {
        auto* pool = new ThreadPool(1, {.name = "suicidal"});
        Event never;
        (void)pool->Schedule([pool] { delete pool; });
        never.Wait();
      },
      "ThreadPool suicidal destroyed from one of its own workers "
      "\\(suicidal-0\\)");
}

TEST(ThreadPoolTest, IdleWorkersSleepAndBurnNoCpu) {
  ThreadPool pool(2);
  const std::vector<pid_t> tids = WorkerTids(pool);
  for (pid_t tid : tids) {
    AwaitTrue([&] { return InFutexWait(tid); },
              "an idle worker sleeps in futex()");
  }
  std::vector<long> switches;
  std::vector<long> ticks;
  for (pid_t tid : tids) {
    switches.push_back(ContextSwitches(tid));
    ticks.push_back(StateAndCpuTicks(tid).second);
  }
  // A measurement window, not synchronization: a sleeping thread is not
  // scheduled at all during it.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (size_t i = 0; i < tids.size(); ++i) {
    EXPECT_TRUE(InFutexWait(tids[i]));
    EXPECT_EQ(ContextSwitches(tids[i]), switches[i])
        << "worker " << i << " woke up";
    EXPECT_EQ(StateAndCpuTicks(tids[i]).second, ticks[i]) << "worker " << i;
  }
  // And they wake up for new work.
  EXPECT_EQ(WorkerTids(pool), tids);
}

TEST(ThreadPoolTest, SleepingWorkersWakeForSpawnedWork) {
  // A task that waits for a task it spawned needs a second worker, which is
  // asleep (or about to be): a lost wake-up would hang here.
  ThreadPool pool(2);
  for (int round = 0; round < 200; ++round) {
    Event parent_done;
    ASSERT_TRUE(pool.Schedule([&] {
                      Event child_ran;
                      ASSERT_TRUE(pool.Schedule([&] { child_ran.Set(); }).ok());
                      EXPECT_TRUE(child_ran.WaitFor(kGenerous));
                      parent_done.Set();
                    })
                    .ok());
    ASSERT_TRUE(parent_done.WaitFor(kGenerous)) << "round " << round;
    if (round % 20 == 0) {
      // Let the workers fall asleep now and then.
      for (pid_t tid : WorkerTids(pool)) {
        AwaitTrue([&] { return InFutexWait(tid); }, "worker sleeps");
      }
    }
  }
}

TEST(ThreadPoolTest, OutsideTasksThatMeetNeedEveryWorker) {
  // Rendezvous of `workers` tasks scheduled from outside, repeatedly.
  ThreadPool pool(3);
  for (int round = 0; round < 200; ++round) {
    EXPECT_EQ(WorkerTids(pool).size(), 3u);
  }
}

TEST(ThreadPoolTest, ThrowingTaskDoesNotKillTheWorker) {
  ThreadPool pool(1, {.name = "throws"});
  testing::internal::CaptureStderr();
  Event first_done;
  ASSERT_TRUE(pool.Schedule([] { throw std::runtime_error("boom"); }).ok());
  ASSERT_TRUE(pool.Schedule([&] { first_done.Set(); }).ok());
  ASSERT_TRUE(first_done.WaitFor(kGenerous));
  Event second_done;
  ASSERT_TRUE(pool.Schedule([] { throw 42; }).ok());
  ASSERT_TRUE(pool.Schedule([&] { second_done.Set(); }).ok());
  ASSERT_TRUE(second_done.WaitFor(kGenerous));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(
      err.find("ThreadPool throws: a task threw std::runtime_error: boom"),
      std::string::npos)
      << err;
  EXPECT_EQ(err.find("threw int"), std::string::npos)
      << "reported twice: " << err;
  EXPECT_FALSE(pool.IsShutdown());
}

TEST(ThreadPoolTest, ScheduleRacingShutdownEitherRunsOrRejects) {
  constexpr int kThreads = 3;
  constexpr int kPerThread = 20000;
  ThreadPool pool(2);
  std::vector<Slot> slots(kThreads * kPerThread);
  std::vector<std::atomic<bool>> accepted(slots.size());
  std::atomic<int> scheduled{0};
  testing_internal::RunThreads(kThreads + 1, [&](int thread) {
    if (thread == kThreads) {
      while (scheduled.load() < kPerThread) std::this_thread::yield();
      EXPECT_TRUE(pool.Shutdown().ok());
      return;
    }
    for (int i = 0; i < kPerThread; ++i) {
      const int id = thread * kPerThread + i;
      const absl::Status status = pool.Schedule(ProbeTask(slots[id]));
      accepted[id].store(status.ok());
      if (!status.ok()) {
        EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
      }
      scheduled.fetch_add(1);
    }
  });
  int accepted_count = 0;
  for (size_t id = 0; id < slots.size(); ++id) {
    if (accepted[id].load()) {
      ++accepted_count;
      ASSERT_EQ(slots[id].runs.load(), 1) << id;
      ASSERT_EQ(slots[id].drops.load(), 0) << id;
    } else {
      ASSERT_EQ(slots[id].runs.load(), 0) << id;
      ASSERT_EQ(slots[id].drops.load(), 1) << id;
    }
  }
  EXPECT_GE(accepted_count, kPerThread);
}

TEST(ThreadPoolTest, ScheduleRacingShutdownNowRunsDropsOrRejectsEachTask) {
  // Outside threads and tasks (spawning from inside) schedule while
  // ShutdownNow() runs: each task runs, or is dropped (and counted by
  // ShutdownNow()), or is rejected, exactly one of these.
  constexpr int kThreads = 2;
  constexpr int kPerThread = 20000;
  constexpr int kTotal = kThreads * kPerThread * 2;  // Each spawns one child.
  auto owned_pool = std::make_unique<ThreadPool>(2);
  ThreadPool* pool = owned_pool.get();  // Tasks use it while it is destroyed.
  std::vector<Slot> slots(kTotal);
  std::vector<std::atomic<int>> accepted(kTotal);
  std::atomic<int> scheduled{0};
  std::atomic<size_t> dropped{0};
  testing_internal::RunThreads(kThreads + 1, [&](int thread) {
    if (thread == kThreads) {
      while (scheduled.load() < kPerThread) std::this_thread::yield();
      dropped.store(pool->ShutdownNow());
      return;
    }
    for (int i = 0; i < kPerThread; ++i) {
      const int id = 2 * (thread * kPerThread + i);
      const absl::Status status =
          pool->Schedule([&, id, probe = Probe(&slots[id])]() mutable {
            probe.Run();
            const absl::Status child = pool->Schedule(ProbeTask(slots[id + 1]));
            accepted[id + 1].store(child.ok() ? 1 : 0);
          });
      accepted[id].store(status.ok() ? 1 : 0);
      scheduled.fetch_add(1);
    }
  });
  owned_pool.reset();  // Joins: every task has now run or been destroyed.
  size_t drops = 0;
  for (int id = 0; id < kTotal; ++id) {
    const Slot& slot = slots[id];
    if (id % 2 == 1 && slots[id - 1].runs.load() == 0) {
      // The parent never ran: the child was never scheduled.
      ASSERT_EQ(slot.runs.load() + slot.drops.load(), 0) << id;
      continue;
    }
    ASSERT_EQ(slot.runs.load() + slot.drops.load(), 1) << id;
    if (accepted[id].load() == 1 && slot.drops.load() == 1) {
      ++drops;
      EXPECT_EQ(slot.drop_status.message(),
                "cancelled by ThreadPool::ShutdownNow");
    }
    if (accepted[id].load() == 0) {
      ASSERT_EQ(slot.runs.load(), 0) << id;
    }
  }
  EXPECT_EQ(drops, dropped.load());
}

TEST(ThreadPoolTest, DestructorDrains) {
  std::atomic<int> runs{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 10000; ++i) {
      ASSERT_TRUE(pool.Schedule([&] { runs.fetch_add(1); }).ok());
    }
  }
  EXPECT_EQ(runs.load(), 10000);
}

TEST(ThreadPoolTest, ManyPoolsOneWorkerEach) {
  // Pools do not confuse each other's workers: a task of pool A scheduling on
  // pool B is an outside submission for B.
  ThreadPool a(1, {.name = "a"});
  ThreadPool b(1, {.name = "b"});
  Event done;
  std::string ran_on;
  ASSERT_TRUE(a.Schedule([&] {
                 ASSERT_TRUE(b.Schedule([&] {
                                ran_on = CurrentWorker()->executor;
                                done.Set();
                              }).ok());
               }).ok());
  ASSERT_TRUE(done.WaitFor(kGenerous));
  EXPECT_EQ(ran_on, "b");
  ASSERT_TRUE(b.Shutdown().ok());
  absl::Status from_a;
  Event scheduled;
  ASSERT_TRUE(a.Schedule([&] {
                 from_a = b.Schedule([] {});
                 scheduled.Set();
               }).ok());
  ASSERT_TRUE(scheduled.WaitFor(kGenerous));
  EXPECT_EQ(from_a.code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace multirun
