// Copyright 2026 The multirun Authors.

#include "multirun/persistence/mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "multirun/base/status_message.h"
#include "multirun/persistence/mysql/mysql_error.h"
#include "multirun/retry/outcome_unknown.h"

namespace multirun {
namespace mysql {
namespace {

using dao::Value;

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

MYSQL_TIME ToMysqlTime(const dao::DateTime& t) {
  MYSQL_TIME m;
  std::memset(&m, 0, sizeof(m));
  m.year = t.year;
  m.month = t.month;
  m.day = t.day;
  m.hour = t.hour;
  m.minute = t.minute;
  m.second = t.second;
  m.second_part = t.microsecond;
  m.neg = t.negative;
  m.time_type = MYSQL_TIMESTAMP_DATETIME;
  return m;
}

dao::DateTime FromMysqlTime(const MYSQL_TIME& m) {
  dao::DateTime t;
  t.year = m.year;
  t.month = m.month;
  t.day = m.day;
  t.hour = m.hour;
  t.minute = m.minute;
  t.second = m.second;
  t.microsecond = static_cast<int>(m.second_part);
  t.negative = m.neg;
  return t;
}

// Binds one row of parameters; the Values must outlive the execution.
class ParamBinder {
 public:
  explicit ParamBinder(absl::Span<const Value> params)
      : binds_(params.size()), cells_(params.size()) {
    for (size_t i = 0; i < params.size(); ++i) {
      MYSQL_BIND& b = binds_[i];
      std::memset(&b, 0, sizeof(b));
      Cell& c = cells_[i];
      const Value& v = params[i];
      switch (v.type()) {
        case Value::Type::kNull:
          b.buffer_type = MYSQL_TYPE_NULL;
          break;
        case Value::Type::kInt64:
          c.i = v.int64_value();
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = &c.i;
          break;
        case Value::Type::kUInt64:
          c.u = v.uint64_value();
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.is_unsigned = 1;
          b.buffer = &c.u;
          break;
        case Value::Type::kDouble:
          c.d = v.double_value();
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = &c.d;
          break;
        case Value::Type::kString:
        case Value::Type::kBytes: {
          const std::string& s = v.type() == Value::Type::kString
                                     ? v.string_value()
                                     : v.bytes_value().data;
          b.buffer_type = v.type() == Value::Type::kString ? MYSQL_TYPE_STRING
                                                           : MYSQL_TYPE_BLOB;
          b.buffer = const_cast<char*>(s.data());
          b.buffer_length = s.size();
          c.length = s.size();
          b.length = &c.length;
          break;
        }
        case Value::Type::kDateTime:
          c.t = ToMysqlTime(v.datetime_value());
          b.buffer_type = MYSQL_TYPE_DATETIME;
          b.buffer = &c.t;
          break;
      }
    }
  }
  MYSQL_BIND* binds() { return binds_.empty() ? nullptr : binds_.data(); }

