// Copyright 2026 The multirun Authors.
//
// XLSX reading: the cells of an existing workbook's worksheet, so that fao.h
// can append rows to it (SaveMode::kAppend) and write it back whole.
//
// ParseXlsxSheet() opens the package with libzip, finds the workbook through
// the package's relationships (_rels/.rels, then the workbook's own), and
// reads the shared strings and the worksheet with expat. It reads values,
// not formatting: a cell becomes
//   - a string: a shared string (t="s"), an inline string (t="inlineStr",
//     rich-text runs joined, phonetic runs left out) or a formula's string
//     result stored as a value (t="str"), with OOXML's character escapes
//     decoded ("_xHHHH_", four hex digits, is U+HHHH; "_x005F_" is "_");
//   - a bool: t="b" with 0 or 1;
//   - an int64 or a double: a number (t="n" or no type); an integral number
//     within ±2^53 is an int64, any other finite number a double;
//   - null: a cell with no value, and every position without a cell.
// Anything else is a cell the reader cannot type, and InvalidArgument naming
// it: an error value (t="e"), an ISO date (t="d"), a formula (appending would
// drop it), a number that does not parse or is not finite, a shared-string
// index out of range. Formatting (fonts, number formats, column widths) is
// not read, so a workbook written back from what was read has none.
//
// The workbook must hold exactly one worksheet, named `sheet_name`: writing
// back what was read would drop any other sheet, so more than one sheet, or
// a chart sheet named `sheet_name` as the one sheet, is FailedPrecondition,
// and one sheet with another name is InvalidArgument naming both. Other bad
// input is InvalidArgument with what was wrong: not a ZIP package, a ZIP that
// is not a workbook (no officeDocument relationship, a sheet with no worksheet
// part), XML that does not parse (expat's message, line and column), a document
// type declaration (refused, so no entity is ever expanded), a row or cell
// reference out of order or beyond XLSX's limits (1,048,576 rows, 16,384
// columns), a cell beyond `max_columns`. A sheet whose rows, padded to its
// width, would hold more than max(2,097,152, 16 x its cell elements) cells (one
// cell in row 1,048,576 of an otherwise empty sheet, say) is ResourceExhausted,
// so that a small workbook cannot make the reader allocate gigabytes.
//
// Example:
//
//   absl::StatusOr<std::string> bytes = multirun::fao::ReadFile(path);
//   absl::StatusOr<multirun::fao::XlsxSheet> sheet =
//       multirun::fao::ParseXlsxSheet(*bytes, "Sheet1", /*max_columns=*/3);
//   if (!sheet.ok()) return sheet.status();
//   // sheet->rows: every row has sheet->width cells.
//
// Thread-safety: the function keeps no state; call it from any thread.
//
// Structs: XlsxSheet. Functions: ParseXlsxSheet().

#ifndef MULTIRUN_PERSISTENCE_FAO_XLSX_READER_H_
#define MULTIRUN_PERSISTENCE_FAO_XLSX_READER_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/fao/table.h"

namespace multirun {
namespace fao {

// The cells of one worksheet.
struct XlsxSheet {
  // One entry per row from row 1 to the last row that has a cell (a row
  // with no cells is a row of nulls), each padded with nulls to `width`.
  std::vector<Row> rows;
  // The columns in use: 1 + the last column that has a cell in any row
  // (an empty cell element counts); 0 for a sheet without cells.
  size_t width = 0;
};

// Reads worksheet `sheet_name` of the workbook whose bytes are `workbook`
// (see the file comment for the typing and the errors). A cell beyond column
// `max_columns` is InvalidArgument; the result then holds at most 1,048,576
// rows of `max_columns` cells, and at most the cells the file comment allows.
// Never blocks (no I/O).
absl::StatusOr<XlsxSheet> ParseXlsxSheet(absl::string_view workbook,
                                         absl::string_view sheet_name,
                                         size_t max_columns);

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_XLSX_READER_H_
