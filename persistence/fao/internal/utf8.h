// Copyright 2026 The multirun Authors.
//
// UTF-8 validation for the FAO writers: well-formed UTF-8 as RFC 3629 defines
// it (no overlong forms, no surrogates, nothing above U+10FFFF).

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_UTF8_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace multirun {
namespace fao_internal {

// The offset of the first byte that does not start a well-formed UTF-8
// sequence, or nullopt when all of `text` is well-formed.
std::optional<size_t> FirstInvalidUtf8(absl::string_view text);

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_UTF8_H_
