// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/table.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/internal/utf8.h"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

TEST(ValidateTableTest, AcceptsConsistentRows) {
  Table table{std::vector<std::string>{"a", "b"},
              {{int64_t{1}, std::string("é")}, {Cell(), true}}};
  EXPECT_TRUE(ValidateTable(table).ok());
}

TEST(ValidateTableTest, RowWiderThanHeaderNamesTheRow) {
  Table table{std::vector<std::string>{"a", "b"},
              {{int64_t{1}, int64_t{2}}, {int64_t{1}, int64_t{2}, int64_t{3}}}};
  absl::Status s = ValidateTable(table);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 1 has 3 cells, the header has 2"));
}

TEST(ValidateTableTest, WithoutHeaderRowsMustMatchTheFirst) {
  Table table{std::nullopt, {{int64_t{1}}, {int64_t{1}}, {}}};
  absl::Status s = ValidateTable(table);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 2 has 0 cells, row 0 has 1"));
}

TEST(ValidateTableTest, InvalidUtf8NamesRowColumnAndByte) {
  Table table{std::nullopt, {{std::string("ok"), std::string("ab\xC3")}}};
  absl::Status s = ValidateTable(table);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("row 0, column 1: invalid UTF-8 at byte 2"));
}

TEST(ValidateTableTest, InvalidUtf8InHeader) {
  Table table{std::vector<std::string>{"\xFF"}, {}};
  EXPECT_THAT(ValidateTable(table).message(), HasSubstr("header, column 0"));
}

TEST(ValidateTableTest, NonFiniteDoubleIsRejected) {
  Table table{std::nullopt,
              {{1.0}, {std::numeric_limits<double>::quiet_NaN()}}};
  absl::Status s = ValidateTable(table);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 1, column 0: a non-finite double"));
  table.rows[1][0] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ValidateTable(table).code(), absl::StatusCode::kInvalidArgument);
}

TEST(Utf8Test, FindsTheBadByteBehindLongAsciiRuns) {
  // The validator skips ASCII eight bytes at a time: bad bytes at every
  // offset around and inside those words, and multi-byte characters that
  // straddle them.
  using fao_internal::FirstInvalidUtf8;
  for (size_t prefix = 0; prefix < 20; ++prefix) {
    const std::string ascii(prefix, 'a');
    EXPECT_EQ(FirstInvalidUtf8(ascii + "\xFF" + std::string(9, 'b')), prefix)
        << prefix;
    EXPECT_EQ(FirstInvalidUtf8(ascii + "\xE2\x82"), prefix) << prefix;
    EXPECT_EQ(FirstInvalidUtf8(ascii + "\xE2\x82\xAC" + std::string(9, 'c')),
              std::nullopt)
        << prefix;
  }
}

TEST(Utf8Test, WellFormedAndMalformedSequences) {
  using fao_internal::FirstInvalidUtf8;
  EXPECT_EQ(FirstInvalidUtf8("plain ascii"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
            std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("\xC0\xAF"), 0u);          // Overlong '/'.
  EXPECT_EQ(FirstInvalidUtf8("a\xE0\x80\xAF"), 1u);     // Overlong.
  EXPECT_EQ(FirstInvalidUtf8("ab\xED\xA0\x80"), 2u);    // Surrogate.
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // Above U+10FFFF.
  EXPECT_EQ(FirstInvalidUtf8("x\x80"), 1u);             // Lone continuation.
  EXPECT_EQ(FirstInvalidUtf8("\xE2\x82"), 0u);          // Truncated.
  EXPECT_EQ(FirstInvalidUtf8("\xE2\x28\xA1"), 0u);      // Bad continuation.
}

TEST(CellToStringTest, EveryType) {
  EXPECT_EQ(CellToString(Cell()), "");
  EXPECT_EQ(CellToString(true), "true");
  EXPECT_EQ(CellToString(int64_t{-42}), "-42");
  EXPECT_EQ(CellToString(0.1), "0.1");
  EXPECT_EQ(CellToString(std::string("x")), "x");
}

}  // namespace
}  // namespace fao
}  // namespace multirun
