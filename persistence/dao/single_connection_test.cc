// Copyright 2026 The multirun Authors.
//
// SingleConnection's unit-of-work bookkeeping with autocommit off, against
// ScriptedConnection (a server that can be "restarted" under a connection).

#include "multirun/persistence/dao/single_connection.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/testing/scripted_connection.h"

namespace multirun {
namespace dao {
namespace {

class SingleConnectionUnitOfWorkTest : public ::testing::Test {
 protected:
  std::shared_ptr<SingleConnection> Make() {
    SingleConnectionOptions o;
    o.name = "manual";
    o.autocommit = false;
    o.acquire_timeout = absl::Seconds(1);
    o.reconnect_initial_backoff = absl::Milliseconds(1);
    o.reconnect_max_backoff = absl::Milliseconds(1);
    absl::StatusOr<std::shared_ptr<SingleConnection>> s =
        SingleConnection::Create(ScriptedConnection::Factory(server_), o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : nullptr;
  }

  std::shared_ptr<ScriptedServer> server_ = std::make_shared<ScriptedServer>();
};

TEST_F(SingleConnectionUnitOfWorkTest, FailedCommitOnLostConnectionStaysLost) {
  auto db = Make();
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Execute("INSERT a", {}).ok());
    server_->Restart();  // the connection is lost with the INSERT pending
    absl::Status first = db->Commit();  // the holder's own Commit
    EXPECT_FALSE(first.ok());
  }
  // The work is gone: a second Commit must not report it durable.
  absl::Status second = db->Commit();
  EXPECT_EQ(second.code(), absl::StatusCode::kAborted) << second;
  EXPECT_EQ(db->connects(), 2u);
  // The next unit of work commits normally.
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Execute("INSERT b", {}).ok());
  }
  EXPECT_TRUE(db->Commit().ok());
}

TEST_F(SingleConnectionUnitOfWorkTest, FailedCommitByAnotherThreadStaysLost) {
  auto db = Make();
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Execute("INSERT a", {}).ok());
  }
  // Half-open: the lease check does not see the loss, the COMMIT does.
  server_->Restart();
  EXPECT_FALSE(db->Commit().ok());
  absl::Status second = db->Commit();
  EXPECT_EQ(second.code(), absl::StatusCode::kAborted) << second;
}

TEST_F(SingleConnectionUnitOfWorkTest, WritesAfterHolderCommitArePending) {
  auto db = Make();
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Execute("INSERT a", {}).ok());
    ASSERT_TRUE(db->Commit().ok());  // the holder commits, keeps the lease
    ASSERT_TRUE((*lease)->Execute("INSERT b", {}).ok());
  }
  server_->Restart();               // b was never committed
  EXPECT_FALSE(db->Commit().ok());  // the COMMIT finds the loss
  absl::Status s = db->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
}

TEST_F(SingleConnectionUnitOfWorkTest, WritesAfterHolderRollbackArePending) {
  auto db = Make();
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Execute("INSERT a", {}).ok());
    ASSERT_TRUE(db->Rollback().ok());
    ASSERT_TRUE((*lease)->Execute("INSERT b", {}).ok());
  }
  server_->Restart();
  EXPECT_FALSE(db->Commit().ok());  // the COMMIT finds the loss
  absl::Status s = db->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
}

TEST_F(SingleConnectionUnitOfWorkTest, CommitAfterReleaseLeavesNothingPending) {
  auto db = Make();
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Execute("INSERT a", {}).ok());
  }
  ASSERT_TRUE(db->Commit().ok());
  server_->Restart();               // lost with nothing pending
  EXPECT_FALSE(db->Commit().ok());  // the COMMIT finds out
  EXPECT_TRUE(db->Commit().ok());   // nothing was lost: no Aborted
}

}  // namespace
}  // namespace dao
}  // namespace multirun
