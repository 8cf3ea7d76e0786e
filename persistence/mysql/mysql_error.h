// Copyright 2026 The multirun Authors.
//
// MySQL errors as absl::Status: the canonical code a caller can act on, and a
// message that keeps the MySQL error number and SQLSTATE, e.g.
//
//   ALREADY_EXISTS: MySQL error 1062 (23000): Duplicate entry '1' for key
//   'PRIMARY' [INSERT INTO t(id) VALUES (?)]
//
// Mapping: access denied → PermissionDenied; server gone, lost, killed,
// shut down, cannot connect → Unavailable; deadlock, lock wait timeout,
// a write to a row changed since the transaction's snapshot (MariaDB's
// innodb_snapshot_isolation, error 1020) → Aborted; duplicate key →
// AlreadyExists; syntax, unknown column, wrong value → InvalidArgument; unknown
// table/database → NotFound; foreign key, NOT NULL → FailedPrecondition; query
// interrupted → Cancelled; statement time limit → DeadlineExceeded; too many
// connections → ResourceExhausted; anything else → Unknown.
//
// Example:
//
//   absl::Status s = multirun::mysql::MysqlStatus(
//       1062, "23000", "Duplicate entry '1' for key 'PRIMARY'",
//       "INSERT INTO t(id) VALUES (?)");
//   // s.code() == absl::StatusCode::kAlreadyExists
//   bool gone = multirun::mysql::IsConnectionLoss(2013);  // lost: true
//
// Thread-safety: the functions are pure; call them from any thread.
//
// Defines: MysqlErrorCode, MysqlStatus, IsConnectionLoss.

#ifndef MULTIRUN_PERSISTENCE_MYSQL_MYSQL_ERROR_H_
#define MULTIRUN_PERSISTENCE_MYSQL_MYSQL_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace mysql {

// The canonical code for MySQL/MariaDB error `number`.
absl::StatusCode MysqlErrorCode(unsigned int number);

// Whether error `number` means the session is gone (the connection must be
// dropped, not reused).
bool IsConnectionLoss(unsigned int number);

// "MySQL error <number> (<sqlstate>): <message> [<context>]" with the mapped
// code; `context` (the SQL, truncated) is left out when empty.
absl::Status MysqlStatus(unsigned int number, absl::string_view sqlstate,
                         absl::string_view message, absl::string_view context);

}  // namespace mysql
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_MYSQL_MYSQL_ERROR_H_
