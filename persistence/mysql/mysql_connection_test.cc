// Copyright 2026 The multirun Authors.
//
// MysqlConnection, DatabaseOperator and Transaction against a real MariaDB
// (a private server per test binary, or $MULTIRUN_MYSQL_DSN).

#include "multirun/persistence/mysql/mysql_connection.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/transaction.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/testing/private_server.h"
#include "multirun/retry/outcome_unknown.h"

namespace multirun {
namespace mysql {
namespace {

using dao::Bytes;
using dao::DatabaseOperator;
using dao::DateTime;
using dao::Row;
using dao::Value;

std::unique_ptr<MysqlConnection> Connect() {
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
      MysqlConnection::Connect(mysql_testing::TestDsn());
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

class MysqlConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = Connect();
    ASSERT_NE(conn_, nullptr);
    DatabaseOperator op(*conn_);
    ASSERT_TRUE(op.Execute("DROP TABLE IF EXISTS items").ok());
    ASSERT_TRUE(op.Execute("CREATE TABLE items (id BIGINT AUTO_INCREMENT "
                           "PRIMARY KEY, name VARCHAR(200) UNIQUE, qty INT, "
                           "big BIGINT UNSIGNED, price DOUBLE, data BLOB, "
                           "at DATETIME(6), note MEDIUMTEXT) ENGINE=InnoDB "
                           "DEFAULT CHARSET=utf8mb4")
                    .ok());
  }
  std::unique_ptr<MysqlConnection> conn_;
};

TEST_F(MysqlConnectionTest, ExecuteReturnsAffectedRowsAndInsertId) {
  DatabaseOperator op(*conn_);
  absl::StatusOr<dao::ExecResult> a =
      op.Execute("INSERT INTO items(name, qty) VALUES (?, ?)", {"a", 1});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->affected_rows, 1u);
  absl::StatusOr<dao::ExecResult> b =
      op.Execute("INSERT INTO items(name, qty) VALUES (?, ?)", {"b", 2});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->last_insert_id, a->last_insert_id + 1);
  absl::StatusOr<dao::ExecResult> u =
      op.Execute("UPDATE items SET qty = qty + ? WHERE qty >= ?", {10, 1});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->affected_rows, 2u);
}

TEST_F(MysqlConnectionTest, TypedParametersRoundTrip) {
  DatabaseOperator op(*conn_);
  const DateTime at{2024, 2, 29, 23, 59, 58, 123456};
  const std::string blob("\0\x01\xff'\"\\%_\n", 10);
  ASSERT_TRUE(op.Execute("INSERT INTO items(name, qty, big, price, data, at, "
                         "note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         {"typed", -5, uint64_t{18446744073709551615u}, 2.5,
                          Bytes{blob}, at, nullptr})
                  .ok());
  absl::StatusOr<std::optional<Row>> row = op.FetchOne(
      "SELECT name, qty, big, price, data, at, note FROM items WHERE name = ?",
      {"typed"});
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  const Row& r = **row;
  EXPECT_EQ(*r.Get<std::string>("name"), "typed");
  EXPECT_EQ(*r.Get<int64_t>("qty"), -5);
  EXPECT_EQ(*r.Get<uint64_t>("big"), 18446744073709551615u);
  EXPECT_EQ(*r.Get<double>(3), 2.5);
  EXPECT_EQ(r.Get<Bytes>("data")->data, blob);
  EXPECT_EQ(r[4].type(), Value::Type::kBytes);
  EXPECT_EQ(*r.Get<DateTime>("at"), at);
  EXPECT_EQ(*r.Get<std::optional<std::string>>("note"), std::nullopt);
}

