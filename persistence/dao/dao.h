// Copyright 2026 The multirun Authors.
//
// Dao: the base of a data-access object. A subclass chooses its
// ConnectionStrategy (SingleConnection or ConnectionPool, passed to the
// constructor) and writes its queries as methods that run through
// `WithOperator` (one lease per call) or `InTransaction` (one lease, one
// transaction: committed when the callable succeeds, rolled back when it
// fails).
//
// Example:
//
//   class UserDao : public multirun::dao::Dao {
//    public:
//     using Dao::Dao;
//     absl::Status Add(absl::string_view name) {
//       return WithOperator([&](multirun::dao::DatabaseOperator& op) {
//         return op.Execute("INSERT INTO users(name) VALUES (?)", {name})
//             .status();
//       });
//     }
//   };
//   UserDao users(*multirun::dao::ConnectionPool::Create(factory, options));
//
// Errors: a query method returns what its callable returns, or the error of
// Acquire (DeadlineExceeded when no connection came in time), of Begin or of
// Commit. A write or a Commit whose connection was lost may have taken effect:
// such a failure is marked outcome-unknown and no RetryPolicy repeats it
// (connection.h; DatabaseOperator's Idempotency says when a repeat is safe).
//
// Thread-safety: a Dao is as thread-safe as its strategy: both built-in
// strategies are, so one Dao object may serve many threads.
//
// Defines: Dao.

#ifndef MULTIRUN_PERSISTENCE_DAO_DAO_H_
#define MULTIRUN_PERSISTENCE_DAO_DAO_H_

#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "multirun/persistence/dao/connection_strategy.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/transaction.h"

namespace multirun {
namespace dao {

// The base of a data-access object (see the file comment).
class Dao {
 public:
  // `strategy` must not be null (aborts: a programming error).
  explicit Dao(std::shared_ptr<ConnectionStrategy> strategy);
  virtual ~Dao() = default;

  ConnectionStrategy& strategy() const { return *strategy_; }

 protected:
  // Leases a connection and runs `fn(DatabaseOperator&)`, which returns
  // absl::Status or absl::StatusOr<T>; an Acquire failure is returned as is.
  template <typename F>
  auto WithOperator(F&& fn) -> std::invoke_result_t<F, DatabaseOperator&> {
    absl::StatusOr<Lease> lease = strategy_->Acquire();
    if (!lease.ok()) return lease.status();
    DatabaseOperator op(**lease);
    return std::forward<F>(fn)(op);
  }

  // As WithOperator, inside a transaction: committed if `fn` succeeds (a
  // failing commit is returned), rolled back otherwise.
  template <typename F>
  auto InTransaction(F&& fn) -> std::invoke_result_t<F, DatabaseOperator&> {
    absl::StatusOr<Lease> lease = strategy_->Acquire();
    if (!lease.ok()) return lease.status();
    absl::StatusOr<Transaction> tx = Transaction::Begin(**lease);
    if (!tx.ok()) return tx.status();
    DatabaseOperator op(**lease);
    auto result = std::forward<F>(fn)(op);
    if (!result.ok()) return result;  // ~Transaction rolls back
    if (absl::Status s = tx->Commit(); !s.ok()) return s;
    return result;
  }

 private:
  std::shared_ptr<ConnectionStrategy> strategy_;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_DAO_H_
