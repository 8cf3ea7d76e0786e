// Copyright 2026 The multirun Authors.
//
// sharer-gist's Database example on multirun::Sharer.
//
// A `Database` holds one connection, which allows one statement at a time. In
// the seed, the class inherits a mixin with a one-worker thread pool and its
// `add_user` / `show_users` methods, decorated with `@share`, become
// awaitable; many clients call them concurrently. Here the connection is an
// in-memory stand-in that detects a second caller inside it and aborts (so a
// missing serialization cannot go unnoticed), shared through a
// Sharer<Connection>; 8 clients add 250 users each, some from coroutines,
// while others list the users. The example checks that every user was added
// exactly once, in each client's order, and exits non-zero otherwise.
//
// The second half shares one real MySQL connection the same way: a
// MysqlConnection (persistence/mysql, libmysqlclient) to a private MariaDB
// that the example starts itself (or $MULTIRUN_MYSQL_DSN), borrowed by a
// Sharer<MysqlConnection>. 8 clients, half of them coroutines, insert 250
// users each with `add_user` while others call `show_users`; at the end the
// table holds exactly 2000 rows, each client's in its order (by AUTO_INCREMENT
// id), and a duplicate name fails only its own call (the UNIQUE key).

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/task.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/row.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"
#include "multirun/sharer/sharer.h"

namespace {

// One connection: not thread-safe, and it checks.
class Connection {
 public:
  absl::Status Execute(const std::string& sql, const std::string& name) {
    Enter();
    if (sql == "INSERT INTO users (name) VALUES (?)") {
      if (name.empty()) {
        Leave();
        return absl::InvalidArgumentError("empty user name");
      }
      rows_.push_back(name);
    }
    Leave();
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> FetchAll() {
    Enter();
    std::vector<std::string> rows = rows_;
    Leave();
    return rows;
  }

 private:
  void Enter() {
    if (busy_.exchange(true)) {
      std::fprintf(stderr, "Connection used by two callers at once\n");
      std::abort();
    }
  }
  void Leave() { busy_.store(false); }

  std::atomic<bool> busy_{false};
  std::vector<std::string> rows_;
};

// The seed's Database: its methods return futures and run one at a time.
class Database {
 public:
  explicit Database(multirun::Executor& executor)
      : connection_({.executor = &executor, .name = "database"},
                    std::in_place) {}

  multirun::Future<void> AddUser(std::string name) {
    return connection_.Run([name = std::move(name)](Connection& c) {
      return c.Execute("INSERT INTO users (name) VALUES (?)", name);
    });
  }
  multirun::Future<std::vector<std::string>> ShowUsers() {
    return connection_.Call(&Connection::FetchAll);
  }
  multirun::SharerStats stats() const { return connection_.stats(); }

