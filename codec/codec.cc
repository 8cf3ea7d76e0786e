// Copyright 2026 The multirun Authors.

#include "multirun/codec/codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "multirun/base/status_message.h"
#include "multirun/codec/internal/codec_errors.h"

namespace multirun {
namespace {

absl::Status TruncatedError(absl::string_view what, size_t offset,
                            absl::string_view needs, size_t left) {
  return absl::DataLossError(
      absl::StrCat("Codec: truncated input reading ", what, " at offset ",
                   offset, " (needs ", needs, " bytes, ", left, " left)"));
}

// The largest absl::StatusCode absl defines (kUnauthenticated).
constexpr uint64_t kMaxStatusCode =
    static_cast<uint64_t>(absl::StatusCode::kUnauthenticated);

// absl::Duration's resolution: a quarter of a nanosecond.
absl::Duration Tick() { return absl::Nanoseconds(1) / 4; }
constexpr int64_t kTicksPerSecond = int64_t{4} * 1000 * 1000 * 1000;

// A string written as size, then bytes, read as a view into the input.
absl::StatusOr<absl::string_view> ReadSizedView(CodecReader& in,
                                                absl::string_view what) {
  absl::StatusOr<uint64_t> size = in.ReadCount(what, 1);
  if (!size.ok()) return size.status();
  return in.ReadView(*size, what);
}

void WriteSizedBytes(absl::string_view bytes, CodecWriter& out) {
  out.WriteSize(bytes.size());
  out.WriteBytes(bytes.data(), bytes.size());
}

void WriteCord(const absl::Cord& cord, CodecWriter& out) {
  out.WriteSize(cord.size());
  for (absl::string_view chunk : cord.Chunks()) {
    out.WriteBytes(chunk.data(), chunk.size());
  }
}

}  // namespace

void CodecWriter::WriteSize(uint64_t size) {
  char bytes[10];
  size_t n = 0;
  while (size >= 0x80) {
    bytes[n++] = static_cast<char>((size & 0x7f) | 0x80);
    size >>= 7;
  }
  bytes[n++] = static_cast<char>(size);
  out_->append(bytes, n);
}

absl::Status CodecReader::ReadBytes(void* data, size_t size,
                                    absl::string_view what) {
  if (size > remaining()) {
    return TruncatedError(what, offset_, absl::StrCat(size), remaining());
  }
  if (size != 0) std::memcpy(data, in_.data() + offset_, size);
  offset_ += size;
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> CodecReader::ReadView(
    size_t size, absl::string_view what) {
  if (size > remaining()) {
    return TruncatedError(what, offset_, absl::StrCat(size), remaining());
  }
  absl::string_view view = in_.substr(offset_, size);
  offset_ += size;
  return view;
}

absl::StatusOr<uint64_t> CodecReader::ReadSize(absl::string_view what) {
  uint64_t value = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (offset_ + i >= in_.size()) {
      // Varint bytes so far all had the continuation bit set.
      return TruncatedError(what, offset_,
                            absl::StrCat("at least ", remaining() + 1),
                            remaining());
    }
    const uint8_t byte = static_cast<uint8_t>(in_[offset_ + i]);
    if (i == 9 && byte > 1) {
      return codec_internal::InvalidValueError(
          what, offset_, "is a varint of more than 64 bits");
    }
    value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      offset_ += i + 1;
      return value;
    }
  }
  return codec_internal::InvalidValueError(what, offset_,
                                           "is a varint of more than 64 bits");
}

absl::StatusOr<uint64_t> CodecReader::ReadCount(absl::string_view what,
                                                size_t min_element_size) {
  const size_t offset = offset_;
  absl::StatusOr<uint64_t> count = ReadSize(absl::StrCat(what, " size"));
  if (!count.ok()) return count.status();
  const size_t left = remaining();
  const bool fits = min_element_size == 0
                        ? *count <= left + kMaxCountBeyondInput &&
                              *count <= empty_elements_left_
                        : *count <= left / min_element_size;
  if (!fits) {
    offset_ = offset;  // A failed read consumes nothing.
    if (min_element_size == 0 && *count <= left + kMaxCountBeyondInput) {
      return codec_internal::InvalidValueError(
          absl::StrCat(what, " size"), offset,
          absl::StrCat("claims ", *count,
                       " elements that may be empty, more "
                       "than the ",
                       empty_elements_left_,
                       " this input has left for such elements (its size "
                       "plus ",
                       kMaxCountBeyondInput, " for all of them)"));
    }
    if (min_element_size == 0) {
      return codec_internal::InvalidValueError(
          absl::StrCat(what, " size"), offset,
          absl::StrCat("claims ", *count, " elements, more than the ", left,
                       " bytes left plus ", kMaxCountBeyondInput,
                       " empty ones"));
    }
    return codec_internal::InvalidValueError(
        absl::StrCat(what, " size"), offset,
        absl::StrCat("claims ", *count, " elements of at least ",
                     min_element_size, " bytes each, but only ", left,
                     " bytes are left"));
  }
  if (min_element_size == 0) empty_elements_left_ -= *count;
  return count;
}

