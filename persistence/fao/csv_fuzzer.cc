// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the CSV writer (AppendCsv).
//
// The input chooses a Table (internal/fuzz_table.h: any shape, every cell
// type, separators, quotes, CR and LF, invalid UTF-8, NaN and infinities,
// rows of the wrong width) and whether to write the header. The oracle:
//   - AppendCsv fails exactly when the table breaks table.h's rules (checked
//     here without the library), with InvalidArgument, and then leaves the
//     output as it was;
//   - otherwise a strict RFC 4180 reader written here parses the output
//     back to the header and the rows, every field the text table.h gives
//     its cell (doubles as std::to_chars writes them).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/fao/csv.h"
#include "multirun/persistence/fao/internal/fuzz_table.h"
#include "multirun/persistence/fao/table.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace {

using multirun::FuzzInput;
using multirun::FuzzRequire;

using Record = std::vector<std::string>;

// Reads CSV as RFC 4180 defines it: records end with CRLF (the last one
// too); a field is quoted or holds no comma, quote, CR or LF; a quote in a
// quoted field is doubled. An empty line is a record of no fields (as
// Python's csv module reads it; a record of one empty field is `""`).
// nullopt when the text is not such CSV.
std::optional<std::vector<Record>> ReadCsv(absl::string_view text) {
  std::vector<Record> records;
  size_t i = 0;
  while (i < text.size()) {
    Record record;
    if (text.substr(i, 2) == "\r\n") {  // An empty line.
      records.push_back(record);
      i += 2;
      continue;
    }
    while (true) {
      std::string field;
      if (i < text.size() && text[i] == '"') {
        ++i;
        while (true) {
          if (i >= text.size()) return std::nullopt;  // Unterminated.
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          field.push_back(text[i++]);
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\r' &&
               text[i] != '\n') {
          if (text[i] == '"') return std::nullopt;  // A quote unquoted.
          field.push_back(text[i++]);
        }
      }
      record.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (text.substr(i, 2) != "\r\n") return std::nullopt;
      i += 2;
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const bool include_header = in.Bool();
  const multirun::fao::Table table = multirun::fao_internal::FuzzTable(in);
  const bool valid = multirun::fao_internal::FuzzTableIsValid(table);

  const std::string before = "prefix,kept\r\n";
  std::string out = before;
  const absl::Status status =
      multirun::fao::AppendCsv(table, include_header, &out);
  if (!status.ok()) {
    FuzzRequire(!valid, "AppendCsv rejected a valid table", status.ToString());
    FuzzRequire(status.code() == absl::StatusCode::kInvalidArgument,
                "a rejected table is not InvalidArgument", status.ToString());
    FuzzRequire(out == before, "a rejected table changed the output");
    return 0;
  }
  FuzzRequire(valid, "AppendCsv accepted an invalid table");
  FuzzRequire(out.compare(0, before.size(), before) == 0,
              "AppendCsv changed what the output held");

  const std::optional<std::vector<Record>> records =
      ReadCsv(absl::string_view(out).substr(before.size()));
  FuzzRequire(records.has_value(), "the output is not RFC 4180 CSV", out);
  std::vector<Record> expected;
  if (include_header && table.header.has_value()) {
    expected.push_back(*table.header);
  }
  for (const multirun::fao::Row& row : table.rows) {
    Record record;
    for (const multirun::fao::Cell& cell : row) {
      record.push_back(multirun::fao_internal::FuzzCellText(cell));
    }
    expected.push_back(std::move(record));
  }
  FuzzRequire(*records == expected,
              "the CSV reads back to other fields than the table's", out);
  return 0;
}
