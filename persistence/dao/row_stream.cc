// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/row_stream.h"

#include "absl/strings/str_cat.h"

namespace multirun {
namespace dao {

absl::StatusOr<std::optional<Row>> RowStream::FetchOne() {
  if (!status_.ok()) return status_;
  if (done_) return std::optional<Row>();
  absl::StatusOr<std::optional<Row>> next = result_->Next();
  if (!next.ok()) {
    status_ = next.status();
    return status_;
  }
  if (!next->has_value()) done_ = true;
  return next;
}

absl::StatusOr<std::vector<Row>> RowStream::FetchMany(int n) {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("FetchMany: n must be >= 0, got ", n));
  }
  std::vector<Row> rows;
  while (static_cast<int>(rows.size()) < n) {
    absl::StatusOr<std::optional<Row>> row = FetchOne();
    if (!row.ok()) return row.status();
    if (!row->has_value()) break;
    rows.push_back(**std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<Row>> RowStream::FetchAll() {
  std::vector<Row> rows;
  while (true) {
    absl::StatusOr<std::optional<Row>> row = FetchOne();
    if (!row.ok()) return row.status();
    if (!row->has_value()) return rows;
    rows.push_back(**std::move(row));
  }
}

void RowStream::iterator::Advance() {
  if (stream_ == nullptr) return;
  absl::StatusOr<std::optional<Row>> row = stream_->FetchOne();
  if (!row.ok() || !row->has_value()) {
    stream_ = nullptr;
    return;
  }
  row_ = **std::move(row);
}

}  // namespace dao
}  // namespace multirun