TEST_F(MysqlConnectionTest, InjectionStringsAndBinaryAreStoredVerbatim) {
  DatabaseOperator op(*conn_);
  const std::vector<std::string> nasty = {"'; DROP TABLE items; --",
                                          "\" OR 1=1 --",
                                          "Robert'); DELETE FROM items;",
                                          std::string("nul\0byte", 8),
                                          "\\' \\\\ %s %d ?",
                                          "ünïcödé ✓ 🚀"};
  for (size_t i = 0; i < nasty.size(); ++i) {
    ASSERT_TRUE(
        op.Execute("INSERT INTO items(name, note, data) VALUES (?, ?, ?)",
                   {absl::StrCat("n", i), nasty[i], Bytes{nasty[i]}})
            .ok());
  }
  absl::StatusOr<std::vector<Row>> rows =
      op.FetchAll("SELECT note, data FROM items ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), nasty.size());  // the table survived
  for (size_t i = 0; i < nasty.size(); ++i) {
    EXPECT_EQ(*(*rows)[i].Get<std::string>("note"), nasty[i]);
    EXPECT_EQ((*rows)[i].Get<Bytes>("data")->data, nasty[i]);
  }
  absl::StatusOr<std::vector<Row>> none =
      op.FetchAll("SELECT id FROM items WHERE name = ?", {"' OR '1'='1"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(MysqlConnectionTest, LargeValuesAreFetchedWhole) {
  DatabaseOperator op(*conn_);
  std::string big(100000, 'x');
  big[500] = 'y';
  ASSERT_TRUE(op.Execute("INSERT INTO items(name, note) VALUES (?, ?), (?, ?)",
                         {"big", big, "small", "s"})
                  .ok());
  absl::StatusOr<std::vector<Row>> rows =
      op.FetchAll("SELECT note FROM items ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(*(*rows)[0].Get<std::string>(0), big);
  EXPECT_EQ(*(*rows)[1].Get<std::string>(0), "s");
}

TEST_F(MysqlConnectionTest, FetchManyStreamAndExecuteMany) {
  DatabaseOperator op(*conn_);
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 12000; ++i) {
    rows.push_back(
        {absl::StrCat("row", i), i, i % 3 == 0 ? Value() : Value(i * 0.5)});
  }
  absl::StatusOr<dao::ExecResult> many = op.ExecuteMany(
      "INSERT INTO items(name, qty, price) VALUES (?, ?, ?)", rows);
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ(many->affected_rows, 12000u);
  absl::StatusOr<std::vector<Row>> five =
      op.FetchMany("SELECT qty FROM items ORDER BY qty", {}, 5);
  ASSERT_TRUE(five.ok());
  ASSERT_EQ(five->size(), 5u);
  EXPECT_EQ(*(*five)[4].Get<int64_t>(0), 4);
  absl::StatusOr<dao::RowStream> stream =
      op.Query("SELECT qty, price FROM items WHERE qty >= ? ORDER BY qty", {0});
  ASSERT_TRUE(stream.ok()) << stream.status();
  int64_t expected = 0, nulls = 0;
  for (const Row& row : *stream) {
    EXPECT_EQ(*row.Get<int64_t>("qty"), expected);
    if (row[1].is_null()) ++nulls;
    ++expected;
  }
  EXPECT_TRUE(stream->status().ok()) << stream->status();
  EXPECT_EQ(expected, 12000);
  EXPECT_EQ(nulls, 4000);
}

TEST_F(MysqlConnectionTest, NextStatementDiscardsAnOpenStream) {
  DatabaseOperator op(*conn_);
  ASSERT_TRUE(
      op.ExecuteMany("INSERT INTO items(qty) VALUES (?)", {{1}, {2}, {3}})
          .ok());
  absl::StatusOr<dao::RowStream> stream = op.Query("SELECT qty FROM items");
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(stream->FetchOne().ok());
  absl::StatusOr<std::optional<Row>> count =
      op.FetchOne("SELECT COUNT(*) FROM items");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*(**count).Get<int64_t>(0), 3);
  EXPECT_EQ(stream->FetchOne().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MysqlConnectionTest, ServerErrorsMapToCodesWithNumberAndSqlState) {
  DatabaseOperator op(*conn_);
  ASSERT_TRUE(op.Execute("INSERT INTO items(name) VALUES (?)", {"dup"}).ok());
  absl::Status dup =
      op.Execute("INSERT INTO items(name) VALUES (?)", {"dup"}).status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("MySQL error 1062 (23000)"), std::string::npos)
      << dup;
  absl::Status syntax = op.Execute("SELEC 1").status();
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.message().find("1064 (42000)"), std::string::npos) << syntax;
  absl::Status missing = op.FetchAll("SELECT * FROM no_such_table").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  absl::Status count =
      op.Execute("INSERT INTO items(name, qty) VALUES (?, ?)", {"x"}).status();
  EXPECT_EQ(count.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(count.message().find("2 placeholders but 1"), std::string::npos)
      << count;
  absl::Status many_count =
      op.ExecuteMany("INSERT INTO items(name) VALUES (?)", {{"a"}, {"b", 1}})
          .status();
  EXPECT_EQ(many_count.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(many_count.message().find("in row 1"), std::string::npos);
  EXPECT_EQ(
      op.ExecuteMany("INSERT INTO items(name) VALUES (?)", {}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(conn_->IsBroken());  // none of these lose the session
  EXPECT_TRUE(op.FetchOne("SELECT 1").ok());
}

TEST_F(MysqlConnectionTest, TransactionFailingHalfWayCommitsNothing) {
  DatabaseOperator op(*conn_);
  ASSERT_TRUE(
      op.Execute("INSERT INTO items(name, qty) VALUES ('taken', 0)").ok());
  {
    absl::StatusOr<dao::Transaction> tx = dao::Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok()) << tx.status();
    ASSERT_TRUE(
        op.Execute("INSERT INTO items(name) VALUES (?)", {"first"}).ok());
    ASSERT_TRUE(op.Execute("UPDATE items SET qty = 99").ok());
    // Half-way: a duplicate key fails; the transaction goes out of scope.
    EXPECT_EQ(op.Execute("INSERT INTO items(name) VALUES (?)", {"taken"})
                  .status()
                  .code(),
              absl::StatusCode::kAlreadyExists);
  }
  absl::StatusOr<std::vector<Row>> rows =
      op.FetchAll("SELECT name, qty FROM items");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(*(*rows)[0].Get<int64_t>("qty"), 0);

  absl::StatusOr<dao::Transaction> tx = dao::Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(op.Execute("INSERT INTO items(name) VALUES (?)", {"kept"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(tx->Commit().code(), absl::StatusCode::kFailedPrecondition);
  auto other = Connect();  // another session sees the commit
  absl::StatusOr<std::optional<Row>> n = DatabaseOperator(*other).FetchOne(
      "SELECT COUNT(*) FROM items WHERE name = ?", {"kept"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*(**n).Get<int64_t>(0), 1);
}

// Under snapshot isolation (MariaDB's default from 11.6 on), a transaction
// that writes a row another session changed after its snapshot fails with
// error 1020: a conflict a retry of the whole transaction resolves, so
// Aborted, as a deadlock is.
TEST_F(MysqlConnectionTest, SnapshotWriteConflictIsAborted) {
  DatabaseOperator op(*conn_);
  ASSERT_TRUE(op.Execute("INSERT INTO items(name, qty) VALUES ('c', 1)").ok());
  absl::Status snapshot =
      op.Execute("SET SESSION innodb_snapshot_isolation = ON").status();
  if (snapshot.message().find("MySQL error 1193") != absl::string_view::npos) {
    // A server without the variable ($MULTIRUN_MYSQL_DSN: MySQL, or an older
    // MariaDB); the private server has it.
    GTEST_SKIP() << snapshot;
  }
  ASSERT_TRUE(snapshot.ok()) << snapshot;
  absl::StatusOr<dao::Transaction> tx = dao::Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok()) << tx.status();
  ASSERT_TRUE(op.FetchOne("SELECT qty FROM items WHERE name = 'c'").ok());
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(DatabaseOperator(*other)
                  .Execute("UPDATE items SET qty = 2 WHERE name = 'c'")
                  .ok());
  absl::Status conflict =
      op.Execute("UPDATE items SET qty = qty + 10 WHERE name = 'c'").status();
  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted) << conflict;
  EXPECT_NE(conflict.message().find("MySQL error 1020"), std::string::npos)
      << conflict;
  EXPECT_FALSE(IsOutcomeUnknown(conflict)) << conflict;
  EXPECT_FALSE(conn_->IsBroken());
}

// In a forked child, the parent's connection is abandoned: every statement
// is FailedPrecondition (not a retryable Unavailable), and the parent's
// session lives on.
TEST_F(MysqlConnectionTest, AbandonedInAChildRefusesEveryStatement) {
  const uint64_t id = conn_->thread_id();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    conn_->AbandonAfterFork();
    int wrong = 0;
    auto refused = [&wrong](const absl::Status& s) {
      if (s.code() != absl::StatusCode::kFailedPrecondition ||
          s.message().find("belongs to the parent process") ==
              absl::string_view::npos) {
        ++wrong;
      }
    };
    refused(conn_->Begin());
    refused(conn_->Execute("INSERT INTO items(name) VALUES ('child')", {})
                .status());
    refused(conn_->Query("SELECT 1", {}).status());
    refused(conn_->Commit());
    _exit(wrong);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "statements not refused in the child";
  DatabaseOperator op(*conn_);
  absl::StatusOr<std::optional<Row>> r = op.FetchOne("SELECT CONNECTION_ID()");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(static_cast<uint64_t>(*(**r).Get<int64_t>(0)), id);
  absl::StatusOr<std::optional<Row>> n =
      op.FetchOne("SELECT COUNT(*) FROM items WHERE name = 'child'");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*(**n).Get<int64_t>(0), 0);
}

TEST(MysqlConnectTest, WrongPasswordIsPermissionDeniedWithServerMessage) {
  MysqlDsn dsn = mysql_testing::TestDsn();
  dsn.password = "definitely-wrong";
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
      MysqlConnection::Connect(dsn);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(c.status().message().find("1045 (28000)"), std::string::npos)
      << c.status();
  EXPECT_NE(c.status().message().find("Access denied"), std::string::npos);
  EXPECT_EQ(c.status().message().find("definitely-wrong"), std::string::npos);
}

TEST(MysqlConnectTest, NoServerIsUnavailable) {
  absl::StatusOr<MysqlDsn> dsn =
      MysqlDsn::Parse("mysql+unix://u:p@/nonexistent/dir/mysql.sock/db");
  ASSERT_TRUE(dsn.ok());
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
      MysqlConnection::Connect(*dsn);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable) << c.status();
}

}  // namespace
}  // namespace mysql
}  // namespace multirun
