// Copyright 2026 The multirun Authors.
//
// PrivateServer: a throw-away MariaDB server for tests, examples and
// benchmarks (testonly). Start() runs `mariadb-install-db --no-defaults` into
// a fresh directory (under TEST_TMPDIR, or a short mkdtemp under /tmp when
// that path would make the socket path too long), starts `mariadbd
// --no-defaults` on a Unix socket there (no TCP), waits until it answers
// (bounded, with the error log in the failure), and creates the database
// `multirun_test` and the user `multirun`@`localhost` (password
// "multirun-pw", all privileges on it). Stop() sends SIGTERM, waits, then
// SIGKILL; the destructor stops it and deletes the directory.
//
// TestServerDsn() is what tests use: the DSN in $MULTIRUN_MYSQL_DSN if set,
// else the DSN of one PrivateServer per process, started on first use;
// TestDsn() is the same DSN parsed.
//
// Defines: PrivateServer, TestServerDsn, TestDsn, RunCommand.

#ifndef MULTIRUN_PERSISTENCE_MYSQL_TESTING_PRIVATE_SERVER_H_
#define MULTIRUN_PERSISTENCE_MYSQL_TESTING_PRIVATE_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "multirun/persistence/mysql/dsn.h"

namespace multirun {
namespace mysql_testing {

class PrivateServer {
 public:
  static absl::StatusOr<std::unique_ptr<PrivateServer>> Start();
  ~PrivateServer();

  // Stops the server (SIGTERM, then SIGKILL after 30 s). Idempotent.
  absl::Status Stop();
  // Starts it again on the same data and socket (after Stop()).
  absl::Status Restart();

  const std::string& socket_path() const { return socket_; }
  // mysql+unix DSNs for the application user and for root.
  std::string Dsn() const;
  std::string RootDsn() const;

 private:
  PrivateServer() = default;
  absl::Status Launch();
  absl::Status WaitReady();
  std::string ErrorLogTail() const;

  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

// The DSN tests connect with (see the file comment). Aborts with the reason
// if no server can be had: a test cannot run without one.
const std::string& TestServerDsn();

// TestServerDsn() parsed. Aborts with the reason if it does not parse.
mysql::MysqlDsn TestDsn();

// Runs `argv` (argv[0] looked up in PATH), with stdout and stderr captured;
// returns the exit status and the output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv);

}  // namespace mysql_testing
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_MYSQL_TESTING_PRIVATE_SERVER_H_
