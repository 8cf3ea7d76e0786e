// Copyright 2026 The multirun Authors.

#include "multirun/base/wait_helper.h"

#include <pthread.h>

namespace multirun {
namespace base_internal {
namespace {

thread_local WaitHelper* current_helper = nullptr;

// A process forked from a worker has none of the executor's threads: its
// waits must not try to help the copy of the executor.
void ResetInChild() { current_helper = nullptr; }

[[maybe_unused]] const int reset_in_child_registered =
    pthread_atfork(nullptr, nullptr, &ResetInChild);

}  // namespace

WaitHelper* CurrentWaitHelper() { return current_helper; }

ScopedWaitHelper::ScopedWaitHelper(WaitHelper* helper)
    : previous_(current_helper) {
  current_helper = helper;
}

ScopedWaitHelper::~ScopedWaitHelper() { current_helper = previous_; }

}  // namespace base_internal
}  // namespace multirun
