// Copyright 2026 The multirun Authors.
//
// ConnectionStrategy: how threads get a Connection. Every strategy object is
// independent (not a singleton), with its own settings, and any number of them
// coexist.
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
// Example:
//
//   absl::StatusOr<multirun::dao::Lease> lease = pool->Acquire();
//   if (!lease.ok()) return lease.status();
//   multirun::dao::DatabaseOperator op(**lease);
//   absl::StatusOr<multirun::dao::ExecResult> r =
//       op.Execute("DELETE FROM sessions WHERE expired");
//   // The connection returns to the pool when `lease` goes away.
//
// Thread-safety: Acquire, AcquireFor and Close may be called from any thread
// at once; a Lease and its connection are used by one thread at a time.
//
// Defines: SourceLocation, Lease, ConnectionStrategy.

#ifndef MULTIRUN_PERSISTENCE_DAO_CONNECTION_STRATEGY_H_
#define MULTIRUN_PERSISTENCE_DAO_CONNECTION_STRATEGY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/persistence/dao/connection.h"

namespace multirun {
namespace dao {

class ConnectionStrategy;

// Where a call was made: file, line and function, as std::source_location
// records them, on every compiler (Clang 14 cannot compile libstdc++'s
// std::source_location). As a default argument, Current() records the
// caller. The function is its plain name, without the signature.
//
// Example:
//
//   void Log(SourceLocation where = SourceLocation::Current()) {
//     std::printf("%s:%d (%s)\n", where.file_name(), where.line(),
//                 where.function_name());
//   }
class SourceLocation {
 public:
  // An empty location: "" for the names, line 0.
  constexpr SourceLocation() = default;

  // The location of the call that evaluates the default arguments.
  static constexpr SourceLocation Current(
      const char* file_name = __builtin_FILE(), int line = __builtin_LINE(),
      const char* function_name = __builtin_FUNCTION()) {
    return SourceLocation(file_name, line, function_name);
  }

  constexpr const char* file_name() const { return file_name_; }
  constexpr int line() const { return line_; }
  constexpr const char* function_name() const { return function_name_; }

 private:
  constexpr SourceLocation(const char* file_name, int line,
                           const char* function_name)
      : file_name_(file_name), line_(line), function_name_(function_name) {}

  const char* file_name_ = "";
  int line_ = 0;
  const char* function_name_ = "";
};

// A connection lent by a strategy, given back when the Lease goes away (see
// the file comment).
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

// How threads get a Connection (see the file comment).
class ConnectionStrategy
    : public std::enable_shared_from_this<ConnectionStrategy> {
 public:
  virtual ~ConnectionStrategy() = default;

  // Leases a connection, waiting at most `timeout` (DeadlineExceeded after
  // that), or the strategy's default timeout. `where` is recorded for leak
  // reports. FailedPrecondition after Close(); the driver's error when a
  // connection cannot be opened. Blocks.
  absl::StatusOr<Lease> Acquire(
      SourceLocation where = SourceLocation::Current()) {
    return AcquireFor(default_timeout(), where);
  }
  absl::StatusOr<Lease> AcquireFor(
      absl::Duration timeout,
      SourceLocation where = SourceLocation::Current()) {
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
                                          SourceLocation where) = 0;
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
