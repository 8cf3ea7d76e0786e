// Copyright 2026 The multirun Authors.
//
// DatabaseOperator: the statements of one leased Connection: Execute,
// ExecuteMany, Query, FetchOne, FetchMany, FetchAll, with typed parameters
// instead of formatted SQL strings.
//
// It is a thin, cheap view: it owns nothing, so make one per lease (or per
// call).
//
// Writes and retries: a write whose connection is lost may have been
// executed (see connection.h). The driver marks such a failure
// outcome-unknown and no RetryPolicy repeats it. A statement whose repetition
// is harmless is passed Idempotency::kIdempotent: its failure is then
// returned without the mark (the message still says the outcome is unknown),
// so a retry policy that retries Unavailable repeats it.
//
// Example:
//
//   multirun::dao::DatabaseOperator op(**lease);
//   absl::StatusOr<multirun::dao::ExecResult> r =
//       op.Execute("INSERT INTO users(name, age) VALUES (?, ?)", {"ann", 31});
//   absl::StatusOr<std::vector<multirun::dao::Row>> adults =
//       op.FetchAll("SELECT name FROM users WHERE age >= ?", {18});
//   // Safe to repeat: retried after a lost connection.
//   auto upsert = op.Execute(
//       "INSERT INTO seen(id) VALUES (?) ON DUPLICATE KEY UPDATE id = id",
//       {7}, multirun::dao::Idempotency::kIdempotent);
//
// Errors: the driver's (see Connection), InvalidArgument for bad arguments.
//
// Thread-safety: like its connection, used by one thread at a time.
//
// Defines: Idempotency, DatabaseOperator.

#ifndef MULTIRUN_PERSISTENCE_DAO_DATABASE_OPERATOR_H_
#define MULTIRUN_PERSISTENCE_DAO_DATABASE_OPERATOR_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "multirun/persistence/dao/connection.h"
#include "multirun/persistence/dao/row.h"
#include "multirun/persistence/dao/row_stream.h"
#include "multirun/persistence/dao/value.h"

namespace multirun {
namespace dao {

// Whether running a write twice has the same effect as running it once.
enum class Idempotency {
  // The default: a failure whose outcome is unknown is never retried.
  kNotIdempotent,
  // Repeating it is harmless (an upsert, `UPDATE ... SET x = 5`, a DELETE
  // by key): a lost connection is a plain, retryable Unavailable.
  kIdempotent,
};

// The statements of one connection (see the file comment).
class DatabaseOperator {
 public:
  explicit DatabaseOperator(Connection& connection)
      : connection_(&connection) {}

  Connection& connection() const { return *connection_; }

  // One statement; see Connection::Execute and the file comment.
  absl::StatusOr<ExecResult> Execute(
      absl::string_view sql, absl::Span<const Value> params = {},
      Idempotency idempotency = Idempotency::kNotIdempotent);
  // One statement per row of parameters, batched; see
  // Connection::ExecuteMany. InvalidArgument if `rows` is empty.
  absl::StatusOr<ExecResult> ExecuteMany(
      absl::string_view sql, absl::Span<const std::vector<Value>> rows,
      Idempotency idempotency = Idempotency::kNotIdempotent);

  // The "initial cursor": a query whose rows stream as they are fetched.
  absl::StatusOr<RowStream> Query(absl::string_view sql,
                                  absl::Span<const Value> params = {});
  // The first row (std::nullopt if none; the rest are discarded).
  absl::StatusOr<std::optional<Row>> FetchOne(
      absl::string_view sql, absl::Span<const Value> params = {});
  // The first `n` rows. InvalidArgument if n < 0.
  absl::StatusOr<std::vector<Row>> FetchMany(absl::string_view sql,
                                             absl::Span<const Value> params,
                                             int n);
  // Every row.
  absl::StatusOr<std::vector<Row>> FetchAll(
      absl::string_view sql, absl::Span<const Value> params = {});

 private:
  Connection* connection_;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_DATABASE_OPERATOR_H_