 private:
  struct Cell {
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    unsigned long length = 0;  // NOLINT: the library's type
    MYSQL_TIME t;
  };
  std::vector<MYSQL_BIND> binds_;
  std::vector<Cell> cells_;
};

absl::Status CountMismatch(size_t expected, size_t got, absl::string_view sql,
                           absl::string_view where) {
  return absl::InvalidArgumentError(
      absl::StrCat("the statement has ", expected, " placeholders but ", where,
                   got, " parameters were given [", sql.substr(0, 200), "]"));
}

}  // namespace

// A streaming result of a prepared statement.
class MysqlResultSet : public dao::ResultSet {
 public:
  MysqlResultSet(MysqlConnection* owner, MYSQL_STMT* stmt, MYSQL_RES* meta,
                 std::string sql)
      : owner_(owner), stmt_(stmt), meta_(meta), sql_(std::move(sql)) {
    const unsigned int n = meta_ == nullptr ? 0 : mysql_num_fields(meta_);
    MYSQL_FIELD* fields =
        meta_ == nullptr ? nullptr : mysql_fetch_fields(meta_);
    auto names = std::make_shared<std::vector<std::string>>();
    binds_.resize(n);
    cols_.resize(n);
    for (unsigned int i = 0; i < n; ++i) {
      const MYSQL_FIELD& f = fields[i];
      names->emplace_back(f.name, f.name_length);
      MYSQL_BIND& b = binds_[i];
      std::memset(&b, 0, sizeof(b));
      Col& c = cols_[i];
      b.is_null = &c.is_null;
      b.length = &c.length;
      b.error = &c.error;
      switch (f.type) {
        case MYSQL_TYPE_TINY:
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_LONGLONG:
        case MYSQL_TYPE_YEAR:
          c.kind = (f.flags & UNSIGNED_FLAG) ? Kind::kUInt : Kind::kInt;
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.is_unsigned = (f.flags & UNSIGNED_FLAG) ? 1 : 0;
          b.buffer = &c.i;
          break;
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE:
          c.kind = Kind::kDouble;
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = &c.d;
          break;
        case MYSQL_TYPE_DATE:
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP:
        case MYSQL_TYPE_TIME:
          c.kind = Kind::kTime;
          b.buffer_type = f.type;
          b.buffer = &c.t;
          break;
        case MYSQL_TYPE_NULL:
          c.kind = Kind::kNull;
          b.buffer_type = MYSQL_TYPE_NULL;
          break;
        default:  // strings, blobs, decimals (exact, as text), JSON, BIT...
          c.kind = (f.charsetnr == 63 && f.type != MYSQL_TYPE_NEWDECIMAL &&
                    f.type != MYSQL_TYPE_DECIMAL)
                       ? Kind::kBytes
                       : Kind::kString;
          c.buffer.resize(64);
          b.buffer_type = MYSQL_TYPE_STRING;
          b.buffer = c.buffer.data();
          b.buffer_length = c.buffer.size();
          break;
      }
    }
    columns_ = std::move(names);
    if (n > 0 && mysql_stmt_bind_result(stmt_, binds_.data()) != 0) {
      status_ = owner_->StmtError(stmt_, sql_);
    }
  }

  ~MysqlResultSet() override {
    Finish();
    if (meta_ != nullptr) mysql_free_result(meta_);
  }

  const dao::Row::Columns& columns() const override { return columns_; }

  absl::StatusOr<std::optional<dao::Row>> Next() override {
    if (!status_.ok()) return status_;
    if (detached_) {
      return absl::FailedPreconditionError(
          "the result set was discarded: a later statement ran on the same "
          "connection, or the connection was closed");
    }
    if (done_ || cols_.empty()) return std::optional<dao::Row>();
    int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) {
      Finish();
      return std::optional<dao::Row>();
    }
    if (rc == 1) {
      status_ = owner_->StmtError(stmt_, sql_);
      Finish();
      return status_;
    }
    std::vector<Value> values;
    values.reserve(cols_.size());
    bool rebind = false;
    for (size_t i = 0; i < cols_.size(); ++i) {
      Col& c = cols_[i];
      if (c.is_null) {
        values.emplace_back();
        continue;
      }
      switch (c.kind) {
        case Kind::kInt:
          values.emplace_back(c.i);
          break;
        case Kind::kUInt:
          values.emplace_back(static_cast<uint64_t>(c.i));
          break;
        case Kind::kDouble:
          values.emplace_back(c.d);
          break;
        case Kind::kTime:
          values.emplace_back(FromMysqlTime(c.t));
          break;
        case Kind::kNull:
          values.emplace_back();
          break;
        case Kind::kString:
        case Kind::kBytes: {
          if (c.length > c.buffer.size()) {
            // Truncated: grow the buffer and fetch the whole column.
            c.buffer.resize(c.length);
            MYSQL_BIND b = binds_[i];
            b.buffer = c.buffer.data();
            b.buffer_length = c.buffer.size();
            if (mysql_stmt_fetch_column(stmt_, &b, i, 0) != 0) {
              status_ = owner_->StmtError(stmt_, sql_);
              Finish();
              return status_;
            }
            binds_[i].buffer = c.buffer.data();
            binds_[i].buffer_length = c.buffer.size();
            rebind = true;
          }
          std::string s(c.buffer.data(), c.length);
          if (c.kind == Kind::kBytes) {
            values.emplace_back(dao::Bytes{std::move(s)});
          } else {
            values.emplace_back(std::move(s));
          }
          break;
        }
      }
    }
    if (rebind && mysql_stmt_bind_result(stmt_, binds_.data()) != 0) {
      status_ = owner_->StmtError(stmt_, sql_);
    }
    return std::optional<dao::Row>(dao::Row(columns_, std::move(values)));
  }

