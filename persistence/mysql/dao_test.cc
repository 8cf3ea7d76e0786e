// Copyright 2026 The multirun Authors.
//
// The Dao base class against a real MariaDB: a subclass that supplies its
// strategy (SingleConnection or ConnectionPool) and its queries, used from
// one and from many threads; InTransaction commits on success and rolls back
// on failure (a failed status, a failed statement mid-way).

#include "multirun/persistence/dao/dao.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/connection_pool.h"
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
using dao::ConnectionStrategy;
using dao::DatabaseOperator;
using dao::Row;
using dao::SingleConnection;
using mysql_testing::TestDsn;

// A DAO over one table of accounts, the way an application writes one.
class AccountDao : public dao::Dao {
 public:
  AccountDao(std::shared_ptr<ConnectionStrategy> strategy, std::string table)
      : Dao(std::move(strategy)), table_(std::move(table)) {}

  absl::Status CreateTable() {
    return WithOperator([&](DatabaseOperator& op) -> absl::Status {
      if (absl::Status s =
              op.Execute(absl::StrCat("DROP TABLE IF EXISTS ", table_))
                  .status();
          !s.ok()) {
        return s;
      }
      return op
          .Execute(absl::StrCat(
              "CREATE TABLE ", table_,
              " (id BIGINT PRIMARY KEY, owner VARCHAR(64) NOT NULL, "
              "balance BIGINT NOT NULL) ENGINE=InnoDB"))
          .status();
    });
  }

  absl::StatusOr<uint64_t> Open(int64_t id, std::string owner,
                                int64_t balance) {
    return WithOperator([&](DatabaseOperator& op) -> absl::StatusOr<uint64_t> {
      absl::StatusOr<dao::ExecResult> r =
          op.Execute(absl::StrCat("INSERT INTO ", table_,
                                  " (id, owner, balance) VALUES (?, ?, ?)"),
                     {id, owner, balance});
      if (!r.ok()) return r.status();
      return r->affected_rows;
    });
  }

  absl::StatusOr<std::optional<int64_t>> Balance(int64_t id) {
    return WithOperator(
        [&](DatabaseOperator& op) -> absl::StatusOr<std::optional<int64_t>> {
          absl::StatusOr<std::optional<Row>> row = op.FetchOne(
              absl::StrCat("SELECT balance FROM ", table_, " WHERE id = ?"),
              {id});
          if (!row.ok()) return row.status();
          if (!row->has_value()) return std::nullopt;
          absl::StatusOr<int64_t> b = (**row).Get<int64_t>(0);
          if (!b.ok()) return b.status();
          return *b;
        });
  }

  absl::StatusOr<std::vector<std::string>> Owners() {
    return WithOperator(
        [&](DatabaseOperator& op) -> absl::StatusOr<std::vector<std::string>> {
          absl::StatusOr<std::vector<Row>> rows = op.FetchAll(
              absl::StrCat("SELECT owner FROM ", table_, " ORDER BY id"));
          if (!rows.ok()) return rows.status();
          std::vector<std::string> owners;
          for (const Row& row : *rows) {
            absl::StatusOr<std::string> o = row.Get<std::string>(0);
            if (!o.ok()) return o.status();
            owners.push_back(*o);
          }
          return owners;
        });
  }

  absl::StatusOr<int64_t> Count() {
    return WithOperator([&](DatabaseOperator& op) -> absl::StatusOr<int64_t> {
      absl::StatusOr<std::optional<Row>> row =
          op.FetchOne(absl::StrCat("SELECT COUNT(*) FROM ", table_));
      if (!row.ok()) return row.status();
      return (**row).Get<int64_t>(0);
    });
  }

  // Moves `amount` in one transaction. FailedPrecondition (and nothing
  // moved) when `from` would go negative; the server's error (and nothing
  // moved) when a statement fails.
  absl::Status Transfer(int64_t from, int64_t to, int64_t amount) {
    return InTransaction([&](DatabaseOperator& op) -> absl::Status {
      absl::StatusOr<dao::ExecResult> debit =
          op.Execute(absl::StrCat("UPDATE ", table_,
                                  " SET balance = balance - ? WHERE id = ?"),
                     {amount, from});
      if (!debit.ok()) return debit.status();
      if (debit->affected_rows != 1) {
        return absl::NotFoundError(absl::StrCat("no account ", from));
      }
      absl::StatusOr<std::optional<Row>> left = op.FetchOne(
          absl::StrCat("SELECT balance FROM ", table_, " WHERE id = ?"),
          {from});
      if (!left.ok()) return left.status();
      if (*(**left).Get<int64_t>(0) < 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("account ", from, " would go below zero"));
      }
      absl::StatusOr<dao::ExecResult> credit =
          op.Execute(absl::StrCat("UPDATE ", table_,
                                  " SET balance = balance + ? WHERE id = ?"),
                     {amount, to});
      if (!credit.ok()) return credit.status();
      if (credit->affected_rows != 1) {
        return absl::NotFoundError(absl::StrCat("no account ", to));
      }
      return absl::OkStatus();
    });
  }

  // Opens every account in one transaction: all or none.
  absl::StatusOr<int64_t> OpenAll(const std::vector<int64_t>& ids) {
    return InTransaction([&](DatabaseOperator& op) -> absl::StatusOr<int64_t> {
      int64_t opened = 0;
      for (int64_t id : ids) {
        absl::StatusOr<dao::ExecResult> r =
            op.Execute(absl::StrCat("INSERT INTO ", table_,
                                    " (id, owner, balance) VALUES (?, ?, 0)"),
                       {id, absl::StrCat("bulk-", id)});
        if (!r.ok()) return r.status();
        opened += static_cast<int64_t>(r->affected_rows);
      }
      return opened;
    });
  }

 private:
  const std::string table_;
};

