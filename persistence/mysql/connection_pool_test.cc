// Copyright 2026 The multirun Authors.
//
// ConnectionPool and SingleConnection against a real MariaDB: exhaustion,
// killed connections, idle expiry, a restarted server, forks, leaks, and 8
// threads of inserts.

#include "multirun/persistence/dao/connection_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/single_connection.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"

namespace multirun {
namespace mysql {
namespace {

using dao::ConnectionPool;
using dao::ConnectionPoolOptions;
using dao::DatabaseOperator;
using dao::Lease;
using dao::Row;
using mysql_testing::TestDsn;

std::shared_ptr<ConnectionPool> MakePool(ConnectionPoolOptions options,
                                         MysqlDsn dsn = TestDsn()) {
  absl::StatusOr<std::shared_ptr<ConnectionPool>> pool =
      ConnectionPool::Create(MysqlConnection::Factory(dsn), options);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *pool : nullptr;
}

int64_t SessionId(Lease& lease) {
  absl::StatusOr<std::optional<Row>> r =
      DatabaseOperator(*lease).FetchOne("SELECT CONNECTION_ID()");
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && r->has_value() ? *(**r).Get<int64_t>(0) : -1;
}

TEST(ConnectionPoolTest, BadOptionsAreInvalidArgument) {
  ConnectionPoolOptions o;
  o.max_size = 0;
  EXPECT_EQ(ConnectionPool::Create(MysqlConnection::Factory(TestDsn()), o)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  o.max_size = 2;
  o.min_idle = 3;
  absl::Status s =
      ConnectionPool::Create(MysqlConnection::Factory(TestDsn()), o).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("min_idle"), std::string::npos);
}

TEST(ConnectionPoolTest, ExhaustedPoolTimesOutWithDeadlineExceeded) {
  ConnectionPoolOptions o;
  o.name = "tiny";
  o.max_size = 2;
  auto pool = MakePool(o);
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<Lease> a = pool->Acquire();
  absl::StatusOr<Lease> b = pool->Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<Lease> c = pool->AcquireFor(absl::Milliseconds(200));
  const absl::Duration waited = absl::Now() - start;
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(c.status().message().find("'tiny'"), std::string::npos);
  EXPECT_GE(waited, absl::Milliseconds(200));
  EXPECT_EQ(pool->stats().timeouts, 1u);
  EXPECT_EQ(pool->stats().active, 2);
  // A returned connection wakes a waiter.
  std::thread releaser([&] { a->Release(); });
  absl::StatusOr<Lease> d = pool->AcquireFor(absl::Seconds(30));
  releaser.join();
  EXPECT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(pool->stats().created, 2u);
}

TEST(ConnectionPoolTest, KilledConnectionFailsClearlyAndIsReplaced) {
  ConnectionPoolOptions o;
  o.max_size = 1;
  auto pool = MakePool(o);
  ASSERT_NE(pool, nullptr);
  int64_t victim;
  absl::Status query_status;
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    victim = SessionId(*lease);
    std::thread killer([&] {
      auto admin = MysqlConnection::Connect(TestDsn());
      ASSERT_TRUE(admin.ok());
      DatabaseOperator op(**admin);
      // Wait (bounded) until the victim is inside its query, then kill it.
      for (int i = 0; i < 500; ++i) {
        auto r = op.FetchOne(
            "SELECT COUNT(*) FROM information_schema.processlist WHERE id = ? "
            "AND info LIKE 'SELECT SLEEP%'",
            {victim});
        if (r.ok() && *(**r).Get<int64_t>(0) == 1) break;
        absl::SleepFor(absl::Milliseconds(10));
      }
      EXPECT_TRUE(op.Execute(absl::StrCat("KILL CONNECTION ", victim)).ok());
    });
    query_status =
        DatabaseOperator(**lease).FetchOne("SELECT SLEEP(20)").status();
    killer.join();
    EXPECT_TRUE((*lease)->IsBroken());
  }
  EXPECT_EQ(query_status.code(), absl::StatusCode::kUnavailable)
      << query_status;
  EXPECT_NE(query_status.message().find("MySQL error"), std::string::npos);
  EXPECT_EQ(pool->stats().destroyed, 1u);
  absl::StatusOr<Lease> next = pool->Acquire();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE(SessionId(*next), victim);
  EXPECT_EQ(pool->stats().created, 2u);
}

TEST(ConnectionPoolTest, ValidationCatchesAnExpiredIdleConnection) {
  ConnectionPoolOptions o;
  o.max_size = 1;
  o.validation_threshold = absl::Milliseconds(100);
  auto pool = MakePool(o);
  ASSERT_NE(pool, nullptr);
  int64_t first;
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    first = SessionId(*lease);
    // The server will drop this session after 2 idle seconds; the pool
    // learnt the default wait_timeout when it opened it.
    ASSERT_TRUE(
        DatabaseOperator(**lease).Execute("SET SESSION wait_timeout = 2").ok());
  }
  absl::SleepFor(absl::Seconds(3));  // waiting for wait_timeout is the point
  absl::StatusOr<Lease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_NE(SessionId(*lease), first);
  EXPECT_EQ(pool->stats().validation_failures, 1u);
  EXPECT_EQ(pool->stats().destroyed, 1u);
}

TEST(ConnectionPoolTest, LifetimeIsCappedBelowServerWaitTimeout) {
  MysqlDsn dsn = TestDsn();
  dsn.init_command = "SET SESSION wait_timeout = 2";
  ConnectionPoolOptions o;
  o.max_size = 1;
  o.validation_threshold = absl::Hours(1);  // validation would not catch it
  auto pool = MakePool(o, dsn);
  ASSERT_NE(pool, nullptr);
  int64_t first;
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    first = SessionId(*lease);
  }
  absl::SleepFor(absl::Seconds(2) + absl::Milliseconds(500));
  absl::StatusOr<Lease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_NE(SessionId(*lease), first);
  EXPECT_EQ(pool->stats().validation_failures, 0u);
}