  // Discards the rest of the rows; the connection is free for the next
  // command.
  void Finish() {
    if (done_) return;
    done_ = true;
    if (owner_ != nullptr) {
      if (!owner_->IsBroken() && !owner_->abandoned_) {
        mysql_stmt_free_result(stmt_);
      }
      if (owner_->active_ == this) owner_->active_ = nullptr;
    }
  }
  // Called when the connection goes away first.
  void Detach() {
    if (!done_) detached_ = true;
    Finish();
    owner_ = nullptr;
    stmt_ = nullptr;
  }

 private:
  enum class Kind { kNull, kInt, kUInt, kDouble, kTime, kString, kBytes };
  struct Col {
    Kind kind = Kind::kNull;
    int64_t i = 0;
    double d = 0;
    MYSQL_TIME t;
    std::vector<char> buffer;
    unsigned long length = 0;  // NOLINT: the library's type
    my_bool is_null = 0;
    my_bool error = 0;
  };

  MysqlConnection* owner_;
  MYSQL_STMT* stmt_;
  MYSQL_RES* meta_;
  std::string sql_;
  dao::Row::Columns columns_;
  std::vector<MYSQL_BIND> binds_;
  std::vector<Col> cols_;
  absl::Status status_;
  bool done_ = false;
  bool detached_ = false;
};

absl::StatusOr<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(
    const MysqlDsn& dsn) {
  InitLibrary();
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return absl::ResourceExhaustedError("mysql_init failed");
  unsigned int connect_timeout = dsn.connect_timeout_seconds;
  unsigned int read_timeout = dsn.read_timeout_seconds;
  unsigned int write_timeout = dsn.write_timeout_seconds;
  my_bool reconnect = 0;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(m, MYSQL_OPT_RECONNECT, &reconnect);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, dsn.charset.c_str());
  if (!dsn.init_command.empty()) {
    mysql_optionsv(m, MYSQL_INIT_COMMAND, dsn.init_command.c_str());
  }
  unsigned int protocol =
      dsn.unix_socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  const char* host = dsn.unix_socket.empty() ? dsn.host.c_str() : "localhost";
  if (mysql_real_connect(
          m, host, dsn.user.c_str(), dsn.password.c_str(),
          dsn.database.empty() ? nullptr : dsn.database.c_str(),
          dsn.unix_socket.empty() ? dsn.port : 0,
          dsn.unix_socket.empty() ? nullptr : dsn.unix_socket.c_str(),
          0) == nullptr) {
    absl::Status s =
        MysqlStatus(mysql_errno(m), mysql_sqlstate(m), mysql_error(m),
                    absl::StrCat("connecting to ", dsn.ToString()));
    mysql_close(m);
    return s;
  }
  std::unique_ptr<MysqlConnection> c(new MysqlConnection(m));
  c->thread_id_ = mysql_thread_id(m);
  c->description_ = absl::StrCat("mysql connection ", c->thread_id_, " to ",
                                 mysql_get_host_info(m));
  unsigned long caps = 0, ext = 0;  // NOLINT: the library's type
  mariadb_get_infov(m, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps);
  mariadb_get_infov(m, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext);
  c->bulk_supported_ = !(caps & CLIENT_MYSQL) &&
                       (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
  absl::StatusOr<std::unique_ptr<dao::ResultSet>> r =
      c->Query("SELECT @@wait_timeout", {});
  if (!r.ok()) return r.status();
  absl::StatusOr<std::optional<dao::Row>> row = (*r)->Next();
  if (!row.ok()) return row.status();
  if (row->has_value()) {
    absl::StatusOr<int64_t> seconds = (**row).Get<int64_t>(0);
    if (seconds.ok() && *seconds > 0) {
      c->server_idle_timeout_ = absl::Seconds(*seconds);
    }
  }
  return c;
}

dao::ConnectionFactory MysqlConnection::Factory(MysqlDsn dsn) {
  return [dsn = std::move(
              dsn)]() -> absl::StatusOr<std::unique_ptr<dao::Connection>> {
    absl::StatusOr<std::unique_ptr<MysqlConnection>> c = Connect(dsn);
    if (!c.ok()) return c.status();
    return std::unique_ptr<dao::Connection>(*std::move(c));
  };
}

MysqlConnection::MysqlConnection(st_mysql* mysql) : mysql_(mysql) {}

MysqlConnection::~MysqlConnection() {
  if (active_ != nullptr) active_->Detach();
  if (abandoned_) return;  // the parent's handles: leaked on purpose
  CloseStatements();
  mysql_close(mysql_);
}

void MysqlConnection::AbandonAfterFork() {
  if (abandoned_) return;
  abandoned_ = true;
  broken_ = true;
  // Closing our copy of the descriptor does not end the parent's session (no
  // COM_QUIT, no shutdown()); the library's memory stays as the parent left
  // it.
  my_socket fd = mysql_get_socket(mysql_);
  if (fd >= 0) close(fd);
}

absl::Status MysqlConnection::CheckUsable() const {
  if (abandoned_) {
    return absl::FailedPreconditionError(
        absl::StrCat(description_, " belongs to the parent process"));
  }
  return absl::OkStatus();
}

absl::Status MysqlConnection::Error(absl::string_view context) {
  unsigned int number = mysql_errno(mysql_);
  if (IsConnectionLoss(number)) broken_ = true;
  return MysqlStatus(number, mysql_sqlstate(mysql_), mysql_error(mysql_),
                     context);
}

absl::Status MysqlConnection::CheckSendable(absl::string_view what) {
  // Abandoned after fork implies broken: that case is reported first.
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  if (!broken_) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat(description_, ": ", what,
                   " not executed: the connection was already lost"));
}

