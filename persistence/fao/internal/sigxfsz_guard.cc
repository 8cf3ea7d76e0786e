// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/internal/sigxfsz_guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

namespace multirun {
namespace fao_internal {

namespace {

bool SigxfszPending() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 && sigismember(&pending, SIGXFSZ) == 1;
}

}  // namespace

SigxfszGuard::SigxfszGuard() {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGXFSZ);
  pthread_sigmask(SIG_BLOCK, &block, &previous_mask_);
  pending_before_ = SigxfszPending();
}

SigxfszGuard::~SigxfszGuard() {
  if (!sigismember(&previous_mask_, SIGXFSZ) && !pending_before_ &&
      SigxfszPending()) {
    sigset_t just;
    sigemptyset(&just);
    sigaddset(&just, SIGXFSZ);
    const timespec zero = {0, 0};
    while (sigtimedwait(&just, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

}  // namespace fao_internal
}  // namespace multirun
