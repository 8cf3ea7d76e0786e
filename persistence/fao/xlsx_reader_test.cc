// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/xlsx_reader.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/persistence/fao/internal/xlsx_fixtures.h"
#include "multirun/persistence/fao/xlsx.h"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

class XlsxReaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fao_internal::NewTestDir());
    const absl::Status made = fao_internal::MakeXlsxFixtures(*dir_);
    ASSERT_TRUE(made.ok()) << made;
  }
  static void TearDownTestSuite() { delete dir_; }

  static absl::StatusOr<XlsxSheet> Parse(const std::string& name,
                                         size_t max_columns = 5) {
    absl::StatusOr<std::string> bytes = ReadFile(*dir_ + "/" + name);
    if (!bytes.ok()) return bytes.status();
    return ParseXlsxSheet(*bytes, "Sheet1", max_columns);
  }

  static std::string* dir_;
};

std::string* XlsxReaderTest::dir_ = nullptr;

TEST_F(XlsxReaderTest, ReadsWhatOpenpyxlWrote) {
  absl::StatusOr<XlsxSheet> sheet = Parse("openpyxl.xlsx");
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  EXPECT_EQ(sheet->width, 5u);
  ASSERT_EQ(sheet->rows.size(), 3u);
  EXPECT_EQ(sheet->rows[0],
            (Row{std::string("id"), std::string("name"), std::string("ok"),
                 std::string("x"), std::string("none")}));
  EXPECT_EQ(sheet->rows[1], (Row{int64_t{1}, std::string("a,\"b\"\nc é 日本"),
                                 true, 0.25, Cell()}));
  // An integral number within ±2^53 is an int64.
  EXPECT_EQ(sheet->rows[2], (Row{int64_t{-9007199254740992}, std::string("z"),
                                 false, int64_t{-15000000000}, int64_t{7}}));
}

TEST_F(XlsxReaderTest, ReadsEveryCellKind) {
  absl::StatusOr<XlsxSheet> sheet = Parse("typed.xlsx");
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  EXPECT_EQ(sheet->width, 5u);
  ASSERT_EQ(sheet->rows.size(), 4u);
  // Shared strings (escaped, rich text without its phonetic run), an inline
  // rich string, a string value, an empty cell.
  EXPECT_EQ(sheet->rows[0],
            (Row{std::string("plain & <escaped>"), std::string("rich text"),
                 std::string("inline "), std::string("by value"), Cell()}));
  // Cells without references follow each other; booleans, numbers.
  EXPECT_EQ(sheet->rows[1],
            (Row{true, false, int64_t{15000000000}, 0.1, int64_t{-42}}));
  // Row 3 has no cells: a row of nulls. Beyond 2^53 a number is a double.
  EXPECT_EQ(sheet->rows[2], Row(5));
  EXPECT_EQ(sheet->rows[3], (Row{Cell(), 1e16, Cell(), Cell(), Cell()}));
}

TEST_F(XlsxReaderTest, ReadsBackWhatWriteXlsxWrote) {
  Table table{
      std::vector<std::string>{"a", "", "c"},
      {{int64_t{1}, Cell(), std::string("")}, {Cell(), 2.5, std::string("x")}}};
  const std::string path = fao_internal::NewTestDir() + "/w.xlsx";
  ASSERT_TRUE(ReplaceFile(path, [&](int, const std::string& temp) {
                return WriteXlsx(temp, table, "Sheet1");
              }).ok());
  absl::StatusOr<XlsxSheet> sheet =
      ParseXlsxSheet(*ReadFile(path), "Sheet1", 3);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  // Nulls and empty strings are blank cells, so the width is the table's.
  EXPECT_EQ(sheet->width, 3u);
  ASSERT_EQ(sheet->rows.size(), 3u);
  EXPECT_EQ(sheet->rows[0], (Row{std::string("a"), Cell(), std::string("c")}));
  EXPECT_EQ(sheet->rows[1], (Row{int64_t{1}, Cell(), Cell()}));
  EXPECT_EQ(sheet->rows[2], (Row{Cell(), 2.5, std::string("x")}));
}

