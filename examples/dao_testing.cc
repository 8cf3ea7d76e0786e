// Copyright 2026 The multirun Authors.
//
// MultiRunnable's TestingDao example on multirun::dao.
//
// In the reference, `TestingDao(BaseDao)` picks its connection strategy from
// one setting (`TestingDao(db_driver="mysql")` for a single connection,
// `use_pool=True` for a pool), and its `get_test_data` is
//
//   self.execute('SELECT col_1, col_2 FROM test.test_table LIMIT 10')
//   data = self.fetch_all()
//   return data
//
// which the caller prints. Here the strategy is chosen by the one argument
// (`single` or `pool`, also accepted as `--strategy=single|pool`), and
// GetTestData() is that query: the first 10 rows of test_table, all fetched
// at once. The port creates test_table and fills it (ExecuteMany, in one
// transaction), then 4 worker threads call get_test_data through the one DAO
// 25 times each, and the example prints one result as the reference does.
// It checks that every call returned exactly 10 distinct rows, each one a row
// of the test data (LIMIT without ORDER BY picks any 10, as in the
// reference), and exits non-zero otherwise.
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
#include <set>
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
constexpr int kCallsPerWorker = 25;
constexpr size_t kLimit = 10;  // the reference's LIMIT 10

// The test data: test_table (col_1, col_2), col_2 derived from col_1.
std::string Col2Of(int64_t col_1) { return absl::StrCat("value-", col_1); }

struct TestData {
  int64_t col_1;
  std::string col_2;
};

absl::StatusOr<TestData> ToTestData(const Row& row) {
  absl::StatusOr<int64_t> col_1 = row.Get<int64_t>("col_1");
  if (!col_1.ok()) return col_1.status();
  absl::StatusOr<std::string> col_2 = row.Get<std::string>("col_2");
  if (!col_2.ok()) return col_2.status();
  return TestData{*col_1, *std::move(col_2)};
}

// The TestingDao: its strategy is given, its queries are its methods.
class TestingDao : public multirun::dao::Dao {
 public:
  using Dao::Dao;

  absl::Status CreateTable() {
    return WithOperator([](DatabaseOperator& op) -> absl::Status {
      if (absl::Status s =
              op.Execute("DROP TABLE IF EXISTS test_table").status();
          !s.ok()) {
        return s;
      }
      return op
          .Execute(
              "CREATE TABLE test_table (col_1 BIGINT PRIMARY KEY, "
              "col_2 VARCHAR(64) NOT NULL)")
          .status();
    });
  }

  // All rows or none.
  absl::StatusOr<uint64_t> InsertTestData(int rows) {
    std::vector<std::vector<Value>> params;
    for (int64_t col_1 = 1; col_1 <= rows; ++col_1) {
      params.push_back({col_1, Col2Of(col_1)});
    }
    return InTransaction([&](DatabaseOperator& op) -> absl::StatusOr<uint64_t> {
      absl::StatusOr<multirun::dao::ExecResult> r = op.ExecuteMany(
          "INSERT INTO test_table (col_1, col_2) VALUES (?, ?)", params);
      if (!r.ok()) return r.status();
      return r->affected_rows;
    });
  }

  // The reference's get_test_data: execute the SELECT, then fetch_all.
  absl::StatusOr<std::vector<TestData>> GetTestData() {
    return WithOperator(
        [](DatabaseOperator& op) -> absl::StatusOr<std::vector<TestData>> {
          absl::StatusOr<std::vector<Row>> rows =
              op.FetchAll("SELECT col_1, col_2 FROM test_table LIMIT 10");
          if (!rows.ok()) return rows.status();
          std::vector<TestData> data;
          for (const Row& row : *rows) {
            absl::StatusOr<TestData> d = ToTestData(row);
            if (!d.ok()) return d.status();
            data.push_back(*std::move(d));
          }
          return data;
        });
  }
};

// Exactly kLimit distinct rows, each one of the test data.
bool IsTestDataSample(const std::vector<TestData>& data) {
  if (data.size() != kLimit) return false;
  std::set<int64_t> seen;
  for (const TestData& d : data) {
    if (d.col_1 < 1 || d.col_1 > kRows || d.col_2 != Col2Of(d.col_1) ||
        !seen.insert(d.col_1).second) {
      return false;
    }
  }
  return true;
}

std::string Format(const std::vector<TestData>& data) {
  std::string text = "[";
  for (const TestData& d : data) {
    absl::StrAppend(&text, text.size() > 1 ? ", " : "", "(", d.col_1, ", '",
                    d.col_2, "')");
  }
  return text + "]";
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

  // The reference's use: _data = _dao.get_test_data(); print(_data).
  absl::StatusOr<std::vector<TestData>> data = dao.GetTestData();
  if (!data.ok()) return Fail("get_test_data", data.status());
  std::printf("Data: %s\n", Format(*data).c_str());
  int mismatches = IsTestDataSample(*data) ? 0 : 1;

  // And from several workers at once, through the same DAO.
  std::atomic<int> calls{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (int i = 0; i < kCallsPerWorker; ++i) {
        absl::StatusOr<std::vector<TestData>> d = dao.GetTestData();
        if (!d.ok() || !IsTestDataSample(*d)) {
          std::fprintf(
              stderr, "dao_testing: get_test_data: %s\n",
              d.ok() ? Format(*d).c_str() : d.status().ToString().c_str());
          bad.fetch_add(1);
          continue;
        }
        calls.fetch_add(1);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  mismatches += bad.load();

  std::printf(
      "%s: %d rows in test_table; %d workers called get_test_data %d times, "
      "each got %zu rows of the test data; %d mismatches\n",
      dao.strategy().name().c_str(), kRows, kWorkers, calls.load(), kLimit,
      mismatches);
  if (absl::Status s = dao.strategy().Close(); !s.ok()) return Fail("close", s);
  if (mismatches != 0 || calls.load() != kWorkers * kCallsPerWorker) return 1;
  return 0;
}
