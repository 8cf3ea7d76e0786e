// Copyright 2026 The multirun Authors.
//
// persistence/mysql against a real MariaDB, with its peers in the same run.
// The binary starts one private server (testonly private_server; or uses
// $MULTIRUN_MYSQL_DSN) on first use, outside every timed region.
//
// BM_ExecuteMany vs BM_PyMySQLExecuteMany: 100,000 rows inserted into the
// same table over the same Unix socket, in one transaction, with
// DatabaseOperator::ExecuteMany (MariaDB array binding) and with PyMySQL's
// cursor.executemany (Debian's python3-pymysql, multi-row INSERT text). Both
// use manual time: the timed region is the insert plus its COMMIT; the
// TRUNCATE before each iteration, building the parameters, the interpreter's
// start and the row-count check after are outside it. Items = rows.
//
// BM_PointSelectPool vs BM_PointSelectSingle: 4 threads each run SELECTs by
// primary key on a 10,000-row table, borrowing a connection per query from a
// ConnectionPool of 4 or from one shared SingleConnection. Real time; the
// strategies and the table are set up before the timed loop. Items = queries.
// A wrong row or a failed call aborts the run.

// GCC 12 at -O1 (the sanitizer configs) reports a false maybe-uninitialized
// inside std::variant<..., std::string> for brace-initialized dao::Values (the
// tests pass -Wno-maybe-uninitialized; multirun_benchmark takes no copts).
// Clang has no such warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "multirun/persistence/dao/connection_pool.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/single_connection.h"
#include "multirun/persistence/dao/transaction.h"
#include "multirun/persistence/dao/value.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace mysql {
namespace {

using dao::DatabaseOperator;
using dao::Value;

constexpr int kInsertRows = 100000;

// A failed setup or a wrong result aborts (rather than SkipWithError, which
// exits 0), so the smoke test and the gate cannot pass on a broken run.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "mysql_benchmark: %s\n", what);
  std::abort();
}
constexpr int kPointRows = 10000;

const MysqlDsn& Dsn() {
  static const MysqlDsn* dsn = new MysqlDsn(mysql_testing::TestDsn());
  return *dsn;
}

// Opens a connection and creates the insert table (once per benchmark).
absl::StatusOr<std::unique_ptr<MysqlConnection>> InsertTable() {
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
      MysqlConnection::Connect(Dsn());
  if (!c.ok()) return c.status();
  DatabaseOperator op(**c);
  if (absl::Status s = op.Execute("DROP TABLE IF EXISTS bench_insert").status();
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          op.Execute(
                "CREATE TABLE bench_insert (id BIGINT PRIMARY KEY, name "
                "VARCHAR(64) NOT NULL, score DOUBLE NOT NULL) ENGINE=InnoDB")
              .status();
      !s.ok()) {
    return s;
  }
  return c;
}

absl::StatusOr<int64_t> CountRows(DatabaseOperator& op) {
  absl::StatusOr<std::optional<dao::Row>> r =
      op.FetchOne("SELECT COUNT(*) FROM bench_insert");
  if (!r.ok()) return r.status();
  return (**r).Get<int64_t>(0);
}