bool MysqlConnection::InTransaction() {
  unsigned int status = 0;
  mariadb_get_infov(mysql_, MARIADB_CONNECTION_SERVER_STATUS, &status);
  return (status & SERVER_STATUS_IN_TRANS) != 0;
}

absl::Status MysqlConnection::WriteFailure(absl::Status error,
                                           unsigned int number,
                                           uint64_t applied_before) {
  if (!IsConnectionLoss(number) && applied_before == 0) return error;
  // The status of the last statement that succeeded: whether the rows
  // applied before this failure sit in an open transaction.
  const bool in_transaction = applied_before > 0 && InTransaction();
  std::string applied;
  if (applied_before > 0) {
    applied = absl::StrCat(applied_before,
                           " rows of the call were applied before it");
  }
  std::string text(error.message());
  if (!IsConnectionLoss(number)) {
    absl::StrAppend(
        &text, "; ", applied,
        in_transaction
            ? " in the open transaction (still pending there unless the "
              "error rolled the transaction back)"
            : " and committed",
        ", so repeating the call may apply them twice; not retried unless "
        "marked idempotent");
    return MarkOutcomeUnknown(absl::Status(error.code(), text));
  }
  // Every loss in a transaction ends it: the server rolls it back.
  const absl::string_view rolled_back =
      " in the open transaction, which the server rolled back with the "
      "session";
  // CR_SERVER_GONE_ERROR: the command could not be written to the socket
  // (or the connection was already closed), so the server never received
  // it. Every other loss may have come after the server had it.
  if (number == CR_SERVER_GONE_ERROR) {
    absl::StrAppend(&text,
                    "; not executed: the connection was gone before the "
                    "statement was sent");
    if (applied_before == 0) return absl::Status(error.code(), text);
    if (in_transaction) {
      absl::StrAppend(&text, "; ", applied, rolled_back,
                      "; not retried unless marked idempotent");
    } else {
      absl::StrAppend(&text, ", but ", applied,
                      " and committed, so repeating the call would apply "
                      "them twice");
    }
  } else {
    absl::StrAppend(&text,
                    "; outcome unknown: the connection was lost after the "
                    "statement was sent, so the server may have executed it");
    if (applied_before > 0) {
      absl::StrAppend(&text, " (", applied,
                      in_transaction ? rolled_back : " and committed", ")");
    }
    absl::StrAppend(&text, "; not retried unless marked idempotent");
  }
  return MarkOutcomeUnknown(absl::Status(error.code(), text));
}