absl::Status CodecReader::EnterNesting(absl::string_view what) {
  if (nesting_ >= kMaxNesting) {
    return codec_internal::InvalidValueError(
        what, offset_,
        absl::StrCat("nests deeper than ", kMaxNesting, " levels"));
  }
  ++nesting_;
  return absl::OkStatus();
}

namespace codec_internal {

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  return base_internal::WithMessage(
      status, absl::StrCat(status.message(), ", in ", context));
}

absl::Status Annotate(const absl::Status& status, absl::string_view context,
                      size_t index) {
  return Annotate(status, absl::StrCat(context, " ", index));
}

absl::Status InvalidValueError(absl::string_view what, size_t offset,
                               absl::string_view problem) {
  return absl::DataLossError(
      absl::StrCat("Codec: ", what, " at offset ", offset, " ", problem));
}

absl::Status TrailingBytesError(size_t offset, size_t remaining) {
  return absl::DataLossError(absl::StrCat("Codec: ", remaining,
                                          " trailing bytes after the value, at "
                                          "offset ",
                                          offset, " of ", offset + remaining));
}

std::string FieldContext(const FieldNames* names, size_t index) {
  if (names == nullptr) return absl::StrCat("field ", index);
  absl::string_view fields = names->fields;
  for (size_t i = 0; i < index; ++i) {
    const size_t comma = fields.find(',');
    if (comma == absl::string_view::npos) {
      return absl::StrCat("field ", index, " of ", names->type);
    }
    fields.remove_prefix(comma + 1);
  }
  fields = fields.substr(0, fields.find(','));
  return absl::StrCat("field ", absl::StripAsciiWhitespace(fields), " of ",
                      names->type);
}

}  // namespace codec_internal

