// Copyright 2026 The multirun Authors.
//
// Database faults against a real MariaDB, and what callers see of them:
// a write to a killed idle connection is "not executed" (safe to retry);
// KILL CONNECTION in the middle of inserts under a retry policy never applies
// a non-idempotent insert twice and does retry an idempotent one; a server
// restart under an idle pool costs no caller an error.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/connection_pool.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/single_connection.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/outcome_unknown.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {
namespace mysql {
namespace {

using dao::ConnectionPool;
using dao::ConnectionPoolOptions;
using dao::DatabaseOperator;
using dao::Idempotency;
using dao::Lease;
using dao::Row;
using mysql_testing::TestDsn;

std::unique_ptr<MysqlConnection> Connect(const MysqlDsn& dsn = TestDsn()) {
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
      MysqlConnection::Connect(dsn);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

int64_t CountRows(MysqlConnection& c, const std::string& sql) {
  absl::StatusOr<std::optional<Row>> r = DatabaseOperator(c).FetchOne(sql);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && r->has_value() ? *(**r).Get<int64_t>(0) : -1;
}

void Kill(uint64_t id) {
  std::unique_ptr<MysqlConnection> admin = Connect();
  ASSERT_NE(admin, nullptr);
  ASSERT_TRUE(DatabaseOperator(*admin)
                  .Execute(absl::StrCat("KILL CONNECTION ", id))
                  .ok());
}

TEST(FaultsTest, WriteToAKilledIdleConnectionIsNotExecuted) {
  std::unique_ptr<MysqlConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  DatabaseOperator op(*c);
  ASSERT_TRUE(op.Execute("DROP TABLE IF EXISTS gone_t").ok());
  ASSERT_TRUE(op.Execute("CREATE TABLE gone_t (k BIGINT)").ok());
  const std::string insert = "INSERT INTO gone_t (k) VALUES (?)";
  ASSERT_TRUE(op.Execute(insert, {1}).ok());  // prepared and cached
  EXPECT_TRUE(c->CheckAlive());
  Kill(c->thread_id());
  // The server closes the socket at once; the local check sees it.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (c->CheckAlive() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_FALSE(c->CheckAlive());
  EXPECT_TRUE(c->IsBroken());
  absl::StatusOr<dao::ExecResult> r = op.Execute(insert, {2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_FALSE(IsOutcomeUnknown(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("not executed"), std::string::npos)
      << r.status();
  EXPECT_TRUE(RetryPolicy().IsRetryable(r.status()));
  // A read and a START TRANSACTION are refused the same way, whatever the
  // socket would have done with them.
  absl::StatusOr<std::unique_ptr<dao::ResultSet>> q =
      c->Query("SELECT k FROM gone_t", {});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), absl::StatusCode::kUnavailable) << q.status();
  EXPECT_NE(q.status().message().find("SELECT k FROM gone_t not executed: "
                                      "the connection was already lost"),
            std::string::npos)
      << q.status();
  const absl::Status begin = c->Begin();
  EXPECT_EQ(begin.code(), absl::StatusCode::kUnavailable) << begin;
  EXPECT_NE(begin.message().find("START TRANSACTION not executed: the "
                                 "connection was already lost"),
            std::string::npos)
      << begin;
  std::unique_ptr<MysqlConnection> other = Connect();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(CountRows(*other, "SELECT COUNT(*) FROM gone_t WHERE k = 2"), 0);
}

// What became of each insert of the kill test.
struct InsertOutcomes {
  int ok = 0;
  int outcome_unknown = 0;  // the final status was marked
  int other = 0;
  int retried_after_unknown = 0;  // attempts that followed a lost write
  std::vector<int64_t> unknown_keys;
};

// Inserts keys [0, threads * per_thread) through `pool`, each under
// `policy`, while another thread kills the connection of an insert in
// progress, up to `kills` times. Returns the outcomes and sets `*killed`.
InsertOutcomes InsertWhileKilling(ConnectionPool& pool,
                                  const std::string& insert,
                                  Idempotency idempotency, int threads,
                                  int per_thread, int kills, int* killed) {
  const RetryPolicy policy = RetryPolicy().WithMaxAttempts(10).WithBackoff(
      Backoff::Constant(absl::Milliseconds(10)));
  std::atomic<bool> done{false};
  std::atomic<int> kill_count{0};
  std::thread killer([&] {
    std::unique_ptr<MysqlConnection> admin = Connect();
    ASSERT_NE(admin, nullptr);
    DatabaseOperator op(*admin);
    while (!done.load() && kill_count.load() < kills) {
      // Only an insert inside its trigger's sleep (the process list shows
      // the trigger's statement; the other inserts wait for the MyISAM
      // table lock): its row is written, its reply not yet sent.
      absl::StatusOr<std::vector<Row>> victims = op.FetchAll(
          "SELECT id FROM information_schema.processlist WHERE user = "
          "'multirun' AND info LIKE 'SET @slow = SLEEP%'");
      ASSERT_TRUE(victims.ok()) << victims.status();
      if (!victims->empty()) {
        const int64_t id = *(*victims)[0].Get<int64_t>(0);
        // A victim that finished meanwhile is "Unknown thread id": fine.
        if (op.Execute(absl::StrCat("KILL CONNECTION ", id)).ok()) {
          kill_count.fetch_add(1);
          absl::SleepFor(absl::Milliseconds(30));  // let inserts progress
          continue;
        }
      }
      absl::SleepFor(absl::Milliseconds(2));  // polling the process list
    }
  });
  std::vector<InsertOutcomes> per(threads);
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const int64_t key = int64_t{t} * per_thread + i;
        int attempts_after_unknown = 0;
        bool last_unknown = false;
        absl::Status s = Retry(policy, [&]() -> absl::Status {
          if (last_unknown) ++attempts_after_unknown;
          absl::StatusOr<Lease> lease = pool.Acquire();
          if (!lease.ok()) return lease.status();
          absl::Status r = DatabaseOperator(**lease)
                               .Execute(insert, {key}, idempotency)
                               .status();
          last_unknown =
              r.message().find("outcome unknown") != absl::string_view::npos;
          return r;
        });
        per[t].retried_after_unknown += attempts_after_unknown;
        if (s.ok()) {
          ++per[t].ok;
        } else if (IsOutcomeUnknown(s)) {
          ++per[t].outcome_unknown;
          per[t].unknown_keys.push_back(key);
        } else {
          std::fprintf(stderr, "insert %lld: %s\n", static_cast<long long>(key),
                       s.ToString().c_str());
          ++per[t].other;
        }
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done.store(true);
  killer.join();
  *killed = kill_count.load();
  InsertOutcomes all;
  for (const InsertOutcomes& o : per) {
    all.ok += o.ok;
    all.outcome_unknown += o.outcome_unknown;
    all.other += o.other;
    all.retried_after_unknown += o.retried_after_unknown;
    all.unknown_keys.insert(all.unknown_keys.end(), o.unknown_keys.begin(),
                            o.unknown_keys.end());
  }
  return all;
}

// Rows per key.
std::map<int64_t, int64_t> RowsPerKey(const std::string& table) {
  std::map<int64_t, int64_t> rows;
  std::unique_ptr<MysqlConnection> c = Connect();
  EXPECT_NE(c, nullptr);
  if (c == nullptr) return rows;
  absl::StatusOr<std::vector<Row>> all = DatabaseOperator(*c).FetchAll(
      absl::StrCat("SELECT k, COUNT(*) FROM ", table, " GROUP BY k"));
  EXPECT_TRUE(all.ok()) << all.status();
  if (!all.ok()) return rows;
  for (const Row& r : *all) rows[*r.Get<int64_t>(0)] = *r.Get<int64_t>(1);
  return rows;
}

// Each table is MyISAM (no rollback) with a trigger that sleeps 40 ms after
// the row is written: a kill during the statement leaves the row in place
// and loses the reply, the case where a retry would apply a write twice.
void CreateSlowTable(const std::string& table, const std::string& key) {
  std::unique_ptr<MysqlConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  DatabaseOperator op(*c);
  ASSERT_TRUE(op.Execute(absl::StrCat("DROP TABLE IF EXISTS ", table)).ok());
  ASSERT_TRUE(op.Execute(absl::StrCat("CREATE TABLE ", table, " (", key,
                                      ") ENGINE=MyISAM"))
                  .ok());
  absl::Status s =
      op.Execute(absl::StrCat("CREATE TRIGGER ", table,
                              "_slow AFTER INSERT ON ", table,
                              " FOR EACH ROW SET @slow = SLEEP(0.04)"))
          .status();
  ASSERT_TRUE(s.ok()) << s;
}

TEST(FaultsTest, KilledInsertsAreNeverAppliedTwiceUnderRetry) {
  CreateSlowTable("kill_log",
                  "id BIGINT AUTO_INCREMENT PRIMARY KEY, k BIGINT NOT NULL, "
                  "KEY (k)");
  ConnectionPoolOptions o;
  o.name = "kill-log";
  o.max_size = 4;
  absl::StatusOr<std::shared_ptr<ConnectionPool>> pool =
      ConnectionPool::Create(MysqlConnection::Factory(TestDsn()), o);
  ASSERT_TRUE(pool.ok()) << pool.status();
  constexpr int kThreads = 4, kPerThread = 30, kKills = 12;
  int killed = 0;
  const InsertOutcomes out = InsertWhileKilling(
      **pool, "INSERT INTO kill_log (k) VALUES (?)",
      Idempotency::kNotIdempotent, kThreads, kPerThread, kKills, &killed);
  const std::map<int64_t, int64_t> rows = RowsPerKey("kill_log");
  int64_t total = 0, twice = 0, unknown_present = 0;
  for (const auto& [k, n] : rows) {
    total += n;
    if (n > 1) ++twice;
  }
  for (int64_t k : out.unknown_keys) {
    if (rows.count(k) != 0) ++unknown_present;
  }
  std::printf(
      "non-idempotent: %d kills, %d inserts OK, %d outcome unknown (%lld of "
      "them in the table), %d other failures, %lld rows, %lld keys twice\n",
      killed, out.ok, out.outcome_unknown,
      static_cast<long long>(unknown_present), out.other,
      static_cast<long long>(total), static_cast<long long>(twice));
  EXPECT_GE(killed, 1);
  EXPECT_EQ(twice, 0);
  EXPECT_EQ(out.retried_after_unknown, 0);
  EXPECT_EQ(out.other, 0);
  EXPECT_EQ(out.ok + out.outcome_unknown, kThreads * kPerThread);
  // Every kill landed in an insert: each is an unknown outcome, none retried.
  EXPECT_GE(out.outcome_unknown, 1);
  // And the server had applied some: a retry would have written them twice.
  EXPECT_GE(unknown_present, 1);
  // Every insert reported OK is there exactly once.
  EXPECT_EQ(total, out.ok + unknown_present);
}

TEST(FaultsTest, KilledIdempotentInsertsAreRetried) {
  CreateSlowTable("kill_set", "k BIGINT PRIMARY KEY");
  ConnectionPoolOptions o;
  o.name = "kill-set";
  o.max_size = 4;
  absl::StatusOr<std::shared_ptr<ConnectionPool>> pool =
      ConnectionPool::Create(MysqlConnection::Factory(TestDsn()), o);
  ASSERT_TRUE(pool.ok()) << pool.status();
  constexpr int kThreads = 4, kPerThread = 30, kKills = 12;
  int killed = 0;
  const InsertOutcomes out = InsertWhileKilling(
      **pool,
      "INSERT INTO kill_set (k) VALUES (?) ON DUPLICATE KEY UPDATE k = k",
      Idempotency::kIdempotent, kThreads, kPerThread, kKills, &killed);
  const std::map<int64_t, int64_t> rows = RowsPerKey("kill_set");
  std::printf(
      "idempotent: %d kills, %d inserts OK, %d retries after a lost write, "
      "%d failed, %zu keys in the table\n",
      killed, out.ok, out.retried_after_unknown,
      out.outcome_unknown + out.other, rows.size());
  EXPECT_GE(killed, 1);
  EXPECT_EQ(out.ok, kThreads * kPerThread);
  EXPECT_EQ(out.outcome_unknown + out.other, 0);
  EXPECT_GE(out.retried_after_unknown, 1);
  EXPECT_EQ(rows.size(), size_t{kThreads * kPerThread});
  for (const auto& [k, n] : rows) EXPECT_EQ(n, 1) << "key " << k;
}

TEST(FaultsTest, FastRestartUnderAnIdlePoolCostsNoCallerAnError) {
  // Its own server: restarting the shared one would disturb other tests.
  absl::StatusOr<std::unique_ptr<mysql_testing::PrivateServer>> server =
      mysql_testing::PrivateServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<MysqlDsn> dsn = MysqlDsn::Parse((*server)->Dsn());
  ASSERT_TRUE(dsn.ok());
  {
    std::unique_ptr<MysqlConnection> c = Connect(*dsn);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(
        DatabaseOperator(*c).Execute("CREATE TABLE restart_t (k BIGINT)").ok());
  }
  ConnectionPoolOptions o;
  o.name = "restart";
  o.max_size = 4;
  o.min_idle = 4;
  // No ping by idle time: far stricter than a restart inside the default
  // 500 ms window.
  o.validation_threshold = absl::Hours(1);
  absl::StatusOr<std::shared_ptr<ConnectionPool>> pool =
      ConnectionPool::Create(MysqlConnection::Factory(*dsn), o);
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_EQ((*pool)->stats().idle, 4);
  absl::StatusOr<std::shared_ptr<dao::SingleConnection>> single =
      dao::SingleConnection::Create(MysqlConnection::Factory(*dsn));
  ASSERT_TRUE(single.ok()) << single.status();

  const absl::Time start = absl::Now();
  ASSERT_TRUE((*server)->Restart().ok());
  std::printf("server stopped and answering again in %s\n",
              absl::FormatDuration(absl::Now() - start).c_str());

  // Four callers at once: every idle connection is handed out, the bottom
  // of the stack included.
  std::atomic<int> errors{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] {
      absl::StatusOr<Lease> lease = (*pool)->AcquireFor(absl::Seconds(30));
      absl::Status s = lease.status();
      if (s.ok()) {
        s = DatabaseOperator(**lease)
                .Execute("INSERT INTO restart_t (k) VALUES (?)", {i})
                .status();
      }
      if (!s.ok()) {
        std::fprintf(stderr, "caller %d: %s\n", i, s.ToString().c_str());
        errors.fetch_add(1);
      }
    });
  }
  for (std::thread& c : callers) c.join();
  // The single connection notices on Acquire, not on its caller's statement.
  absl::StatusOr<Lease> l = (*single)->Acquire();
  ASSERT_TRUE(l.ok()) << l.status();
  absl::Status s = DatabaseOperator(**l)
                       .Execute("INSERT INTO restart_t (k) VALUES (?)", {4})
                       .status();
  if (!s.ok()) errors.fetch_add(1);
  EXPECT_TRUE(s.ok()) << s;
  l->Release();
  const dao::ConnectionPoolStats stats = (*pool)->stats();
  std::printf(
      "after the restart: %d caller errors; pool: %llu validation failures, "
      "%llu created, %llu destroyed; single connection opened %llu times\n",
      errors.load(), static_cast<unsigned long long>(stats.validation_failures),
      static_cast<unsigned long long>(stats.created),
      static_cast<unsigned long long>(stats.destroyed),
      static_cast<unsigned long long>((*single)->connects()));
  EXPECT_EQ(errors.load(), 0);
  // Every connection of before the restart was caught before use (a caller
  // that finished early may have handed its new one to another).
  EXPECT_EQ(stats.validation_failures, 4u);
  EXPECT_EQ(stats.destroyed, 4u);
  EXPECT_EQ((*single)->connects(), 2u);
  std::unique_ptr<MysqlConnection> c = Connect(*dsn);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(CountRows(*c, "SELECT COUNT(*) FROM restart_t"), 5);
}

TEST(FaultsTest, CommitOnAKilledConnectionIsAborted) {
  std::unique_ptr<MysqlConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  DatabaseOperator op(*c);
  ASSERT_TRUE(op.Execute("DROP TABLE IF EXISTS lost_commit_t").ok());
  ASSERT_TRUE(
      op.Execute("CREATE TABLE lost_commit_t (k BIGINT) ENGINE=InnoDB").ok());
  ASSERT_TRUE(c->SetAutocommit(false).ok());
  ASSERT_TRUE(op.Execute("INSERT INTO lost_commit_t (k) VALUES (?)", {1}).ok());
  Kill(c->thread_id());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (c->CheckAlive() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(c->IsBroken());
  // Nothing is sent; the server rolled the transaction back with the session.
  absl::Status s = c->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_NE(s.message().find("rolled back"), std::string::npos) << s;
  EXPECT_FALSE(IsOutcomeUnknown(s)) << s;
  // A statement on the lost connection is refused the same way.
  absl::StatusOr<dao::ExecResult> r =
      op.Execute("INSERT INTO lost_commit_t (k) VALUES (?)", {2});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("not executed"), std::string::npos)
      << r.status();
  std::unique_ptr<MysqlConnection> other = Connect();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(CountRows(*other, "SELECT COUNT(*) FROM lost_commit_t"), 0);
}

TEST(FaultsTest, ExecuteManyFailingAfterAppliedRowsIsOutcomeUnknown) {
  std::unique_ptr<MysqlConnection> c = Connect();
  std::unique_ptr<MysqlConnection> locker = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_NE(locker, nullptr);
  DatabaseOperator op(*c);
  ASSERT_TRUE(op.Execute("DROP TABLE IF EXISTS partial_t").ok());
  ASSERT_TRUE(
      op.Execute("CREATE TABLE partial_t (k BIGINT PRIMARY KEY) ENGINE=InnoDB")
          .ok());
  ASSERT_TRUE(op.Execute("SET SESSION innodb_lock_wait_timeout = 1").ok());
  // Another session holds the lock on k = 3, uncommitted.
  DatabaseOperator lock_op(*locker);
  ASSERT_TRUE(locker->Begin().ok());
  ASSERT_TRUE(
      lock_op.Execute("INSERT INTO partial_t (k) VALUES (?)", {3}).ok());
  // Mixed parameter types: one execution per row, under autocommit, so rows
  // 1 and 2 are committed before row 3 times out on the lock.
  const std::vector<std::vector<dao::Value>> rows = {
      {int64_t{1}}, {int64_t{2}}, {std::string("3")}, {int64_t{4}}};
  absl::StatusOr<dao::ExecResult> r =
      op.ExecuteMany("INSERT INTO partial_t (k) VALUES (?)", rows);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(IsOutcomeUnknown(r.status())) << r.status();
  EXPECT_FALSE(RetryPolicy().IsRetryable(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("2 rows of the call were applied"),
            std::string::npos)
      << r.status();
  ASSERT_TRUE(locker->Rollback().ok());
  EXPECT_EQ(CountRows(*locker, "SELECT COUNT(*) FROM partial_t"), 2);
  // Any error after applied rows is marked, unless the caller says the
  // statement is idempotent.
  const std::string insert = "INSERT INTO partial_t (k) VALUES (?)";
  r = op.ExecuteMany(insert, {{int64_t{5}}, {std::string("1")}});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
  EXPECT_TRUE(IsOutcomeUnknown(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("1 rows of the call were applied"),
            std::string::npos)
      << r.status();
  r = op.ExecuteMany(insert, {{int64_t{6}}, {std::string("1")}},
                     Idempotency::kIdempotent);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
  EXPECT_FALSE(IsOutcomeUnknown(r.status())) << r.status();
}

}  // namespace
}  // namespace mysql
}  // namespace multirun
