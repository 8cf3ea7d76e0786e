// Copyright 2026 The multirun Authors.
//
// SingleConnection's Commit and Rollback against a real MariaDB: with
// autocommit off, writes stay invisible to other connections until
// Commit(); Rollback(), Close() and a lost connection drop them; the lease
// holder commits without waiting for its own lease.

#include "multirun/persistence/dao/single_connection.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"

namespace multirun {
namespace mysql {
namespace {

using dao::DatabaseOperator;
using dao::Lease;
using dao::Row;
using dao::SingleConnection;
using dao::SingleConnectionOptions;
using mysql_testing::TestDsn;

class SingleConnectionCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
        MysqlConnection::Connect(TestDsn());
    ASSERT_TRUE(c.ok()) << c.status();
    other_ = *std::move(c);
    table_ = absl::StrCat(
        "sc_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    DatabaseOperator op(*other_);
    ASSERT_TRUE(op.Execute(absl::StrCat("DROP TABLE IF EXISTS ", table_)).ok());
    ASSERT_TRUE(
        op.Execute(absl::StrCat("CREATE TABLE ", table_,
                                " (k BIGINT PRIMARY KEY) ENGINE=InnoDB"))
            .ok());
  }

  std::shared_ptr<SingleConnection> Make(bool autocommit) {
    SingleConnectionOptions o;
    o.name = autocommit ? "auto" : "manual";
    o.autocommit = autocommit;
    // Short: a call that waited for its own lease would fail.
    o.acquire_timeout = absl::Seconds(1);
    absl::StatusOr<std::shared_ptr<SingleConnection>> s =
        SingleConnection::Create(MysqlConnection::Factory(TestDsn()), o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : nullptr;
  }

  absl::Status Insert(Lease& lease, int64_t k) {
    return DatabaseOperator(*lease)
        .Execute(absl::StrCat("INSERT INTO ", table_, " (k) VALUES (?)"), {k})
        .status();
  }

  // Whether another connection sees row `k` (committed).
  bool Visible(int64_t k) {
    absl::StatusOr<std::optional<Row>> r = DatabaseOperator(*other_).FetchOne(
        absl::StrCat("SELECT COUNT(*) FROM ", table_, " WHERE k = ?"), {k});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->has_value() && *(**r).Get<int64_t>(0) == 1;
  }

  // Kills session `id` and waits until the server has ended it.
  void KillAndWait(uint64_t id) {
    ASSERT_TRUE(DatabaseOperator(*other_)
                    .Execute(absl::StrCat("KILL CONNECTION ", id))
                    .ok());
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    for (;;) {
      absl::StatusOr<std::optional<Row>> r = DatabaseOperator(*other_).FetchOne(
          "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?",
          {static_cast<int64_t>(id)});
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_TRUE(r->has_value());
      if (*(**r).Get<int64_t>(0) == 0) return;
      ASSERT_LT(absl::Now(), deadline) << "session " << id << " still there";
      absl::SleepFor(absl::Milliseconds(5));
    }
  }

  std::unique_ptr<MysqlConnection> other_;
  std::string table_;
};

TEST_F(SingleConnectionCommitTest, WritesBecomeVisibleOnlyOnCommit) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  for (int64_t k : {1, 2}) {  // two leases, one transaction
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE(Insert(*lease, k).ok());
  }
  EXPECT_FALSE(Visible(1));
  EXPECT_FALSE(Visible(2));
  ASSERT_TRUE(db->Commit().ok());
  EXPECT_TRUE(Visible(1));
  EXPECT_TRUE(Visible(2));
  // Committing with nothing pending is fine.
  EXPECT_TRUE(db->Commit().ok());
}

TEST_F(SingleConnectionCommitTest, RollbackAndCloseDropUncommittedWork) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 1).ok());
  }
  ASSERT_TRUE(db->Rollback().ok());
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    // The rolled-back key is free again.
    ASSERT_TRUE(Insert(*lease, 1).ok());
    ASSERT_TRUE(Insert(*lease, 2).ok());
  }
  ASSERT_TRUE(db->Close().ok());
  EXPECT_FALSE(Visible(1));
  EXPECT_FALSE(Visible(2));
  EXPECT_EQ(db->Commit().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(db->Rollback().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SingleConnectionCommitTest, LeaseHolderCommitsWithoutWaiting) {
  for (bool autocommit : {false, true}) {
    SCOPED_TRACE(autocommit ? "autocommit" : "manual");
    SetUp();
    auto db = Make(autocommit);
    ASSERT_NE(db, nullptr);
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    // With autocommit on, the holder's own transaction is what Commit ends.
    if (autocommit) {
      ASSERT_TRUE((*lease)->Begin().ok());
    }
    ASSERT_TRUE(Insert(*lease, 7).ok());
    EXPECT_FALSE(Visible(7));
    // Waiting for its own lease would be DeadlineExceeded after 1 s.
    ASSERT_TRUE(db->Commit().ok());
    EXPECT_TRUE(Visible(7));
    if (autocommit) {
      ASSERT_TRUE((*lease)->Begin().ok());
    }
    ASSERT_TRUE(Insert(*lease, 8).ok());
    ASSERT_TRUE(db->Rollback().ok());
    EXPECT_FALSE(Visible(8));
    // The lease still works afterwards.
    ASSERT_TRUE(Insert(*lease, 9).ok());
    lease->Release();
    ASSERT_TRUE(db->Commit().ok());
    EXPECT_TRUE(Visible(9));
  }
}

TEST_F(SingleConnectionCommitTest, AnotherThreadsCommitWaitsForTheHolder) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  absl::StatusOr<Lease> lease = db->Acquire();
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(Insert(*lease, 3).ok());
  absl::Status from_other = absl::UnknownError("not run");
  std::thread other([&] { from_other = db->Commit(); });
  other.join();  // it cannot take the lease within its 1 s timeout
  EXPECT_EQ(from_other.code(), absl::StatusCode::kDeadlineExceeded)
      << from_other;
  EXPECT_FALSE(Visible(3));
  lease->Release();
  std::thread again([&] { from_other = db->Commit(); });
  again.join();
  EXPECT_TRUE(from_other.ok()) << from_other;
  EXPECT_TRUE(Visible(3));
}

