// Copyright 2026 The multirun Authors.
//
// XLSX writing through libxlsxwriter, the XLSX format of fao.h.
//
// One worksheet, named by the caller (Excel's rules: 1 to 31 characters,
// none of []:*?/\, not starting or ending with an apostrophe). The header,
// when there is one, is row 1; the rows follow. Strings are string cells,
// int64 and double number cells, bools boolean cells, nulls empty cells.
// A character XML cannot hold (a control character, a lone CR) is written
// as OOXML's "_xHHHH_" escape, and a text that reads as such an escape has
// its underscore escaped ("_x005F_"), so xlsx_reader.h reads every string
// back as written. U+0000, U+FFFE and U+FFFF have no place in an XLSX
// string: a cell, header or sheet name holding one is InvalidArgument. A
// double is written with 16 significant digits (libxlsxwriter's format): one
// that needs 17 (0.1 + 0.2) reads back as the double nearest to its 16-digit
// form (0.3), not as itself.
// XLSX stores numbers as doubles, so an int64 beyond ±2^53 would not read
// back as itself: InvalidArgument naming the cell. Strings longer than
// 32,767 characters and more than 1,048,576 rows are Excel's limits:
// InvalidArgument too.
//
// libxlsxwriter writes a whole file at once; there is no appending to an
// XLSX file. fao.h writes XLSX through ReplaceFile (durable_file.h).
// libxlsxwriter is not thread-safe (it calls gmtime()), so WriteXlsx writes
// one workbook at a time per process; other code of the process that calls
// gmtime() while a workbook is written still races with it.
//
// Example:
//
//   absl::Status s = multirun::fao::ReplaceFile(
//       "out/report.xlsx", [&](int, const std::string& temp) {
//         return multirun::fao::WriteXlsx(temp, table, "Report");
//       });
//
// Functions: WriteXlsx(), ValidateSheetName(), ValidateXlsxTable().

#ifndef MULTIRUN_PERSISTENCE_FAO_XLSX_H_
#define MULTIRUN_PERSISTENCE_FAO_XLSX_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/fao/table.h"

namespace multirun {
namespace fao {

// OK, or InvalidArgument saying why Excel would refuse `name`.
absl::Status ValidateSheetName(absl::string_view name);

// OK, or InvalidArgument naming the first thing of `table` (already valid by
// ValidateTable()) that XLSX cannot hold as written: more rows or columns
// than a sheet has, an int64 beyond ±2^53, a string longer than 32,767
// characters, or U+0000, U+FFFE or U+FFFF in a string ("row 2, column 1:
// ..."). WriteXlsx() checks it before creating the file.
absl::Status ValidateXlsxTable(const Table& table);

// Validates `table` and `sheet_name` and writes the workbook to `path`
// (replacing whatever is there; not atomically: use ReplaceFile for that).
// I/O failures name the path (ResourceExhausted when the file-size limit was
// hit). Blocks on I/O.
absl::Status WriteXlsx(const std::string& path, const Table& table,
                       absl::string_view sheet_name);

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_XLSX_H_
