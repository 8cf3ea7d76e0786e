// Copyright 2026 The multirun Authors.
//
// A ProcessPool worker's life: what a forked worker process runs until it
// exits. It reads requests from its pipe, runs each registered task in turn
// and writes the answers back (pool_protocol.h); it never returns.

#ifndef MULTIRUN_PROCESSES_INTERNAL_POOL_WORKER_H_
#define MULTIRUN_PROCESSES_INTERNAL_POOL_WORKER_H_

#include <sys/types.h>

#include <vector>

#include "multirun/executors/worker.h"

namespace multirun {
namespace processes_internal {

// The exit code of a worker that received a request it cannot parse.
inline constexpr int kBadRequestExitCode = 122;
// The exit code of a worker that could not allocate the memory to read a
// request.
inline constexpr int kRequestTooLargeExitCode = 123;

// Runs a worker in the child of a fork(): reads requests from `request_fd`,
// acknowledges each one as it starts it and answers on `response_fd`
// (pool_protocol.h) until the request pipe closes or asks it to
// exit, or after `max_tasks` tasks (0: no limit). Closes `close_fds` (the
// pool's descriptors it must not keep open) first, names the process and
// the worker after `info` (whose pid and thread id it fills in), and dies
// with SIGKILL if `parent` (the supervisor thread) ends. Touches nothing of
// the parent that another thread may have held at the fork: only its own
// pipes, the task registry (constant-initialised) and malloc. Leaves with
// _exit(), never returns.
[[noreturn]] void RunPoolWorker(int request_fd, int response_fd,
                                const std::vector<int>& close_fds,
                                WorkerInfo& info, pid_t parent, int max_tasks);

}  // namespace processes_internal
}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_INTERNAL_POOL_WORKER_H_