TEST_F(SingleConnectionCommitTest, LostConnectionWithPendingWorkAbortsCommit) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  uint64_t victim;
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 1).ok());
    victim = static_cast<MysqlConnection*>(lease->get())->thread_id();
  }
  ASSERT_TRUE(DatabaseOperator(*other_)
                  .Execute(absl::StrCat("KILL CONNECTION ", victim))
                  .ok());
  // The next lease is a new session (the dead one is noticed on Acquire);
  // the work of the killed one is gone with it.
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    EXPECT_NE(static_cast<MysqlConnection*>(lease->get())->thread_id(), victim);
    ASSERT_TRUE(Insert(*lease, 2).ok());
  }
  absl::Status s = db->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_NE(s.message().find("rolled that work back"), std::string::npos) << s;
  EXPECT_FALSE(Visible(1));
  EXPECT_FALSE(Visible(2));  // all or nothing
  EXPECT_EQ(db->connects(), 2u);
  // The next unit of work commits normally.
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 2).ok());
  }
  ASSERT_TRUE(db->Commit().ok());
  EXPECT_TRUE(Visible(2));
}

TEST_F(SingleConnectionCommitTest, FailedCommitOnALostConnectionStaysLost) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 1).ok());
    KillAndWait(static_cast<MysqlConnection*>(lease->get())->thread_id());
    absl::Status first = db->Commit();  // the holder's own Commit
    EXPECT_FALSE(first.ok());
  }
  // The work is gone: the next Commit must not report it durable.
  absl::Status second = db->Commit();
  EXPECT_EQ(second.code(), absl::StatusCode::kAborted) << second;
  EXPECT_FALSE(Visible(1));
}

TEST_F(SingleConnectionCommitTest, WritesAfterTheHoldersCommitStayPending) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  uint64_t victim;
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 1).ok());
    ASSERT_TRUE(db->Commit().ok());  // the holder keeps its lease
    ASSERT_TRUE(Insert(*lease, 2).ok());
    victim = static_cast<MysqlConnection*>(lease->get())->thread_id();
  }
  KillAndWait(victim);
  absl::Status s = db->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_TRUE(Visible(1));
  EXPECT_FALSE(Visible(2));
}

TEST_F(SingleConnectionCommitTest, LossWithNothingPendingIsNoError) {
  auto db = Make(/*autocommit=*/false);
  ASSERT_NE(db, nullptr);
  // Its own leases (Create's connect, Reconnect, Commit) leave no work.
  ASSERT_TRUE(db->Commit().ok());
  ASSERT_TRUE(db->Reconnect().ok());
  EXPECT_TRUE(db->Commit().ok());
  uint64_t victim;
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 5).ok());
    victim = static_cast<MysqlConnection*>(lease->get())->thread_id();
  }
  ASSERT_TRUE(db->Commit().ok());
  EXPECT_TRUE(Visible(5));
  // Lost after the Commit: nothing was pending, so nothing to report.
  ASSERT_TRUE(DatabaseOperator(*other_)
                  .Execute(absl::StrCat("KILL CONNECTION ", victim))
                  .ok());
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE(Insert(*lease, 6).ok());
  }
  EXPECT_TRUE(db->Commit().ok());
  EXPECT_TRUE(Visible(6));
}

TEST_F(SingleConnectionCommitTest, AutocommitWritesAreVisibleAtOnce) {
  auto db = Make(/*autocommit=*/true);
  ASSERT_NE(db, nullptr);
  {
    absl::StatusOr<Lease> lease = db->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(Insert(*lease, 1).ok());
    EXPECT_TRUE(Visible(1));
    // A transaction left open by a holder is rolled back on return.
    ASSERT_TRUE((*lease)->Begin().ok());
    ASSERT_TRUE(Insert(*lease, 2).ok());
  }
  EXPECT_TRUE(db->Commit().ok());  // nothing left to commit
  EXPECT_FALSE(Visible(2));
}

}  // namespace
}  // namespace mysql
}  // namespace multirun
