// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/xlsx.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "multirun/persistence/fao/internal/sigxfsz_guard.h"
#include "multirun/persistence/fao/internal/utf8.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"
#include "xlsxwriter.h"

namespace multirun {
namespace fao {

namespace {

constexpr int64_t kMaxExactInteger = int64_t{1} << 53;
constexpr size_t kMaxStringLength = 32767;

absl::Status CellError(lxw_error error, size_t r, size_t c) {
  return absl::InvalidArgumentError(
      absl::StrCat("row ", r, ", column ", c,
                   ": XLSX refuses the cell: ", lxw_strerror(error)));
}

// Excel counts characters, UTF-16 code units in fact; count code points
// (a lower bound that libxlsxwriter also uses).
size_t CodePoints(const std::string& text) {
  size_t count = 0;
  for (unsigned char byte : text) count += (byte & 0xC0) != 0x80;
  return count;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

// `text` with each "_xHHHH_" in it (four hex digits, which a reader decodes
// as the character U+HHHH) escaped as "_x005F_xHHHH_" ("_x005F_" is an
// underscore), so that the text reads back as written. libxlsxwriter escapes
// the control characters, not this; and the escape it writes for a control
// character starts with "_", so "_xHHHH" before one is escaped too. An
// escape more than needed is harmless: "_x005F_" always reads as "_".
std::string EscapeEscapes(const std::string& text) {
  if (text.find("_x") == std::string::npos) return text;
  std::string escaped;
  escaped.reserve(text.size());
  for (size_t at = 0; at < text.size(); ++at) {
    if (text.size() - at >= 7 && text[at] == '_' && text[at + 1] == 'x' &&
        IsHex(text[at + 2]) && IsHex(text[at + 3]) && IsHex(text[at + 4]) &&
        IsHex(text[at + 5]) &&
        (text[at + 6] == '_' ||
         static_cast<unsigned char>(text[at + 6]) < 0x20)) {
      escaped += "_x005F";
    }
    escaped.push_back(text[at]);
  }
  return escaped;
}

// The first character of `text` that no XLSX string can hold, as "U+HHHH":
// U+0000 (XML has no escape for it, and OOXML readers leave "_x0000_" as
// text), U+FFFE and U+FFFF (not XML characters). Empty when there is none.
std::string FirstUnholdable(absl::string_view text) {
  const size_t nul = text.find('\0');
  const size_t high = text.find("\xEF\xBF");
  for (size_t at = high; at != absl::string_view::npos && at < nul;
       at = text.find("\xEF\xBF", at + 1)) {
    if (at + 2 < text.size() &&
        (text[at + 2] == '\xBE' || text[at + 2] == '\xBF')) {
      return text[at + 2] == '\xBE' ? "U+FFFE" : "U+FFFF";
    }
  }
  return nul == absl::string_view::npos ? "" : "U+0000";
}

}  // namespace

absl::Status ValidateSheetName(absl::string_view name) {
  if (name.empty() || fao_internal::FirstInvalidUtf8(name).has_value() ||
      CodePoints(std::string(name)) > 31) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sheet name \"", name, "\": must be 1 to 31 UTF-8 characters"));
  }
  if (const std::string bad = FirstUnholdable(name); !bad.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sheet name \"", absl::CHexEscape(name), "\": XLSX cannot hold ", bad));
  }
  if (name.find_first_of("[]:*?/\\") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sheet name \"", name, "\": must not contain any of []:*?/\\"));
  }
  if (name.front() == '\'' || name.back() == '\'') {
    return absl::InvalidArgumentError(absl::StrCat(
        "sheet name \"", name, "\": must not start or end with '"));
  }
  return absl::OkStatus();
}

namespace {

// libxlsxwriter is not thread-safe: workbook_close() formats the creation
// time with gmtime(), whose one static buffer two threads writing XLSX files
// at once overwrite together (TSAN: a data race in gmtime, found by
// examples/fao_strategies.cc). So one workbook is written at a time per
// process. A forked child gets the lock unlocked, whatever a thread of the
// parent (which the child does not have) was doing at the fork.
Lock& LibraryLock() {
  static Lock* lock = [] {
    pthread_atfork(nullptr, nullptr, [] { lock = new Lock(); });
    return new Lock();
  }();
  return *lock;
}

}  // namespace

