// Copyright 2026 The multirun Authors.
//
// The one description of a caught exception that every multirun boundary uses:
// "<demangled type>: <what()>" for a std::exception, "<demangled type>" for
// anything else. Every multirun boundary that runs a user callable (a task, a
// continuation, a retried attempt, a Sharer call) catches what it throws and
// describes it with this text: in an absl::UnknownError when it becomes a
// status (invoke.h), on stderr when a task given to an executor's Schedule()
// throws.

#ifndef MULTIRUN_BASE_CURRENT_EXCEPTION_H_
#define MULTIRUN_BASE_CURRENT_EXCEPTION_H_

#include <string>

namespace multirun {
namespace base_internal {

// Describes the exception being handled; call only inside a catch block.
std::string CurrentExceptionDescription();

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_CURRENT_EXCEPTION_H_
