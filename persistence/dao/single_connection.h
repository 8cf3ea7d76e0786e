// Copyright 2026 The multirun Authors.
//
// SingleConnection: one database connection shared by every caller, one at a
// time (connect, is-connected, commit, close, reconnect), as an independent
// object rather than a singleton.
//
// Acquire() leases the connection to one thread; others wait (at most their
// timeout: DeadlineExceeded). If the connection was lost (a failed call, or
// a socket the server closed, checked locally on every Acquire), the next
// Acquire reconnects, retrying with exponential backoff (not a burst of
// immediate tries) within the caller's deadline and `max_reconnect_attempts`.
// A forked child never talks over the parent's session: it abandons it and
// opens its own.
//
// Commit. With `autocommit` on (the default) every statement commits when it
// succeeds, and a returned lease rolls back a transaction its holder left
// open; Commit() then commits only a transaction that the calling lease
// holder began. With `autocommit` off the connection keeps one
// connection-scoped transaction, as a DB-API connection does: the writes of
// every lease, from any thread, stay uncommitted (invisible to other
// connections) across lease returns until Commit() makes them durable or
// Rollback() drops them. Close() and a lost connection drop them too: when
// the connection was lost with leases taken since the last Commit, the next
// Commit() returns Aborted and rolls back what ran since the reconnect, so
// the unit of work is all or nothing. (A Transaction, or a COMMIT run through
// a lease, also ends the connection-scoped transaction: MySQL commits the
// open work on START TRANSACTION.) Commit() and Rollback() called by the
// thread that took the lease use that lease, without waiting; called by any
// other thread they take the lease first (waiting at most acquire_timeout).
// A lease moved to another thread (a coroutine resumed elsewhere, work
// handed to a pool) is committed with Commit(lease), which uses that lease
// whichever thread calls.
//
// Example:
//
//   absl::StatusOr<std::shared_ptr<multirun::dao::SingleConnection>> db =
//       multirun::dao::SingleConnection::Create(
//           multirun::mysql::MysqlConnection::Factory(*dsn));
//   if (!db.ok()) return db.status();
//   absl::StatusOr<multirun::dao::Lease> lease = (*db)->Acquire();
//   if (!lease.ok()) return lease.status();
//   absl::StatusOr<multirun::dao::ExecResult> deleted =
//       multirun::dao::DatabaseOperator(**lease).Execute(
//           "DELETE FROM t WHERE id = ?", {7});
//
//   // A connection-scoped transaction, committed when the work is done:
//   auto manual = multirun::dao::SingleConnection::Create(
//       factory, {.autocommit = false});
//   ... leases write ...
//   absl::Status committed = (*manual)->Commit();
//
// Thread-safety: every method may be called from any thread at once.
//
// Memory ordering: handing the lease from one thread to the next goes
// through a multirun::Condition, so the next holder sees everything the
// previous one did to the connection.
//
// Defines: SingleConnectionOptions, SingleConnection.

#ifndef MULTIRUN_PERSISTENCE_DAO_SINGLE_CONNECTION_H_
#define MULTIRUN_PERSISTENCE_DAO_SINGLE_CONNECTION_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/persistence/dao/connection.h"
#include "multirun/persistence/dao/connection_strategy.h"
#include "multirun/sync/condition.h"

namespace multirun {
namespace dao {

struct SingleConnectionOptions {
  std::string name = "single";
  // Default wait for Acquire().
  absl::Duration acquire_timeout = absl::Seconds(30);
  // Reconnect backoff: first pause, doubling up to the maximum.
  absl::Duration reconnect_initial_backoff = absl::Milliseconds(50);
  absl::Duration reconnect_max_backoff = absl::Seconds(2);
  int max_reconnect_attempts = 5;
  // Off: one connection-scoped transaction until Commit() or Rollback() (see
  // the file comment). Needs a driver with Connection::SetAutocommit.
  bool autocommit = true;
};

// One connection, leased to one thread at a time (see the file comment).
class SingleConnection : public ConnectionStrategy {
 public:
  // Validates the options (InvalidArgument) and connects once (the driver's
  // error if that fails).
  static absl::StatusOr<std::shared_ptr<SingleConnection>> Create(
      ConnectionFactory factory, SingleConnectionOptions options = {});
  ~SingleConnection() override;

  // Opens the connection if it is not open (one attempt). Blocks while
  // another thread holds the lease.
  absl::Status Connect();
  // Whether a connection is open and was not lost. Never blocks on the
  // network.
  bool IsConnected() const;
  // Commits the connection's open transaction (see the file comment). Does
  // not wait when the calling thread holds the lease. Aborted (the pending
  // work rolled back) when, with autocommit off, the connection was lost
  // since the last successful Commit while work was pending, a failed
  // Commit on a lost connection included; FailedPrecondition after Close();
  // otherwise the driver's error for COMMIT (connection.h). With autocommit
  // off, a lease still held after its holder's Commit or Rollback keeps
  // its later writes pending.
  absl::Status Commit();
  // Rolls back the connection's open transaction; does not wait when the
  // calling thread holds the lease. FailedPrecondition after Close().
  absl::Status Rollback();
  // Commit() and Rollback() through `lease`, from any thread, without
  // waiting. InvalidArgument when `lease` is not a live lease of this
  // SingleConnection (released, moved from, or another strategy's).
  absl::Status Commit(const Lease& lease);
  absl::Status Rollback(const Lease& lease);
  // Closes the connection and opens a new one, with backoff.
  absl::Status Reconnect();
  absl::Status Close() override;

  const std::string& name() const override { return options_.name; }
  absl::Duration default_timeout() const override {
    return options_.acquire_timeout;
  }
  // How many times the connection was (re)opened.
  uint64_t connects() const { return connects_.load(); }

 protected:
  absl::StatusOr<Lease> DoAcquire(absl::Duration timeout,
                                  SourceLocation where) override;
  void Return(Connection* connection, uint64_t token) override;

 private:
  SingleConnection(ConnectionFactory factory, SingleConnectionOptions options);
  // Opens a connection, retrying Unavailable errors with backoff until
  // `deadline` or the attempt limit. Called by the lease holder.
  absl::Status OpenWithBackoff(absl::Time deadline, int max_attempts);
  void AbandonIfForked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the connection (closed by the caller, outside the lock); with
  // autocommit off and work pending, remembers that it was lost.
  std::unique_ptr<Connection> DropConnection()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Commits or rolls back; through `lease` when it is not null.
  absl::Status EndTransaction(bool commit, const Lease* lease);
  // Takes the lease; `for_caller` when it goes to a user, whose statements
  // may leave work pending (the strategy's own leases run none).
  absl::StatusOr<Lease> Take(absl::Duration timeout, bool for_caller);

  const ConnectionFactory factory_;
  const SingleConnectionOptions options_;
  mutable Condition mu_;
  bool in_use_ ABSL_GUARDED_BY(mu_) = false;
  // The thread that took the lease.
  std::thread::id holder_ ABSL_GUARDED_BY(mu_);
  // Autocommit off: a lease was taken since the last Commit or Rollback, or
  // the holder's lease outlived it.
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
  // Autocommit off: the connection was lost while work was pending.
  bool lost_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);
  pid_t pid_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> connects_{0};
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_SINGLE_CONNECTION_H_
