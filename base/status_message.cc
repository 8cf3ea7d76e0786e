// Copyright 2026 The multirun Authors.

#include "multirun/base/status_message.h"

#include "absl/strings/cord.h"

namespace multirun {
namespace base_internal {

absl::Status WithMessage(const absl::Status& status,
                         absl::string_view message) {
  if (status.ok()) return status;
  absl::Status reworded(status.code(), message);
  status.ForEachPayload(
      [&reworded](absl::string_view type_url, const absl::Cord& payload) {
        reworded.SetPayload(type_url, payload);
      });
  return reworded;
}

}  // namespace base_internal
}  // namespace multirun