TEST(ConnectionPoolTest, EightThreadsThousandInsertsEach) {
  ConnectionPoolOptions o;
  o.max_size = 4;
  auto pool = MakePool(o);
  ASSERT_NE(pool, nullptr);
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    DatabaseOperator op(**lease);
    ASSERT_TRUE(op.Execute("DROP TABLE IF EXISTS stress").ok());
    ASSERT_TRUE(op.Execute("CREATE TABLE stress (id BIGINT AUTO_INCREMENT "
                           "PRIMARY KEY, t INT, i INT)")
                    .ok());
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        absl::StatusOr<Lease> lease = pool->Acquire();
        if (!lease.ok() ||
            !DatabaseOperator(**lease)
                 .Execute("INSERT INTO stress(t, i) VALUES (?, ?)", {t, i})
                 .ok()) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<Lease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok());
  auto r = DatabaseOperator(**lease).FetchOne(
      "SELECT COUNT(*), COUNT(DISTINCT t, i) FROM stress");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(**r).Get<int64_t>(0), 8000);
  EXPECT_EQ(*(**r).Get<int64_t>(1), 8000);
  EXPECT_LE(pool->stats().created, 4u);
}

TEST(ConnectionPoolTest, ForkedChildNeverReusesParentConnections) {
  ConnectionPoolOptions o;
  o.max_size = 2;
  o.min_idle = 1;
  auto pool = MakePool(o);
  ASSERT_NE(pool, nullptr);
  int64_t parent_id;
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    parent_id = SessionId(*lease);
  }
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<Lease> lease = pool->Acquire();
    int64_t id = lease.ok() ? SessionId(*lease) : -1;
    lease = absl::UnknownError("released");
    ssize_t w = write(pipefd[1], &id, sizeof(id));
    _exit(w == sizeof(id) ? 0 : 1);
  }
  int64_t child_id = -1;
  ASSERT_EQ(read(pipefd[0], &child_id, sizeof(child_id)),
            static_cast<ssize_t>(sizeof(child_id)));
  int status;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(pipefd[0]);
  close(pipefd[1]);
  EXPECT_GT(child_id, 0);
  EXPECT_NE(child_id, parent_id);
  // The parent's session survived the child.
  absl::StatusOr<Lease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(SessionId(*lease), parent_id);
}

