// Copyright 2026 The multirun Authors.

#include "multirun/retry/outcome_unknown.h"

#include <utility>

#include "absl/strings/cord.h"

namespace multirun {

absl::Status MarkOutcomeUnknown(absl::Status status) {
  if (status.ok()) return status;
  status.SetPayload(kOutcomeUnknownTypeUrl, absl::Cord());
  return status;
}

bool IsOutcomeUnknown(const absl::Status& status) {
  return status.GetPayload(kOutcomeUnknownTypeUrl).has_value();
}

absl::Status ClearOutcomeUnknown(absl::Status status) {
  status.ErasePayload(kOutcomeUnknownTypeUrl);
  return status;
}

}  // namespace multirun