void BM_ExecuteMany(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c = InsertTable();
  if (!c.ok()) {
    Die(c.status().ToString().c_str());
    return;
  }
  DatabaseOperator op(**c);
  std::vector<std::vector<Value>> rows;
  rows.reserve(kInsertRows);
  for (int64_t i = 0; i < kInsertRows; ++i) {
    rows.push_back({i, absl::StrCat("name-", i), static_cast<double>(i) * 0.5});
  }
  for (auto _ : state) {
    if (!op.Execute("TRUNCATE TABLE bench_insert").ok()) {
      Die("TRUNCATE failed");
      break;
    }
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<dao::Transaction> tx = dao::Transaction::Begin(**c);
    absl::Status committed = tx.status();
    if (committed.ok()) {
      committed =
          op.ExecuteMany(
                "INSERT INTO bench_insert (id, name, score) VALUES (?, ?, ?)",
                rows)
              .status();
    }
    if (committed.ok()) committed = tx->Commit();
    const auto stop = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
    absl::StatusOr<int64_t> count = CountRows(op);
    if (!committed.ok() || !count.ok() || *count != kInsertRows) {
      Die(absl::StrCat("ExecuteMany: ", committed.ToString(), ", rows ",
                       count.ok() ? absl::StrCat(*count) : "?")
              .c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kInsertRows);
}
BENCHMARK(BM_ExecuteMany)->UseManualTime()->Unit(benchmark::kMillisecond);

// The peer: PyMySQL's executemany on the same socket and table, in one
// transaction; it truncates first and checks the count after, outside its
// timer, and prints the seconds of executemany + commit last.
constexpr char kPyMySQLScript[] = R"py(
import sys, time
import pymysql
sock, user, password, db, n = sys.argv[1:6]
n = int(n)
conn = pymysql.connect(unix_socket=sock, user=user, password=password,
                       database=db, autocommit=False, charset="utf8mb4")
cur = conn.cursor()
cur.execute("TRUNCATE TABLE bench_insert")
conn.commit()
rows = [(i, "name-%d" % i, i * 0.5) for i in range(n)]
start = time.perf_counter()
cur.executemany(
    "INSERT INTO bench_insert (id, name, score) VALUES (%s, %s, %s)", rows)
conn.commit()
elapsed = time.perf_counter() - start
cur.execute("SELECT COUNT(*) FROM bench_insert")
count = cur.fetchone()[0]
if count != n:
    sys.exit("PyMySQL inserted %d rows, expected %d" % (count, n))
conn.close()
print(elapsed)
)py";

void BM_PyMySQLExecuteMany(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<MysqlConnection>> c = InsertTable();
  if (!c.ok()) {
    Die(c.status().ToString().c_str());
    return;
  }
  const MysqlDsn& dsn = Dsn();
  if (dsn.unix_socket.empty()) {
    Die("the PyMySQL peer needs a unix-socket DSN");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<double> seconds = testing_internal::RunPythonPeer(
        kPyMySQLScript, {dsn.unix_socket, dsn.user, dsn.password, dsn.database,
                         absl::StrCat(kInsertRows)});
    if (!seconds.ok()) {
      Die(seconds.status().ToString().c_str());
      break;
    }
    state.SetIterationTime(*seconds);
  }
  state.SetItemsProcessed(state.iterations() * kInsertRows);
}
BENCHMARK(BM_PyMySQLExecuteMany)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// The point-select table, created once.
absl::Status PointTable() {
  static const absl::Status* status = [] {
    absl::StatusOr<std::unique_ptr<MysqlConnection>> c =
        MysqlConnection::Connect(Dsn());
    if (!c.ok()) return new absl::Status(c.status());
    DatabaseOperator op(**c);
    std::vector<std::vector<Value>> rows;
    for (int64_t i = 0; i < kPointRows; ++i) {
      rows.push_back({i, absl::StrCat("point-", i), i * 3});
    }
    absl::Status s = op.Execute("DROP TABLE IF EXISTS bench_points").status();
    if (s.ok()) {
      s = op.Execute(
                "CREATE TABLE bench_points (id BIGINT PRIMARY KEY, name "
                "VARCHAR(64) NOT NULL, v BIGINT NOT NULL) ENGINE=InnoDB")
              .status();
    }
    if (s.ok()) {
      s = op.ExecuteMany(
                "INSERT INTO bench_points (id, name, v) VALUES (?, ?, ?)", rows)
              .status();
    }
    return new absl::Status(s);
  }();
  return *status;
}

std::shared_ptr<dao::ConnectionStrategy> SharedPool() {
  static const std::shared_ptr<dao::ConnectionStrategy>* pool = [] {
    dao::ConnectionPoolOptions o;
    o.name = "bench-pool";
    o.max_size = 4;
    o.min_idle = 4;
    auto p = dao::ConnectionPool::Create(MysqlConnection::Factory(Dsn()), o);
    return new std::shared_ptr<dao::ConnectionStrategy>(p.ok() ? *std::move(p)
                                                               : nullptr);
  }();
  return *pool;
}

std::shared_ptr<dao::ConnectionStrategy> SharedSingle() {
  static const std::shared_ptr<dao::ConnectionStrategy>* single = [] {
    auto s = dao::SingleConnection::Create(MysqlConnection::Factory(Dsn()),
                                           {.name = "bench-single"});
    return new std::shared_ptr<dao::ConnectionStrategy>(s.ok() ? *std::move(s)
                                                               : nullptr);
  }();
  return *single;
}

void PointSelects(benchmark::State& state,
                  const std::shared_ptr<dao::ConnectionStrategy>& strategy) {
  if (absl::Status s = PointTable(); !s.ok() || strategy == nullptr) {
    Die(absl::StrCat("setup: ", s.ToString(), strategy ? "" : ", no strategy")
            .c_str());
    return;
  }
  int64_t id = (state.thread_index() * 2503) % kPointRows;
  for (auto _ : state) {
    absl::StatusOr<dao::Lease> lease = strategy->Acquire();
    if (!lease.ok()) {
      Die(lease.status().ToString().c_str());
      break;
    }
    absl::StatusOr<std::optional<dao::Row>> row =
        DatabaseOperator(**lease).FetchOne(
            "SELECT name, v FROM bench_points WHERE id = ?", {id});
    if (!row.ok() || !row->has_value() || *(**row).Get<int64_t>(1) != id * 3) {
      Die("point select returned a wrong row");
      break;
    }
    id = (id + 7919) % kPointRows;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PointSelectPool(benchmark::State& state) {
  PointSelects(state, SharedPool());
}
BENCHMARK(BM_PointSelectPool)->Threads(4)->UseRealTime();

void BM_PointSelectSingle(benchmark::State& state) {
  PointSelects(state, SharedSingle());
}
BENCHMARK(BM_PointSelectSingle)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace mysql
}  // namespace multirun
