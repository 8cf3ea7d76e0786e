// Copyright 2026 The multirun Authors.
//
// The errors of the codecs: building the DataLoss statuses that decoding
// returns, adding "in <context>" to them as they pass up through containers,
// returning an error status as an absl::StatusOr<T> of any T, and the tag that
// builds an absl::StatusOr's value in place. Used by
// codec.h and the codecs in this directory; not for users.

#ifndef MULTIRUN_CODEC_INTERNAL_CODEC_ERRORS_H_
#define MULTIRUN_CODEC_INTERNAL_CODEC_ERRORS_H_

#include <cstddef>
#include <utility>

#include "absl/base/config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/utility/utility.h"

namespace multirun {
namespace codec_internal {

// The tag of absl::StatusOr's in-place constructor. Abseil built without
// std::optional (Debian 12's) has a tag type of its own; later Abseil takes
// std::in_place_t and deprecates absl::in_place.
#if defined(ABSL_USES_STD_OPTIONAL)
inline constexpr std::in_place_t kInPlace = std::in_place;
#else
inline constexpr absl::in_place_t kInPlace = absl::in_place;
#endif

// An absl::StatusOr<T> holding the error `status` (which must not be OK).
// Unlike `return status;` this is an error even when T is absl::Status, for
// which absl::StatusOr<absl::Status>(status) holds `status` as a value.
struct ErrorOf {
  absl::Status status;
  operator absl::Status() && { return std::move(status); }  // NOLINT
};
template <typename T>
absl::StatusOr<T> Error(absl::Status status) {
  return absl::StatusOr<T>(ErrorOf{std::move(status)});
}

// `status` with ", in <context>" (or ", in <context> <index>") appended to
// its message; code and payloads are kept.
absl::Status Annotate(const absl::Status& status, absl::string_view context);
absl::Status Annotate(const absl::Status& status, absl::string_view context,
                      size_t index);

// DataLoss: "Codec: <what> at offset <offset> <problem>".
absl::Status InvalidValueError(absl::string_view what, size_t offset,
                               absl::string_view problem);

// DataLoss for Decode<T>() when bytes remain after the value.
absl::Status TrailingBytesError(size_t offset, size_t remaining);

}  // namespace codec_internal
}  // namespace multirun

#endif  // MULTIRUN_CODEC_INTERNAL_CODEC_ERRORS_H_
