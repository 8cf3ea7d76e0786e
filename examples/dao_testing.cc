// Copyright 2026 The multirun Authors.
//
// MultiRunnable's TestingDao example on multirun::dao.
//
// In the reference, `TestingDao(BaseDao)` picks its connection strategy —
// one connection or a pool — from one setting, and `get_test_data` runs a
// SELECT through the database operator while several workers call it. Here
// the strategy is chosen by the one argument (`single` or `pool`, also
// accepted as `--strategy=single|pool`); the DAO creates its table, inserts
// the test data in one transaction (ExecuteMany), and 4 worker threads read
// it back, each row by primary key and the whole table at once. The example
// checks every value it reads and exits non-zero on any mismatch.
//
// It starts its own private MariaDB (testonly, persistence/mysql/testing),
// or uses the server in $MULTIRUN_MYSQL_DSN.
//
// Usage: dao_testing single|pool

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "multirun/persistence/dao/connection_pool.h"
#include "multirun/persistence/dao/connection_strategy.h"
#include "multirun/persistence/dao/dao.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/row.h"
#include "multirun/persistence/dao/single_connection.h"
#include "multirun/persistence/dao/value.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"

namespace {

using multirun::dao::ConnectionStrategy;
using multirun::dao::DatabaseOperator;
using multirun::dao::Row;
using multirun::dao::Value;

constexpr int kRows = 200;
constexpr int kWorkers = 4;

// The reference's test data: (id, name, score).
std::string NameOf(int64_t id) { return absl::StrCat("test-", id); }
int64_t ScoreOf(int64_t id) { return id * 7 % 101; }

struct TestData {
  int64_t id;
  std::string name;
  int64_t score;
};

absl::StatusOr<TestData> ToTestData(const Row& row) {
  absl::StatusOr<int64_t> id = row.Get<int64_t>("id");
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> name = row.Get<std::string>("name");
  if (!name.ok()) return name.status();
  absl::StatusOr<int64_t> score = row.Get<int64_t>("score");
  if (!score.ok()) return score.status();
  return TestData{*id, *std::move(name), *score};
}

// MultiRunnable's TestingDao: its strategy is given, its queries are its
// methods.
class TestingDao : public multirun::dao::Dao {
 public:
  using Dao::Dao;

  absl::Status CreateTable() {
    return WithOperator([](DatabaseOperator& op) -> absl::Status {
      if (absl::Status s =
              op.Execute("DROP TABLE IF EXISTS testing_data").status();
          !s.ok()) {
        return s;
      }
      return op
          .Execute(
              "CREATE TABLE testing_data (id BIGINT PRIMARY KEY, "
              "name VARCHAR(64) NOT NULL, score BIGINT NOT NULL)")
          .status();
    });
  }

  // All rows or none.
  absl::StatusOr<uint64_t> InsertTestData(int rows) {
    std::vector<std::vector<Value>> params;
    for (int64_t id = 1; id <= rows; ++id) {
      params.push_back({id, NameOf(id), ScoreOf(id)});
    }
    return InTransaction([&](DatabaseOperator& op) -> absl::StatusOr<uint64_t> {
      absl::StatusOr<multirun::dao::ExecResult> r = op.ExecuteMany(
          "INSERT INTO testing_data (id, name, score) VALUES (?, ?, ?)",
          params);
      if (!r.ok()) return r.status();
      return r->affected_rows;
    });
  }

  // The reference's get_test_data: one row by key.
  absl::StatusOr<std::optional<TestData>> GetTestData(int64_t id) {
    return WithOperator(
        [id](DatabaseOperator& op) -> absl::StatusOr<std::optional<TestData>> {
          absl::StatusOr<std::optional<Row>> row = op.FetchOne(
              "SELECT id, name, score FROM testing_data WHERE id = ?", {id});
          if (!row.ok()) return row.status();
          if (!row->has_value()) return std::nullopt;
          absl::StatusOr<TestData> data = ToTestData(**row);
          if (!data.ok()) return data.status();
          return *std::move(data);
        });
  }

  absl::StatusOr<std::vector<TestData>> GetAllTestData() {
    return WithOperator(
        [](DatabaseOperator& op) -> absl::StatusOr<std::vector<TestData>> {
          absl::StatusOr<std::vector<Row>> rows = op.FetchAll(
              "SELECT id, name, score FROM testing_data ORDER BY id");
          if (!rows.ok()) return rows.status();
          std::vector<TestData> all;
          for (const Row& row : *rows) {
            absl::StatusOr<TestData> data = ToTestData(row);
            if (!data.ok()) return data.status();
            all.push_back(*std::move(data));
          }
          return all;
        });
  }
};

bool Matches(const TestData& d, int64_t id) {
  return d.id == id && d.name == NameOf(id) && d.score == ScoreOf(id);
}

// The one argument: "single" or "pool" (or --strategy=...).
absl::StatusOr<std::string> ParseStrategyArg(int argc, char** argv) {
  if (argc != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected one argument, single or pool; got ", argc - 1));
  }
  absl::string_view arg = argv[1];
  absl::ConsumePrefix(&arg, "--strategy=");
  if (arg != "single" && arg != "pool") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown strategy '", argv[1], "': expected single or pool"));
  }
  return std::string(arg);
}

