// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/table.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "multirun/persistence/fao/internal/utf8.h"

namespace multirun {
namespace fao {

namespace {

// `where` names the cell; it is called only for the error message, so that a
// valid table costs no formatting.
template <typename Where>
absl::Status CheckString(absl::string_view text, Where where) {
  if (std::optional<size_t> bad = fao_internal::FirstInvalidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where(), ": invalid UTF-8 at byte ", *bad));
  }
  return absl::OkStatus();
}

}  // namespace

size_t TableWidth(const Table& table) {
  if (table.header.has_value()) return table.header->size();
  return table.rows.empty() ? 0 : table.rows.front().size();
}

absl::Status ValidateTable(const Table& table) {
  if (table.header.has_value()) {
    for (size_t c = 0; c < table.header->size(); ++c) {
      absl::Status s = CheckString((*table.header)[c], [c] {
        return absl::StrCat("header, column ", c);
      });
      if (!s.ok()) return s;
    }
  }
  const size_t width = TableWidth(table);
  const char* against = table.header.has_value() ? "the header" : "row 0";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const Row& row = table.rows[r];
    if (row.size() != width) {
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", r, " has ", row.size(), " cells, ", against, " has ", width));
    }
    for (size_t c = 0; c < row.size(); ++c) {
      if (const auto* text = std::get_if<std::string>(&row[c])) {
        absl::Status s = CheckString(
            *text, [r, c] { return absl::StrCat("row ", r, ", column ", c); });
        if (!s.ok()) return s;
      } else if (const auto* number = std::get_if<double>(&row[c])) {
        if (!std::isfinite(*number)) {
          return absl::InvalidArgumentError(
              absl::StrCat("row ", r, ", column ", c, ": a non-finite double (",
                           *number, ")"));
        }
      }
    }
  }
  return absl::OkStatus();
}

std::string CellToString(const Cell& cell) {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(bool value) const {
      return value ? "true" : "false";
    }
    std::string operator()(int64_t value) const {
      return std::to_string(value);
    }
    std::string operator()(double value) const {
      char buffer[32];
      auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
      return error == std::errc() ? std::string(buffer, end) : "";
    }
    std::string operator()(const std::string& value) const { return value; }
  };
  return std::visit(Visitor{}, cell);
}

}  // namespace fao
}  // namespace multirun