absl::Status ValidateXlsxTable(const Table& table) {
  const size_t header_rows = table.header.has_value() ? 1 : 0;
  if (table.rows.size() + header_rows > LXW_ROW_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        table.rows.size(), " rows", header_rows ? " and a header" : "",
        ": XLSX holds at most ", LXW_ROW_MAX, " rows"));
  }
  if (TableWidth(table) > LXW_COL_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        TableWidth(table), " columns: XLSX holds at most ", LXW_COL_MAX));
  }
  if (table.header.has_value()) {
    for (size_t c = 0; c < table.header->size(); ++c) {
      if (CodePoints((*table.header)[c]) > kMaxStringLength) {
        return absl::InvalidArgumentError(
            absl::StrCat("header, column ", c, ": longer than ",
                         kMaxStringLength, " characters"));
      }
      if (const std::string bad = FirstUnholdable((*table.header)[c]);
          !bad.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header, column ", c, ": XLSX cannot hold ", bad, " in a string"));
      }
    }
  }
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (size_t c = 0; c < table.rows[r].size(); ++c) {
      const Cell& cell = table.rows[r][c];
      if (const auto* number = std::get_if<int64_t>(&cell)) {
        if (*number > kMaxExactInteger || *number < -kMaxExactInteger) {
          return absl::InvalidArgumentError(absl::StrCat(
              "row ", r, ", column ", c, ": ", *number,
              " is beyond ±2^53, which XLSX (doubles) cannot hold exactly"));
        }
      } else if (const auto* text = std::get_if<std::string>(&cell)) {
        if (CodePoints(*text) > kMaxStringLength) {
          return absl::InvalidArgumentError(absl::StrCat(
              "row ", r, ", column ", c, ": a string of ", CodePoints(*text),
              " characters; XLSX holds at most ", kMaxStringLength));
        }
        if (const std::string bad = FirstUnholdable(*text); !bad.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("row ", r, ", column ", c, ": XLSX cannot hold ",
                           bad, " in a string"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status WriteXlsx(const std::string& path, const Table& table,
                       absl::string_view sheet_name) {
  absl::Status valid = ValidateTable(table);
  if (!valid.ok()) return valid;
  valid = ValidateSheetName(sheet_name);
  if (!valid.ok()) return valid;
  // What libxlsxwriter would refuse, checked before anything is created.
  valid = ValidateXlsxTable(table);
  if (!valid.ok()) return valid;
  const size_t header_rows = table.header.has_value() ? 1 : 0;

  fao_internal::SigxfszGuard guard;
  LockHolder one_at_a_time(LibraryLock());
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* workbook = workbook_new_opt(path.c_str(), &options);
  if (workbook == nullptr) {
    return absl::InternalError(
        absl::StrCat("libxlsxwriter cannot create a workbook for ", path));
  }
  const std::string sheet(sheet_name);
  lxw_worksheet* worksheet = workbook_add_worksheet(workbook, sheet.c_str());
  if (worksheet == nullptr) {
    workbook_close(workbook);
    return absl::InternalError(
        absl::StrCat("libxlsxwriter cannot add sheet \"", sheet, "\""));
  }
  // A null (or empty string) cell is written as a blank cell, which
  // libxlsxwriter writes only with a format: so every row of the sheet has
  // every column, and a reader (xlsx_reader.h) sees the table's width.
  lxw_format* blank = workbook_add_format(workbook);
  absl::Status status;
  auto write_text = [&](lxw_row_t row, lxw_col_t column,
                        const std::string& text) {
    return text.empty()
               ? worksheet_write_blank(worksheet, row, column, blank)
               : worksheet_write_string(worksheet, row, column,
                                        EscapeEscapes(text).c_str(), nullptr);
  };
  if (table.header.has_value()) {
    for (size_t c = 0; c < table.header->size() && status.ok(); ++c) {
      lxw_error error =
          write_text(0, static_cast<lxw_col_t>(c), (*table.header)[c]);
      if (error != LXW_NO_ERROR) status = CellError(error, 0, c);
    }
  }
  for (size_t r = 0; r < table.rows.size() && status.ok(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + header_rows);
    for (size_t c = 0; c < table.rows[r].size() && status.ok(); ++c) {
      const Cell& cell = table.rows[r][c];
      const auto column = static_cast<lxw_col_t>(c);
      lxw_error error = LXW_NO_ERROR;
      switch (cell.index()) {
        case 0:
          error = worksheet_write_blank(worksheet, row, column, blank);
          break;
        case 1:
          error = worksheet_write_boolean(worksheet, row, column,
                                          std::get<bool>(cell), nullptr);
          break;
        case 2:
          error = worksheet_write_number(
              worksheet, row, column,
              static_cast<double>(std::get<int64_t>(cell)), nullptr);
          break;
        case 3:
          error = worksheet_write_number(worksheet, row, column,
                                         std::get<double>(cell), nullptr);
          break;
        default:
          error = write_text(row, column, std::get<std::string>(cell));
          break;
      }
      if (error != LXW_NO_ERROR) status = CellError(error, r, c);
    }
  }
  errno = 0;
  const lxw_error closed = workbook_close(workbook);
  const int error = errno;
  if (!status.ok()) return status;
  if (closed != LXW_NO_ERROR) {
    std::string message = absl::StrCat(
        "libxlsxwriter cannot write ", path, ": ", lxw_strerror(closed),
        error != 0 ? absl::StrCat(" (", strerrordesc_np(error), ")")
                   : std::string());
    if (error == EFBIG || error == ENOSPC || error == EDQUOT) {
      return absl::ResourceExhaustedError(message);
    }
    return absl::InternalError(message);
  }
  return absl::OkStatus();
}

}  // namespace fao
}  // namespace multirun