 private:
  multirun::Sharer<Connection> connection_;
};

constexpr int kClients = 8;
constexpr int kUsersPerClient = 250;

std::string UserName(int client, int i) {
  return absl::StrCat("user-", client, "-", i);
}

// A client written as a coroutine: each insert is awaited, none blocks a
// thread.
multirun::Task<int> AddUsersFromACoroutine(Database& db, int client) {
  int added = 0;
  for (int i = 0; i < kUsersPerClient; ++i) {
    absl::Status status = co_await db.AddUser(UserName(client, i));
    if (status.ok()) ++added;
  }
  co_return added;
}

// The first half: the in-memory connection.
int InMemoryDatabase() {
  multirun::ThreadPool pool(2, {.name = "db-pool"});
  Database db(pool);

  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  std::vector<multirun::Task<int>> coroutine_clients;
  for (int client = 0; client < kClients; ++client) {
    if (client % 2 == 0) {
      coroutine_clients.push_back(AddUsersFromACoroutine(db, client));
      continue;
    }
    clients.emplace_back([&db, &failures, client] {
      std::vector<multirun::Future<void>> added;
      for (int i = 0; i < kUsersPerClient; ++i) {
        added.push_back(db.AddUser(UserName(client, i)));
        // Readers interleave with the writers.
        if (i % 50 == 0) (void)db.ShowUsers().Get();
      }
      for (auto& future : added) {
        if (!future.Get().ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& client : clients) client.join();
  for (auto& task : coroutine_clients) {
    absl::StatusOr<int> added = std::move(task).Get();
    if (!added.ok() || *added != kUsersPerClient) failures.fetch_add(1);
  }
  // A bad call fails only its own future.
  if (db.AddUser("").Get().code() != absl::StatusCode::kInvalidArgument) {
    failures.fetch_add(1);
  }

  absl::StatusOr<std::vector<std::string>> users = db.ShowUsers().Get();
  if (!users.ok()) {
    std::fprintf(stderr, "ShowUsers: %s\n", users.status().ToString().c_str());
    return 1;
  }
  // Every user exactly once, each client's users in its order.
  std::map<int, int> next;
  for (const std::string& user : *users) {
    int client = -1, i = -1;
    if (std::sscanf(user.c_str(), "user-%d-%d", &client, &i) != 2 ||
        next[client] != i) {
      std::fprintf(stderr, "out of order or unexpected: %s\n", user.c_str());
      return 1;
    }
    ++next[client];
  }
  const bool complete =
      users->size() == size_t{kClients} * kUsersPerClient && failures == 0;
  const multirun::SharerStats stats = db.stats();
  std::printf(
      "%zu users from %d clients; calls: %lld completed, %lld failed, "
      "max queued %lld\n",
      users->size(), kClients, static_cast<long long>(stats.completed),
      static_cast<long long>(stats.failed),
      static_cast<long long>(stats.max_queued_seen));
  if (!complete) {
    std::fprintf(stderr, "expected %d users and no failure, got %zu, %d\n",
                 kClients * kUsersPerClient, users->size(), failures.load());
    return 1;
  }
  return 0;
}

// The second half: one real MySQL connection, shared.

// The seed's Database on MySQL: one MysqlConnection, borrowed by a Sharer,
// so its statements run one at a time on the Sharer's strand.
class MysqlDatabase {
 public:
  MysqlDatabase(multirun::Executor& executor,
                multirun::mysql::MysqlConnection& connection)
      : connection_({.executor = &executor, .name = "mysql-database"},
                    std::ref(connection)) {}

  multirun::Future<void> CreateTable() {
    return connection_.Run(
        [](multirun::mysql::MysqlConnection& c) -> absl::Status {
          multirun::dao::DatabaseOperator op(c);
          if (absl::Status s =
                  op.Execute("DROP TABLE IF EXISTS users").status();
              !s.ok()) {
            return s;
          }
          return op
              .Execute(
                  "CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                  "name VARCHAR(64) NOT NULL UNIQUE)")
              .status();
        });
  }
  multirun::Future<void> AddUser(std::string name) {
    return connection_.Run(
        [name = std::move(name)](
            multirun::mysql::MysqlConnection& c) -> absl::Status {
          return multirun::dao::DatabaseOperator(c)
              .Execute("INSERT INTO users (name) VALUES (?)", {name})
              .status();
        });
  }
  multirun::Future<std::vector<std::string>> ShowUsers() {
    return connection_.Run([](multirun::mysql::MysqlConnection& c)
                               -> absl::StatusOr<std::vector<std::string>> {
      absl::StatusOr<std::vector<multirun::dao::Row>> rows =
          multirun::dao::DatabaseOperator(c).FetchAll(
              "SELECT name FROM users ORDER BY id");
      if (!rows.ok()) return rows.status();
      std::vector<std::string> names;
      names.reserve(rows->size());
      for (const multirun::dao::Row& row : *rows) {
        absl::StatusOr<std::string> name = row.Get<std::string>(0);
        if (!name.ok()) return name.status();
        names.push_back(*std::move(name));
      }
      return names;
    });
  }
  multirun::Future<int64_t> CountUsers() {
    return connection_.Run(
        [](multirun::mysql::MysqlConnection& c) -> absl::StatusOr<int64_t> {
          absl::StatusOr<std::optional<multirun::dao::Row>> row =
              multirun::dao::DatabaseOperator(c).FetchOne(
                  "SELECT COUNT(*) FROM users");
          if (!row.ok()) return row.status();
          return (**row).Get<int64_t>(0);
        });
  }
  multirun::SharerStats stats() const { return connection_.stats(); }

 private:
  multirun::Sharer<multirun::mysql::MysqlConnection> connection_;
};

multirun::Task<int> AddMysqlUsersFromACoroutine(MysqlDatabase& db, int client) {
  int added = 0;
  for (int i = 0; i < kUsersPerClient; ++i) {
    absl::Status status = co_await db.AddUser(UserName(client, i));
    if (status.ok()) ++added;
  }
  co_return added;
}

int SharedMysqlConnection() {
  // The server: $MULTIRUN_MYSQL_DSN, or a private one of our own.
  std::unique_ptr<multirun::mysql_testing::PrivateServer> server;
  std::string dsn_text;
  if (const char* env = std::getenv("MULTIRUN_MYSQL_DSN");
      env != nullptr && *env != '\0') {
    dsn_text = env;
  } else {
    auto started = multirun::mysql_testing::PrivateServer::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "starting MariaDB: %s\n",
                   started.status().ToString().c_str());
      return 1;
    }
    server = *std::move(started);
    dsn_text = server->Dsn();
  }
  absl::StatusOr<multirun::mysql::MysqlDsn> dsn =
      multirun::mysql::MysqlDsn::Parse(dsn_text);
  if (!dsn.ok()) {
    std::fprintf(stderr, "DSN: %s\n", dsn.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<multirun::mysql::MysqlConnection>> connection =
      multirun::mysql::MysqlConnection::Connect(*dsn);
  if (!connection.ok()) {
    std::fprintf(stderr, "connect: %s\n",
                 connection.status().ToString().c_str());
    return 1;
  }

  std::atomic<int> failures{0};
  std::vector<std::string> users;
  int64_t count = -1;
  multirun::SharerStats stats;
  {
    multirun::ThreadPool pool(2, {.name = "mysql-pool"});
    MysqlDatabase db(pool, **connection);
    if (absl::Status s = db.CreateTable().Get(); !s.ok()) {
      std::fprintf(stderr, "CREATE TABLE: %s\n", s.ToString().c_str());
      return 1;
    }
    std::vector<std::thread> clients;
    std::vector<multirun::Task<int>> coroutine_clients;
    for (int client = 0; client < kClients; ++client) {
      if (client % 2 == 0) {
        coroutine_clients.push_back(AddMysqlUsersFromACoroutine(db, client));
        continue;
      }
      clients.emplace_back([&db, &failures, client] {
        std::vector<multirun::Future<void>> added;
        for (int i = 0; i < kUsersPerClient; ++i) {
          added.push_back(db.AddUser(UserName(client, i)));
          if (i % 50 == 0 && !db.ShowUsers().Get().ok()) failures.fetch_add(1);
        }
        for (auto& future : added) {
          if (!future.Get().ok()) failures.fetch_add(1);
        }
      });
    }
    for (auto& client : clients) client.join();
    for (auto& task : coroutine_clients) {
      absl::StatusOr<int> added = std::move(task).Get();
      if (!added.ok() || *added != kUsersPerClient) failures.fetch_add(1);
    }
    // A duplicate fails only its own future, with the server's error.
    if (db.AddUser(UserName(0, 0)).Get().code() !=
        absl::StatusCode::kAlreadyExists) {
      std::fprintf(stderr, "a duplicate user was not rejected\n");
      failures.fetch_add(1);
    }
    absl::StatusOr<std::vector<std::string>> shown = db.ShowUsers().Get();
    absl::StatusOr<int64_t> counted = db.CountUsers().Get();
    if (!shown.ok() || !counted.ok()) {
      std::fprintf(stderr, "reading back failed\n");
      return 1;
    }
    users = *std::move(shown);
    count = *counted;
    stats = db.stats();
  }  // the Sharer drains before the connection and the server go

  std::map<int, int> next;
  for (const std::string& user : users) {
    int client = -1, i = -1;
    if (std::sscanf(user.c_str(), "user-%d-%d", &client, &i) != 2 ||
        next[client] != i) {
      std::fprintf(stderr, "mysql: out of order or unexpected: %s\n",
                   user.c_str());
      return 1;
    }
    ++next[client];
  }
  std::printf(
      "mysql: %lld rows from %d clients over one connection; calls: %lld "
      "completed, %lld failed, max queued %lld\n",
      static_cast<long long>(count), kClients,
      static_cast<long long>(stats.completed),
      static_cast<long long>(stats.failed),
      static_cast<long long>(stats.max_queued_seen));
  constexpr int64_t kExpected = int64_t{kClients} * kUsersPerClient;
  if (count != kExpected || users.size() != size_t{kExpected} ||
      failures.load() != 0 || stats.failed != 1) {
    std::fprintf(stderr,
                 "mysql: expected %lld rows, 1 failed call and no other "
                 "failure; got %lld rows, %zu listed, %lld failed calls, %d "
                 "failures\n",
                 static_cast<long long>(kExpected),
                 static_cast<long long>(count), users.size(),
                 static_cast<long long>(stats.failed), failures.load());
    return 1;
  }
  return 0;
}

}  // namespace

int main() {
  if (int rc = InMemoryDatabase(); rc != 0) return rc;
  return SharedMysqlConnection();
}
