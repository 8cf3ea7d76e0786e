// Copyright 2026 The multirun Authors.
//
// Connection: one session with a database, the interface a driver implements
// (persistence/mysql/ implements it on libmysqlclient).
//
// A Connection is not thread-safe: one thread uses it at a time. Threads
// share connections through a ConnectionStrategy (SingleConnection or
// ConnectionPool), which hands a connection out as a Lease; application code
// talks to it through a DatabaseOperator.
//
// Statements take typed parameters (`?` placeholders, bound by the driver as
// a prepared statement, never spliced into the SQL); results stream as a
// ResultSet. A connection whose last call lost the server (killed, timed
// out, restarted) reports `IsBroken()`, so a strategy drops it instead of
// handing it out again.
//
// A write that fails because the connection was lost has an outcome the
// client cannot know. When the connection went after the statement left the
// client, the server may have executed it, and under autocommit committed
// it, before the reply was lost: a killed connection or a crashed server
// leaves such a row in the table although the call failed. A driver reports
// that failure as Unavailable marked outcome-unknown (retry/outcome_unknown.h:
// RetryPolicy never retries it), with "outcome unknown" in the message; it is
// plain Unavailable, "not executed", only when it can prove the statement
// never reached the server (the connection failed before it was sent), and
// then a retry is safe. The same holds for Commit(): a commit whose reply
// was lost may have committed. A statement whose repetition is harmless
// (an upsert, `UPDATE ... SET x = 5`) can be marked
// Idempotency::kIdempotent in DatabaseOperator, which clears the mark so a
// retry policy repeats it. A non-idempotent write that must happen exactly
// once needs its own check: a unique key the retry would hit, or a read of
// the row after the failure.
//
// Example:
//
//   multirun::dao::ConnectionFactory factory =
//       multirun::mysql::MysqlConnection::Factory(*dsn);
//   absl::StatusOr<std::unique_ptr<multirun::dao::Connection>> c = factory();
//   if (!c.ok()) return c.status();
//   absl::StatusOr<multirun::dao::ExecResult> r =
//       (*c)->Execute("INSERT INTO t(name) VALUES (?)", {"bob"});
//
// Thread-safety: none; a Connection is used by one thread at a time.
//
// Defines: ExecResult, ResultSet, Connection, ConnectionFactory.

#ifndef MULTIRUN_PERSISTENCE_DAO_CONNECTION_H_
#define MULTIRUN_PERSISTENCE_DAO_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "multirun/persistence/dao/row.h"
#include "multirun/persistence/dao/value.h"

namespace multirun {
namespace dao {

// What a data-changing statement did.
struct ExecResult {
  // Rows inserted, updated or deleted (for ExecuteMany: the sum).
  uint64_t affected_rows = 0;
  // The AUTO_INCREMENT value the statement generated (for ExecuteMany: the
  // first one), 0 if none.
  uint64_t last_insert_id = 0;
};

// A streaming result: rows arrive from the server as Next() asks for them.
// Holding a ResultSet ties up its connection; the next statement on the same
// connection discards the rest of it (Next() then returns
// FailedPrecondition).
class ResultSet {
 public:
  virtual ~ResultSet() = default;
  // The column names, in order.
  virtual const Row::Columns& columns() const = 0;
  // The next row, std::nullopt after the last one, or the error that ended
  // the stream. Blocks on the network.
  virtual absl::StatusOr<std::optional<Row>> Next() = 0;
};

// One session with a database; implemented by a driver (see the file comment).
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one statement; a result set it produces is read and discarded.
  // InvalidArgument when the number of parameters differs from the number of
  // placeholders; the server's error otherwise. A lost connection is
  // Unavailable, marked outcome-unknown unless the statement provably was not
  // sent (see the file comment).
  virtual absl::StatusOr<ExecResult> Execute(
      absl::string_view sql, absl::Span<const Value> params) = 0;
  // Runs one statement once per row of parameters, batched (one round trip
  // per batch where the server supports it). Under autocommit each batch
  // commits on its own: run it inside a Transaction for all-or-nothing. A
  // lost connection is reported as for Execute; the message says how many
  // rows earlier batches applied.
  virtual absl::StatusOr<ExecResult> ExecuteMany(
      absl::string_view sql, absl::Span<const std::vector<Value>> rows) = 0;
  // Runs a query and returns its rows as a stream. A query is taken to have
  // no side effects: a lost connection is plain Unavailable (a statement with
  // side effects belongs in Execute).
  virtual absl::StatusOr<std::unique_ptr<ResultSet>> Query(
      absl::string_view sql, absl::Span<const Value> params) = 0;

  // Transactions (see Transaction for the RAII form). A Commit whose
  // connection was lost after it was sent is outcome-unknown, as a write.
  virtual absl::Status Begin() = 0;
  virtual absl::Status Commit() = 0;
  virtual absl::Status Rollback() = 0;
  // Turns the session's autocommit on or off (off: every statement joins an
  // implicit transaction that lasts until Commit or Rollback). Unimplemented
  // by default.
  virtual absl::Status SetAutocommit(bool on) {
    (void)on;
    return absl::UnimplementedError("SetAutocommit is not supported");
  }

  // A round trip to the server; Unavailable (and IsBroken()) if it is gone.
  virtual absl::Status Ping() = 0;
  // A local check, without a round trip, that the server has not closed an
  // idle session (a restart, a KILL, its idle timeout all close the socket):
  // false, and IsBroken() from then on, if it has. The default knows nothing
  // and returns !IsBroken(). Only meaningful between statements.
  virtual bool CheckAlive() { return !IsBroken(); }
  // Makes the session fit for its next user: rolls back an open transaction
  // and restores autocommit; with `full`, also clears session variables,
  // temporary tables and prepared statements (a server round trip).
  virtual absl::Status ResetSession(bool full) = 0;
  // True once a call failed because the session is lost.
  virtual bool IsBroken() const = 0;
  // How long the server keeps an idle session (MySQL's wait_timeout);
  // InfiniteDuration if it does not say.
  virtual absl::Duration ServerIdleTimeout() const {
    return absl::InfiniteDuration();
  }
  // Called in a forked child on a connection the parent opened: gives up the
  // session without a word to the server (the parent still uses it) and
  // without freeing what the parent's library state may reference.
  virtual void AbandonAfterFork() = 0;
  // For messages: e.g. "mysql connection 42 to localhost via UNIX socket".
  virtual std::string Describe() const = 0;
};

// Opens a new connection; what strategies are built from.
using ConnectionFactory =
    std::function<absl::StatusOr<std::unique_ptr<Connection>>()>;

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_CONNECTION_H_
