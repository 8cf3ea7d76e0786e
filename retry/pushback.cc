// Copyright 2026 The multirun Authors.

#include "multirun/retry/pushback.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace multirun {

absl::Status SetRetryAfter(absl::Status status, absl::Duration wait) {
  if (status.ok() || wait < absl::ZeroDuration() ||
      wait == absl::InfiniteDuration()) {
    return status;
  }
  status.SetPayload(kRetryAfterTypeUrl,
                    absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(wait))));
  return status;
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string text(*payload);
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  // Any number of digits that fits in int64 (SimpleAtoi refuses more),
  // so that every payload SetRetryAfter writes reads back.
  int64_t ms = 0;
  if (!absl::SimpleAtoi(text, &ms)) return std::nullopt;
  return absl::Milliseconds(ms);
}

}  // namespace multirun
