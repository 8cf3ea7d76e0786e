// Copyright 2026 The multirun Authors.
//
// SigxfszGuard: blocks SIGXFSZ on the calling thread while a file is written,
// so that a write past RLIMIT_FSIZE fails with EFBIG instead of killing the
// process, and discards the SIGXFSZ that such a write left pending (see
// durable_file.h, "SIGXFSZ").

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_SIGXFSZ_GUARD_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_SIGXFSZ_GUARD_H_

#include <signal.h>

namespace multirun {
namespace fao_internal {

class SigxfszGuard {
 public:
  // Blocks SIGXFSZ on this thread.
  SigxfszGuard();
  // Takes out of the pending set a SIGXFSZ that became pending during the
  // guard's life, unless the thread had SIGXFSZ blocked before (then the
  // caller owns it), and restores the thread's signal mask.
  ~SigxfszGuard();
  SigxfszGuard(const SigxfszGuard&) = delete;
  SigxfszGuard& operator=(const SigxfszGuard&) = delete;

 private:
  sigset_t previous_mask_;
  bool pending_before_ = false;
};

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_SIGXFSZ_GUARD_H_
