// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/database_operator.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "multirun/retry/outcome_unknown.h"

namespace multirun {
namespace dao {

namespace {

absl::StatusOr<ExecResult> WithIdempotency(absl::StatusOr<ExecResult> result,
                                           Idempotency idempotency) {
  if (result.ok() || idempotency != Idempotency::kIdempotent) return result;
  return ClearOutcomeUnknown(result.status());
}

}  // namespace

absl::StatusOr<ExecResult> DatabaseOperator::Execute(
    absl::string_view sql, absl::Span<const Value> params,
    Idempotency idempotency) {
  return WithIdempotency(connection_->Execute(sql, params), idempotency);
}

absl::StatusOr<ExecResult> DatabaseOperator::ExecuteMany(
    absl::string_view sql, absl::Span<const std::vector<Value>> rows,
    Idempotency idempotency) {
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExecuteMany: no rows of parameters for: ", sql));
  }
  return WithIdempotency(connection_->ExecuteMany(sql, rows), idempotency);
}

absl::StatusOr<RowStream> DatabaseOperator::Query(
    absl::string_view sql, absl::Span<const Value> params) {
  absl::StatusOr<std::unique_ptr<ResultSet>> result =
      connection_->Query(sql, params);
  if (!result.ok()) return result.status();
  return RowStream(*std::move(result));
}

absl::StatusOr<std::optional<Row>> DatabaseOperator::FetchOne(
    absl::string_view sql, absl::Span<const Value> params) {
  absl::StatusOr<RowStream> rows = Query(sql, params);
  if (!rows.ok()) return rows.status();
  return rows->FetchOne();
}

absl::StatusOr<std::vector<Row>> DatabaseOperator::FetchMany(
    absl::string_view sql, absl::Span<const Value> params, int n) {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("FetchMany: n must be >= 0, got ", n));
  }
  absl::StatusOr<RowStream> rows = Query(sql, params);
  if (!rows.ok()) return rows.status();
  return rows->FetchMany(n);
}

absl::StatusOr<std::vector<Row>> DatabaseOperator::FetchAll(
    absl::string_view sql, absl::Span<const Value> params) {
  absl::StatusOr<RowStream> rows = Query(sql, params);
  if (!rows.ok()) return rows.status();
  return rows->FetchAll();
}

}  // namespace dao
}  // namespace multirun
