// Copyright 2026 The multirun Authors.
//
// sharer-gist's Database example on multirun::Sharer.
//
// In the gist, `Database` wraps a connection that allows one statement at a
// time, with two methods:
//
//   add_user(name, age, gender):
//       INSERT INTO users (name, age, gender) VALUES (?, ?, ?);
//       commit; on an error roll back and raise
//   show_users(name):
//       SELECT name, age, gender FROM users WHERE name LIKE ?;
//       return the rows
//
// The class inherits a mixin with a one-worker thread pool, and the methods,
// decorated with `@share`, become awaitable, so many clients call them
// concurrently while each statement runs alone. Here the same two methods
// return multirun::Future, run one at a time through a Sharer, and are
// awaited from threads and from coroutines.
//
// The first half shares an in-memory stand-in for the connection (it aborts
// if a second caller ever enters it, so a missing serialization cannot go
// unnoticed; its LIKE has SQL's % and _). The second half shares one real
// MySQL connection (persistence/mysql, libmysqlclient) to a private MariaDB
// that the example starts itself (or $MULTIRUN_MYSQL_DSN); add_user commits
// its INSERT in a Transaction that rolls back on an error, as the gist's
// commit / rollback does.
//
// In both halves 8 clients, half of them coroutines, add 250 users each
// (name "user-<client>-<i>", an age and a gender), while the others call
// show_users with a name pattern. The example checks that every show_users
// result holds exactly the users whose names match, with their age and
// gender; that at the end show_users("user-%") lists all 2000 users once,
// each client's in its order; that show_users("user-1-1%") finds exactly
// the 111 users it should; and that a bad user fails only its own call. It
// exits non-zero otherwise.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/task.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/row.h"
#include "multirun/persistence/dao/transaction.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"
#include "multirun/persistence/mysql/testing/private_server.h"
#include "multirun/sharer/sharer.h"

namespace {

// One row of the gist's users table.
struct User {
  std::string name;
  int64_t age = 0;
  std::string gender;
};

constexpr int kClients = 8;
constexpr int kUsersPerClient = 250;

std::string UserName(int client, int i) {
  return absl::StrCat("user-", client, "-", i);
}
int64_t AgeOf(int client, int i) { return 18 + (client * 7 + i) % 60; }
std::string GenderOf(int i) { return i % 2 == 0 ? "female" : "male"; }

// SQL's LIKE without an escape character: % any run, _ any one character.
bool Like(absl::string_view text, absl::string_view pattern) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '%') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (Like(text.substr(skip), pattern.substr(1))) return true;
    }
    return false;
  }
  if (text.empty()) return false;
  return (pattern[0] == '_' || pattern[0] == text[0]) &&
         Like(text.substr(1), pattern.substr(1));
}

// Whether `user` is the one the example added under its name.
bool IsExpected(const User& user, int* client, int* i) {
  if (std::sscanf(user.name.c_str(), "user-%d-%d", client, i) != 2 ||
      user.name != UserName(*client, *i)) {
    return false;
  }
  return user.age == AgeOf(*client, *i) && user.gender == GenderOf(*i);
}

// A show_users(pattern) result: every row matches the pattern and is a user
// the example added, with its age and gender.
bool ShownCorrectly(const std::vector<User>& users, absl::string_view pattern) {
  for (const User& user : users) {
    int client, i;
    if (!Like(user.name, pattern) || !IsExpected(user, &client, &i)) {
      std::fprintf(stderr, "show_users('%.*s') returned %s (%lld, %s)\n",
                   static_cast<int>(pattern.size()), pattern.data(),
                   user.name.c_str(), static_cast<long long>(user.age),
                   user.gender.c_str());
      return false;
    }
  }
  return true;
}

// The final checks of either half; 0 if they hold.
int CheckFinal(const char* half, const std::vector<User>& all,
               const std::vector<User>& ones, int failures) {
  // Every user exactly once, each client's in its order.
  std::map<int, int> next;
  for (const User& user : all) {
    int client = -1, i = -1;
    if (!IsExpected(user, &client, &i) || next[client] != i) {
      std::fprintf(stderr, "%s: out of order or unexpected: %s\n", half,
                   user.name.c_str());
      return 1;
    }
    ++next[client];
  }
  // "user-1-1%": i = 1, 10..19 and 100..199 of client 1.
  int expected_ones = 0;
  for (int i = 0; i < kUsersPerClient; ++i) {
    if (Like(UserName(1, i), "user-1-1%")) ++expected_ones;
  }
  const bool ok = all.size() == size_t{kClients} * kUsersPerClient &&
                  ones.size() == size_t(expected_ones) &&
                  expected_ones == 111 && ShownCorrectly(ones, "user-1-1%") &&
                  failures == 0;
  std::printf(
      "%s: show_users('user-%%') lists %zu users from %d clients, "
      "show_users('user-1-1%%') %zu; %d failures\n",
      half, all.size(), kClients, ones.size(), failures);
  if (!ok) {
    std::fprintf(stderr,
                 "%s: expected %d users, %d matching 'user-1-1%%' and no "
                 "failure\n",
                 half, kClients * kUsersPerClient, expected_ones);
    return 1;
  }
  return 0;
}

