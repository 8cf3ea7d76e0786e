// Copyright 2026 The multirun Authors.
//
// JSON encoding through nlohmann/json, the JSON formats of fao.h.
//
// A Table becomes an array of arrays (one per row) or, when it has a header,
// an array of objects whose keys are the header's names in the header's
// order. JSON Lines (JsonStyle::kLines) writes one such array or object per
// line, each line ending in LF, so that a file can be appended to record by
// record. null, bool, int64, double and string cells become JSON null,
// true/false, integers, numbers (shortest round-trip form) and strings.
//
// ParseJson() reads back what EncodeJson wrote (fao.h appends to an existing
// JSON array file with it). Duplicate header names cannot form objects:
// InvalidArgument.
//
// Example:
//
//   absl::StatusOr<std::string> text =
//       multirun::fao::EncodeJson(table, multirun::fao::JsonStyle::kLines);
//
// Thread-safety: the functions are pure; call them from any thread at once.
//
// Enums: JsonStyle. Functions: EncodeJson(), ParseJson().

#ifndef MULTIRUN_PERSISTENCE_FAO_JSON_H_
#define MULTIRUN_PERSISTENCE_FAO_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/fao/table.h"

namespace multirun {
namespace fao {

enum class JsonStyle {
  kArray,  // One JSON document: [row, row, ...] and a final LF.
  kLines,  // JSON Lines: one row per line.
};

// Validates `table` (ValidateTable, and unique header names) and returns its
// JSON text. Never blocks.
absl::StatusOr<std::string> EncodeJson(const Table& table, JsonStyle style);

// Parses `text` written by EncodeJson(…, style) back into a Table (integers
// as int64, other numbers as double). InvalidArgument naming the problem if
// it is not such a text (nested values, mixed objects and arrays, objects
// with different keys, numbers beyond int64).
absl::StatusOr<Table> ParseJson(absl::string_view text, JsonStyle style);

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_JSON_H_
