// Copyright 2026 The multirun Authors.
//
// The ProcessPool task registry: a constant-initialised, append-only table of
// registrations, written under a lock and read without one.

#include "multirun/processes/internal/pool_registry.h"

#include <cxxabi.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <typeinfo>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/base/check.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace processes_internal {
namespace {

constexpr uint32_t kMaxPoolTasks = 4096;

// Constant-initialised and append-only, so that a worker reads it without
// any lock or initialisation guard (another thread of the parent may have
// held those at the fork).
constinit std::atomic<const PoolTaskEntry*> g_tasks[kMaxPoolTasks] = {};
constinit std::atomic<uint32_t> g_task_count{0};

std::string Demangle(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status != 0 || name == nullptr) return type.name();
  std::string out(name);
  std::free(name);
  return out;
}

}  // namespace

const PoolTaskEntry* PoolTaskById(uint32_t id) {
  if (id >= g_task_count.load(std::memory_order_acquire)) return nullptr;
  return g_tasks[id].load(std::memory_order_acquire);
}

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

std::string DescribePoolTasks() {
  std::string out;
  const uint32_t count = g_task_count.load(std::memory_order_acquire);
  for (uint32_t id = 0; id < count; ++id) {
    const PoolTaskEntry* entry = g_tasks[id].load(std::memory_order_acquire);
    absl::StrAppend(&out, id, " ", entry->name, " ",
                    Demangle(*entry->signature), "\n");
  }
  return out;
}

}  // namespace processes_internal
}  // namespace multirun