// A client written as a coroutine: each add_user is awaited, none blocks a
// thread. Returns how many failed.
template <typename Db>
multirun::Task<int> AddUsersFromACoroutine(Db& db, int client) {
  int failed = 0;
  for (int i = 0; i < kUsersPerClient; ++i) {
    absl::Status status =
        co_await db.AddUser(UserName(client, i), AgeOf(client, i), GenderOf(i));
    if (!status.ok()) ++failed;
  }
  co_return failed;
}

// Runs the clients against either Database (AddUser / ShowUsers returning
// futures); returns the number of failed calls and checks.
template <typename Db>
int RunClients(Db& db) {
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
        added.push_back(
            db.AddUser(UserName(client, i), AgeOf(client, i), GenderOf(i)));
        // Readers interleave with the writers, each with a name filter.
        if (i % 50 == 0) {
          const std::string pattern = absl::StrCat("user-", client, "-%");
          absl::StatusOr<std::vector<User>> shown = db.ShowUsers(pattern).Get();
          if (!shown.ok() || !ShownCorrectly(*shown, pattern)) {
            failures.fetch_add(1);
          }
        }
      }
      for (auto& future : added) {
        if (!future.Get().ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& client : clients) client.join();
  for (auto& task : coroutine_clients) {
    absl::StatusOr<int> failed = std::move(task).Get();
    if (!failed.ok() || *failed != 0) failures.fetch_add(1);
  }
  return failures.load();
}

// The first half: one in-memory connection, not thread-safe, and it checks.
class Connection {
 public:
  absl::Status Insert(const User& user) {
    Enter();
    absl::Status status = absl::OkStatus();
    if (user.name.empty() || user.age < 0) {
      status = absl::InvalidArgumentError(
          absl::StrCat("bad user '", user.name, "' aged ", user.age));
    } else {
      rows_.push_back(user);
    }
    Leave();
    return status;
  }
  absl::StatusOr<std::vector<User>> SelectLike(const std::string& pattern) {
    Enter();
    std::vector<User> users;
    for (const User& user : rows_) {
      if (Like(user.name, pattern)) users.push_back(user);
    }
    Leave();
    return users;
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
  std::vector<User> rows_;
};

// The gist's Database: its methods return futures and run one at a time.
class Database {
 public:
  explicit Database(multirun::Executor& executor)
      : connection_({.executor = &executor, .name = "database"},
                    std::in_place) {}

  multirun::Future<void> AddUser(std::string name, int64_t age,
                                 std::string gender) {
    return connection_.Run(
        [user = User{std::move(name), age, std::move(gender)}](Connection& c) {
          return c.Insert(user);
        });
  }
  multirun::Future<std::vector<User>> ShowUsers(std::string name) {
    return connection_.Call(&Connection::SelectLike, std::move(name));
  }
  multirun::SharerStats stats() const { return connection_.stats(); }

