// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/xlsx.h"

#include <filesystem>
#include <optional>
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

// Opens the workbook with openpyxl; prints [sheet names, rows as JSON].
constexpr char kReadXlsx[] = R"PY(
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True)
sheet = book[book.sheetnames[0]]
print(json.dumps([book.sheetnames, [list(r) for r in sheet.iter_rows(values_only=True)]]))
)PY";

nlohmann::json ReadWithOpenpyxl(const std::string& path) {
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kReadXlsx, {path});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? nlohmann::json::parse(*out) : nlohmann::json();
}

TEST(XlsxTest, OpenpyxlReadsEveryCell) {
  Table table{
      std::vector<std::string>{"id", "name", "ok", "x", "none"},
      {{int64_t{1}, std::string("a,\"b\"\nc é 日本"), true, 0.25, Cell()},
       {int64_t{-9007199254740992}, std::string(""), false, -1.5e10, Cell()}}};
  const std::string path = fao_internal::NewTestDir() + "/t.xlsx";
  absl::Status s = ReplaceFile(path, [&](int, const std::string& temp) {
    return WriteXlsx(temp, table, "Données");
  });
  ASSERT_TRUE(s.ok()) << s;
  nlohmann::json read = ReadWithOpenpyxl(path);
  EXPECT_EQ(read[0], nlohmann::json({"Données"}));
  const nlohmann::json& rows = read[1];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], nlohmann::json({"id", "name", "ok", "x", "none"}));
  EXPECT_EQ(rows[1][0].get<double>(), 1.0);
  EXPECT_EQ(rows[1][1], "a,\"b\"\nc é 日本");
  EXPECT_EQ(rows[1][2], true);
  EXPECT_EQ(rows[1][3].get<double>(), 0.25);
  EXPECT_TRUE(rows[1][4].is_null());
  EXPECT_EQ(rows[2][0].get<double>(), -9007199254740992.0);
  // openpyxl reads an empty string cell as None (Excel stores none).
  EXPECT_TRUE(rows[2][1].is_null() || rows[2][1] == "");
  EXPECT_EQ(rows[2][2], false);
  EXPECT_EQ(rows[2][3].get<double>(), -1.5e10);
}

TEST(XlsxTest, BadSheetNames) {
  for (const char* name : {"", "a/b", "[x]", "'quoted'", "what?",
                           "0123456789012345678901234567890123"}) {
    EXPECT_EQ(ValidateSheetName(name).code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
  EXPECT_TRUE(ValidateSheetName("Report 2026").ok());
}

TEST(XlsxTest, CharactersXlsxCannotHoldAreRejectedNotCut) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string nul("a\0b", 3);
  struct Case {
    Table table;
    const char* where;
    const char* what;
  };
  const Case cases[] = {
      {Table{std::nullopt, {{std::string("ok")}, {nul}}}, "row 1, column 0",
       "U+0000"},
      {Table{std::nullopt, {{int64_t{1}, std::string("x\uFFFE")}}},
       "row 0, column 1", "U+FFFE"},
      {Table{std::vector<std::string>{"k", "\uFFFFv"}, {}}, "header, column 1",
       "U+FFFF"},
  };
  for (const Case& c : cases) {
    const std::string path = dir + "/bad.xlsx";
    absl::Status s = WriteXlsx(path, c.table, "S");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(s.message(), HasSubstr(c.where));
    EXPECT_THAT(s.message(), HasSubstr(c.what));
    EXPECT_FALSE(std::filesystem::exists(path)) << c.what;
  }
  EXPECT_EQ(ValidateSheetName(std::string("S\0heet", 6)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateSheetName("S\uFFFF").code(),
            absl::StatusCode::kInvalidArgument);
  // Neighbours of the rejected characters are written.
  EXPECT_TRUE(
      WriteXlsx(dir + "/good.xlsx",
                Table{std::nullopt, {{std::string("\uFFFD\uFFEF\uEFBF\x01")}}},
                "S\uFFFD")
          .ok());
}

TEST(XlsxTest, IntegerBeyondDoublePrecisionIsRejected) {
  Table table{std::nullopt, {{int64_t{1}}, {int64_t{9007199254740993}}}};
  const std::string path = fao_internal::NewTestDir() + "/big.xlsx";
  absl::Status s = WriteXlsx(path, table, "S");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 1, column 0"));
}

TEST(XlsxTest, TooLongStringIsRejected) {
  Table table{std::nullopt, {{std::string(32768, 'x')}}};
  absl::Status s =
      WriteXlsx(fao_internal::NewTestDir() + "/long.xlsx", table, "S");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("32768 characters"));
}

}  // namespace
}  // namespace fao
}  // namespace multirun
