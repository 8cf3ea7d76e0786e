// Copyright 2026 The multirun Authors.
//
// Value: one typed SQL value, used both as a statement parameter and as a
// cell of a fetched row.
//
// SQL has more types than C++ has names for; a Value carries the few that a
// driver binds without loss: NULL, a signed or unsigned 64-bit integer, a
// double, a text string, a byte string (BLOB/BINARY, never re-encoded) and a
// date/time. Parameters are always bound as these types (prepared
// statements), never spliced into the SQL text, so a string such as
// "'; DROP TABLE t; --" is stored verbatim.
//
// Reading a Value as another type converts only where nothing is lost (an
// int64 that is >= 0 reads as uint64, any integer reads as double when exact,
// bytes read as string); anything else is an InvalidArgument status naming
// both types. A NULL read as a non-optional type is FailedPrecondition.
//
// Example:
//
//   std::vector<multirun::dao::Value> params = {42, "alice", nullptr,
//                                               multirun::dao::Bytes{blob}};
//   absl::StatusOr<int64_t> n = params[0].AsInt64();         // 42
//   absl::StatusOr<std::string> s = params[0].AsString();    // InvalidArgument
//
// Thread-safety: a Value is a value; const methods may be called from any
// number of threads at once.
//
// Defines: Bytes, DateTime, Value.

#ifndef MULTIRUN_PERSISTENCE_DAO_VALUE_H_
#define MULTIRUN_PERSISTENCE_DAO_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace dao {

// A byte string: bound as BLOB, read back byte for byte (NULs included).
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.data == b.data;
  }
};

// A calendar date and time of day, without a time zone (SQL DATETIME, DATE,
// TIME, TIMESTAMP as the session sees it). A DATE reads with a zero time; a
// TIME reads with a zero date (and `negative` for negative intervals).
struct DateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int microsecond = 0;
  bool negative = false;

  // "YYYY-MM-DD hh:mm:ss[.ffffff]".
  std::string ToString() const;
  friend bool operator==(const DateTime& a, const DateTime& b) {
    return a.year == b.year && a.month == b.month && a.day == b.day &&
           a.hour == b.hour && a.minute == b.minute && a.second == b.second &&
           a.microsecond == b.microsecond && a.negative == b.negative;
  }
};

// One typed SQL value (see the file comment).
class Value {
 public:
  enum class Type {
    kNull,
    kInt64,
    kUInt64,
    kDouble,
    kString,
    kBytes,
    kDateTime
  };

  Value() = default;
  Value(std::nullptr_t) {}  // NOLINT: implicit, for `{nullptr, 1, "x"}`
  Value(bool v) : storage_(static_cast<int64_t>(v)) {}  // NOLINT
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>,
                             int> = 0>
  Value(T v) {  // NOLINT
    if constexpr (std::is_signed_v<T>) {
      storage_ = static_cast<int64_t>(v);
    } else {
      storage_ = static_cast<uint64_t>(v);
    }
  }
  Value(double v) : storage_(v) {}                          // NOLINT
  Value(const char* v) : storage_(std::string(v)) {}        // NOLINT
  Value(absl::string_view v) : storage_(std::string(v)) {}  // NOLINT
  Value(std::string v) : storage_(std::move(v)) {}          // NOLINT
  Value(Bytes v) : storage_(std::move(v)) {}                // NOLINT
  Value(DateTime v) : storage_(v) {}                        // NOLINT

  Type type() const { return static_cast<Type>(storage_.index()); }
  bool is_null() const { return type() == Type::kNull; }

  // Typed reads; see the file comment for the conversions. Never block.
  absl::StatusOr<int64_t> AsInt64() const;
  absl::StatusOr<uint64_t> AsUInt64() const;
  absl::StatusOr<double> AsDouble() const;
  // A string or bytes value as text.
  absl::StatusOr<std::string> AsString() const;
  // A bytes or string value as bytes.
  absl::StatusOr<Bytes> AsBytes() const;
  absl::StatusOr<DateTime> AsDateTime() const;

  // Direct access without conversion; the caller checked type().
  int64_t int64_value() const { return std::get<int64_t>(storage_); }
  uint64_t uint64_value() const { return std::get<uint64_t>(storage_); }
  double double_value() const { return std::get<double>(storage_); }
  const std::string& string_value() const {
    return std::get<std::string>(storage_);
  }
  const Bytes& bytes_value() const { return std::get<Bytes>(storage_); }
  const DateTime& datetime_value() const {
    return std::get<DateTime>(storage_);
  }

  // For messages and tests: NULL, 42, 42u, 1.5, 'text', x'00ff', DATETIME'...'.
  std::string DebugString() const;

  static absl::string_view TypeName(Type type);

  friend bool operator==(const Value& a, const Value& b) {
    return a.storage_ == b.storage_;
  }

 private:
  absl::Status WrongType(absl::string_view wanted) const;

  std::variant<std::monostate, int64_t, uint64_t, double, std::string, Bytes,
               DateTime>
      storage_;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_VALUE_H_
