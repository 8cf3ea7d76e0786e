// Copyright 2026 The multirun Authors.
//
// SingleConnection's unit-of-work bookkeeping with autocommit off, against
// ScriptedConnection (a server that can be "restarted" under a connection).

#include "multirun/persistence/dao/single_connection.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>

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

// A lease moved to another thread: Commit() there does not know the lease
// and waits for it; Commit(lease) uses it at once. A lease that is released,
// moved from, or another SingleConnection's is InvalidArgument.
TEST_F(SingleConnectionUnitOfWorkTest,
       CommitThroughALeaseMovedToAnotherThread) {
  auto db = Make();  // acquire_timeout: 1 s
  auto other_db = Make();
  ASSERT_NE(db, nullptr);
  ASSERT_NE(other_db, nullptr);
  absl::StatusOr<Lease> lease = db->Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  ASSERT_TRUE((*lease)->Execute("INSERT a", {}).ok());
  absl::Status without_lease, committed, rolled_back, foreign;
  std::thread elsewhere([&] {
    without_lease = db->Commit();
    committed = db->Commit(*lease);
    rolled_back = db->Rollback(*lease);
    foreign = other_db->Commit(*lease);
  });
  elsewhere.join();
  EXPECT_EQ(without_lease.code(), absl::StatusCode::kDeadlineExceeded)
      << without_lease;
  EXPECT_TRUE(committed.ok()) << committed;
  EXPECT_TRUE(rolled_back.ok()) << rolled_back;
  EXPECT_EQ(server_->commits.load(), 1);
  EXPECT_EQ(server_->rollbacks.load(), 1);
  EXPECT_EQ(foreign.code(), absl::StatusCode::kInvalidArgument) << foreign;
  Lease moved = *std::move(lease);
  EXPECT_EQ(db->Commit(*lease).code(), absl::StatusCode::kInvalidArgument);
  moved.Release();
  absl::Status released = db->Commit(moved);
  EXPECT_EQ(released.code(), absl::StatusCode::kInvalidArgument) << released;
  EXPECT_NE(released.message().find("Commit(lease)"), std::string::npos)
      << released;
  EXPECT_EQ(server_->commits.load(), 1);
}

}  // namespace
}  // namespace dao
}  // namespace multirun