absl::Status MysqlConnection::StmtError(MYSQL_STMT* stmt,
                                        absl::string_view context) {
  unsigned int number = mysql_stmt_errno(stmt);
  if (IsConnectionLoss(number)) broken_ = true;
  return MysqlStatus(number, mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt),
                     context);
}

void MysqlConnection::FinishActive() {
  if (active_ != nullptr) active_->Detach();
  active_ = nullptr;
}

void MysqlConnection::CloseStatements() {
  for (auto& [sql, stmt] : statements_) mysql_stmt_close(stmt);
  statements_.clear();
}

absl::StatusOr<MYSQL_STMT*> MysqlConnection::Prepare(absl::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it != statements_.end()) return it->second;
  constexpr size_t kMaxCached = 128;
  if (statements_.size() >= kMaxCached) CloseStatements();
  MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
  if (stmt == nullptr) return Error(sql);
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    absl::Status s = StmtError(stmt, sql);
    if (IsConnectionLoss(mysql_stmt_errno(stmt))) {
      s = base_internal::WithMessage(
          s, absl::StrCat(s.message(),
                          "; not executed: the connection was lost "
                          "while the statement was being prepared"));
    }
    mysql_stmt_close(stmt);
    return s;
  }
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

absl::Status MysqlConnection::SimpleQuery(absl::string_view sql) {
  if (absl::Status s = CheckSendable(sql); !s.ok()) return s;
  FinishActive();
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return Error(sql);
  if (MYSQL_RES* r = mysql_store_result(mysql_)) mysql_free_result(r);
  return absl::OkStatus();
}

absl::StatusOr<dao::ExecResult> MysqlConnection::Execute(
    absl::string_view sql, absl::Span<const Value> params) {
  if (absl::Status s = CheckSendable(sql); !s.ok()) return s;
  FinishActive();
  if (params.empty()) {
    // No parameters: the text protocol runs any statement (DDL included).
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
      return WriteFailure(Error(sql), mysql_errno(mysql_), 0);
    }
    if (mysql_field_count(mysql_) > 0) {
      MYSQL_RES* r = mysql_store_result(mysql_);
      if (r == nullptr) return WriteFailure(Error(sql), mysql_errno(mysql_), 0);
      mysql_free_result(r);
    }
    return dao::ExecResult{mysql_affected_rows(mysql_),
                           mysql_insert_id(mysql_)};
  }
  absl::StatusOr<MYSQL_STMT*> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const size_t n = mysql_stmt_param_count(*stmt);
  if (n != params.size()) return CountMismatch(n, params.size(), sql, "");
  ParamBinder binder(params);
  if (mysql_stmt_bind_param(*stmt, binder.binds()) != 0) {
    return StmtError(*stmt, sql);
  }
  if (mysql_stmt_execute(*stmt) != 0) {
    return WriteFailure(StmtError(*stmt, sql), mysql_stmt_errno(*stmt), 0);
  }
  if (mysql_stmt_field_count(*stmt) > 0) mysql_stmt_free_result(*stmt);
  return dao::ExecResult{mysql_stmt_affected_rows(*stmt),
                         mysql_stmt_insert_id(*stmt)};
}

