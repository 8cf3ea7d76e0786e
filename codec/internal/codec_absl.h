// Copyright 2026 The multirun Authors.
//
// The codecs of the Abseil types: absl::Status, absl::StatusOr<T>,
// absl::Cord, absl::Duration and absl::Time. Each states how its values are
// laid out; "size" is a CodecWriter::WriteSize() varint. The non-template
// ones are defined in codec.cc.
//
// Part of multirun/codec/codec.h, which includes it after the API it builds
// on; include that header, not this one.

#ifndef MULTIRUN_CODEC_INTERNAL_CODEC_ABSL_H_
#define MULTIRUN_CODEC_INTERNAL_CODEC_ABSL_H_

#ifndef MULTIRUN_CODEC_CODEC_H_
#error "include multirun/codec/codec.h, not this header"
#endif

#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "absl/utility/utility.h"
#include "multirun/codec/internal/codec_errors.h"

namespace multirun {

// absl::Status: the code as a size; for an error also the message (size,
// bytes), the number of payloads, and each payload's type URL and bytes
// (size, bytes each), in increasing type URL order (Decode takes any). Decode
// rejects codes absl does not define (above kUnauthenticated = 16) and
// duplicate type URLs.
template <>
struct Codec<absl::Status> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Status& value, CodecWriter& out);
  static absl::StatusOr<absl::Status> Decode(CodecReader& in);
};

// absl::StatusOr<T>: its status as above, then the value when it is OK.
template <Encodable T>
struct Codec<absl::StatusOr<T>> {
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const absl::StatusOr<T>& value, CodecWriter& out) {
    Codec<absl::Status>::Encode(value.status(), out);
    if (value.ok()) Codec<T>::Encode(*value, out);
  }

  static absl::StatusOr<absl::StatusOr<T>> Decode(CodecReader& in) {
    using Result = absl::StatusOr<absl::StatusOr<T>>;
    absl::StatusOr<absl::Status> status = Codec<absl::Status>::Decode(in);
    if (!status.ok()) {
      return codec_internal::Error<absl::StatusOr<T>>(
          codec_internal::Annotate(status.status(), "absl::StatusOr status"));
    }
    if (!status->ok()) {
      return Result(codec_internal::kInPlace,
                    codec_internal::Error<T>(*std::move(status)));
    }
    absl::StatusOr<T> value = Codec<T>::Decode(in);
    if (!value.ok()) {
      return codec_internal::Error<absl::StatusOr<T>>(
          codec_internal::Annotate(value.status(), "absl::StatusOr value"));
    }
    return Result(codec_internal::kInPlace, codec_internal::kInPlace,
                  *std::move(value));
  }
};

// absl::Cord: size, then the bytes.
template <>
struct Codec<absl::Cord> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Cord& value, CodecWriter& out);
  static absl::StatusOr<absl::Cord> Decode(CodecReader& in);
};

// absl::Duration: a tag byte (0 finite, 1 InfiniteDuration(), 2
// -InfiniteDuration()); a finite one then has its whole seconds (int64) and
// the rest in quarter nanoseconds (int64), exactly.
template <>
struct Codec<absl::Duration> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Duration& value, CodecWriter& out);
  static absl::StatusOr<absl::Duration> Decode(CodecReader& in);
};

// absl::Time: the absl::Duration since absl::UnixEpoch(), infinite for
// InfiniteFuture() and InfinitePast().
template <>
struct Codec<absl::Time> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Time& value, CodecWriter& out);
  static absl::StatusOr<absl::Time> Decode(CodecReader& in);
};

}  // namespace multirun

#endif  // MULTIRUN_CODEC_INTERNAL_CODEC_ABSL_H_
