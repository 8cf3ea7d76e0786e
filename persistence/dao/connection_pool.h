// Copyright 2026 The multirun Authors.
//
// ConnectionPool: a bounded, validating connection pool in the manner of
// HikariCP: a named pool that lends connections and takes them back. Each pool
// is an independent object, an exhausted pool makes Acquire wait at most its
// timeout, and a lost connection is replaced rather than handed out again.
//
// Behaviour:
//   * At most `max_size` connections exist; `min_idle` are opened at Create()
//     and topped up after a connection is dropped.
//   * Acquire waits at most its timeout, then returns DeadlineExceeded with
//     the pool's state in the message. Idle connections are reused most
//     recently used first.
//   * Validation on borrow: every idle connection is checked locally first
//     (Connection::CheckAlive: no round trip; a server that restarted, or
//     killed or timed out the session, has closed its socket). One idle
//     longer than `validation_threshold` is also pinged, and so is every
//     connection that was idle when another connection of the pool was found
//     broken (a failed call, check or ping starts a new generation, and each
//     connection is pinged once per generation before its next hand-out): a
//     server restart costs no borrower an error, and a connection left at
//     the bottom of the idle stack cannot fail one later. A connection that
//     fails is dropped and another one is tried (or opened), within the same
//     deadline.
//   * Lifetime: a connection older than `max_lifetime` is retired when it
//     would next be lent. The lifetime is capped below the server's idle
//     timeout (MySQL's wait_timeout), so the server never expires a session
//     the pool still trusts.
//   * On return the session is reset (an open transaction rolled back,
//     autocommit restored; with `full_session_reset` the driver's full reset).
//     A connection that is broken (the server killed it, the network dropped)
//     is dropped and counted as destroyed.
//   * Leak detection: a lease held longer than `leak_detection_threshold` is
//     reported once, with the source location of its Acquire() call.
//   * Fork safety: a forked child never uses the parent's connections (that
//     would interleave two processes on one server session); it abandons them
//     and opens its own.
//   * Counters: active, idle, waiting, created, destroyed, timeouts,
//     validation failures, leaks.
//
// Example:
//
//   multirun::dao::ConnectionPoolOptions options;
//   options.name = "orders";
//   options.max_size = 8;
//   options.acquire_timeout = absl::Seconds(2);
//   absl::StatusOr<std::shared_ptr<multirun::dao::ConnectionPool>> pool =
//       multirun::dao::ConnectionPool::Create(
//           multirun::mysql::MysqlConnection::Factory(*dsn), options);
//   if (!pool.ok()) return pool.status();
//   absl::StatusOr<multirun::dao::Lease> lease = (*pool)->Acquire();
//   if (!lease.ok()) return lease.status();  // DeadlineExceeded when exhausted
//
// Thread-safety: every method may be called from any thread at once.
//
// Memory ordering: the pool's state is guarded by one multirun::Condition; a
// connection handed from one thread to another goes through it, so the
// borrower sees everything the previous holder did.
//
// Defines: ConnectionPoolOptions, ConnectionPoolStats, LeakReport,
// ConnectionPool.

#ifndef MULTIRUN_PERSISTENCE_DAO_CONNECTION_POOL_H_
#define MULTIRUN_PERSISTENCE_DAO_CONNECTION_POOL_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/persistence/dao/connection.h"
#include "multirun/persistence/dao/connection_strategy.h"
#include "multirun/sync/condition.h"

namespace multirun {
namespace dao {

// A lease held past the leak-detection threshold.
struct LeakReport {
  std::string pool;
  std::string connection;   // Connection::Describe()
  std::string acquired_at;  // "file:line (function)"
  absl::Duration held;
};

struct ConnectionPoolOptions {
  std::string name = "pool";
  int max_size = 10;
  int min_idle = 0;
  // Default wait for Acquire().
  absl::Duration acquire_timeout = absl::Seconds(30);
  // Ping a connection on borrow when it has been idle longer than this.
  absl::Duration validation_threshold = absl::Milliseconds(500);
  absl::Duration max_lifetime = absl::Minutes(30);
  // 0 disables leak detection.
  absl::Duration leak_detection_threshold = absl::ZeroDuration();
  // Called (on the pool's watchdog thread) for each leak; the default prints
  // to stderr.
  std::function<void(const LeakReport&)> on_leak;
  // Reset sessions fully on return (MySQL: COM_RESET_CONNECTION, one round
  // trip, and prepared statements are re-prepared). Off by default, as in
  // HikariCP, which restores only what the API changed.
  bool full_session_reset = false;
};

struct ConnectionPoolStats {
  int active = 0;   // leased
  int idle = 0;     // in the pool, ready
  int waiting = 0;  // threads blocked in Acquire
  uint64_t created = 0;
  uint64_t destroyed = 0;
  uint64_t timeouts = 0;
  uint64_t validation_failures = 0;
  uint64_t leaks = 0;
};

// A bounded pool of connections (see the file comment).
class ConnectionPool : public ConnectionStrategy {
 public:
  // Validates the options (InvalidArgument naming the field) and opens
  // `min_idle` connections (the driver's error if one fails).
  static absl::StatusOr<std::shared_ptr<ConnectionPool>> Create(
      ConnectionFactory factory, ConnectionPoolOptions options = {});
  ~ConnectionPool() override;

  absl::Status Close() override;
  ConnectionPoolStats stats() const;

  const std::string& name() const override { return options_.name; }
  absl::Duration default_timeout() const override {
    return options_.acquire_timeout;
  }

 protected:
  absl::StatusOr<Lease> DoAcquire(absl::Duration timeout,
                                  SourceLocation where) override;
  void Return(Connection* connection, uint64_t token) override;

 private:
  struct Entry {
    std::unique_ptr<Connection> connection;
    uint64_t id = 0;
    absl::Time created;
    absl::Time last_used;
    absl::Duration lifetime;
    bool leased = false;
    bool foreign = false;  // opened by the parent of a fork
    absl::Time leased_at;
    SourceLocation where;
    bool leak_reported = false;
    // The pool's generation when this connection was last known good.
    uint64_t generation = 0;
  };

  ConnectionPool(ConnectionFactory factory, ConnectionPoolOptions options);
  // Opens a connection, retrying Unavailable with backoff until `deadline`.
  absl::StatusOr<std::unique_ptr<Connection>> Open(absl::Time deadline);
  std::unique_ptr<Entry> NewEntry(std::unique_ptr<Connection> connection);
  // Drops the parent's connections in a forked child.
  void AbandonIfForked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Opens connections until min_idle are idle (best effort).
  void FillMinIdle();
  void Watchdog();
  std::string StateLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ConnectionFactory factory_;
  const ConnectionPoolOptions options_;
  mutable Condition mu_;
  std::unordered_map<Connection*, std::unique_ptr<Entry>> entries_
      ABSL_GUARDED_BY(mu_);
  std::vector<Entry*> idle_ ABSL_GUARDED_BY(mu_);  // back = most recent
  int opening_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Starts anew each time a connection is found broken (see the file
  // comment).
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  ConnectionPoolStats totals_ ABSL_GUARDED_BY(mu_);
  pid_t pid_ ABSL_GUARDED_BY(mu_);
  // Not a std::thread member: a forked child must neither join nor destroy
  // the parent's thread object, so it leaks it instead.
  std::thread* watchdog_ = nullptr;
  pid_t watchdog_pid_ = 0;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_CONNECTION_POOL_H_
