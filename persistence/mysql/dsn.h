// Copyright 2026 The multirun Authors.
//
// MysqlDsn: where and how to connect, parsed from a URL-style DSN.
//
//   mysql://user:password@host:port/database?option=value&option=value
//   mysql+unix://user:password@/path/to/socket/database?option=value
//
// In the unix form the last path segment is the database (empty with a
// trailing slash: `mysql+unix:///run/mysqld/mysqld.sock/`), everything before
// it is the socket path. User, password, host, socket path, database and
// option values are percent-decoded (`%40` for `@`, `%2F` for `/`). The
// host may be an IPv6 literal in brackets. Port defaults to 3306.
//
// Options: connect_timeout, read_timeout, write_timeout (seconds, > 0),
// charset (default utf8mb4), init_command (SQL run on every new session).
// Anything malformed or unknown is InvalidArgument naming the part at fault;
// the password never appears in a message or in ToString(). A raw '@'
// outside the userinfo and before the options is refused (it is what a
// password with an unencoded '/' looks like; write %40), and when the
// options hold one, no message quotes the DSN's text.
//
// Example:
//
//   absl::StatusOr<multirun::mysql::MysqlDsn> dsn =
//       multirun::mysql::MysqlDsn::Parse(
//           "mysql://app:s%40cret@127.0.0.1:3306/shop?connect_timeout=5");
//   // dsn->password == "s@cret"
//
// Thread-safety: a MysqlDsn is a value; Parse may be called from any thread.
//
// Defines: MysqlDsn.

#ifndef MULTIRUN_PERSISTENCE_MYSQL_DSN_H_
#define MULTIRUN_PERSISTENCE_MYSQL_DSN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace mysql {

// A parsed DSN (see the file comment).
struct MysqlDsn {
  std::string user;
  std::string password;
  std::string host;  // empty in the unix form
  int port = 3306;
  std::string unix_socket;  // empty in the TCP form
  std::string database;
  int connect_timeout_seconds = 10;
  int read_timeout_seconds = 60;
  int write_timeout_seconds = 60;
  std::string charset = "utf8mb4";
  std::string init_command;

  static absl::StatusOr<MysqlDsn> Parse(absl::string_view dsn);

  // The DSN back as text, with the password replaced by "***" and without
  // the options; percent-encoded, so that it parses to the same user, host,
  // port, socket and database.
  std::string ToString() const;
};

}  // namespace mysql
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_MYSQL_DSN_H_