TEST(ConnectionPoolTest, LeakIsReportedWithWhereItWasTaken) {
  std::atomic<int> reports{0};
  std::string where;
  ConnectionPoolOptions o;
  o.max_size = 1;
  o.leak_detection_threshold = absl::Milliseconds(100);
  o.on_leak = [&](const dao::LeakReport& r) {
    where = r.acquired_at;
    reports.fetch_add(1);
  };
  auto pool = MakePool(o);
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<Lease> lease = pool->Acquire();  // the "leak"
  ASSERT_TRUE(lease.ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (reports.load() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(reports.load(), 1);
  EXPECT_NE(where.find("connection_pool_test.cc"), std::string::npos) << where;
  EXPECT_EQ(pool->stats().leaks, 1u);
}

TEST(ConnectionPoolTest, IndependentPoolsKeepTheirOwnSettings) {
  ConnectionPoolOptions a, b;
  a.name = "a";
  a.max_size = 1;
  b.name = "b";
  b.max_size = 3;
  auto pa = MakePool(a), pb = MakePool(b);
  ASSERT_NE(pa, nullptr);
  ASSERT_NE(pb, nullptr);
  absl::StatusOr<Lease> la = pa->Acquire();
  ASSERT_TRUE(la.ok());
  EXPECT_EQ(pa->AcquireFor(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  std::vector<Lease> leases;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Lease> l = pb->AcquireFor(absl::Seconds(5));
    ASSERT_TRUE(l.ok());
    leases.push_back(*std::move(l));
  }
  EXPECT_EQ(pb->stats().active, 3);
  EXPECT_EQ(pa->name(), "a");
}

TEST(ConnectionPoolTest, RecoversAfterServerRestart) {
  // Its own server: restarting the shared one would disturb other tests.
  absl::StatusOr<std::unique_ptr<mysql_testing::PrivateServer>> server =
      mysql_testing::PrivateServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<MysqlDsn> dsn = MysqlDsn::Parse((*server)->Dsn());
  ASSERT_TRUE(dsn.ok());
  ConnectionPoolOptions o;
  o.max_size = 2;
  o.validation_threshold = absl::ZeroDuration();
  auto pool = MakePool(o, *dsn);
  ASSERT_NE(pool, nullptr);
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    SessionId(*lease);
  }
  auto single = dao::SingleConnection::Create(MysqlConnection::Factory(*dsn));
  ASSERT_TRUE(single.ok());
  ASSERT_TRUE((*server)->Restart().ok());
  absl::StatusOr<Lease> lease = pool->AcquireFor(absl::Seconds(30));
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_GT(SessionId(*lease), 0);
  EXPECT_GE(pool->stats().validation_failures, 1u);
  // A single connection notices on Acquire (the server closed the socket)
  // and reconnects before its caller runs anything.
  absl::StatusOr<Lease> l = (*single)->Acquire();
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_GT(SessionId(*l), 0);
  EXPECT_EQ((*single)->connects(), 2u);
}

TEST(SingleConnectionTest, SecondAcquireWaitsThenTimesOut) {
  auto single =
      dao::SingleConnection::Create(MysqlConnection::Factory(TestDsn()));
  ASSERT_TRUE(single.ok()) << single.status();
  absl::StatusOr<Lease> a = (*single)->Acquire();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*single)->AcquireFor(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  a->Release();
  EXPECT_TRUE((*single)->AcquireFor(absl::Seconds(5)).ok());
  EXPECT_TRUE((*single)->Close().ok());
  EXPECT_EQ((*single)->Acquire().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mysql
}  // namespace multirun