absl::StatusOr<dao::ExecResult> MysqlConnection::ExecuteRows(
    MYSQL_STMT* stmt, absl::string_view sql,
    absl::Span<const std::vector<Value>> rows, uint64_t applied_before) {
  dao::ExecResult total;
  uint64_t executed = 0;
  for (const std::vector<Value>& row : rows) {
    ParamBinder binder(row);
    if (mysql_stmt_bind_param(stmt, binder.binds()) != 0) {
      return StmtError(stmt, sql);
    }
    if (mysql_stmt_execute(stmt) != 0) {
      return WriteFailure(StmtError(stmt, sql), mysql_stmt_errno(stmt),
                          applied_before + executed);
    }
    ++executed;
    if (mysql_stmt_field_count(stmt) > 0) mysql_stmt_free_result(stmt);
    total.affected_rows += mysql_stmt_affected_rows(stmt);
    if (total.last_insert_id == 0) {
      total.last_insert_id = mysql_stmt_insert_id(stmt);
    }
  }
  return total;
}

absl::StatusOr<dao::ExecResult> MysqlConnection::ExecuteBulk(
    MYSQL_STMT* stmt, absl::string_view sql,
    absl::Span<const std::vector<Value>> rows, uint64_t applied_before) {
  const size_t columns = rows[0].size();
  const size_t count = rows.size();
  // Column-wise arrays, one per parameter.
  struct Column {
    Value::Type type = Value::Type::kNull;
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<MYSQL_TIME> times;
    std::vector<char*> pointers;
    std::vector<unsigned long> lengths;  // NOLINT: the library's type
    std::vector<char> indicators;
  };
  std::vector<Column> cols(columns);
  for (size_t j = 0; j < columns; ++j) {
    Column& c = cols[j];
    for (const std::vector<Value>& row : rows) {
      if (row[j].is_null()) continue;
      if (c.type == Value::Type::kNull) {
        c.type = row[j].type();
      } else if (c.type != row[j].type()) {
        // Mixed types: one at a time.
        return ExecuteRows(stmt, sql, rows, applied_before);
      }
    }
    c.indicators.assign(count, STMT_INDICATOR_NONE);
    switch (c.type) {
      case Value::Type::kInt64:
      case Value::Type::kUInt64:
        c.ints.resize(count);
        break;
      case Value::Type::kDouble:
        c.doubles.resize(count);
        break;
      case Value::Type::kDateTime:
        c.times.resize(count);
        break;
      case Value::Type::kString:
      case Value::Type::kBytes:
        c.pointers.resize(count);
        c.lengths.resize(count);
        break;
      case Value::Type::kNull:
        break;
    }
    for (size_t i = 0; i < count; ++i) {
      const Value& v = rows[i][j];
      if (v.is_null()) {
        c.indicators[i] = STMT_INDICATOR_NULL;
        continue;
      }
      switch (c.type) {
        case Value::Type::kInt64:
          c.ints[i] = v.int64_value();
          break;
        case Value::Type::kUInt64:
          c.ints[i] = static_cast<int64_t>(v.uint64_value());
          break;
        case Value::Type::kDouble:
          c.doubles[i] = v.double_value();
          break;
        case Value::Type::kDateTime:
          c.times[i] = ToMysqlTime(v.datetime_value());
          break;
        case Value::Type::kString:
          c.pointers[i] = const_cast<char*>(v.string_value().data());
          c.lengths[i] = v.string_value().size();
          break;
        case Value::Type::kBytes:
          c.pointers[i] = const_cast<char*>(v.bytes_value().data.data());
          c.lengths[i] = v.bytes_value().data.size();
          break;
        case Value::Type::kNull:
          break;
      }
    }
  }
  std::vector<MYSQL_BIND> binds(columns);
  for (size_t j = 0; j < columns; ++j) {
    MYSQL_BIND& b = binds[j];
    std::memset(&b, 0, sizeof(b));
    Column& c = cols[j];
    b.u.indicator = c.indicators.data();
    switch (c.type) {
      case Value::Type::kNull:
        b.buffer_type = MYSQL_TYPE_NULL;
        break;
      case Value::Type::kInt64:
      case Value::Type::kUInt64:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.is_unsigned = c.type == Value::Type::kUInt64;
        b.buffer = c.ints.data();
        break;
      case Value::Type::kDouble:
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = c.doubles.data();
        break;
      case Value::Type::kDateTime:
        b.buffer_type = MYSQL_TYPE_DATETIME;
        b.buffer = c.times.data();
        break;
      case Value::Type::kString:
      case Value::Type::kBytes:
        b.buffer_type = c.type == Value::Type::kString ? MYSQL_TYPE_STRING
                                                       : MYSQL_TYPE_BLOB;
        b.buffer = c.pointers.data();
        b.length = c.lengths.data();
        break;
    }
  }
  unsigned int array_size = static_cast<unsigned int>(count);
  dao::ExecResult result;
  absl::Status error;
  if (mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &array_size) != 0 ||
      mysql_stmt_bind_param(stmt, binds.data()) != 0) {
    error = StmtError(stmt, sql);
  } else if (mysql_stmt_execute(stmt) != 0) {
    error = WriteFailure(StmtError(stmt, sql), mysql_stmt_errno(stmt),
                         applied_before);
  } else {
    result.affected_rows = mysql_stmt_affected_rows(stmt);
    result.last_insert_id = mysql_stmt_insert_id(stmt);
  }
  // The statement is cached: make it a single-row statement again.
  unsigned int zero = 0;
  mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &zero);
  if (!error.ok()) return error;
  return result;
}

