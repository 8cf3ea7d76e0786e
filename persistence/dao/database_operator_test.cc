// Copyright 2026 The multirun Authors.
//
// DatabaseOperator's Idempotency: a lost write keeps its outcome-unknown mark
// (never retried) unless the statement is marked idempotent, on scripted
// connections (persistence/mysql/faults_test covers a real server).

#include "multirun/persistence/dao/database_operator.h"

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/testing/scripted_connection.h"
#include "multirun/retry/outcome_unknown.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {
namespace dao {
namespace {

TEST(DatabaseOperatorTest, OnlyIdempotentLostWritesAreRetryable) {
  auto server = std::make_shared<ScriptedServer>();
  server->Restart();  // every call of the connection below fails
  const std::vector<std::vector<Value>> rows = {{1}, {2}};
  for (Idempotency idempotency :
       {Idempotency::kNotIdempotent, Idempotency::kIdempotent}) {
    const bool idempotent = idempotency == Idempotency::kIdempotent;
    ScriptedConnection c(server);
    server->epoch.fetch_add(1);
    DatabaseOperator op(c);
    for (absl::Status s :
         {op.Execute("INSERT INTO t VALUES (1)", {}, idempotency).status(),
          op.ExecuteMany("INSERT INTO t VALUES (?)", rows, idempotency)
              .status()}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
      EXPECT_NE(s.message().find("scripted server gone"), std::string::npos);
      EXPECT_EQ(IsOutcomeUnknown(s), !idempotent) << s;
      EXPECT_EQ(RetryPolicy().IsRetryable(s), idempotent) << s;
    }
  }
  // The default is not idempotent.
  ScriptedConnection c(server);
  server->epoch.fetch_add(1);
  EXPECT_TRUE(
      IsOutcomeUnknown(DatabaseOperator(c).Execute("DELETE FROM t").status()));
}

TEST(DatabaseOperatorTest, SuccessIsUntouchedAndEmptyBatchesRejected) {
  auto server = std::make_shared<ScriptedServer>();
  ScriptedConnection c(server);
  DatabaseOperator op(c);
  absl::StatusOr<ExecResult> r =
      op.Execute("UPDATE t SET x = 1", {}, Idempotency::kIdempotent);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->affected_rows, 1u);
  EXPECT_EQ(
      op.ExecuteMany("INSERT INTO t VALUES (?)", {}, Idempotency::kIdempotent)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server->executed.load(), 1);
}

}  // namespace
}  // namespace dao
}  // namespace multirun