enum class Kind { kSingle, kPool };

std::shared_ptr<ConnectionStrategy> MakeStrategy(Kind kind) {
  if (kind == Kind::kSingle) {
    absl::StatusOr<std::shared_ptr<SingleConnection>> s =
        SingleConnection::Create(MysqlConnection::Factory(TestDsn()));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : nullptr;
  }
  ConnectionPoolOptions o;
  o.name = "dao-test";
  o.max_size = 3;
  absl::StatusOr<std::shared_ptr<ConnectionPool>> p =
      ConnectionPool::Create(MysqlConnection::Factory(TestDsn()), o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : nullptr;
}

class DaoTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    strategy_ = MakeStrategy(GetParam());
    ASSERT_NE(strategy_, nullptr);
    const std::string table = GetParam() == Kind::kSingle
                                  ? "dao_accounts_single"
                                  : "dao_accounts_pool";
    dao_ = std::make_unique<AccountDao>(strategy_, table);
    ASSERT_TRUE(dao_->CreateTable().ok());
    ASSERT_EQ(*dao_->Open(1, "ann", 100), 1u);
    ASSERT_EQ(*dao_->Open(2, "bob", 50), 1u);
  }

  std::shared_ptr<ConnectionStrategy> strategy_;
  std::unique_ptr<AccountDao> dao_;
};

TEST_P(DaoTest, QueriesReadWhatWasWritten) {
  EXPECT_EQ(&dao_->strategy(), strategy_.get());
  absl::StatusOr<std::vector<std::string>> owners = dao_->Owners();
  ASSERT_TRUE(owners.ok()) << owners.status();
  EXPECT_EQ(*owners, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(*dao_->Balance(1), std::optional<int64_t>(100));
  EXPECT_EQ(*dao_->Balance(3), std::nullopt);
}

TEST_P(DaoTest, DuplicateKeyIsTheServersError) {
  absl::StatusOr<uint64_t> again = dao_->Open(1, "eve", 0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists)
      << again.status();
  EXPECT_EQ(*dao_->Count(), 2);
}

TEST_P(DaoTest, InTransactionCommitsOnSuccess) {
  ASSERT_TRUE(dao_->Transfer(1, 2, 30).ok());
  EXPECT_EQ(*dao_->Balance(1), std::optional<int64_t>(70));
  EXPECT_EQ(*dao_->Balance(2), std::optional<int64_t>(80));
  // Committed for good: a connection of its own sees it too.
  auto other = MysqlConnection::Connect(TestDsn());
  ASSERT_TRUE(other.ok()) << other.status();
  auto r = DatabaseOperator(**other).FetchOne(absl::StrCat(
      "SELECT balance FROM ",
      GetParam() == Kind::kSingle ? "dao_accounts_single" : "dao_accounts_pool",
      " WHERE id = 1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*(**r).Get<int64_t>(0), 70);
}

TEST_P(DaoTest, InTransactionRollsBackAFailedStatus) {
  absl::Status s = dao_->Transfer(2, 1, 51);  // bob has 50
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("account 2"), std::string::npos);
  // The debit that ran inside the transaction was rolled back.
  EXPECT_EQ(*dao_->Balance(2), std::optional<int64_t>(50));
  EXPECT_EQ(*dao_->Balance(1), std::optional<int64_t>(100));
  // The credit side missing: also all-or-nothing.
  s = dao_->Transfer(1, 99, 10);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(*dao_->Balance(1), std::optional<int64_t>(100));
}

TEST_P(DaoTest, InTransactionRollsBackAFailedStatement) {
  // The third insert hits the existing id 1: the first two are undone.
  absl::StatusOr<int64_t> opened = dao_->OpenAll({10, 11, 1, 12});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kAlreadyExists)
      << opened.status();
  EXPECT_EQ(*dao_->Count(), 2);
  EXPECT_EQ(*dao_->Balance(10), std::nullopt);
  // The same connection(s) work afterwards, and commit a good batch.
  opened = dao_->OpenAll({10, 11, 12});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, 3);
  EXPECT_EQ(*dao_->Count(), 5);
}

TEST_P(DaoTest, OneDaoServesManyThreads) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int64_t id = 1000 + t * kPerThread + i;
        absl::StatusOr<uint64_t> r =
            dao_->Open(id, absl::StrCat("t", t, "-", i), 10);
        if (!r.ok() || *r != 1) failures.fetch_add(1);
        // Move 1 from the new account to bob: every transfer must commit.
        if (!dao_->Transfer(id, 2, 1).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*dao_->Count(), 2 + kThreads * kPerThread);
  // Every transfer landed exactly once.
  EXPECT_EQ(*dao_->Balance(2),
            std::optional<int64_t>(50 + kThreads * kPerThread));
  EXPECT_EQ(*dao_->Balance(1000), std::optional<int64_t>(9));
}

TEST_P(DaoTest, ClosedStrategyFailsEveryCall) {
  ASSERT_TRUE(strategy_->Close().ok());
  EXPECT_EQ(dao_->Count().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(dao_->Transfer(1, 2, 1).code(),
            absl::StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Strategies, DaoTest,
                         ::testing::Values(Kind::kSingle, Kind::kPool),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           return info.param == Kind::kSingle
                                      ? std::string("SingleConnection")
                                      : std::string("ConnectionPool");
                         });

}  // namespace
}  // namespace mysql
}  // namespace multirun
