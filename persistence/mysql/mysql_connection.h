// Copyright 2026 The multirun Authors.
//
// MysqlConnection: a dao::Connection on libmysqlclient (MariaDB Connector/C,
// Debian's default-libmysqlclient-dev).
//
// Every statement with parameters, and every query, is a server-side
// prepared statement: values travel in the binary protocol with their types,
// never inside the SQL text. Prepared statements are cached per connection
// (by SQL text), so a repeated query costs one round trip. Queries stream
// (unbuffered `mysql_stmt_fetch`): rows are read from the socket as
// RowStream asks for them. ExecuteMany sends the rows as MariaDB array
// binding (COM_STMT_BULK_EXECUTE), a few thousand rows per round trip, and
// falls back to one execution per row on servers without it (MySQL) or when
// a column mixes types.
//
// Errors carry the MySQL error number and SQLSTATE (see mysql_error.h); an
// error that loses the session marks the connection broken. A write (Execute,
// ExecuteMany, Commit) whose connection is lost says what is known of its
// outcome (dao/connection.h): "not executed" when the library failed to send
// it (CR_SERVER_GONE_ERROR, 2006), otherwise "outcome unknown", marked so
// that no RetryPolicy repeats it. On a connection already known to be lost,
// Execute, ExecuteMany, Query and Begin send nothing (Unavailable, "not
// executed"). A COMMIT that was not sent, or found the connection already
// lost, is Aborted: the server rolled the open transaction back with the
// session. An ExecuteMany that fails, for any reason, after rows of the call
// were applied is marked outcome-unknown too and says how many were applied.
// CheckAlive() polls the socket (no round trip): a server that closed the
// session has made it readable or hung up. Automatic reconnect of the library
// is off: strategies decide (SingleConnection reconnects with backoff,
// ConnectionPool replaces).
//
// Example:
//
//   absl::StatusOr<multirun::mysql::MysqlDsn> dsn =
//       multirun::mysql::MysqlDsn::Parse(text);
//   if (!dsn.ok()) return dsn.status();
//   absl::StatusOr<std::unique_ptr<multirun::mysql::MysqlConnection>> c =
//       multirun::mysql::MysqlConnection::Connect(*dsn);
//   if (!c.ok()) return c.status();  // e.g. PermissionDenied, Unavailable
//   multirun::dao::DatabaseOperator op(**c);
//
// Thread-safety: none, like any Connection: one thread at a time.
//
// Defines: MysqlConnection.

#ifndef MULTIRUN_PERSISTENCE_MYSQL_MYSQL_CONNECTION_H_
#define MULTIRUN_PERSISTENCE_MYSQL_MYSQL_CONNECTION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "multirun/persistence/dao/connection.h"
#include "multirun/persistence/dao/value.h"
#include "multirun/persistence/mysql/dsn.h"

struct st_mysql;
struct st_mysql_stmt;

namespace multirun {
namespace mysql {

class MysqlResultSet;

// A dao::Connection to a MySQL or MariaDB server (see the file comment).
class MysqlConnection : public dao::Connection {
 public:
  // Opens a session. Unavailable when the server cannot be reached,
  // PermissionDenied for bad credentials (with the server's message).
  static absl::StatusOr<std::unique_ptr<MysqlConnection>> Connect(
      const MysqlDsn& dsn);
  // A factory for strategies: parses nothing, connects on each call.
  static dao::ConnectionFactory Factory(MysqlDsn dsn);

  ~MysqlConnection() override;
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  absl::StatusOr<dao::ExecResult> Execute(
      absl::string_view sql, absl::Span<const dao::Value> params) override;
  absl::StatusOr<dao::ExecResult> ExecuteMany(
      absl::string_view sql,
      absl::Span<const std::vector<dao::Value>> rows) override;
  absl::StatusOr<std::unique_ptr<dao::ResultSet>> Query(
      absl::string_view sql, absl::Span<const dao::Value> params) override;
  absl::Status Begin() override;
  absl::Status Commit() override;
  absl::Status Rollback() override;
  absl::Status SetAutocommit(bool on) override;
  absl::Status Ping() override;
  bool CheckAlive() override;
  absl::Status ResetSession(bool full) override;
  bool IsBroken() const override { return broken_.load(); }
  absl::Duration ServerIdleTimeout() const override {
    return server_idle_timeout_;
  }
  void AbandonAfterFork() override;
  std::string Describe() const override { return description_; }

  // The server's id for this session (CONNECTION_ID(), what KILL takes).
  uint64_t thread_id() const { return thread_id_; }

  // Rows per COM_STMT_BULK_EXECUTE round trip in ExecuteMany.
  static constexpr size_t kBulkRows = 5000;

 private:
  friend class MysqlResultSet;
  explicit MysqlConnection(st_mysql* mysql);

  // The error of the connection / of `stmt`, marking the connection broken
  // when the session is lost.
  absl::Status Error(absl::string_view context);
  absl::Status StmtError(st_mysql_stmt* stmt, absl::string_view context);
  // `error` (MySQL error `number`) of a statement that may change data,
  // with what is known of its outcome: "not executed" when the connection
  // failed before the statement was sent (and nothing of the call was
  // applied before it); otherwise, for a lost connection or for any error
  // after rows of the call were applied, marked outcome-unknown
  // (retry/outcome_unknown.h) with how many were applied, and whether they
  // were committed or sit in an open transaction. `applied_before` counts
  // the rows that earlier executions of the same call applied.
  absl::Status WriteFailure(absl::Status error, unsigned int number,
                            uint64_t applied_before);
  // Before a statement is sent: CheckUsable()'s FailedPrecondition when the
  // connection was abandoned after fork, else Unavailable "not executed"
  // (nothing sent) when it is already known to be lost.
  absl::Status CheckSendable(absl::string_view what);
  // Whether the last statement that succeeded left a transaction open.
  bool InTransaction();
  absl::Status CheckUsable() const;
  // Discards what is left of a streaming result before the next command.
  void FinishActive();
  absl::StatusOr<st_mysql_stmt*> Prepare(absl::string_view sql);
  absl::Status SimpleQuery(absl::string_view sql);
  void CloseStatements();
  absl::StatusOr<dao::ExecResult> ExecuteRows(
      st_mysql_stmt* stmt, absl::string_view sql,
      absl::Span<const std::vector<dao::Value>> rows, uint64_t applied_before);
  absl::StatusOr<dao::ExecResult> ExecuteBulk(
      st_mysql_stmt* stmt, absl::string_view sql,
      absl::Span<const std::vector<dao::Value>> rows, uint64_t applied_before);

  st_mysql* mysql_;
  std::atomic<bool> broken_{false};
  bool abandoned_ = false;
  bool bulk_supported_ = false;
  uint64_t thread_id_ = 0;
  absl::Duration server_idle_timeout_ = absl::InfiniteDuration();
  std::string description_;
  std::unordered_map<std::string, st_mysql_stmt*> statements_;
  MysqlResultSet* active_ = nullptr;
};

}  // namespace mysql
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_MYSQL_MYSQL_CONNECTION_H_
