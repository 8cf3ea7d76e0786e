// Copyright 2026 The multirun Authors.

#include "multirun/persistence/mysql/dsn.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "re2/re2.h"

namespace multirun {
namespace mysql {
namespace {

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed MySQL DSN: ", what));
}

// " '<text>'" for a message, or nothing when the DSN may hold a password
// outside its userinfo (see Parse), where `text` could be part of it.
std::string Quoted(absl::string_view text, bool quiet) {
  return quiet ? std::string() : absl::StrCat(" '", text, "'");
}

// Percent-encodes every byte but the unreserved ones of RFC 3986 and those
// of `keep`.
std::string PercentEncode(absl::string_view text, absl::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '.' || c == '_' ||
        c == '~' || keep.find(c) != absl::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in`; `part` names it in the error (never its value for a
// password).
absl::StatusOr<std::string> Decode(absl::string_view in, absl::string_view part,
                                   bool secret) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int hi = i + 1 < in.size() ? HexDigit(in[i + 1]) : -1;
    int lo = i + 2 < in.size() ? HexDigit(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Malformed(absl::StrCat("bad percent-escape in the ", part,
                                    secret ? "" : absl::StrCat(" '", in, "'"),
                                    " at offset ", i,
                                    " (expected %XX with two hex digits)"));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

absl::Status ParseSeconds(absl::string_view name, absl::string_view value,
                          bool quiet, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out <= 0 || *out > 86400) {
    return Malformed(absl::StrCat("option ", name,
                                  quiet ? "" : absl::StrCat("='", value, "'"),
                                  " must be a whole number of seconds in "
                                  "[1, 86400]"));
  }
  return absl::OkStatus();
}

// `quiet`: name no option value, nor an option that is not one of ours.
absl::Status ParseOptions(absl::string_view query, bool quiet, MysqlDsn* dsn) {
  if (query.empty()) return absl::OkStatus();
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    std::vector<absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return Malformed(absl::StrCat("option", Quoted(pair, quiet),
                                    " is not of the form name=value"));
    }
    absl::StatusOr<std::string> value =
        Decode(kv[1], quiet ? "option value" : kv[0], quiet);
    if (!value.ok()) return value.status();
    if (kv[0] == "connect_timeout") {
      if (auto s =
              ParseSeconds(kv[0], *value, quiet, &dsn->connect_timeout_seconds);
          !s.ok()) {
        return s;
      }
    } else if (kv[0] == "read_timeout") {
      if (auto s =
              ParseSeconds(kv[0], *value, quiet, &dsn->read_timeout_seconds);
          !s.ok()) {
        return s;
      }
    } else if (kv[0] == "write_timeout") {
      if (auto s =
              ParseSeconds(kv[0], *value, quiet, &dsn->write_timeout_seconds);
          !s.ok()) {
        return s;
      }
    } else if (kv[0] == "charset") {
      if (!RE2::FullMatch(*value, "[A-Za-z0-9_]+")) {
        return Malformed(absl::StrCat(
            "option charset", quiet ? "" : absl::StrCat("='", *value, "'"),
            " is not a character set name"));
      }
      dsn->charset = *value;
    } else if (kv[0] == "init_command") {
      dsn->init_command = *value;
    } else {
      return Malformed(absl::StrCat(
          "unknown option", Quoted(kv[0], quiet),
          " (known: connect_timeout, read_timeout, write_timeout, charset, "
          "init_command)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MysqlDsn> MysqlDsn::Parse(absl::string_view text) {
  // Compiled on the first call, never destroyed.
  static const RE2* const kScheme = new RE2(R"(([a-z][a-z0-9+]*)://(.*))");
  // userinfo@ (optional), authority, /path, ?query. No '#' fragments.
  static const RE2* const kTcp = new RE2(
      R"((?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#@\[\]]*)(:[^/?#]*)?(?:/([^?#]*))?(?:\?([^#]*))?)");
  static const RE2* const kUnix =
      new RE2(R"((?:([^:@/?#]*)(?::([^@/?#]*))?@)?(/[^?#]*)(?:\?([^#]*))?)");

  std::string scheme, rest;
  if (!RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *kScheme,
                      &scheme, &rest)) {
    return Malformed("it does not start with mysql:// or mysql+unix://");
  }
  {
    const size_t end = rest.find_first_of("?#");
    const std::string_view authority(
        rest.data(), end == std::string::npos ? rest.size() : end);
    const size_t at = authority.find('@');
    if (at != std::string::npos &&
        authority.find('@', at + 1) != std::string::npos) {
      return Malformed(
          "more than one '@' (a '@', ':' or '/' in the user or password must "
          "be percent-encoded)");
    }
  }
  // A '@' after the first '/', '?' or '#': a user or password with a '@',
  // '/', '?' or '#' that was not percent-encoded may have been split into a
  // host, a port, a socket path, a database or options. Before the options
  // such a DSN is refused; in them, no message quotes the DSN's text.
  const size_t userinfo_end = rest.find_first_of("/?#");
  const size_t stray_at = userinfo_end == std::string::npos
                              ? std::string::npos
                              : rest.find('@', userinfo_end);
  const bool quiet = stray_at != std::string::npos;
  if (quiet && stray_at < rest.find_first_of("?#")) {
    return Malformed(
        "a '@' after the host or in the socket path (a '@', ':', '/', '?' or "
        "'#' in the user or password, or a '@' elsewhere, must be "
        "percent-encoded)");
  }
  MysqlDsn dsn;
  std::string user, password, query;
  if (scheme == "mysql") {
    std::string host, port, database;
    std::string pw;
    if (!RE2::FullMatch(rest, *kTcp, &user, &pw, &host, &port, &database,
                        &query)) {
      return Malformed(
          "expected mysql://[user[:password]@]host[:port][/database][?options]"
          " (a '@', ':' or '/' in the user or password must be "
          "percent-encoded)");
    }
    password = pw;
    if (host.empty())
      return Malformed("no host (use mysql+unix:// for a socket)");
    if (host.front() == '[') host = host.substr(1, host.size() - 2);
    absl::StatusOr<std::string> h = Decode(host, "host", quiet);
    if (!h.ok()) return h.status();
    dsn.host = *h;
    if (port.find('@') != std::string::npos) {
      // A '@' the userinfo did not take: the password had a character
      // the userinfo cannot hold, and what follows the user's ':' is it.
      return Malformed(
          "a '@' after the host (a '@', ':', '/', '?' or '#' in the user or "
          "password must be percent-encoded)");
    }
    if (!port.empty()) {
      port.erase(0, 1);  // the ':'
      if (!absl::SimpleAtoi(port, &dsn.port) || dsn.port < 1 ||
          dsn.port > 65535) {
        return Malformed(absl::StrCat("port", Quoted(port, quiet),
                                      " is not a number in [1, 65535]"));
      }
    }
    if (database.find('/') != std::string::npos) {
      return Malformed(absl::StrCat("database", Quoted(database, quiet),
                                    " contains '/' (percent-encode it)"));
    }
    absl::StatusOr<std::string> db = Decode(database, "database", quiet);
    if (!db.ok()) return db.status();
    dsn.database = *db;
  } else if (scheme == "mysql+unix") {
    std::string path, pw;
    if (!RE2::FullMatch(rest, *kUnix, &user, &pw, &path, &query)) {
      return Malformed(
          "expected mysql+unix://[user[:password]@]/path/to/socket/database"
          "[?options]");
    }
    password = pw;
    size_t slash = path.rfind('/');
    std::string socket = path.substr(0, slash);
    if (socket.empty()) {
      return Malformed(absl::StrCat(
          "the path", Quoted(path, quiet),
          " has no socket path before the database (the last path segment "
          "is the database)"));
    }
    absl::StatusOr<std::string> s = Decode(socket, "socket path", quiet);
    if (!s.ok()) return s.status();
    absl::StatusOr<std::string> db =
        Decode(path.substr(slash + 1), "database", quiet);
    if (!db.ok()) return db.status();
    dsn.unix_socket = *s;
    dsn.database = *db;
    if (dsn.unix_socket.size() > 107) {
      return Malformed(absl::StrCat("socket path is ", dsn.unix_socket.size(),
                                    " bytes, more than a unix socket allows "
                                    "(107)"));
    }
  } else {
    return Malformed(absl::StrCat("unknown scheme '", scheme,
                                  "' (expected mysql or mysql+unix)"));
  }
  absl::StatusOr<std::string> u = Decode(user, "user", false);
  if (!u.ok()) return u.status();
  dsn.user = *u;
  absl::StatusOr<std::string> p = Decode(password, "password", true);
  if (!p.ok()) return p.status();
  dsn.password = *p;
  if (auto s = ParseOptions(query, quiet, &dsn); !s.ok()) return s;
  return dsn;
}

std::string MysqlDsn::ToString() const {
  // Percent-encoded, so that the text parses back to the same fields (the
  // password aside).
  std::string auth;
  if (!user.empty() || !password.empty()) {
    auth = absl::StrCat(PercentEncode(user, ""), password.empty() ? "" : ":***",
                        "@");
  }
  if (!unix_socket.empty()) {
    return absl::StrCat("mysql+unix://", auth, PercentEncode(unix_socket, "/"),
                        "/", PercentEncode(database, ""));
  }
  // An IPv6 literal in brackets; any other host with a ':' percent-encoded.
  const bool v6 =
      host.find(':') != std::string::npos &&
      host.find_first_not_of("0123456789ABCDEFabcdef:.") == std::string::npos;
  return absl::StrCat("mysql://", auth, v6 ? "[" : "",
                      v6 ? host : PercentEncode(host, ""), v6 ? "]" : "", ":",
                      port, "/", PercentEncode(database, ""));
}

}  // namespace mysql
}  // namespace multirun