absl::StatusOr<std::shared_ptr<ConnectionStrategy>> MakeStrategy(
    const std::string& kind, const multirun::mysql::MysqlDsn& dsn) {
  auto factory = multirun::mysql::MysqlConnection::Factory(dsn);
  if (kind == "single") {
    auto single = multirun::dao::SingleConnection::Create(
        factory, {.name = "testing-single"});
    if (!single.ok()) return single.status();
    return std::shared_ptr<ConnectionStrategy>(*std::move(single));
  }
  multirun::dao::ConnectionPoolOptions options;
  options.name = "testing-pool";
  options.max_size = kWorkers;
  auto pool = multirun::dao::ConnectionPool::Create(factory, options);
  if (!pool.ok()) return pool.status();
  return std::shared_ptr<ConnectionStrategy>(*std::move(pool));
}

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "dao_testing: %.*s: %s\n", static_cast<int>(what.size()),
               what.data(), status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<std::string> kind = ParseStrategyArg(argc, argv);
  if (!kind.ok()) {
    std::fprintf(stderr, "usage: %s single|pool\n%s\n", argv[0],
                 kind.status().ToString().c_str());
    return 2;
  }

  // The server: $MULTIRUN_MYSQL_DSN, or a private one of our own.
  std::unique_ptr<multirun::mysql_testing::PrivateServer> server;
  std::string dsn_text;
  if (const char* env = std::getenv("MULTIRUN_MYSQL_DSN");
      env != nullptr && *env != '\0') {
    dsn_text = env;
  } else {
    auto started = multirun::mysql_testing::PrivateServer::Start();
    if (!started.ok()) return Fail("starting MariaDB", started.status());
    server = *std::move(started);
    dsn_text = server->Dsn();
  }
  absl::StatusOr<multirun::mysql::MysqlDsn> dsn =
      multirun::mysql::MysqlDsn::Parse(dsn_text);
  if (!dsn.ok()) return Fail("DSN", dsn.status());

  absl::StatusOr<std::shared_ptr<ConnectionStrategy>> strategy =
      MakeStrategy(*kind, *dsn);
  if (!strategy.ok()) return Fail("connecting", strategy.status());
  TestingDao dao(*strategy);

  if (absl::Status s = dao.CreateTable(); !s.ok()) {
    return Fail("CREATE TABLE", s);
  }
  absl::StatusOr<uint64_t> inserted = dao.InsertTestData(kRows);
  if (!inserted.ok()) return Fail("inserting", inserted.status());
  if (*inserted != kRows) {
    std::fprintf(stderr, "dao_testing: inserted %llu rows, expected %d\n",
                 static_cast<unsigned long long>(*inserted), kRows);
    return 1;
  }

  // Workers read the test data back through the one DAO: worker w reads the
  // ids congruent to w, then the whole table.
  std::atomic<int> rows_read{0};
  std::atomic<int> mismatches{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int64_t id = 1 + w; id <= kRows; id += kWorkers) {
        absl::StatusOr<std::optional<TestData>> d = dao.GetTestData(id);
        if (!d.ok() || !d->has_value() || !Matches(**d, id)) {
          std::fprintf(
              stderr, "dao_testing: row %lld: %s\n", static_cast<long long>(id),
              d.ok() ? "missing or wrong" : d.status().ToString().c_str());
          mismatches.fetch_add(1);
          continue;
        }
        rows_read.fetch_add(1);
      }
      absl::StatusOr<std::vector<TestData>> all = dao.GetAllTestData();
      if (!all.ok() || all->size() != size_t{kRows}) {
        mismatches.fetch_add(1);
        return;
      }
      for (int64_t i = 0; i < kRows; ++i) {
        if (!Matches((*all)[i], i + 1)) mismatches.fetch_add(1);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  // A key that is not there reads as absent, not as an error.
  absl::StatusOr<std::optional<TestData>> absent = dao.GetTestData(kRows + 1);
  if (!absent.ok() || absent->has_value()) mismatches.fetch_add(1);

  std::printf(
      "%s: inserted %d rows, %d workers read %d rows back, %d "
      "mismatches\n",
      dao.strategy().name().c_str(), kRows, kWorkers, rows_read.load(),
      mismatches.load());
  if (absl::Status s = dao.strategy().Close(); !s.ok()) return Fail("close", s);
  if (mismatches.load() != 0 || rows_read.load() != kRows) return 1;
  return 0;
}
