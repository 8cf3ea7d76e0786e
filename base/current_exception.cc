// Copyright 2026 The multirun Authors.

#include "multirun/base/current_exception.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include "absl/strings/str_cat.h"

namespace multirun {
namespace base_internal {
namespace {

std::string Demangle(const std::type_info* type) {
  if (type == nullptr) return "unknown exception";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name != nullptr ? std::string(name.get())
                                        : std::string(type->name());
}

}  // namespace

std::string CurrentExceptionDescription() {
  const std::string type = Demangle(abi::__cxa_current_exception_type());
  try {
    throw;
  } catch (const std::exception& e) {
    return absl::StrCat(type, ": ", e.what());
  } catch (...) {
    return type;
  }
}

}  // namespace base_internal
}  // namespace multirun
