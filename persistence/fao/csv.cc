// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/csv.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <system_error>
#include <variant>

#include "multirun/persistence/fao/internal/utf8.h"

namespace multirun {
namespace fao {

namespace {

// What one pass over a field finds: whether RFC 4180 needs it quoted (a
// comma, a quote, CR or LF) and whether it has non-ASCII bytes (then its
// UTF-8 must be checked).
struct FieldScan {
  bool needs_quotes = false;
  bool non_ascii = false;
};

FieldScan Scan(absl::string_view field) {
  FieldScan scan;
  for (const char c : field) {
    scan.needs_quotes |= c == ',' || c == '"' || c == '\r' || c == '\n';
    scan.non_ascii |= static_cast<unsigned char>(c) >= 0x80;
  }
  return scan;
}

void AppendQuoted(absl::string_view field, std::string* out) {
  out->push_back('"');
  size_t start = 0;
  for (size_t quote = field.find('"'); quote != absl::string_view::npos;
       quote = field.find('"', start)) {
    out->append(field.data() + start, quote + 1 - start);
    out->push_back('"');
    start = quote + 1;
  }
  out->append(field.data() + start, field.size() - start);
  out->push_back('"');
}

// Appends a string field; false (nothing appended) for invalid UTF-8.
bool AppendCheckedField(absl::string_view field, std::string* out) {
  const FieldScan scan = Scan(field);
  if (scan.non_ascii && fao_internal::FirstInvalidUtf8(field).has_value()) {
    return false;
  }
  if (scan.needs_quotes) {
    AppendQuoted(field, out);
  } else {
    out->append(field.data(), field.size());
  }
  return true;
}

void AppendNumber(auto value, std::string* out) {
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error == std::errc()) out->append(buffer, end);
}

// Appends a cell; false for a cell ValidateTable() rejects (invalid UTF-8, a
// non-finite double).
bool AppendCell(const Cell& cell, std::string* out) {
  switch (cell.index()) {
    case 0:
      return true;
    case 1:
      out->append(std::get<bool>(cell) ? "true" : "false");
      return true;
    case 2:
      AppendNumber(std::get<int64_t>(cell), out);
      return true;
    case 3: {
      const double value = std::get<double>(cell);
      if (!std::isfinite(value)) return false;
      AppendNumber(value, out);
      return true;
    }
    default:
      return AppendCheckedField(std::get<std::string>(cell), out);
  }
}

bool IsEmptyCell(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return true;
  const auto* text = std::get_if<std::string>(&cell);
  return text != nullptr && text->empty();
}

}  // namespace

void AppendCsvField(absl::string_view field, std::string* out) {
  if (Scan(field).needs_quotes) {
    AppendQuoted(field, out);
  } else {
    out->append(field.data(), field.size());
  }
}

absl::Status AppendCsv(const Table& table, bool include_header,
                       std::string* out) {
  // Validation and encoding in one pass: a table that fails a check is
  // dropped from `out` and ValidateTable() says what is wrong with it.
  const size_t start = out->size();
  auto rejected = [&] {
    out->resize(start);
    absl::Status status = ValidateTable(table);
    return status.ok()
               ? absl::InternalError(
                     "AppendCsv rejected a table ValidateTable() accepts")
               : status;
  };
  if (table.header.has_value()) {
    const std::vector<std::string>& header = *table.header;
    std::string* into = out;
    std::string ignored;
    if (!include_header) into = &ignored;  // Checked all the same.
    if (header.size() == 1 && header[0].empty()) {
      into->append("\"\"");
    } else {
      for (size_t c = 0; c < header.size(); ++c) {
        if (c > 0) into->push_back(',');
        if (!AppendCheckedField(header[c], into)) return rejected();
      }
    }
    into->append("\r\n");
  }
  const size_t width = TableWidth(table);
  // A guess at the size (eight bytes a cell), so the buffer grows once or
  // twice instead of a dozen times.
  out->reserve(out->size() + table.rows.size() * (width * 8 + 2));
  for (const Row& row : table.rows) {
    if (row.size() != width) return rejected();
    if (row.size() == 1 && IsEmptyCell(row[0])) {
      out->append("\"\"\r\n");
      continue;
    }
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out->push_back(',');
      if (!AppendCell(row[c], out)) return rejected();
    }
    out->append("\r\n");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeCsv(const Table& table, bool include_header) {
  std::string out;
  absl::Status s = AppendCsv(table, include_header, &out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace fao
}  // namespace multirun
