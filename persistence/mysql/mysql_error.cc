// Copyright 2026 The multirun Authors.

#include "multirun/persistence/mysql/mysql_error.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace multirun {
namespace mysql {

bool IsConnectionLoss(unsigned int number) {
  switch (number) {
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1077:  // ER_NORMAL_SHUTDOWN
    case 1152:  // ER_ABORTING_CONNECTION
    case 1153:  // ER_NET_PACKET_TOO_LARGE (the server closes the session)
    case 1158:  // ER_NET_READ_ERROR
    case 1159:  // ER_NET_READ_INTERRUPTED
    case 1160:  // ER_NET_ERROR_ON_WRITE
    case 1161:  // ER_NET_WRITE_INTERRUPTED
    case 1927:  // ER_CONNECTION_KILLED
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2026:  // CR_SSL_CONNECTION_ERROR
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
      return true;
    default:
      return false;
  }
}

absl::StatusCode MysqlErrorCode(unsigned int number) {
  if (IsConnectionLoss(number)) return absl::StatusCode::kUnavailable;
  switch (number) {
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1142:  // ER_TABLEACCESS_DENIED_ERROR
    case 1143:  // ER_COLUMNACCESS_DENIED_ERROR
    case 1227:  // ER_SPECIFIC_ACCESS_DENIED_ERROR
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
      return absl::StatusCode::kPermissionDenied;
    case 1020:  // ER_CHECKREAD (a write conflict under snapshot isolation)
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
    case 1213:  // ER_LOCK_DEADLOCK
    case 1180:  // ER_ERROR_DURING_COMMIT
    case 1181:  // ER_ERROR_DURING_ROLLBACK
      return absl::StatusCode::kAborted;
    case 1022:  // ER_DUP_KEY
    case 1062:  // ER_DUP_ENTRY
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
    case 1007:  // ER_DB_CREATE_EXISTS
    case 1050:  // ER_TABLE_EXISTS_ERROR
      return absl::StatusCode::kAlreadyExists;
    case 1049:  // ER_BAD_DB_ERROR
    case 1146:  // ER_NO_SUCH_TABLE
    case 1051:  // ER_BAD_TABLE_ERROR
      return absl::StatusCode::kNotFound;
    case 1064:  // ER_PARSE_ERROR
    case 1149:  // ER_SYNTAX_ERROR
    case 1054:  // ER_BAD_FIELD_ERROR
    case 1136:  // ER_WRONG_VALUE_COUNT_ON_ROW
    case 1210:  // ER_WRONG_ARGUMENTS
    case 1292:  // ER_TRUNCATED_WRONG_VALUE
    case 1366:  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    case 1406:  // ER_DATA_TOO_LONG
    case 1264:  // ER_WARN_DATA_OUT_OF_RANGE
    case 1265:  // WARN_DATA_TRUNCATED
    case 1295:  // ER_UNSUPPORTED_PS
    case 2031:  // CR_PARAMS_NOT_BOUND
    case 2034:  // CR_INVALID_PARAMETER_NO
    case 2036:  // CR_UNSUPPORTED_PARAM_TYPE
      return absl::StatusCode::kInvalidArgument;
    case 1048:  // ER_BAD_NULL_ERROR
    case 1216:  // ER_NO_REFERENCED_ROW
    case 1217:  // ER_ROW_IS_REFERENCED
    case 1451:  // ER_ROW_IS_REFERENCED_2
    case 1452:  // ER_NO_REFERENCED_ROW_2
    case 1364:  // ER_NO_DEFAULT_FOR_FIELD
    case 2014:  // CR_COMMANDS_OUT_OF_SYNC
    case 1792:  // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
      return absl::StatusCode::kFailedPrecondition;
    case 1317:  // ER_QUERY_INTERRUPTED
      return absl::StatusCode::kCancelled;
    case 1969:  // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    case 3024:  // ER_QUERY_TIMEOUT (MySQL)
      return absl::StatusCode::kDeadlineExceeded;
    case 1040:  // ER_CON_COUNT_ERROR
    case 1203:  // ER_TOO_MANY_USER_CONNECTIONS
    case 1226:  // ER_USER_LIMIT_REACHED
    case 1114:  // ER_RECORD_FILE_FULL
    case 2008:  // CR_OUT_OF_MEMORY
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kUnknown;
  }
}

absl::Status MysqlStatus(unsigned int number, absl::string_view sqlstate,
                         absl::string_view message, absl::string_view context) {
  std::string text =
      absl::StrCat("MySQL error ", number, " (", sqlstate, "): ", message);
  if (!context.empty()) {
    constexpr size_t kMax = 200;
    absl::StrAppend(&text, " [", context.substr(0, kMax),
                    context.size() > kMax ? "..." : "", "]");
  }
  return absl::Status(MysqlErrorCode(number), text);
}

}  // namespace mysql
}  // namespace multirun
