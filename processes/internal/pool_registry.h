// Copyright 2026 The multirun Authors.
//
// The process-wide registry of ProcessPool tasks: every function registered
// with MULTIRUN_REGISTER_TASK, by number and by name. A submission names a
// task by its number, which is the same in every worker because the workers
// are forks of the process that registered the tasks.
//
// Thread-safety: registration is serialised by a lock; lookups take none, so
// that a worker (a fork, where another thread of the parent may have held any
// lock) can look a task up.

#ifndef MULTIRUN_PROCESSES_INTERNAL_POOL_REGISTRY_H_
#define MULTIRUN_PROCESSES_INTERNAL_POOL_REGISTRY_H_

#include <cstdint>
#include <string>
#include <typeinfo>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace processes_internal {

// What a worker runs for a request: decodes `args` (a Codec-encoded tuple of
// the parameters), calls the function, and appends its encoded
// FutureResult<T> to `*out`. May throw (bad_alloc, a throwing user codec).
using PoolTaskRunner = void (*)(absl::string_view args, std::string* out);

// A registered task: its number (the same in every worker) and its name
// (static storage).
struct PoolTaskKey {
  uint32_t id = 0;
  absl::string_view name;
};

// One registration. Never freed: it lives as long as the program.
struct PoolTaskEntry {
  std::string name;
  const std::type_info* signature;
  PoolTaskRunner runner;
};

// Registers a task. Aborts with a message when `name` is empty, is already
// registered for another function, or when more than 4096 tasks are
// registered. Registering the same function under the same name again
// returns the first registration. Thread-safe; meant for static
// initialisation.
PoolTaskKey RegisterPoolTask(absl::string_view name,
                             const std::type_info& signature,
                             PoolTaskRunner runner);

// Task `name` if it is registered with `signature`: NotFound for an unknown
// name, InvalidArgument for another signature. Thread-safe.
absl::StatusOr<PoolTaskKey> FindPoolTask(absl::string_view name,
                                         const std::type_info& signature);

// Task number `id`, or nullptr when no task has that number. Takes no lock
// and allocates nothing: safe in a worker.
const PoolTaskEntry* PoolTaskById(uint32_t id);

// Every registration in number order, one "<number> <name> <signature>" line
// each: two processes of the same program print the same text. Thread-safe.
std::string DescribePoolTasks();

}  // namespace processes_internal
}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_INTERNAL_POOL_REGISTRY_H_
