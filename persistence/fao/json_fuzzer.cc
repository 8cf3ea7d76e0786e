// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the JSON writer (EncodeJson) and its reader
// (ParseJson).
//
// The input chooses a Table (internal/fuzz_table.h) and a style (an array
// or JSON Lines). The oracle:
//   - EncodeJson fails exactly when the table breaks table.h's rules or its
//     header repeats a name (checked here without the library), with
//     InvalidArgument;
//   - otherwise a strict RFC 8259 reader written here (UTF-8 checked,
//     escapes and surrogate pairs decoded) reads every row back: an object
//     with the header's names in order, or an array; each cell null,
//     true/false, the integer, a number with a fraction or an exponent that
//     reads back as the same double bit for bit, or the string;
//   - ParseJson reads the text back to the same cells (and header, when
//     there is a row to carry it).
// A second mode (first byte odd) hands the rest of the input to ParseJson
// as text: it returns a Table or InvalidArgument, never crashes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/persistence/fao/internal/fuzz_table.h"
#include "multirun/persistence/fao/json.h"
#include "multirun/persistence/fao/table.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace {

using multirun::FuzzInput;
using multirun::FuzzRequire;
using multirun::fao::Cell;
using multirun::fao::JsonStyle;
using multirun::fao::Table;

// A JSON value as this reader keeps it: a scalar's token, a string's
// decoded text, or the members of an array or object.
struct Value {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  std::string text;  // "true"/"false", the number's token, the string.
  std::vector<std::string> keys;  // an object's, one per item
  std::vector<Value> items;       // an array's or an object's
};

class Reader {
 public:
  explicit Reader(absl::string_view text) : text_(text) {}