absl::StatusOr<dao::ExecResult> MysqlConnection::ExecuteMany(
    absl::string_view sql, absl::Span<const std::vector<Value>> rows) {
  if (absl::Status s = CheckSendable(sql); !s.ok()) return s;
  FinishActive();
  absl::StatusOr<MYSQL_STMT*> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const size_t n = mysql_stmt_param_count(*stmt);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != n) {
      return CountMismatch(n, rows[i].size(), sql,
                           absl::StrCat("in row ", i, " "));
    }
  }
  if (!bulk_supported_ || n == 0) return ExecuteRows(*stmt, sql, rows, 0);
  dao::ExecResult total;
  for (size_t start = 0; start < rows.size(); start += kBulkRows) {
    absl::StatusOr<dao::ExecResult> r = ExecuteBulk(
        *stmt, sql,
        rows.subspan(start, std::min(kBulkRows, rows.size() - start)), start);
    if (!r.ok()) return r.status();
    total.affected_rows += r->affected_rows;
    if (total.last_insert_id == 0) total.last_insert_id = r->last_insert_id;
  }
  return total;
}

absl::StatusOr<std::unique_ptr<dao::ResultSet>> MysqlConnection::Query(
    absl::string_view sql, absl::Span<const Value> params) {
  if (absl::Status s = CheckSendable(sql); !s.ok()) return s;
  FinishActive();
  absl::StatusOr<MYSQL_STMT*> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const size_t n = mysql_stmt_param_count(*stmt);
  if (n != params.size()) return CountMismatch(n, params.size(), sql, "");
  ParamBinder binder(params);
  if ((n > 0 && mysql_stmt_bind_param(*stmt, binder.binds()) != 0) ||
      mysql_stmt_execute(*stmt) != 0) {
    return StmtError(*stmt, sql);
  }
  MYSQL_RES* meta = mysql_stmt_result_metadata(*stmt);
  auto result =
      std::make_unique<MysqlResultSet>(this, *stmt, meta, std::string(sql));
  if (meta != nullptr) active_ = result.get();
  return std::unique_ptr<dao::ResultSet>(std::move(result));
}

