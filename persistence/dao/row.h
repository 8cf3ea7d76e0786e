// Copyright 2026 The multirun Authors.
//
// Row: one fetched row, read by column index or by column name, typed.
//
// A Row holds its Values and shares the column names with every other row of
// the same result (one allocation per result, not per row). `Get<T>(i)` and
// `Get<T>("name")` return absl::StatusOr<T> for T in int64_t, uint64_t,
// double, std::string, Bytes, DateTime, Value, or std::optional of one of
// them (NULL reads as std::nullopt). Names match case-insensitively, as
// MySQL's do. An index past the end or an unknown name is OutOfRange /
// NotFound, with the columns listed.
//
// Example:
//
//   absl::StatusOr<std::optional<multirun::dao::Row>> row =
//       op.FetchOne("SELECT id, name FROM users WHERE id = ?", {7});
//   if (!row.ok()) return row.status();
//   if (!row->has_value()) return absl::NotFoundError("no user 7");
//   absl::StatusOr<std::string> name = (*row)->Get<std::string>("name");
//   absl::StatusOr<std::optional<int64_t>> age =
//       (*row)->Get<std::optional<int64_t>>("age");  // NULL: nullopt
//
// Thread-safety: a Row is a value; const methods may be called from any
// number of threads at once.
//
// Defines: Row.

#ifndef MULTIRUN_PERSISTENCE_DAO_ROW_H_
#define MULTIRUN_PERSISTENCE_DAO_ROW_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/base/status_message.h"
#include "multirun/persistence/dao/value.h"

namespace multirun {
namespace dao {

// One fetched row (see the file comment).
class Row {
 public:
  using Columns = std::shared_ptr<const std::vector<std::string>>;

  Row() : columns_(std::make_shared<const std::vector<std::string>>()) {}
  // `values.size()` must equal `columns->size()` (checked: a mismatch aborts,
  // it is a driver bug).
  Row(Columns columns, std::vector<Value> values);

  size_t size() const { return values_.size(); }
  const std::vector<std::string>& column_names() const { return *columns_; }
  const std::vector<Value>& values() const { return values_; }
  // Unchecked access; `index < size()`.
  const Value& operator[](size_t index) const { return values_[index]; }

  // The index of column `name`, or NotFound listing the columns.
  absl::StatusOr<size_t> IndexOf(absl::string_view name) const;

  // The cell at `index` (OutOfRange past the end) or named `name` (NotFound).
  absl::StatusOr<Value> GetValue(size_t index) const;

  template <typename T>
  absl::StatusOr<T> Get(size_t index) const {
    if (index >= values_.size()) return OutOfRange(index);
    return Convert<T>(values_[index]);
  }
  template <typename T>
  absl::StatusOr<T> Get(absl::string_view name) const {
    absl::StatusOr<size_t> index = IndexOf(name);
    if (!index.ok()) return index.status();
    absl::StatusOr<T> value = Convert<T>(values_[*index]);
    if (!value.ok()) {
      return base_internal::WithMessage(
          value.status(),
          absl::StrCat("column '", name, "': ", value.status().message()));
    }
    return value;
  }

  std::string DebugString() const;

 private:
  template <typename T>
  struct IsOptional : std::false_type {};
  template <typename T>
  struct IsOptional<std::optional<T>> : std::true_type {};

  template <typename T>
  static absl::StatusOr<T> Convert(const Value& v) {
    if constexpr (IsOptional<T>::value) {
      if (v.is_null()) return T(std::nullopt);
      auto inner = Convert<typename T::value_type>(v);
      if (!inner.ok()) return inner.status();
      return T(*std::move(inner));
    } else if constexpr (std::is_same_v<T, Value>) {
      return v;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      return v.AsInt64();
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      return v.AsUInt64();
    } else if constexpr (std::is_same_v<T, double>) {
      return v.AsDouble();
    } else if constexpr (std::is_same_v<T, std::string>) {
      return v.AsString();
    } else if constexpr (std::is_same_v<T, Bytes>) {
      return v.AsBytes();
    } else if constexpr (std::is_same_v<T, DateTime>) {
      return v.AsDateTime();
    } else {
      static_assert(sizeof(T) == 0,
                    "Row::Get<T>: T must be int64_t, uint64_t, double, "
                    "std::string, Bytes, DateTime, Value or std::optional");
    }
  }

  absl::Status OutOfRange(size_t index) const;

  Columns columns_;
  std::vector<Value> values_;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_ROW_H_
