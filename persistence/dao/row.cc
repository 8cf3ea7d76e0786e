// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/row.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace multirun {
namespace dao {

Row::Row(Columns columns, std::vector<Value> values)
    : columns_(std::move(columns)), values_(std::move(values)) {
  if (columns_ == nullptr || columns_->size() != values_.size()) {
    std::fprintf(stderr, "multirun::dao::Row: %zu values for %zu columns\n",
                 values_.size(), columns_ == nullptr ? 0 : columns_->size());
    std::abort();
  }
}

absl::StatusOr<size_t> Row::IndexOf(absl::string_view name) const {
  for (size_t i = 0; i < columns_->size(); ++i) {
    if (absl::EqualsIgnoreCase((*columns_)[i], name)) return i;
  }
  return absl::NotFoundError(absl::StrCat("no column '", name,
                                          "' in the row; columns: [",
                                          absl::StrJoin(*columns_, ", "), "]"));
}

absl::StatusOr<Value> Row::GetValue(size_t index) const {
  if (index >= values_.size()) return OutOfRange(index);
  return values_[index];
}

absl::Status Row::OutOfRange(size_t index) const {
  return absl::OutOfRangeError(absl::StrCat("column index ", index,
                                            " out of range: the row has ",
                                            values_.size(), " columns"));
}

std::string Row::DebugString() const {
  std::string out = "(";
  for (size_t i = 0; i < values_.size(); ++i) {
    if (i > 0) out += ", ";
    absl::StrAppend(&out, (*columns_)[i], "=", values_[i].DebugString());
  }
  return out + ")";
}

}  // namespace dao
}  // namespace multirun
