// Copyright 2026 The multirun Authors.
//
// CSV encoding (RFC 4180), the CSV format of fao.h.
//
// Records end with CRLF. A field is quoted when it contains a comma, a double
// quote, CR or LF, and a double quote inside a quoted field is doubled; every
// other field is written as is. Text is UTF-8 (validated; no BOM). Cells are
// written as CellToString() says (table.h): null is an empty field, bools
// are "true"/"false", doubles the shortest text that reads back exactly. A
// record of one empty field is written `""`, so that it is not an empty line
// (which readers such as Python's csv module take for a row of no fields).
// Python's `csv.reader` reads back exactly the strings written.
//
// This file encodes into memory; writing files, atomically and durably, is
// fao.h's (and durable_file.h's) job.
//
// Example:
//
//   std::string bytes;
//   absl::Status s =
//       multirun::fao::AppendCsv(table, /*include_header=*/true, &bytes);
//
// Thread-safety: the functions are pure; call them from any thread at once.
//
// Functions: AppendCsv(), EncodeCsv(), AppendCsvField().

#ifndef MULTIRUN_PERSISTENCE_FAO_CSV_H_
#define MULTIRUN_PERSISTENCE_FAO_CSV_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/fao/table.h"

namespace multirun {
namespace fao {

// Validates `table` (ValidateTable) and appends its CSV records to `*out`:
// the header first when `include_header` and the table has one, then every
// row. On InvalidArgument `*out` is unchanged. Never blocks.
absl::Status AppendCsv(const Table& table, bool include_header,
                       std::string* out);

// As AppendCsv, into a new string.
absl::StatusOr<std::string> EncodeCsv(const Table& table,
                                      bool include_header = true);

// Appends one field, quoted if RFC 4180 requires it. No validation.
void AppendCsvField(absl::string_view field, std::string* out);

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_CSV_H_