absl::Status MysqlConnection::Begin() {
  return SimpleQuery("START TRANSACTION");
}

absl::Status MysqlConnection::Commit() {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  // A session lost before COMMIT reached the server took its open
  // transaction with it: repeating COMMIT on a new session cannot help.
  constexpr absl::string_view kLost =
      "COMMIT not executed: rolled back: the connection was lost before "
      "COMMIT, and the server rolls back the open transaction of a lost "
      "session";
  if (broken_) {
    return absl::AbortedError(absl::StrCat(description_, ": ", kLost));
  }
  FinishActive();
  if (mysql_commit(mysql_) != 0) {
    const unsigned int number = mysql_errno(mysql_);
    absl::Status error = Error("COMMIT");
    if (number == CR_SERVER_GONE_ERROR) {
      return absl::AbortedError(absl::StrCat(error.message(), "; ", kLost));
    }
    return WriteFailure(error, number, 0);
  }
  return absl::OkStatus();
}

absl::Status MysqlConnection::SetAutocommit(bool on) {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  FinishActive();
  if (mysql_autocommit(mysql_, on ? 1 : 0) != 0) {
    return Error(on ? "SET autocommit=1" : "SET autocommit=0");
  }
  return absl::OkStatus();
}

absl::Status MysqlConnection::Rollback() {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  FinishActive();
  if (mysql_rollback(mysql_) != 0) return Error("ROLLBACK");
  return absl::OkStatus();
}

absl::Status MysqlConnection::Ping() {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  FinishActive();
  if (mysql_ping(mysql_) != 0) {
    absl::Status s = Error("ping");
    broken_ = true;  // a failed ping means the session cannot be trusted
    return s;
  }
  return absl::OkStatus();
}

bool MysqlConnection::CheckAlive() {
  if (abandoned_ || broken_) return false;
  // A streaming result still has rows to come: the socket may be readable.
  if (active_ != nullptr) return true;
  const my_socket fd = mysql_get_socket(mysql_);
  if (fd < 0) {
    broken_ = true;
    return false;
  }
  // Between statements the server sends nothing on its own: a readable or
  // hung-up socket means it closed the session (perhaps after an error
  // packet), so the next statement would fail.
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN | POLLRDHUP;
  if (poll(&p, 1, 0) > 0 &&
      (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) {
    broken_ = true;
    return false;
  }
  return true;
}

absl::Status MysqlConnection::ResetSession(bool full) {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  FinishActive();
  if (full) {
    CloseStatements();  // the reset drops them on the server
    if (mysql_reset_connection(mysql_) != 0) return Error("reset connection");
    return absl::OkStatus();
  }
  unsigned int status = 0;
  mariadb_get_infov(mysql_, MARIADB_CONNECTION_SERVER_STATUS, &status);
  if (status & SERVER_STATUS_IN_TRANS) {
    if (mysql_rollback(mysql_) != 0) return Error("ROLLBACK");
  }
  if (!(status & SERVER_STATUS_AUTOCOMMIT)) {
    if (mysql_autocommit(mysql_, 1) != 0) return Error("SET autocommit=1");
  }
  return absl::OkStatus();
}

}  // namespace mysql
}  // namespace multirun
