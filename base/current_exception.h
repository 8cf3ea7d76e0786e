// Copyright 2026 The multirun Authors.
//
// The one description of a caught exception that every multirun boundary uses
// (DESIGN.md, "Error model"): "<demangled type>: <what()>" for a
// std::exception, "<demangled type>" for anything else.

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