void Codec<absl::Status>::Encode(const absl::Status& value, CodecWriter& out) {
  out.WriteSize(static_cast<uint64_t>(value.code()));
  if (value.ok()) return;
  WriteSizedBytes(value.message(), out);
  // ForEachPayload's order is unspecified (absl varies it with the
  // payloads' address): sorted by type URL, equal statuses encode equally.
  // The visitor's arguments need not outlive its call: copies (a Cord copy
  // shares its data).
  std::vector<std::pair<std::string, absl::Cord>> payloads;
  value.ForEachPayload(
      [&payloads](absl::string_view type_url, const absl::Cord& payload) {
        payloads.emplace_back(std::string(type_url), payload);
      });
  std::sort(payloads.begin(), payloads.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.WriteSize(payloads.size());
  for (const auto& [type_url, payload] : payloads) {
    WriteSizedBytes(type_url, out);
    WriteCord(payload, out);
  }
}

absl::StatusOr<absl::Status> Codec<absl::Status>::Decode(CodecReader& in) {
  using codec_internal::Error;
  const size_t offset = in.offset();
  absl::StatusOr<uint64_t> code = in.ReadSize("absl::Status code");
  if (!code.ok()) return Error<absl::Status>(code.status());
  if (*code > kMaxStatusCode) {
    return Error<absl::Status>(codec_internal::InvalidValueError(
        "absl::Status code", offset,
        absl::StrCat("is ", *code, ", not a code absl defines (0 to ",
                     kMaxStatusCode, ")")));
  }
  if (*code == 0) {
    return absl::StatusOr<absl::Status>(codec_internal::kInPlace,
                                        absl::OkStatus());
  }
  absl::StatusOr<absl::string_view> message =
      ReadSizedView(in, "absl::Status message");
  if (!message.ok()) return Error<absl::Status>(message.status());
  absl::Status status(static_cast<absl::StatusCode>(*code), *message);
  // Each payload takes at least two bytes: two sizes.
  absl::StatusOr<uint64_t> payloads = in.ReadCount("absl::Status payloads", 2);
  if (!payloads.ok()) return Error<absl::Status>(payloads.status());
  for (uint64_t i = 0; i < *payloads; ++i) {
    const size_t payload_offset = in.offset();
    absl::StatusOr<absl::string_view> type_url =
        ReadSizedView(in, "absl::Status payload type URL");
    if (!type_url.ok()) return Error<absl::Status>(type_url.status());
    absl::StatusOr<absl::string_view> bytes =
        ReadSizedView(in, "absl::Status payload");
    if (!bytes.ok()) return Error<absl::Status>(bytes.status());
    if (status.GetPayload(*type_url).has_value()) {
      return Error<absl::Status>(codec_internal::InvalidValueError(
          "absl::Status payload", payload_offset,
          absl::StrCat("repeats type URL \"", absl::CHexEscape(*type_url),
                       "\"")));
    }
    status.SetPayload(*type_url, absl::Cord(*bytes));
  }
  return absl::StatusOr<absl::Status>(codec_internal::kInPlace,
                                      std::move(status));
}

void Codec<absl::Cord>::Encode(const absl::Cord& value, CodecWriter& out) {
  WriteCord(value, out);
}

absl::StatusOr<absl::Cord> Codec<absl::Cord>::Decode(CodecReader& in) {
  absl::StatusOr<absl::string_view> bytes = ReadSizedView(in, "absl::Cord");
  if (!bytes.ok()) return bytes.status();
  return absl::Cord(*bytes);
}

void Codec<absl::Duration>::Encode(const absl::Duration& value,
                                   CodecWriter& out) {
  unsigned char tag = 0;
  if (value == absl::InfiniteDuration()) {
    tag = 1;
  } else if (value == -absl::InfiniteDuration()) {
    tag = 2;
  }
  out.WriteBytes(&tag, 1);
  if (tag != 0) return;
  absl::Duration rest;
  const int64_t seconds = absl::IDivDuration(value, absl::Seconds(1), &rest);
  absl::Duration unused;
  const int64_t ticks = absl::IDivDuration(rest, Tick(), &unused);
  out.WriteBytes(&seconds, sizeof(seconds));
  out.WriteBytes(&ticks, sizeof(ticks));
}

absl::StatusOr<absl::Duration> Codec<absl::Duration>::Decode(CodecReader& in) {
  const size_t offset = in.offset();
  unsigned char tag = 0;
  absl::Status status = in.ReadBytes(&tag, 1, "absl::Duration tag");
  if (!status.ok()) return status;
  if (tag == 1) return absl::InfiniteDuration();
  if (tag == 2) return -absl::InfiniteDuration();
  if (tag != 0) {
    return codec_internal::InvalidValueError(
        "absl::Duration tag", offset,
        absl::StrCat("is ", static_cast<int>(tag), ", not 0, 1 or 2"));
  }
  int64_t seconds = 0;
  int64_t ticks = 0;
  status = in.ReadBytes(&seconds, sizeof(seconds), "absl::Duration seconds");
  if (!status.ok()) return status;
  status = in.ReadBytes(&ticks, sizeof(ticks), "absl::Duration ticks");
  if (!status.ok()) return status;
  // What Encode() writes: |ticks| below a second, with the sign of seconds.
  if (ticks <= -kTicksPerSecond || ticks >= kTicksPerSecond ||
      (seconds > 0 && ticks < 0) || (seconds < 0 && ticks > 0)) {
    return codec_internal::InvalidValueError(
        "absl::Duration", offset,
        absl::StrCat("has ", ticks, " quarter nanoseconds beside ", seconds,
                     " seconds"));
  }
  const absl::Duration value = absl::Seconds(seconds) + Tick() * ticks;
  if (value == absl::InfiniteDuration() || value == -absl::InfiniteDuration()) {
    return codec_internal::InvalidValueError(
        "absl::Duration", offset, "is finite but decodes to an infinite one");
  }
  return value;
}

void Codec<absl::Time>::Encode(const absl::Time& value, CodecWriter& out) {
  Codec<absl::Duration>::Encode(value - absl::UnixEpoch(), out);
}

absl::StatusOr<absl::Time> Codec<absl::Time>::Decode(CodecReader& in) {
  absl::StatusOr<absl::Duration> since_epoch =
      Codec<absl::Duration>::Decode(in);
  if (!since_epoch.ok()) {
    return codec_internal::Annotate(since_epoch.status(), "absl::Time");
  }
  return absl::UnixEpoch() + *since_epoch;
}

}  // namespace multirun
