// Copyright 2026 The multirun Authors.
//
// SingleConnection: one database connection shared by every caller, one at a
// time (connect, is-connected, commit, close, reconnect), as an independent
// object rather than a singleton.
//
// Acquire() leases the connection to one thread; others wait (at most their
// timeout: DeadlineExceeded). If the connection was lost, the next Acquire
// reconnects, retrying with exponential backoff (not a burst of immediate
// tries) within the caller's deadline and `max_reconnect_attempts`. A forked
// child never talks over the parent's session: it abandons it and opens its
// own.
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
  // Commits the open transaction of the connection (a lease for the call).
  absl::Status Commit();
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

  const ConnectionFactory factory_;
  const SingleConnectionOptions options_;
  mutable Condition mu_;
  bool in_use_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);
  pid_t pid_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> connects_{0};
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_SINGLE_CONNECTION_H_
