// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/csv.h"

#include <charconv>
#include <cstring>
#include <string>
#include <system_error>
#include <variant>

namespace multirun {
namespace fao {

namespace {

// Whether RFC 4180 needs `field` quoted: it holds a comma, a quote, CR or LF.
bool NeedsQuotes(absl::string_view field) {
  for (const char c : field) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

void AppendNumber(auto value, std::string* out) {
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error == std::errc()) out->append(buffer, end);
}

void AppendCell(const Cell& cell, std::string* out) {
  switch (cell.index()) {
    case 0:
      return;
    case 1:
      out->append(std::get<bool>(cell) ? "true" : "false");
      return;
    case 2:
      AppendNumber(std::get<int64_t>(cell), out);
      return;
    case 3:
      AppendNumber(std::get<double>(cell), out);
      return;
    default:
      AppendCsvField(std::get<std::string>(cell), out);
      return;
  }
}

bool IsEmptyCell(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return true;
  const auto* text = std::get_if<std::string>(&cell);
  return text != nullptr && text->empty();
}

}  // namespace

void AppendCsvField(absl::string_view field, std::string* out) {
  if (!NeedsQuotes(field)) {
    out->append(field.data(), field.size());
    return;
  }
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

absl::Status AppendCsv(const Table& table, bool include_header,
                       std::string* out) {
  absl::Status valid = ValidateTable(table);
  if (!valid.ok()) return valid;
  if (include_header && table.header.has_value()) {
    const std::vector<std::string>& header = *table.header;
    if (header.size() == 1 && header[0].empty()) {
      out->append("\"\"");
    } else {
      for (size_t c = 0; c < header.size(); ++c) {
        if (c > 0) out->push_back(',');
        AppendCsvField(header[c], out);
      }
    }
    out->append("\r\n");
  }
  // A guess at the size (eight bytes a cell), so the buffer grows once or
  // twice instead of a dozen times.
  out->reserve(out->size() + table.rows.size() * (TableWidth(table) * 8 + 2));
  for (const Row& row : table.rows) {
    if (row.size() == 1 && IsEmptyCell(row[0])) {
      out->append("\"\"\r\n");
      continue;
    }
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out->push_back(',');
      AppendCell(row[c], out);
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
