// Copyright 2026 The multirun Authors.
//
// Transaction: an RAII transaction on one Connection — it rolls back unless
// Commit() succeeded, so a function that returns early on an error leaves
// nothing of its half-done work behind.
//
// Example:
//
//   absl::StatusOr<multirun::dao::Transaction> tx =
//       multirun::dao::Transaction::Begin(**lease);
//   if (!tx.ok()) return tx.status();
//   multirun::dao::DatabaseOperator op(**lease);
//   if (auto r = op.Execute(debit, {from, amount}); !r.ok()) return r.status();
//   if (auto r = op.Execute(credit, {to, amount}); !r.ok()) return r.status();
//   return tx->Commit();  // an early return above rolled back
//
// Thread-safety: used by one thread at a time, as its connection.
//
// Defines: Transaction.

#ifndef MULTIRUN_PERSISTENCE_DAO_TRANSACTION_H_
#define MULTIRUN_PERSISTENCE_DAO_TRANSACTION_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "multirun/persistence/dao/connection.h"

namespace multirun {
namespace dao {

// A transaction that rolls back unless committed (see the file comment).
class Transaction {
 public:
  // Starts a transaction on `connection`, which must outlive it.
  static absl::StatusOr<Transaction> Begin(Connection& connection);

  Transaction(Transaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  // Rolls back if neither Commit nor Rollback ran (an error of the rollback
  // cannot be reported here; a lost connection has rolled back anyway).
  ~Transaction();

  // Commits. FailedPrecondition if already finished. A failed commit leaves
  // the transaction finished (the server rolled it back).
  absl::Status Commit();
  // Rolls back. FailedPrecondition if already finished.
  absl::Status Rollback();
  bool active() const { return connection_ != nullptr; }

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_TRANSACTION_H_
