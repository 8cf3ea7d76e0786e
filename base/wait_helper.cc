// Copyright 2026 The multirun Authors.

#include "multirun/base/wait_helper.h"

namespace multirun {
namespace base_internal {
namespace {

thread_local WaitHelper* current_helper = nullptr;

}  // namespace

WaitHelper* CurrentWaitHelper() { return current_helper; }

ScopedWaitHelper::ScopedWaitHelper(WaitHelper* helper)
    : previous_(current_helper) {
  current_helper = helper;
}

ScopedWaitHelper::~ScopedWaitHelper() { current_helper = previous_; }

}  // namespace base_internal
}  // namespace multirun
