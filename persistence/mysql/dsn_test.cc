// Copyright 2026 The multirun Authors.

#include "multirun/persistence/mysql/dsn.h"

#include <string>

#include "gtest/gtest.h"
#include "multirun/persistence/mysql/mysql_error.h"

namespace multirun {
namespace mysql {
namespace {

TEST(MysqlDsnTest, ParsesTcpWithEverything) {
  absl::StatusOr<MysqlDsn> d = MysqlDsn::Parse(
      "mysql://app:s%40c%3Aret@db.example:3307/shop?connect_timeout=5&"
      "read_timeout=7&charset=latin1&init_command=SET%20NAMES%20latin1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->user, "app");
  EXPECT_EQ(d->password, "s@c:ret");
  EXPECT_EQ(d->host, "db.example");
  EXPECT_EQ(d->port, 3307);
  EXPECT_EQ(d->database, "shop");
  EXPECT_EQ(d->connect_timeout_seconds, 5);
  EXPECT_EQ(d->read_timeout_seconds, 7);
  EXPECT_EQ(d->charset, "latin1");
  EXPECT_EQ(d->init_command, "SET NAMES latin1");
  EXPECT_EQ(d->ToString(), "mysql://app:***@db.example:3307/shop");
}

TEST(MysqlDsnTest, ParsesDefaultsAndIpv6) {
  absl::StatusOr<MysqlDsn> d = MysqlDsn::Parse("mysql://[::1]");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 3306);
  EXPECT_EQ(d->user, "");
  EXPECT_EQ(d->database, "");
}

TEST(MysqlDsnTest, ParsesUnixSocket) {
  absl::StatusOr<MysqlDsn> d =
      MysqlDsn::Parse("mysql+unix://root:pw@/run/my%20sql/mysqld.sock/db1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->unix_socket, "/run/my sql/mysqld.sock");
  EXPECT_EQ(d->database, "db1");
  EXPECT_EQ(d->user, "root");
  absl::StatusOr<MysqlDsn> no_db = MysqlDsn::Parse("mysql+unix:///tmp/x.sock/");
  ASSERT_TRUE(no_db.ok()) << no_db.status();
  EXPECT_EQ(no_db->unix_socket, "/tmp/x.sock");
  EXPECT_EQ(no_db->database, "");
}

TEST(MysqlDsnTest, MalformedDsnsAreInvalidArgument) {
  struct Case {
    const char* dsn;
    const char* says;
  } cases[] = {
      {"", "mysql://"},
      {"postgres://u@h/db", "unknown scheme 'postgres'"},
      {"mysqlx://u@h/db", "unknown scheme 'mysqlx'"},
      {"mysql://u@h:0/db", "port '0'"},
      {"mysql://u@h:70000/db", "port '70000'"},
      {"mysql://u@h:abc/db", "port 'abc'"},
      {"mysql://u@h:/db", "port ''"},
      {"mysql://u@/db", "no host"},
      {"mysql://u:p@ss@h/db", "percent-encoded"},
      {"mysql://u%zz@h/db", "percent-escape in the user"},
      {"mysql://u:p%4@h/db", "percent-escape in the password"},
      {"mysql://h/db?connect_timeout=0", "connect_timeout='0'"},
      {"mysql://h/db?connect_timeout=x", "connect_timeout='x'"},
      {"mysql://h/db?frobnicate=1", "unknown option 'frobnicate'"},
      {"mysql://h/db?novalue", "name=value"},
      {"mysql://h/db?charset=utf8;drop", "charset"},
      {"mysql://h/a/b", "contains '/'"},
      {"mysql+unix://u@relative/db", "expected mysql+unix://"},
      {"mysql+unix:///db", "no socket path"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<MysqlDsn> d = MysqlDsn::Parse(c.dsn);
    ASSERT_FALSE(d.ok()) << c.dsn;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << c.dsn;
    EXPECT_NE(d.status().message().find(c.says), std::string::npos)
        << c.dsn << " -> " << d.status();
  }
}

TEST(MysqlDsnTest, PasswordNeverInMessages) {
  for (const char* dsn :
       {"mysql://u:hunter2%zz@h/db", "mysql://u:hunter2@x@h/db",
        "mysql+unix://u:hunter2%g@/s/db"}) {
    absl::StatusOr<MysqlDsn> d = MysqlDsn::Parse(dsn);
    ASSERT_FALSE(d.ok()) << dsn;
    EXPECT_EQ(d.status().message().find("hunter2"), std::string::npos)
        << d.status();
  }
}

// A password with a separator that is not percent-encoded splits into
// what looks like a port, a database or options; none of it is quoted.
TEST(MysqlDsnTest, UnencodedSeparatorInPasswordNeverInMessages) {
  for (const char* dsn :
       {"mysql://app:QXZ/x@db:3306/shop", "mysql://app:1234/QXZ@db",
        "mysql://app:QXZ?ss@db/x", "mysql://app:1?QXZ@db/x",
        "mysql://app:1?c=QXZ@db", "mysql://app:1/QXZ?x=@db",
        "mysql://@9ba:QXZ&a=?a@", "mysql://u@h:p:QXZ?x@db",
        "mysql://+.b b:QXZbaaa0 aa@[", "mysql+unix:///a%:QXZa@/",
        "mysql+unix://u/x:QXZ@/s/db", "mysql+unix:///b:QXZa?a@/"}) {
    absl::StatusOr<MysqlDsn> d = MysqlDsn::Parse(dsn);
    ASSERT_FALSE(d.ok()) << dsn << " parsed as database '" << d->database
                         << "', host '" << d->host << "'";
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << dsn;
    EXPECT_EQ(d.status().message().find("QXZ"), std::string::npos)
        << dsn << " -> " << d.status();
  }
  // An '@' in an option value is no password: still accepted.
  absl::StatusOr<MysqlDsn> d =
      MysqlDsn::Parse("mysql://h/db?init_command=SET%20@a=1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->init_command, "SET @a=1");
}

TEST(MysqlDsnTest, ToStringParsesBackToTheSameFields) {
  for (const char* dsn :
       {"mysql://a%40b:pw@x%3Ay:1/d%2Fe", "mysql://u@[::1]:3307/db",
        "mysql://%3A:p@h%20%25/%3F%23",
        "mysql+unix://r%2Fs:pw@/run/my%20sql/x%3F.sock/d%2Fb",
        "mysql://h%C3%A9/%00"}) {
    absl::StatusOr<MysqlDsn> d = MysqlDsn::Parse(dsn);
    ASSERT_TRUE(d.ok()) << dsn << ": " << d.status();
    absl::StatusOr<MysqlDsn> back = MysqlDsn::Parse(d->ToString());
    ASSERT_TRUE(back.ok()) << dsn << " -> " << d->ToString() << ": "
                           << back.status();
    EXPECT_EQ(back->user, d->user) << d->ToString();
    EXPECT_EQ(back->host, d->host) << d->ToString();
    EXPECT_EQ(back->port, d->port) << d->ToString();
    EXPECT_EQ(back->unix_socket, d->unix_socket) << d->ToString();
    EXPECT_EQ(back->database, d->database) << d->ToString();
    EXPECT_EQ(back->password, d->password.empty() ? "" : "***");
  }
}

TEST(MysqlErrorTest, MapsNumbersToCodesAndKeepsThem) {
  EXPECT_EQ(MysqlErrorCode(1045), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(MysqlErrorCode(2013), absl::StatusCode::kUnavailable);
  EXPECT_EQ(MysqlErrorCode(1213), absl::StatusCode::kAborted);
  EXPECT_EQ(MysqlErrorCode(1020), absl::StatusCode::kAborted);
  EXPECT_EQ(MysqlErrorCode(1062), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(MysqlErrorCode(1064), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MysqlErrorCode(1146), absl::StatusCode::kNotFound);
  EXPECT_EQ(MysqlErrorCode(99999), absl::StatusCode::kUnknown);
  absl::Status s = MysqlStatus(1062, "23000", "Duplicate entry", "INSERT ...");
  EXPECT_EQ(s.message(),
            "MySQL error 1062 (23000): Duplicate entry [INSERT ...]");
  EXPECT_TRUE(IsConnectionLoss(1927));
  EXPECT_FALSE(IsConnectionLoss(1062));
}

}  // namespace
}  // namespace mysql
}  // namespace multirun
