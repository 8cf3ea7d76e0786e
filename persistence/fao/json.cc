// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/json.h"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace multirun {
namespace fao {

namespace {

using Json = nlohmann::ordered_json;

Json CellToJson(const Cell& cell) {
  switch (cell.index()) {
    case 0:
      return nullptr;
    case 1:
      return std::get<bool>(cell);
    case 2:
      return std::get<int64_t>(cell);
    case 3:
      return std::get<double>(cell);
    default:
      return std::get<std::string>(cell);
  }
}

Json RowToJson(const Table& table, const Row& row) {
  if (table.header.has_value()) {
    Json object = Json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      object[(*table.header)[c]] = CellToJson(row[c]);
    }
    return object;
  }
  Json array = Json::array();
  for (const Cell& cell : row) array.push_back(CellToJson(cell));
  return array;
}

absl::StatusOr<Cell> JsonToCell(const Json& value, size_t r, size_t c) {
  switch (value.type()) {
    case Json::value_t::null:
      return Cell();
    case Json::value_t::boolean:
      return Cell(value.get<bool>());
    case Json::value_t::number_integer:
      return Cell(value.get<int64_t>());
    case Json::value_t::number_unsigned: {
      const uint64_t number = value.get<uint64_t>();
      if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "row ", r, ", column ", c, ": ", number, " is beyond int64"));
      }
      return Cell(static_cast<int64_t>(number));
    }
    case Json::value_t::number_float:
      return Cell(value.get<double>());
    case Json::value_t::string:
      return Cell(value.get<std::string>());
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", r, ", column ", c, ": a nested value is not a cell"));
  }
}

// Adds one parsed row (an array or an object) to `table`.
absl::Status AddRow(const Json& row, size_t r, Table& table) {
  Row cells;
  if (row.is_object()) {
    if (r == 0) {
      table.header.emplace();
      for (const auto& [key, value] : row.items()) {
        table.header->push_back(key);
      }
    } else if (!table.header.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", r, " is an object, row 0 an array"));
    }
    size_t c = 0;
    for (const auto& [key, value] : row.items()) {
      if (c >= table.header->size() || (*table.header)[c] != key) {
        return absl::InvalidArgumentError(absl::StrCat(
            "row ", r, ": its keys differ from row 0's at \"", key, "\""));
      }
      absl::StatusOr<Cell> cell = JsonToCell(value, r, c);
      if (!cell.ok()) return cell.status();
      cells.push_back(*std::move(cell));
      ++c;
    }
  } else if (row.is_array()) {
    if (table.header.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", r, " is an array, row 0 an object"));
    }
    for (size_t c = 0; c < row.size(); ++c) {
      absl::StatusOr<Cell> cell = JsonToCell(row[c], r, c);
      if (!cell.ok()) return cell.status();
      cells.push_back(*std::move(cell));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("row ", r, " is neither an array nor an object"));
  }
  table.rows.push_back(std::move(cells));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> EncodeJson(const Table& table, JsonStyle style) {
  absl::Status valid = ValidateTable(table);
  if (!valid.ok()) return valid;
  if (table.header.has_value()) {
    std::set<absl::string_view> names;
    for (const std::string& name : *table.header) {
      if (!names.insert(name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("header: \"", name,
                         "\" appears twice; JSON objects need "
                         "unique keys"));
      }
    }
  }
  std::string out;
  if (style == JsonStyle::kLines) {
    for (const Row& row : table.rows) {
      out += RowToJson(table, row).dump();
      out.push_back('\n');
    }
    return out;
  }
  out.push_back('[');
  for (size_t r = 0; r < table.rows.size(); ++r) {
    if (r > 0) out.push_back(',');
    out += RowToJson(table, table.rows[r]).dump();
  }
  out += "]\n";
  return out;
}

absl::StatusOr<Table> ParseJson(absl::string_view text, JsonStyle style) {
  Table table;
  if (style == JsonStyle::kLines) {
    size_t r = 0;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (line.empty()) continue;
      Json row = Json::parse(line.begin(), line.end(), nullptr,
                             /*allow_exceptions=*/false);
      if (row.is_discarded()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", r, " is not JSON"));
      }
      absl::Status added = AddRow(row, r++, table);
      if (!added.ok()) return added;
    }
    return table;
  }
  Json document = Json::parse(text.begin(), text.end(), nullptr,
                              /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_array()) {
    return absl::InvalidArgumentError("not a JSON array of rows");
  }
  for (size_t r = 0; r < document.size(); ++r) {
    absl::Status added = AddRow(document[r], r, table);
    if (!added.ok()) return added;
  }
  return table;
}

}  // namespace fao
}  // namespace multirun
