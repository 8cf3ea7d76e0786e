// Copyright 2026 The multirun Authors.
//
// MultiRunnable's RunWith examples (Advanced Usages: lock_function,
// rlock_function, smp_function, bsmp_function) in C++.
//
// In Python each function is decorated, e.g. `@RunWith.Lock def
// lock_function():`, and run by several workers at once. Here
// `multirun::RunWith(primitive, fn)` wraps the function, and kWorkers threads
// call it. Each guarded section records how many workers were inside at once;
// the program checks that a Lock or RLock never let in more than one, and a
// (Bounded)Semaphore never more than its permits, and exits non-zero otherwise.
// The Python examples sleep 2 seconds; these sleep 20 ms, and print the
// originals' lines.
//
// Run: bazel run //examples:sync_run_with

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/rlock.h"
#include "multirun/sync/run_with.h"
#include "multirun/sync/semaphore.h"

namespace {

constexpr int kWorkers = 5;
constexpr int kPermits = 2;
constexpr absl::Duration kSleep = absl::Milliseconds(20);

// How many workers are inside a guarded section now, and the most ever seen.
struct Occupancy {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};

  void Enter() {
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { inside.fetch_sub(1); }
};

// The body every example function shares: the original's two lines around
// its sleep ("Running process in lock and will sleep 2 seconds." ...).
void Section(Occupancy& occupancy, const char* running, const char* woke) {
  occupancy.Enter();
  std::printf("%s sleep %s.\n", running, absl::FormatDuration(kSleep).c_str());
  absl::SleepFor(kSleep);
  std::printf("%s\n", woke);
  occupancy.Leave();
}

// Runs `function` on kWorkers threads at once, as a MultiRunnable executor with
// kWorkers workers would. Returns whether exactly `allowed` were ever inside at
// once.
template <typename F>
bool RunOnWorkers(const char* name, F function, Occupancy& occupancy,
                  int allowed) {
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) workers.emplace_back(function);
  for (auto& worker : workers) worker.join();
  const int most = occupancy.most.load();
  std::printf("%s: at most %d of %d workers inside at once (allowed %d)\n\n",
              name, most, kWorkers, allowed);
  // Exactly `allowed`: fewer would mean the primitive serialised needlessly.
  return most == allowed;
}

}  // namespace

int main() {
  multirun::Lock lock;
  multirun::RLock rlock;
  multirun::Semaphore semaphore(kPermits);
  multirun::BoundedSemaphore bounded_semaphore(kPermits);
  Occupancy lock_occupancy, rlock_occupancy, smp_occupancy, bsmp_occupancy;

  // @RunWith.Lock
  auto lock_function = multirun::RunWith(lock, [&] {
    Section(lock_occupancy, "Running process in lock and will",
            "Wake up process and release lock.");
  });
  // @RunWith.RLock: re-entering the RLock from inside must not deadlock.
  auto rlock_function = multirun::RunWith(rlock, [&] {
    auto inner = multirun::RunWith(rlock, [&] {
      Section(rlock_occupancy, "Running process in RLock and it will",
              "Wake up process and release RLock.");
    });
    inner();
  });
  // @RunWith.Semaphore
  auto smp_function = multirun::RunWith(semaphore, [&] {
    Section(smp_occupancy, "Running process with Semaphore and it will",
            "Wake up process and release Semaphore.");
  });
  // @RunWith.BoundedSemaphore
  auto bsmp_function = multirun::RunWith(bounded_semaphore, [&] {
    Section(bsmp_occupancy,
            "Running process with Bounded Semaphore and it will",
            "Wake up process and release Bounded Semaphore.");
  });

  bool ok = true;
  ok &= RunOnWorkers("lock_function", lock_function, lock_occupancy, 1);
  ok &= RunOnWorkers("rlock_function", rlock_function, rlock_occupancy, 1);
  ok &= RunOnWorkers("smp_function", smp_function, smp_occupancy, kPermits);
  ok &= RunOnWorkers("bsmp_function", bsmp_function, bsmp_occupancy, kPermits);
  // Every permit came back: one more release of the bounded semaphore is
  // refused.
  ok &= !bounded_semaphore.Release().ok();
  std::printf(ok ? "All guarded sections respected their primitive.\n"
                 : "FAILED: a guarded section overlapped more than allowed.\n");
  return ok ? 0 : 1;
}