 private:
  multirun::Sharer<Connection> connection_;
};

int InMemoryDatabase() {
  multirun::ThreadPool pool(2, {.name = "db-pool"});
  Database db(pool);
  int failures = RunClients(db);
  // A bad call fails only its own future.
  if (db.AddUser("", 30, "female").Get().code() !=
      absl::StatusCode::kInvalidArgument) {
    ++failures;
  }
  absl::StatusOr<std::vector<User>> all = db.ShowUsers("user-%").Get();
  absl::StatusOr<std::vector<User>> ones = db.ShowUsers("user-1-1%").Get();
  if (!all.ok() || !ones.ok()) {
    std::fprintf(stderr, "in memory: show_users failed\n");
    return 1;
  }
  const multirun::SharerStats stats = db.stats();
  std::printf("in memory: calls %lld completed, %lld failed, max queued %lld\n",
              static_cast<long long>(stats.completed),
              static_cast<long long>(stats.failed),
              static_cast<long long>(stats.max_queued_seen));
  return CheckFinal("in memory", *all, *ones, failures);
}

// The second half: the gist's Database on one real MySQL connection,
// borrowed by a Sharer, so its statements run one at a time.
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
                  "name VARCHAR(64) NOT NULL UNIQUE, age INT NOT NULL "
                  "CHECK (age >= 0), gender VARCHAR(16) NOT NULL) "
                  "ENGINE=InnoDB")
              .status();
        });
  }
  // INSERT, then commit; an error rolls back (the Transaction's destructor).
  multirun::Future<void> AddUser(std::string name, int64_t age,
                                 std::string gender) {
    return connection_.Run(
        [name = std::move(name), age, gender = std::move(gender)](
            multirun::mysql::MysqlConnection& c) -> absl::Status {
          absl::StatusOr<multirun::dao::Transaction> tx =
              multirun::dao::Transaction::Begin(c);
          if (!tx.ok()) return tx.status();
          absl::Status inserted =
              multirun::dao::DatabaseOperator(c)
                  .Execute(
                      "INSERT INTO users (name, age, gender) VALUES (?, ?, ?)",
                      {name, age, gender})
                  .status();
          if (!inserted.ok()) return inserted;
          return tx->Commit();
        });
  }
  multirun::Future<std::vector<User>> ShowUsers(std::string name) {
    return connection_.Run(
        [name = std::move(name)](multirun::mysql::MysqlConnection& c)
            -> absl::StatusOr<std::vector<User>> {
          absl::StatusOr<std::vector<multirun::dao::Row>> rows =
              multirun::dao::DatabaseOperator(c).FetchAll(
                  "SELECT name, age, gender FROM users WHERE name LIKE ? "
                  "ORDER BY id",
                  {name});
          if (!rows.ok()) return rows.status();
          std::vector<User> users;
          users.reserve(rows->size());
          for (const multirun::dao::Row& row : *rows) {
            absl::StatusOr<std::string> n = row.Get<std::string>("name");
            absl::StatusOr<int64_t> a = row.Get<int64_t>("age");
            absl::StatusOr<std::string> g = row.Get<std::string>("gender");
            if (!n.ok()) return n.status();
            if (!a.ok()) return a.status();
            if (!g.ok()) return g.status();
            users.push_back(User{*std::move(n), *a, *std::move(g)});
          }
          return users;
        });
  }
  multirun::SharerStats stats() const { return connection_.stats(); }

 private:
  multirun::Sharer<multirun::mysql::MysqlConnection> connection_;
};

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

  int failures = 0;
  std::vector<User> all, ones;
  multirun::SharerStats stats;
  {
    multirun::ThreadPool pool(2, {.name = "mysql-pool"});
    MysqlDatabase db(pool, **connection);
    if (absl::Status s = db.CreateTable().Get(); !s.ok()) {
      std::fprintf(stderr, "CREATE TABLE: %s\n", s.ToString().c_str());
      return 1;
    }
    failures = RunClients(db);
    // A duplicate and a negative age fail only their own calls, with the
    // server's errors, and are rolled back.
    if (db.AddUser(UserName(0, 0), 40, "male").Get().code() !=
        absl::StatusCode::kAlreadyExists) {
      std::fprintf(stderr, "mysql: a duplicate user was not rejected\n");
      ++failures;
    }
    if (db.AddUser("user-x", -1, "male").Get().ok()) {
      std::fprintf(stderr, "mysql: a negative age was not rejected\n");
      ++failures;
    }
    absl::StatusOr<std::vector<User>> shown_all = db.ShowUsers("user-%").Get();
    absl::StatusOr<std::vector<User>> shown_ones =
        db.ShowUsers("user-1-1%").Get();
    if (!shown_all.ok() || !shown_ones.ok()) {
      std::fprintf(stderr, "mysql: show_users failed\n");
      return 1;
    }
    all = *std::move(shown_all);
    ones = *std::move(shown_ones);
    stats = db.stats();
  }  // the Sharer drains before the connection and the server go
  std::printf(
      "mysql: one connection; calls %lld completed, %lld failed, max queued "
      "%lld\n",
      static_cast<long long>(stats.completed),
      static_cast<long long>(stats.failed),
      static_cast<long long>(stats.max_queued_seen));
  if (stats.failed != 2) {
    std::fprintf(stderr, "mysql: expected exactly 2 failed calls, got %lld\n",
                 static_cast<long long>(stats.failed));
    return 1;
  }
  return CheckFinal("mysql", all, ones, failures);
}

}  // namespace

int main() {
  if (int rc = InMemoryDatabase(); rc != 0) return rc;
  return SharedMysqlConnection();
}
