// Copyright 2026 The multirun Authors.
//
// libFuzzer target of MysqlDsn::Parse.
//
// The first byte picks the mode: even, the rest of the input is the DSN
// text; odd, the rest chooses the parts of a DSN (scheme, user, password,
// host, port, socket, database, options), joined with their separators but
// not percent-encoded, so that separators inside the parts make the
// ambiguous DSNs users write. The oracle:
//   - Parse never crashes; a failure is InvalidArgument "malformed MySQL
//     DSN: ...";
//   - an accepted DSN, formatted back with every field percent-encoded and
//     every option spelled out, parses to the same fields;
//   - its ToString() parses to the same fields but the password (then
//     "***") and the options (then the defaults);
//   - in the structured mode the password starts with a marker, "QXZ", and
//     no error message contains the marker: a password is never echoed, not
//     even when separators in it make its parts look like a port, a database
//     or an option.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/mysql/dsn.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace {

using multirun::FuzzInput;
using multirun::FuzzRequire;
using multirun::mysql::MysqlDsn;

constexpr absl::string_view kPasswordMarker = "QXZ";

// Percent-encodes every byte but the unreserved ones of RFC 3986 and those
// of `keep`.
std::string Encode(absl::string_view text, absl::string_view keep = "") {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
        (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~' || keep.find(c) != absl::string_view::npos) {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%",
                      absl::string_view(&"0123456789ABCDEF"[u >> 4], 1),
                      absl::string_view(&"0123456789ABCDEF"[u & 15], 1));
    }
  }
  return out;
}

// Every field of `dsn`, spelled so that Parse reads each back exactly.
std::string FormatFully(const MysqlDsn& dsn) {
  std::string out = dsn.unix_socket.empty() ? "mysql://" : "mysql+unix://";
  absl::StrAppend(&out, Encode(dsn.user), ":", Encode(dsn.password), "@");
  if (dsn.unix_socket.empty()) {
    absl::StrAppend(&out, Encode(dsn.host), ":", dsn.port, "/",
                    Encode(dsn.database));
  } else {
    absl::StrAppend(&out, Encode(dsn.unix_socket, "/"), "/",
                    Encode(dsn.database));
  }
  absl::StrAppend(&out, "?connect_timeout=", dsn.connect_timeout_seconds,
                  "&read_timeout=", dsn.read_timeout_seconds,
                  "&write_timeout=", dsn.write_timeout_seconds,
                  "&charset=", Encode(dsn.charset),
                  "&init_command=", Encode(dsn.init_command));
  return out;
}

std::string Describe(const MysqlDsn& d) {
  return absl::StrCat("user='", d.user, "' host='", d.host, "' port=", d.port,
                      " socket='", d.unix_socket, "' database='", d.database,
                      "'");
}

bool SameWhere(const MysqlDsn& a, const MysqlDsn& b) {
  return a.user == b.user && a.host == b.host && a.port == b.port &&
         a.unix_socket == b.unix_socket && a.database == b.database;
}

bool SameOptions(const MysqlDsn& a, const MysqlDsn& b) {
  return a.connect_timeout_seconds == b.connect_timeout_seconds &&
         a.read_timeout_seconds == b.read_timeout_seconds &&
         a.write_timeout_seconds == b.write_timeout_seconds &&
         a.charset == b.charset && a.init_command == b.init_command;
}

void CheckAccepted(const MysqlDsn& dsn) {
  const std::string full = FormatFully(dsn);
  const absl::StatusOr<MysqlDsn> again = MysqlDsn::Parse(full);
  FuzzRequire(
      again.ok(), "the fully formatted DSN does not parse",
      again.ok() ? "" : absl::StrCat(full, ": ", again.status().message()));
  FuzzRequire(SameWhere(dsn, *again) && dsn.password == again->password &&
                  SameOptions(dsn, *again),
              "the fully formatted DSN parses to other fields",
              absl::StrCat(Describe(dsn), " vs ", Describe(*again)));

  const std::string shown = dsn.ToString();
  const absl::StatusOr<MysqlDsn> from_shown = MysqlDsn::Parse(shown);
  FuzzRequire(from_shown.ok(), "ToString() is not a DSN that parses",
              from_shown.ok()
                  ? ""
                  : absl::StrCat(shown, ": ", from_shown.status().message()));
  FuzzRequire(
      SameWhere(dsn, *from_shown) &&
          from_shown->password == (dsn.password.empty() ? "" : "***") &&
          SameOptions(MysqlDsn(), *from_shown),
      "ToString() parses to other fields",
      absl::StrCat(shown, ": ", Describe(dsn), " vs ", Describe(*from_shown)));
}

// A part of a DSN: bytes mostly from an alphabet rich in separators.
std::string Part(FuzzInput& in, size_t max_size) {
  static constexpr absl::string_view kAlphabet =
      "ab09:/@?#%&=[]+. \x01\xc3\xa9";
  std::string out;
  for (size_t n = in.Pick(max_size + 1); n > 0 && !in.empty(); --n) {
    const uint8_t byte = in.Byte();
    out.push_back(byte < 0xC0 ? kAlphabet[byte % kAlphabet.size()]
                              : static_cast<char>(byte));
  }
  return out;
}

std::string BuildDsn(FuzzInput& in, std::string* password) {
  std::string text = in.Bool() ? "mysql://" : "mysql+unix://";
  const std::string user = Part(in, 6);
  *password = absl::StrCat(kPasswordMarker, Part(in, 8));
  absl::StrAppend(&text, user, ":", *password, "@");
  if (absl::StartsWith(text, "mysql://")) {
    absl::StrAppend(&text, in.Bool() ? "[::1]" : Part(in, 8));
    if (in.Bool()) absl::StrAppend(&text, ":", Part(in, 6));
  } else {
    absl::StrAppend(&text, "/", Part(in, 10));
  }
  if (in.Bool()) absl::StrAppend(&text, "/", Part(in, 8));
  if (in.Bool()) {
    static constexpr const char* kNames[] = {"connect_timeout", "read_timeout",
                                             "write_timeout",   "charset",
                                             "init_command",    "bogus"};
    absl::StrAppend(&text, "?");
    for (size_t n = in.Pick(3) + 1; n > 0; --n) {
      const char* name = kNames[in.Pick(6)];
      absl::StrAppend(&text, name, "=", Part(in, 6), n > 1 ? "&" : "");
    }
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const bool structured = in.Bool();
  std::string password;
  const std::string text = structured ? BuildDsn(in, &password) : in.Rest();
  const absl::StatusOr<MysqlDsn> dsn = MysqlDsn::Parse(text);
  if (!dsn.ok()) {
    FuzzRequire(
        dsn.status().code() == absl::StatusCode::kInvalidArgument &&
            absl::StartsWith(dsn.status().message(), "malformed MySQL DSN: "),
        "a rejected DSN is not InvalidArgument \"malformed MySQL DSN\"",
        dsn.status().ToString());
    FuzzRequire(!structured ||
                    !absl::StrContains(dsn.status().message(), kPasswordMarker),
                "an error message shows the password",
                absl::StrCat(text, " -> ", dsn.status().message()));
    return 0;
  }
  CheckAccepted(*dsn);
  return 0;
}
