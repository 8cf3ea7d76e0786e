// Copyright 2026 The multirun Authors.

#include "multirun/retry/message_pattern.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace multirun {

absl::StatusOr<StatusPredicate> MessageMatches(absl::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  auto compiled = std::make_shared<const RE2>(
      re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!compiled->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MessageMatches: bad pattern \"", pattern, "\": ", compiled->error()));
  }
  return StatusPredicate([compiled](const absl::Status& status) {
    const absl::string_view message = status.message();
    return RE2::PartialMatch(re2::StringPiece(message.data(), message.size()),
                             *compiled);
  });
}

}  // namespace multirun