  std::optional<Value> Document() {
    std::optional<Value> value = Parse(0);
    SkipSpace();
    if (!value.has_value() || i_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void SkipSpace() {
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t' ||
                                 text_[i_] == '\n' || text_[i_] == '\r')) {
      ++i_;
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  std::optional<Value> Parse(int depth) {
    if (depth > 8) return std::nullopt;
    SkipSpace();
    if (i_ >= text_.size()) return std::nullopt;
    Value value;
    const char c = text_[i_];
    if (c == 'n') {
      if (!Literal("null")) return std::nullopt;
    } else if (c == 't' || c == 'f') {
      value.kind = Value::kBool;
      value.text = c == 't' ? "true" : "false";
      if (!Literal(value.text)) return std::nullopt;
    } else if (c == '"') {
      value.kind = Value::kString;
      if (!String(&value.text)) return std::nullopt;
    } else if (c == '[' || c == '{') {
      value.kind = c == '[' ? Value::kArray : Value::kObject;
      const char close = c == '[' ? ']' : '}';
      ++i_;
      SkipSpace();
      if (i_ < text_.size() && text_[i_] == close) {
        ++i_;
        return value;
      }
      while (true) {
        std::string key;
        if (value.kind == Value::kObject) {
          SkipSpace();
          if (!String(&key)) return std::nullopt;
          SkipSpace();
          if (!Literal(":")) return std::nullopt;
        }
        std::optional<Value> member = Parse(depth + 1);
        if (!member.has_value()) return std::nullopt;
        if (value.kind == Value::kObject) value.keys.push_back(std::move(key));
        value.items.push_back(*std::move(member));
        SkipSpace();
        if (Literal(",")) continue;
        if (!Literal(absl::string_view(&close, 1))) return std::nullopt;
        break;
      }
    } else {
      value.kind = Value::kNumber;
      if (!Number(&value.text)) return std::nullopt;
    }
    return value;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number(std::string* token) {
    const size_t start = i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') ++i_;
      return i_ > from;
    };
    Literal("-");
    if (Literal("0")) {
    } else if (!digits()) {
      return false;
    }
    if (Literal(".") && !digits()) return false;
    if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
      ++i_;
      if (!Literal("+")) Literal("-");
      if (!digits()) return false;
    }
    *token = std::string(text_.substr(start, i_ - start));
    return true;
  }

  static void AppendUtf8(uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  bool Hex4(uint32_t* code) {
    if (i_ + 4 > text_.size()) return false;
    *code = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = text_[i_++];
      int digit;
      if (h >= '0' && h <= '9') {
        digit = h - '0';
      } else if (h >= 'a' && h <= 'f') {
        digit = h - 'a' + 10;
      } else if (h >= 'A' && h <= 'F') {
        digit = h - 'A' + 10;
      } else {
        return false;
      }
      *code = *code * 16 + static_cast<uint32_t>(digit);
    }
    return true;
  }

  bool String(std::string* out) {
    if (!Literal("\"")) return false;
    std::string raw;
    while (true) {
      if (i_ >= text_.size()) return false;
      const char c = text_[i_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        raw.push_back(c);
        continue;
      }
      if (i_ >= text_.size()) return false;
      const char e = text_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          raw.push_back(e);
          break;
        case 'b':
          raw.push_back('\b');
          break;
        case 'f':
          raw.push_back('\f');
          break;
        case 'n':
          raw.push_back('\n');
          break;
        case 'r':
          raw.push_back('\r');
          break;
        case 't':
          raw.push_back('\t');
          break;
        case 'u': {
          uint32_t code;
          if (!Hex4(&code)) return false;
          if (code >= 0xDC00 && code <= 0xDFFF) return false;  // Lone low.
          if (code >= 0xD800 && code <= 0xDBFF) {
            uint32_t low;
            if (!Literal("\\u") || !Hex4(&low) || low < 0xDC00 ||
                low > 0xDFFF) {
              return false;
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(code, &raw);
          break;
        }
        default:
          return false;
      }
    }
    if (!multirun::fao_internal::IsUtf8(raw)) return false;
    *out = std::move(raw);
    return true;
  }

  absl::string_view text_;
  size_t i_ = 0;
};

bool SameDouble(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

// Whether `value` is how EncodeJson must write `cell`.
bool CellMatches(const Value& value, const Cell& cell) {
  switch (cell.index()) {
    case 0:
      return value.kind == Value::kNull;
    case 1:
      return value.kind == Value::kBool &&
             value.text == (std::get<bool>(cell) ? "true" : "false");
    case 2:
      return value.kind == Value::kNumber &&
             value.text == std::to_string(std::get<int64_t>(cell));
    case 3: {
      if (value.kind != Value::kNumber ||
          value.text.find_first_of(".eE") == std::string::npos) {
        return false;  // A double must not read as an integer.
      }
      return SameDouble(std::strtod(value.text.c_str(), nullptr),
                        std::get<double>(cell));
    }
    default:
      return value.kind == Value::kString &&
             value.text == std::get<std::string>(cell);
  }
}

bool RowMatches(const Value& value, const Table& table,
                const multirun::fao::Row& row) {
  const bool object = table.header.has_value();
  if (value.kind != (object ? Value::kObject : Value::kArray) ||
      value.items.size() != row.size()) {
    return false;
  }
  for (size_t c = 0; c < row.size(); ++c) {
    if (object && value.keys[c] != (*table.header)[c]) return false;
    if (!CellMatches(value.items[c], row[c])) return false;
  }
  return true;
}

bool SameCell(const Cell& a, const Cell& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) {
    return SameDouble(*x, std::get<double>(b));
  }
  return a == b;
}

void CheckWriter(FuzzInput& in) {
  const JsonStyle style = in.Bool() ? JsonStyle::kLines : JsonStyle::kArray;
  const Table table = multirun::fao_internal::FuzzTable(in);
  bool valid = multirun::fao_internal::FuzzTableIsValid(table);
  if (table.header.has_value()) {
    const std::set<std::string> names(table.header->begin(),
                                      table.header->end());
    if (names.size() != table.header->size()) valid = false;
  }
  const absl::StatusOr<std::string> text =
      multirun::fao::EncodeJson(table, style);
  if (!text.ok()) {
    FuzzRequire(!valid, "EncodeJson rejected a valid table",
                text.status().ToString());
    FuzzRequire(text.status().code() == absl::StatusCode::kInvalidArgument,
                "a rejected table is not InvalidArgument",
                text.status().ToString());
    return;
  }
  FuzzRequire(valid, "EncodeJson accepted an invalid table");

  std::vector<Value> rows;
  if (style == JsonStyle::kArray) {
    FuzzRequire(!text->empty() && text->back() == '\n',
                "a JSON array does not end with a newline", *text);
    std::optional<Value> document = Reader(*text).Document();
    FuzzRequire(document.has_value() && document->kind == Value::kArray,
                "the output is not a JSON array", *text);
    rows = document->items;
  } else {
    absl::string_view rest = *text;
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      FuzzRequire(end != absl::string_view::npos,
                  "a JSON line does not end with a newline", *text);
      std::optional<Value> row = Reader(rest.substr(0, end)).Document();
      FuzzRequire(row.has_value(), "a line is not one JSON value", *text);
      rows.push_back(*std::move(row));
      rest.remove_prefix(end + 1);
    }
  }
  FuzzRequire(rows.size() == table.rows.size(),
              "the JSON holds another number of rows", *text);
  for (size_t r = 0; r < rows.size(); ++r) {
    FuzzRequire(RowMatches(rows[r], table, table.rows[r]),
                "a JSON row reads back to other cells", *text);
  }

  const absl::StatusOr<Table> parsed = multirun::fao::ParseJson(*text, style);
  FuzzRequire(parsed.ok(), "ParseJson rejects what EncodeJson wrote",
              parsed.ok() ? "" : parsed.status().ToString());
  FuzzRequire(parsed->rows.size() == table.rows.size(),
              "ParseJson reads another number of rows", *text);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const multirun::fao::Row& want = table.rows[r];
    const multirun::fao::Row& got = parsed->rows[r];
    bool same = want.size() == got.size();
    for (size_t c = 0; same && c < want.size(); ++c) {
      same = SameCell(want[c], got[c]);
    }
    FuzzRequire(same, "ParseJson reads a row back to other cells", *text);
  }
  if (!table.rows.empty()) {
    FuzzRequire(parsed->header == table.header,
                "ParseJson reads another header", *text);
  }
}

void CheckParser(FuzzInput& in) {
  const JsonStyle style = in.Bool() ? JsonStyle::kLines : JsonStyle::kArray;
  const std::string text = in.Rest();
  const absl::StatusOr<Table> table = multirun::fao::ParseJson(text, style);
  if (!table.ok()) {
    FuzzRequire(table.status().code() == absl::StatusCode::kInvalidArgument,
                "ParseJson's failure is not InvalidArgument",
                table.status().ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  if (in.Bool()) {
    CheckParser(in);
  } else {
    CheckWriter(in);
  }
  return 0;
}
