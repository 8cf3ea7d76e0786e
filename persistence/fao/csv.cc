// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/csv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <variant>

#include "multirun/persistence/fao/internal/double_text.h"
#include "multirun/persistence/fao/internal/utf8.h"

namespace multirun {
namespace fao {

namespace {

// What a field's bytes need: RFC 4180 quotes (a comma, a quote, CR or LF),
// and a UTF-8 check (a byte >= 0x80).
constexpr uint8_t kNeedsQuotes = 1;
constexpr uint8_t kNonAscii = 2;

constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> classes{};
  for (const unsigned char c : {',', '"', '\r', '\n'}) {
    classes[c] = kNeedsQuotes;
  }
  for (int c = 0x80; c < 256; ++c) classes[c] = kNonAscii;
  return classes;
}();

uint8_t ClassOf(absl::string_view field) {
  uint8_t found = 0;
  for (const char c : field) found |= kByteClass[static_cast<unsigned char>(c)];
  return found;
}

// ClassOf for eight bytes at once (SWAR): a byte equal to `c` is a zero
// byte of w ^ c...c, and (x - 0x01..01) & ~x & 0x80..80 is nonzero exactly
// when x has a zero byte.
uint8_t ClassOfWord(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHigh = 0x8080808080808080;
  auto has = [](uint64_t word, unsigned char c) {
    const uint64_t x = word ^ (kOnes * c);
    return (x - kOnes) & ~x & kHigh;
  };
  uint8_t found = (w & kHigh) != 0 ? kNonAscii : 0;
  if ((has(w, ',') | has(w, '"') | has(w, '\r') | has(w, '\n')) != 0) {
    found |= kNeedsQuotes;
  }
  return found;
}

// Copies `field` to `at` (which has room for it) and returns its ClassOf,
// eight bytes at a time; the last word overlaps the one before it.
uint8_t CopyAndClassify(absl::string_view field, char* at) {
  const char* from = field.data();
  const size_t size = field.size();
  if (size < 8) {
    uint8_t found = 0;
    for (size_t i = 0; i < size; ++i) {
      at[i] = from[i];
      found |= kByteClass[static_cast<unsigned char>(from[i])];
    }
    return found;
  }
  uint8_t found = 0;
  uint64_t word;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::memcpy(&word, from + i, 8);
    std::memcpy(at + i, &word, 8);
    found |= ClassOfWord(word);
  }
  if (i < size) {
    std::memcpy(&word, from + size - 8, 8);
    std::memcpy(at + size - 8, &word, 8);
    found |= ClassOfWord(word);
  }
  return found;
}

// Writes the quoted form of `field` at `at`; returns the end. Room: at most
// 2 * size + 2 bytes.
char* WriteQuoted(absl::string_view field, char* at) {
  *at++ = '"';
  for (const char c : field) {
    *at++ = c;
    if (c == '"') *at++ = '"';
  }
  *at++ = '"';
  return at;
}

// The most bytes one cell's text can take.
size_t MaxCellBytes(const Cell& cell) {
  switch (cell.index()) {
    case 0:
      return 0;
    case 1:
      return 5;
    case 2:
      return 20;
    case 3:
      return fao_internal::kMaxDoubleText;
    default:
      return 2 * std::get<std::string>(cell).size() + 2;
  }
}

// Appends records to a string through a raw pointer: the string is grown
// ahead and cut to what was written by Finish(), so a byte written costs no
// capacity check, a cell one compare.
class RecordWriter {
 public:
  RecordWriter(std::string* out, size_t expected) : out_(out) {
    const size_t used = out->size();
    out->resize(used + expected);
    at_ = out->data() + used;
  }

  // The write position, with room for `bytes` more bytes after it.
  char* Room(char* at, size_t bytes) {
    if (static_cast<size_t>(out_->data() + out_->size() - at) < bytes) {
      const size_t used = static_cast<size_t>(at - out_->data());
      out_->resize(std::max(out_->size() * 2, used + bytes));
      at = out_->data() + used;
    }
    return at;
  }
  char* at() const { return at_; }
  void Finish(char* at) {
    out_->resize(static_cast<size_t>(at - out_->data()));
  }

 private:
  std::string* out_;
  char* at_;
};

// Writes one cell at `at` (room: MaxCellBytes); returns the end, or nullptr
// for a cell ValidateTable() rejects (invalid UTF-8, a non-finite double).
char* WriteCell(const Cell& cell, char* at) {
  switch (cell.index()) {
    case 0:
      return at;
    case 1:
      if (std::get<bool>(cell)) {
        std::memcpy(at, "true", 4);
        return at + 4;
      }
      std::memcpy(at, "false", 5);
      return at + 5;
    case 2:
      return std::to_chars(at, at + 20, std::get<int64_t>(cell)).ptr;
    case 3: {
      const double value = std::get<double>(cell);
      if (!std::isfinite(value)) return nullptr;
      return fao_internal::WriteDouble(value, at);
    }
    default: {
      const std::string& text = std::get<std::string>(cell);
      const uint8_t found = CopyAndClassify(text, at);
      if ((found & kNonAscii) != 0 &&
          fao_internal::FirstInvalidUtf8(text).has_value()) {
        return nullptr;
      }
      if ((found & kNeedsQuotes) != 0) return WriteQuoted(text, at);
      return at + text.size();
    }
  }
}

// Appends a header field; false (nothing appended) for invalid UTF-8.
bool AppendCheckedField(absl::string_view field, std::string* out) {
  const uint8_t found = ClassOf(field);
  if ((found & kNonAscii) != 0 &&
      fao_internal::FirstInvalidUtf8(field).has_value()) {
    return false;
  }
  AppendCsvField(field, out);
  return true;
}

bool IsEmptyCell(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return true;
  const auto* text = std::get_if<std::string>(&cell);
  return text != nullptr && text->empty();
}

}  // namespace

void AppendCsvField(absl::string_view field, std::string* out) {
  if ((ClassOf(field) & kNeedsQuotes) == 0) {
    out->append(field.data(), field.size());
    return;
  }
  const size_t used = out->size();
  out->resize(used + 2 * field.size() + 2);
  out->resize(static_cast<size_t>(WriteQuoted(field, out->data() + used) -
                                  out->data()));
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
  // twice at most.
  RecordWriter writer(out, table.rows.size() * (width * 8 + 2));
  char* at = writer.at();
  for (const Row& row : table.rows) {
    if (row.size() != width) return rejected();
    if (row.size() == 1 && IsEmptyCell(row[0])) {
      at = writer.Room(at, 4);
      std::memcpy(at, "\"\"\r\n", 4);
      at += 4;
      continue;
    }
    for (size_t c = 0; c < row.size(); ++c) {
      // One more byte than the cell: its comma, or the CR of the record's
      // end (the LF has its own room below).
      at = writer.Room(at, MaxCellBytes(row[c]) + 1);
      if (c > 0) *at++ = ',';
      at = WriteCell(row[c], at);
      if (at == nullptr) return rejected();
    }
    at = writer.Room(at, 2);
    *at++ = '\r';
    *at++ = '\n';
  }
  writer.Finish(at);
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
