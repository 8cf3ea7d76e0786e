// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/csv.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/testing/python_peer.h"
#include "nlohmann/json.hpp"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

// Reads a CSV file with Python's csv module; prints the rows as JSON.
constexpr char kReadCsv[] = R"PY(
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    print(json.dumps(list(csv.reader(f))))
)PY";

std::vector<std::vector<std::string>> ReadWithPython(const std::string& path) {
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kReadCsv, {path});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  return nlohmann::json::parse(*out)
      .get<std::vector<std::vector<std::string>>>();
}

TEST(CsvTest, QuotesOnlyWhatRfc4180Requires) {
  Table table{std::vector<std::string>{"a", "b,c"},
              {{std::string("plain"), std::string("say \"hi\"")},
               {std::string("line\nbreak"), std::string("cr\rhere")},
               {Cell(), int64_t{7}}}};
  absl::StatusOr<std::string> csv = EncodeCsv(table);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(*csv,
            "a,\"b,c\"\r\n"
            "plain,\"say \"\"hi\"\"\"\r\n"
            "\"line\nbreak\",\"cr\rhere\"\r\n"
            ",7\r\n");
}

TEST(CsvTest, TypedCells) {
  Table table{std::nullopt, {{true, false, int64_t{-3}, 2.5, 1e300}}};
  EXPECT_EQ(*EncodeCsv(table), "true,false,-3,2.5,1e+300\r\n");
}

TEST(CsvTest, OneEmptyFieldIsQuotedSoItIsNotAnEmptyLine) {
  Table table{std::nullopt, {{Cell()}, {std::string()}, {std::string("x")}}};
  EXPECT_EQ(*EncodeCsv(table), "\"\"\r\n\"\"\r\nx\r\n");
}

TEST(CsvTest, HeaderCanBeLeftOut) {
  Table table{std::vector<std::string>{"h"}, {{int64_t{1}}}};
  EXPECT_EQ(*EncodeCsv(table, /*include_header=*/false), "1\r\n");
}

TEST(CsvTest, BadInputLeavesOutputUnchanged) {
  std::string out = "before";
  Table wide{std::vector<std::string>{"a"},
             {{int64_t{1}}, {int64_t{1}, int64_t{2}}}};
  absl::Status s = AppendCsv(wide, true, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 1"));
  Table bad_utf8{std::nullopt, {{std::string("\xC3\x28")}}};
  EXPECT_EQ(AppendCsv(bad_utf8, true, &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "before");
}

// Fields are scanned eight bytes at a time: every special byte, at every
// position of fields of every length up to 40, is found (quoted as RFC 4180
// says, or, for a stray UTF-8 byte, rejected), and so is valid UTF-8.
TEST(CsvTest, EveryPositionOfEverySpecialByteIsSeen) {
  auto quoted = [](const std::string& field) {
    std::string out = "\"";
    for (char c : field) {
      out.push_back(c);
      if (c == '"') out.push_back('"');
    }
    return out + "\"";
  };
  for (size_t size = 1; size <= 40; ++size) {
    for (size_t at = 0; at < size; ++at) {
      for (char special : {',', '"', '\r', '\n'}) {
        std::string field(size, 'a');
        field[at] = special;
        Table table{std::nullopt, {{field, int64_t{1}}}};
        ASSERT_EQ(*EncodeCsv(table), quoted(field) + ",1\r\n")
            << "size " << size << " at " << at;
      }
      std::string stray(size, 'a');
      stray[at] = '\xFF';
      EXPECT_EQ(EncodeCsv(Table{std::nullopt, {{stray}}}).status().code(),
                absl::StatusCode::kInvalidArgument)
          << "size " << size << " at " << at;
      if (at + 1 < size) {
        std::string accented(size, 'a');
        accented[at] = '\xC3';
        accented[at + 1] = '\xA9';  // U+00E9, plain: no quotes.
        ASSERT_EQ(*EncodeCsv(Table{std::nullopt, {{accented}}}),
                  accented + "\r\n");
      }
    }
    const std::string plain(size, 'p');
    ASSERT_EQ(*EncodeCsv(Table{std::nullopt, {{plain}}}), plain + "\r\n");
  }
}

// Property test: random fields drawn from quotes, commas, CR, LF, spaces,
// non-ASCII and letters read back exactly by Python's csv module.
TEST(CsvTest, RandomFieldsReadBackByPythonCsv) {
  const std::vector<std::string> pieces = {"\"", ",",    "\r",   "\n",  "\r\n",
                                           " ",  "a",    "Z",    "é",   "€",
                                           "😀",  "日本", "\"\"", "x,y", "'"};
  std::mt19937 random(8);
  Table table;
  table.header = std::vector<std::string>{"one", "two, \"2\"", "three\nlines"};
  for (int r = 0; r < 500; ++r) {
    Row row;
    for (int c = 0; c < 3; ++c) {
      std::string field;
      const int length = random() % 8;
      for (int k = 0; k < length; ++k)
        field += pieces[random() % pieces.size()];
      row.push_back(field);
    }
    table.rows.push_back(row);
  }
  const std::string path = fao_internal::NewTestDir() + "/random.csv";
  absl::StatusOr<std::string> csv = EncodeCsv(table);
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_TRUE(ReplaceFileContents(path, *csv).ok());
  std::vector<std::vector<std::string>> read = ReadWithPython(path);
  ASSERT_EQ(read.size(), table.rows.size() + 1);
  EXPECT_EQ(read[0], *table.header);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    ASSERT_EQ(read[r + 1].size(), 3u) << "row " << r;
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_EQ(read[r + 1][c], std::get<std::string>(table.rows[r][c]))
          << "row " << r << ", column " << c;
    }
  }
}

}  // namespace
}  // namespace fao
}  // namespace multirun