TEST_F(XlsxReaderTest, DecodesCharacterEscapes) {
  absl::StatusOr<XlsxSheet> sheet = Parse("escaped.xlsx");
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_EQ(sheet->rows.size(), 1u);
  // "_X0041_" (capital X), malformed escapes and escapes of U+0000, a
  // surrogate or U+FFFF stay as they are.
  EXPECT_EQ(sheet->rows[0],
            (Row{std::string("a\r\nb"), std::string("x\x01y\u00e9_X0041_"),
                 std::string(
                     "_x0041_ _x12_ _x00zz_ _xD800_ _x0000_ _xFFFF_ \ufffd")}));
}

// Strings with characters XML cannot hold, and a text that reads as an
// escape, come back as they were written.
TEST_F(XlsxReaderTest, EscapedStringsRoundTrip) {
  const std::vector<std::string> texts = {
      "a\r\nb",     "x\x01y",     "_x0041_", "_x005F_", "tab\there",
      "_x00_",      "A_",         "_xD800_", "_x0000_", "_xFFFF_",
      "_x1234\x01", "_x0041\r\n", "_x0041\t"};
  Table table{texts, {{}}};
  for (const std::string& text : texts) table.rows[0].push_back(text);
  const std::string path = fao_internal::NewTestDir() + "/escaped.xlsx";
  ASSERT_TRUE(ReplaceFile(path, [&](int, const std::string& temp) {
                return WriteXlsx(temp, table, "Sheet1");
              }).ok());
  absl::StatusOr<XlsxSheet> sheet =
      ParseXlsxSheet(*ReadFile(path), "Sheet1", texts.size());
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_EQ(sheet->rows.size(), 2u);
  for (size_t c = 0; c < texts.size(); ++c) {
    EXPECT_EQ(sheet->rows[0][c], Cell(texts[c])) << c;
    EXPECT_EQ(sheet->rows[1][c], Cell(texts[c])) << c;
  }
}

// libxlsxwriter writes a number with 16 significant digits: a double that
// needs 17 reads back as the double nearest to its 16-digit form (0.1 + 0.2
// is not 0.3 but reads back as 0.3), one that needs at most 16 exactly.
TEST_F(XlsxReaderTest, DoublesKeepSixteenSignificantDigits) {
  const std::vector<double> values = {0.1 + 0.2, 1.0 / 3, 2.5, 0.1,
                                      1.2345678901234567e300};
  Table table{std::nullopt, {{}}};
  for (double value : values) table.rows[0].push_back(value);
  const std::string path = fao_internal::NewTestDir() + "/doubles.xlsx";
  ASSERT_TRUE(ReplaceFile(path, [&](int, const std::string& temp) {
                return WriteXlsx(temp, table, "Sheet1");
              }).ok());
  absl::StatusOr<XlsxSheet> sheet =
      ParseXlsxSheet(*ReadFile(path), "Sheet1", values.size());
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_EQ(sheet->rows.size(), 1u);
  for (size_t c = 0; c < values.size(); ++c) {
    char sixteen[32];
    std::snprintf(sixteen, sizeof(sixteen), "%.16g", values[c]);
    EXPECT_EQ(sheet->rows[0][c], Cell(std::strtod(sixteen, nullptr))) << c;
  }
  EXPECT_EQ(sheet->rows[0][0], Cell(0.3));
  EXPECT_NE(0.1 + 0.2, 0.3);
  EXPECT_EQ(sheet->rows[0][2], Cell(2.5));
  EXPECT_EQ(sheet->rows[0][3], Cell(0.1));
}

struct BadWorkbook {
  const char* file;
  absl::StatusCode code;
  const char* says;
};

