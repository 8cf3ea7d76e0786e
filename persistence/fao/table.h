// Copyright 2026 The multirun Authors.
//
// Table: the data the FAO writers save, rows of typed cells with an optional
// header.
//
// A Cell is one of null, bool, int64, double or a UTF-8 string. A Row is a
// vector of cells; a Table is an optional header (column names) and rows.
// Every writer (csv.h, json.h, xlsx.h) and every saving strategy (fao.h)
// takes a Table, and validates it first with ValidateTable():
//   - with a header, every row has the header's width; without one, every row
//     has the width of the first row;
//   - every string (header names included) is valid UTF-8;
//   - every double is finite (no format here can carry NaN or infinity
//     faithfully: JSON has no such numbers, XLSX stores none).
// A violation is InvalidArgument naming the row and the column, never a
// silently truncated or dropped row.
//
// Example:
//
//   multirun::fao::Table table;
//   table.header = std::vector<std::string>{"id", "name", "score"};
//   table.rows.push_back({int64_t{1}, std::string("Ada"), 2.5});
//   table.rows.push_back({int64_t{2}, std::string("x,y"), std::monostate()});
//   absl::Status valid = multirun::fao::ValidateTable(table);  // OK
//
// Thread-safety: Cell, Row and Table are values; the functions are pure.
//
// Types: Cell, Row, Table. Functions: ValidateTable(), CellToString().

#ifndef MULTIRUN_PERSISTENCE_FAO_TABLE_H_
#define MULTIRUN_PERSISTENCE_FAO_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace multirun {
namespace fao {

// One value. std::monostate is null (an empty CSV field, JSON null, an empty
// XLSX cell).
using Cell = std::variant<std::monostate, bool, int64_t, double, std::string>;

// One row of cells.
using Row = std::vector<Cell>;

// Rows with an optional header.
struct Table {
  std::optional<std::vector<std::string>> header;
  std::vector<Row> rows;
};

// OK, or InvalidArgument naming the first problem: "row 3 has 2 cells, the
// header has 3", "row 7, column 2: invalid UTF-8 at byte 4", "row 1, column
// 0: a non-finite double (nan)". Rows are numbered from 0, in the order of
// `table.rows`; header problems say "header, column N". Never blocks.
absl::Status ValidateTable(const Table& table);

// The number of columns of `table`: the header's width, else the first row's,
// else 0.
size_t TableWidth(const Table& table);

// The text of a cell as CSV writes it: "" for null, "true"/"false", the
// decimal integer, the shortest decimal that reads back as the same double,
// the string itself.
std::string CellToString(const Cell& cell);

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_TABLE_H_
