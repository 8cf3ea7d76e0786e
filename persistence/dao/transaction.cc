// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/transaction.h"

namespace multirun {
namespace dao {

absl::StatusOr<Transaction> Transaction::Begin(Connection& connection) {
  absl::Status s = connection.Begin();
  if (!s.ok()) return s;
  return Transaction(connection);
}

Transaction::~Transaction() {
  if (connection_ != nullptr) connection_->Rollback().IgnoreError();
}

absl::Status Transaction::Commit() {
  if (connection_ == nullptr) {
    return absl::FailedPreconditionError("transaction already finished");
  }
  return std::exchange(connection_, nullptr)->Commit();
}

absl::Status Transaction::Rollback() {
  if (connection_ == nullptr) {
    return absl::FailedPreconditionError("transaction already finished");
  }
  return std::exchange(connection_, nullptr)->Rollback();
}

}  // namespace dao
}  // namespace multirun