TEST_F(XlsxReaderTest, BadWorkbooksGetAClearStatus) {
  const BadWorkbook cases[] = {
      {"not_zip.xlsx", absl::StatusCode::kInvalidArgument, "not a ZIP package"},
      {"not_workbook.xlsx", absl::StatusCode::kInvalidArgument,
       "not an XLSX workbook: the package has no officeDocument"},
      {"chart_sheet.xlsx", absl::StatusCode::kFailedPrecondition,
       "sheet \"Sheet1\" is a chart sheet"},
      {"bad_xml.xlsx", absl::StatusCode::kInvalidArgument,
       "xl/worksheets/sheet1.xml is not well-formed XML: mismatched tag"},
      {"doctype.xlsx", absl::StatusCode::kInvalidArgument,
       "document type declaration"},
      {"crc.xlsx", absl::StatusCode::kInvalidArgument,
       "xl/worksheets/sheet1.xml is corrupt: CRC error"},
      {"bad_reference.xlsx", absl::StatusCode::kInvalidArgument,
       "cell reference \"A2\" is not a cell of row 1"},
      {"cell_outside_row.xlsx", absl::StatusCode::kInvalidArgument,
       "a cell outside a row (after row 1)"},
      {"rows_out_of_order.xlsx", absl::StatusCode::kInvalidArgument,
       "row 1 comes after row 2"},
      {"shared_index.xlsx", absl::StatusCode::kInvalidArgument,
       "cell A1 has shared-string index 5 of 1, which the reader cannot type"},
      {"bad_number.xlsx", absl::StatusCode::kInvalidArgument,
       "cell A1 has number \"1e999\""},
      {"error_cell.xlsx", absl::StatusCode::kInvalidArgument,
       "cell B2 holds an error value, which the reader cannot type"},
      {"formula.xlsx", absl::StatusCode::kInvalidArgument,
       "cell B2 holds a formula"},
      {"date.xlsx", absl::StatusCode::kInvalidArgument, "cell B2 holds a date"},
      {"two_sheets.xlsx", absl::StatusCode::kFailedPrecondition,
       "the workbook has 2 sheets"},
      {"other_name.xlsx", absl::StatusCode::kInvalidArgument,
       "the workbook's sheet is \"Data\", not \"Sheet1\""},
  };
  for (const BadWorkbook& bad : cases) {
    absl::StatusOr<XlsxSheet> sheet = Parse(bad.file);
    EXPECT_EQ(sheet.status().code(), bad.code)
        << bad.file << ": " << sheet.status();
    EXPECT_THAT(sheet.status().message(), HasSubstr(bad.says)) << bad.file;
  }
}

TEST_F(XlsxReaderTest, CellBeyondMaxColumnsIsRefused) {
  absl::StatusOr<XlsxSheet> sheet = Parse("openpyxl.xlsx", /*max_columns=*/2);
  EXPECT_EQ(sheet.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sheet.status().message(),
              HasSubstr("cell C1 is in column 3; at most 2 columns"));
}

// A cell in the last row and column of a tiny sheet would pad it to
// 1,048,576 x 16,384 cells: ResourceExhausted, nothing allocated for it.
TEST_F(XlsxReaderTest, FarCellIsResourceExhausted) {
  for (const auto& [file, columns] :
       {std::pair<const char*, size_t>{"far_cell.xlsx", 16384},
        std::pair<const char*, size_t>{"far_row.xlsx", 5}}) {
    absl::StatusOr<XlsxSheet> sheet = Parse(file, columns);
    EXPECT_EQ(sheet.status().code(), absl::StatusCode::kResourceExhausted)
        << file << ": " << sheet.status();
    EXPECT_THAT(sheet.status().message(),
                HasSubstr("rows of " + std::to_string(columns) + " columns"))
        << file;
    EXPECT_THAT(sheet.status().message(), HasSubstr("xl/worksheets/sheet1.xml"))
        << file;
  }
}

TEST_F(XlsxReaderTest, EmptyAndTruncatedBytes) {
  EXPECT_EQ(ParseXlsxSheet("", "Sheet1", 5).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string whole = *ReadFile(*dir_ + "/openpyxl.xlsx");
  for (size_t keep : {size_t{4}, whole.size() / 2, whole.size() - 1}) {
    absl::StatusOr<XlsxSheet> sheet =
        ParseXlsxSheet(whole.substr(0, keep), "Sheet1", 5);
    EXPECT_EQ(sheet.status().code(), absl::StatusCode::kInvalidArgument)
        << keep << ": " << sheet.status();
  }
}

}  // namespace
}  // namespace fao
}  // namespace multirun
