// Copyright 2026 The multirun Authors.
//
// ConnectionStrategy: how threads get a Connection — MultiRunnable's
// connection strategy (BaseSingleConnection / BaseConnectionPool), without
// its singletons: every strategy object is independent, with its own
// settings, and any number of them coexist.
//
// A strategy hands a connection out as a Lease, a move-only RAII handle that
// gives the connection back when it is destroyed (or on Release()). Until
// then nobody else uses that connection. Acquire never waits forever: past
// its timeout it returns DeadlineExceeded. A lease keeps its strategy alive
// (strategies are created as std::shared_ptr).
//
// Implementations: SingleConnection (one connection, leased to one thread at
// a time, reconnected with backoff), ConnectionPool (HikariCP-style).
//
// Defines: Lease, ConnectionStrategy.

#ifndef MULTIRUN_PERSISTENCE_DAO_CONNECTION_STRATEGY_H_
#define MULTIRUN_PERSISTENCE_DAO_CONNECTION_STRATEGY_H_

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/persistence/dao/connection.h"

namespace multirun {
namespace dao {

class ConnectionStrategy;

// Example:
//
//   absl::StatusOr<Lease> lease = pool->Acquire();
//   if (!lease.ok()) return lease.status();
//   DatabaseOperator op(**lease);
//   ...  // the connection returns to the pool when `lease` goes away
class Lease {
 public:
  Lease(std::shared_ptr<ConnectionStrategy> owner, Connection* connection,
        uint64_t token)
      : owner_(std::move(owner)), connection_(connection), token_(token) {}
  Lease(Lease&& other) noexcept
      : owner_(std::move(other.owner_)),
        connection_(std::exchange(other.connection_, nullptr)),
        token_(other.token_) {}
  Lease& operator=(Lease&& other) noexcept {
    if (this != &other) {
      Release();
      owner_ = std::move(other.owner_);
      connection_ = std::exchange(other.connection_, nullptr);
      token_ = other.token_;
    }
    return *this;
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { Release(); }

  // The leased connection; the lease must not have been released.
  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_; }
  Connection* get() const { return connection_; }
  explicit operator bool() const { return connection_ != nullptr; }

  // Gives the connection back now. Idempotent; never fails (a broken
  // connection is dropped by the strategy).
  void Release();

 private:
  std::shared_ptr<ConnectionStrategy> owner_;
  Connection* connection_;
  uint64_t token_;
};

class ConnectionStrategy
    : public std::enable_shared_from_this<ConnectionStrategy> {
 public:
  virtual ~ConnectionStrategy() = default;

  // Leases a connection, waiting at most `timeout` (DeadlineExceeded after
  // that), or the strategy's default timeout. `where` is recorded for leak
  // reports. FailedPrecondition after Close(); the driver's error when a
  // connection cannot be opened. Blocks.
  absl::StatusOr<Lease> Acquire(
      std::source_location where = std::source_location::current()) {
    return AcquireFor(default_timeout(), where);
  }
  absl::StatusOr<Lease> AcquireFor(
      absl::Duration timeout,
      std::source_location where = std::source_location::current()) {
    return DoAcquire(timeout, where);
  }

  // Closes every connection it holds; later Acquire calls fail. Leases still
  // out keep working and are closed when returned. Idempotent.
  virtual absl::Status Close() = 0;

  virtual const std::string& name() const = 0;
  virtual absl::Duration default_timeout() const = 0;

 protected:
  friend class Lease;
  virtual absl::StatusOr<Lease> DoAcquire(absl::Duration timeout,
                                          std::source_location where) = 0;
  // Takes back the connection of a lease created with `token`.
  virtual void Return(Connection* connection, uint64_t token) = 0;
};

inline void Lease::Release() {
  if (connection_ == nullptr) return;
  Connection* c = std::exchange(connection_, nullptr);
  std::shared_ptr<ConnectionStrategy> owner = std::move(owner_);
  owner->Return(c, token_);
}

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_CONNECTION_STRATEGY_H_
