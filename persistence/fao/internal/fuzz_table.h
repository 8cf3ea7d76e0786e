// Copyright 2026 The multirun Authors.
//
// For the fuzz targets of the FAO writers: a Table built from a fuzzer's
// bytes (any width and shape, every cell type, strings with separators,
// quotes, control characters and invalid UTF-8, doubles of every bit
// pattern, rows of the wrong width), and the facts the oracles check
// against, computed without the library: whether the table is valid, and
// the text of a cell. Test-only.

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_FUZZ_TABLE_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_FUZZ_TABLE_H_

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "multirun/persistence/fao/table.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace multirun {
namespace fao_internal {

// A string mostly from an alphabet of what writers must escape, with any
// byte (invalid UTF-8 included) now and then.
inline std::string FuzzText(FuzzInput& in, size_t max_size) {
  static constexpr char kAlphabet[] =
      "a,\"\r\n\\ \t\x01\x1f/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80{}[]:";
  std::string out;
  for (size_t n = in.Pick(max_size + 1); n > 0 && !in.empty(); --n) {
    const uint8_t byte = in.Byte();
    if (byte < 0xE0) {
      out.push_back(kAlphabet[byte % (sizeof(kAlphabet) - 1)]);
    } else {
      out.push_back(static_cast<char>(in.Byte()));
    }
  }
  return out;
}

inline fao::Cell FuzzCell(FuzzInput& in) {
  switch (in.Pick(6)) {
    case 0:
      return std::monostate();
    case 1:
      return in.Bool();
    case 2:
      return static_cast<int64_t>(in.Bits<uint64_t>());
    case 3:
      return in.RawDouble();
    case 4:
      // Doubles that are short decimals, and integers held in doubles.
      return static_cast<double>(static_cast<int32_t>(in.Bits<uint32_t>())) /
             static_cast<double>(1 << in.Pick(12));
    default:
      return FuzzText(in, 10);
  }
}

// A table of up to 5 columns and 6 rows; now and then a row of another width.
inline fao::Table FuzzTable(FuzzInput& in) {
  fao::Table table;
  const size_t width = in.Pick(5);
  if (in.Bool()) {
    table.header.emplace();
    for (size_t c = 0; c < width; ++c) {
      table.header->push_back(FuzzText(in, 6));
    }
  }
  for (size_t r = in.Pick(7); r > 0; --r) {
    size_t cells = width;
    if (in.Pick(16) == 0) cells = in.Pick(6);
    fao::Row row;
    for (size_t c = 0; c < cells; ++c) row.push_back(FuzzCell(in));
    table.rows.push_back(std::move(row));
  }
  return table;
}

// Whether `text` is well-formed UTF-8 (the Unicode standard's table 3-7: no
// overlong forms, no surrogates, nothing above U+10FFFF).
inline bool IsUtf8(const std::string& text) {
  size_t i = 0;
  const size_t n = text.size();
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  while (i < n) {
    const unsigned char b = byte(i);
    size_t length;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + length > n) return false;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return false;
    for (size_t k = 2; k < length; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

// Whether ValidateTable must accept `table` (table.h's rules).
inline bool FuzzTableIsValid(const fao::Table& table) {
  size_t width = 0;
  if (table.header.has_value()) {
    for (const std::string& name : *table.header) {
      if (!IsUtf8(name)) return false;
    }
    width = table.header->size();
  } else if (!table.rows.empty()) {
    width = table.rows.front().size();
  }
  for (const fao::Row& row : table.rows) {
    if (row.size() != width) return false;
    for (const fao::Cell& cell : row) {
      if (const auto* text = std::get_if<std::string>(&cell)) {
        if (!IsUtf8(*text)) return false;
      } else if (const auto* number = std::get_if<double>(&cell)) {
        if (!std::isfinite(*number)) return false;
      }
    }
  }
  return true;
}

// The text of a cell as table.h defines it, from the standard library.
inline std::string FuzzCellText(const fao::Cell& cell) {
  switch (cell.index()) {
    case 0:
      return "";
    case 1:
      return std::get<bool>(cell) ? "true" : "false";
    case 2:
      return std::to_string(std::get<int64_t>(cell));
    case 3: {
      char buffer[64];
      const auto result = std::to_chars(buffer, buffer + sizeof(buffer),
                                        std::get<double>(cell));
      return std::string(buffer, result.ptr);
    }
    default:
      return std::get<std::string>(cell);
  }
}

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_FUZZ_TABLE_H_
