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
// (Once persistence/mysql lands, a second half shares one real MySQL
// connection the same way; see the persistence issue.)

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "multirun/executors/future.h"
#include "multirun/executors/task.h"
#include "multirun/executors/thread_pool.h"
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
  multirun::SharerStats Stats() const { return connection_.Stats(); }

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

}  // namespace

int main() {
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
  const multirun::SharerStats stats = db.Stats();
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
