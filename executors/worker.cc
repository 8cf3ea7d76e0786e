// Copyright 2026 The multirun Authors.

#include "multirun/executors/worker.h"

namespace multirun {
namespace {

thread_local const WorkerInfo* current_worker = nullptr;

}  // namespace

const WorkerInfo* CurrentWorker() { return current_worker; }

ScopedCurrentWorker::ScopedCurrentWorker(const WorkerInfo* worker)
    : previous_(current_worker) {
  current_worker = worker;
}

ScopedCurrentWorker::~ScopedCurrentWorker() { current_worker = previous_; }

}  // namespace multirun
