// Copyright 2026 The multirun Authors.

#include "multirun/persistence/mysql/testing/private_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/persistence/mysql/mysql_connection.h"

extern char** environ;

namespace multirun {
namespace mysql_testing {
namespace {

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot run ", argv[0], ": ", std::strerror(rc),
                     " (is mariadb-server installed?)"));
  }
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Binary(const char* sbin, const char* name) {
  return access(sbin, X_OK) == 0 ? sbin : name;
}

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv) {
  char path[] = "/tmp/multirun-cmdXXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return absl::InternalError("mkstemp failed");
  close(fd);
  absl::StatusOr<pid_t> pid = Spawn(argv, path);
  if (!pid.ok()) {
    unlink(path);
    return pid.status();
  }
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.output = ReadFile(path);
  unlink(path);
  return result;
}

absl::StatusOr<std::unique_ptr<PrivateServer>> PrivateServer::Start() {
  std::string base = "/tmp";
  if (const char* t = std::getenv("TEST_TMPDIR");
      t != nullptr && std::strlen(t) + 30 < 100) {
    base = t;
  }
  std::string tmpl = base + "/mdbXXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", tmpl, ": ", std::strerror(errno)));
  }
  std::unique_ptr<PrivateServer> server(new PrivateServer());
  server->dir_ = tmpl;
  server->socket_ = tmpl + "/mysql.sock";
  // The server's temporary files are named after its pid, and tests in
  // sandboxes of their own (PID namespaces) run servers with the same pid:
  // each server gets a temporary directory of its own.
  if (mkdir((tmpl + "/tmp").c_str(), 0700) != 0) {
    return absl::InternalError(
        absl::StrCat("mkdir ", tmpl, "/tmp: ", std::strerror(errno)));
  }
  absl::StatusOr<CommandResult> install =
      RunCommand({Binary("/usr/bin/mariadb-install-db", "mariadb-install-db"),
                  "--no-defaults", "--auth-root-authentication-method=normal",
                  "--datadir=" + tmpl + "/data", "--tmpdir=" + tmpl + "/tmp",
                  "--user=root", "--skip-test-db", "--innodb-log-file-size=8M",
                  "--innodb-buffer-pool-size=16M"});
  if (!install.ok()) return install.status();
  if (install->exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat("mariadb-install-db failed (exit ", install->exit_code,
                     "):\n", install->output));
  }
  if (absl::Status s = server->Launch(); !s.ok()) return s;
  absl::StatusOr<mysql::MysqlDsn> root =
      mysql::MysqlDsn::Parse(server->RootDsn());
  if (!root.ok()) return root.status();
  absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
      mysql::MysqlConnection::Connect(*root);
  if (!c.ok()) return c.status();
  for (const char* sql :
       {"CREATE DATABASE multirun_test CHARACTER SET utf8mb4",
        "CREATE USER 'multirun'@'localhost' IDENTIFIED BY 'multirun-pw'",
        "GRANT ALL PRIVILEGES ON multirun_test.* TO 'multirun'@'localhost'"}) {
    absl::StatusOr<dao::ExecResult> r = (*c)->Execute(sql, {});
    if (!r.ok()) return r.status();
  }
  return server;
}

absl::Status PrivateServer::Launch() {
  absl::StatusOr<pid_t> pid =
      Spawn({Binary("/usr/sbin/mariadbd", "mariadbd"), "--no-defaults",
             "--datadir=" + dir_ + "/data", "--tmpdir=" + dir_ + "/tmp",
             "--socket=" + socket_, "--skip-networking", "--user=root",
             "--pid-file=" + dir_ + "/mysqld.pid",
             "--log-error=" + dir_ + "/error.log",
             "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
             "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0",
             "--innodb-use-native-aio=0", "--performance-schema=OFF",
             "--skip-name-resolve", "--max-connections=200",
             "--character-set-server=utf8mb4", "--max-allowed-packet=64M",
             // MariaDB 11.6+ defaults to ON, which aborts a transaction
             // that writes a row changed since its first read (error 1020);
             // the tests expect REPEATABLE READ as MariaDB 10 has it.
             "--innodb-snapshot-isolation=OFF"},
            dir_ + "/mariadbd.out");
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return WaitReady();
}

absl::Status PrivateServer::WaitReady() {
  absl::StatusOr<mysql::MysqlDsn> root = mysql::MysqlDsn::Parse(RootDsn());
  if (!root.ok()) return root.status();
  root->connect_timeout_seconds = 2;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  absl::Status last;
  while (absl::Now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat(
          "mariadbd exited during start-up; its error log:\n", ErrorLogTail()));
    }
    if (access(socket_.c_str(), F_OK) == 0) {
      absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
          mysql::MysqlConnection::Connect(*root);
      if (c.ok()) return absl::OkStatus();
      last = c.status();
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling a starting server
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "mariadbd did not answer within 60 s (last: ", last.ToString(),
      "); its error log:\n", ErrorLogTail()));
}

std::string PrivateServer::ErrorLogTail() const {
  std::string log =
      ReadFile(dir_ + "/error.log") + ReadFile(dir_ + "/mariadbd.out");
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

absl::Status PrivateServer::Stop() {
  if (pid_ < 0) return absl::OkStatus();
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  int status;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status PrivateServer::Restart() {
  if (absl::Status s = Stop(); !s.ok()) return s;
  return Launch();
}

PrivateServer::~PrivateServer() {
  Stop().IgnoreError();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string PrivateServer::Dsn() const {
  return absl::StrCat("mysql+unix://multirun:multirun-pw@", socket_,
                      "/multirun_test");
}

std::string PrivateServer::RootDsn() const {
  return absl::StrCat("mysql+unix://root@", socket_, "/");
}

const std::string& TestServerDsn() {
  static const std::string* dsn = [] {
    if (const char* env = std::getenv("MULTIRUN_MYSQL_DSN");
        env != nullptr && *env != '\0') {
      return new std::string(env);
    }
    absl::StatusOr<std::unique_ptr<PrivateServer>> server =
        PrivateServer::Start();
    if (!server.ok()) {
      std::fprintf(stderr, "cannot start a private MariaDB for the tests: %s\n",
                   server.status().ToString().c_str());
      std::abort();
    }
    static std::unique_ptr<PrivateServer> keep = *std::move(server);
    // Stopped at exit (the static's destructor).
    return new std::string(keep->Dsn());
  }();
  return *dsn;
}

mysql::MysqlDsn TestDsn() {
  absl::StatusOr<mysql::MysqlDsn> dsn = mysql::MysqlDsn::Parse(TestServerDsn());
  if (!dsn.ok()) {
    std::fprintf(stderr, "the test DSN does not parse: %s\n",
                 dsn.status().ToString().c_str());
    std::abort();
  }
  return *std::move(dsn);
}

}  // namespace mysql_testing
}  // namespace multirun
