// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/value.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace multirun {
namespace dao {

std::string DateTime::ToString() const {
  std::string out =
      absl::StrFormat("%s%04d-%02d-%02d %02d:%02d:%02d", negative ? "-" : "",
                      year, month, day, hour, minute, second);
  if (microsecond != 0) absl::StrAppendFormat(&out, ".%06d", microsecond);
  return out;
}

absl::string_view Value::TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "NULL";
    case Type::kInt64:
      return "int64";
    case Type::kUInt64:
      return "uint64";
    case Type::kDouble:
      return "double";
    case Type::kString:
      return "string";
    case Type::kBytes:
      return "bytes";
    case Type::kDateTime:
      return "datetime";
  }
  return "?";
}

absl::Status Value::WrongType(absl::string_view wanted) const {
  if (is_null()) {
    return absl::FailedPreconditionError(
        absl::StrCat("value is NULL, cannot read it as ", wanted,
                     " (read it as std::optional to accept NULL)"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "value ", DebugString(), " is ", TypeName(type()), ", not ", wanted));
}

absl::StatusOr<int64_t> Value::AsInt64() const {
  switch (type()) {
    case Type::kInt64:
      return int64_value();
    case Type::kUInt64:
      if (uint64_value() <=
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(uint64_value());
      }
      return absl::OutOfRangeError(
          absl::StrCat("value ", uint64_value(), " does not fit in int64"));
    default:
      return WrongType("int64");
  }
}

absl::StatusOr<uint64_t> Value::AsUInt64() const {
  switch (type()) {
    case Type::kUInt64:
      return uint64_value();
    case Type::kInt64:
      if (int64_value() >= 0) return static_cast<uint64_t>(int64_value());
      return absl::OutOfRangeError(
          absl::StrCat("value ", int64_value(), " does not fit in uint64"));
    default:
      return WrongType("uint64");
  }
}

absl::StatusOr<double> Value::AsDouble() const {
  switch (type()) {
    case Type::kDouble:
      return double_value();
    case Type::kInt64: {
      double d = static_cast<double>(int64_value());
      if (static_cast<int64_t>(d) == int64_value() && std::fabs(d) < 9.2e18) {
        return d;
      }
      return absl::OutOfRangeError(absl::StrCat(
          "value ", int64_value(), " is not exactly representable as double"));
    }
    case Type::kUInt64: {
      double d = static_cast<double>(uint64_value());
      if (d < 1.8e19 && static_cast<uint64_t>(d) == uint64_value()) return d;
      return absl::OutOfRangeError(absl::StrCat(
          "value ", uint64_value(), " is not exactly representable as double"));
    }
    default:
      return WrongType("double");
  }
}

absl::StatusOr<std::string> Value::AsString() const {
  switch (type()) {
    case Type::kString:
      return string_value();
    case Type::kBytes:
      return bytes_value().data;
    default:
      return WrongType("string");
  }
}

absl::StatusOr<Bytes> Value::AsBytes() const {
  switch (type()) {
    case Type::kBytes:
      return bytes_value();
    case Type::kString:
      return Bytes{string_value()};
    default:
      return WrongType("bytes");
  }
}

absl::StatusOr<DateTime> Value::AsDateTime() const {
  if (type() == Type::kDateTime) return datetime_value();
  return WrongType("datetime");
}

std::string Value::DebugString() const {
  switch (type()) {
    case Type::kNull:
      return "NULL";
    case Type::kInt64:
      return absl::StrCat(int64_value());
    case Type::kUInt64:
      return absl::StrCat(uint64_value(), "u");
    case Type::kDouble:
      return absl::StrCat(double_value());
    case Type::kString: {
      constexpr size_t kMax = 64;
      absl::string_view s = string_value();
      std::string out = absl::StrCat("'", absl::CHexEscape(s.substr(0, kMax)));
      if (s.size() > kMax) absl::StrAppend(&out, "...");
      return absl::StrCat(out, "'");
    }
    case Type::kBytes: {
      constexpr size_t kMax = 32;
      absl::string_view s = bytes_value().data;
      std::string out =
          absl::StrCat("x'", absl::BytesToHexString(s.substr(0, kMax)));
      if (s.size() > kMax) absl::StrAppend(&out, "...");
      return absl::StrCat(out, "'");
    }
    case Type::kDateTime:
      return absl::StrCat("DATETIME'", datetime_value().ToString(), "'");
  }
  return "?";
}

}  // namespace dao
}  // namespace multirun
