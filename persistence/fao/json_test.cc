// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

Table Sample(bool header) {
  Table table;
  if (header) table.header = std::vector<std::string>{"id", "name", "ok", "x"};
  table.rows = {{int64_t{1}, std::string("a \"q\", é\n"), true, 0.1},
                {int64_t{-9007199254740993}, Cell(), false, -2.5e-300}};
  return table;
}

TEST(JsonTest, ArrayOfArraysWithoutHeader) {
  EXPECT_EQ(*EncodeJson(Sample(false), JsonStyle::kArray),
            "[[1,\"a \\\"q\\\", é\\n\",true,0.1],"
            "[-9007199254740993,null,false,-2.5e-300]]\n");
}

TEST(JsonTest, ObjectsKeepHeaderOrder) {
  Table table{std::vector<std::string>{"z", "a"}, {{int64_t{1}, int64_t{2}}}};
  EXPECT_EQ(*EncodeJson(table, JsonStyle::kArray), "[{\"z\":1,\"a\":2}]\n");
  EXPECT_EQ(*EncodeJson(table, JsonStyle::kLines), "{\"z\":1,\"a\":2}\n");
}

TEST(JsonTest, RoundTripsThroughParseJson) {
  for (bool header : {false, true}) {
    for (JsonStyle style : {JsonStyle::kArray, JsonStyle::kLines}) {
      const Table table = Sample(header);
      absl::StatusOr<std::string> text = EncodeJson(table, style);
      ASSERT_TRUE(text.ok());
      absl::StatusOr<Table> back = ParseJson(*text, style);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(back->header, table.header);
      EXPECT_EQ(back->rows, table.rows);
    }
  }
}

TEST(JsonTest, PythonJsonReadsEveryCell) {
  const std::string path = fao_internal::NewTestDir() + "/t.json";
  ASSERT_TRUE(
      ReplaceFileContents(path, *EncodeJson(Sample(true), JsonStyle::kArray))
          .ok());
  absl::StatusOr<std::string> out = testing_internal::RunPython(
      "import json,sys; rows=json.load(open(sys.argv[1],encoding='utf-8'));"
      "print(repr(rows))",
      {path});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "[{'id': 1, 'name': 'a \"q\", é\\n', 'ok': True, 'x': 0.1}, "
            "{'id': -9007199254740993, 'name': None, 'ok': False, "
            "'x': -2.5e-300}]\n");
}

TEST(JsonTest, DuplicateHeaderNamesAreRejected) {
  Table table{std::vector<std::string>{"a", "a"}, {}};
  absl::StatusOr<std::string> text = EncodeJson(table, JsonStyle::kArray);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("\"a\" appears twice"));
}

TEST(JsonTest, BadInputIsInvalidArgument) {
  Table table{std::nullopt, {{std::string("\xED\xA0\x80")}}};
  EXPECT_EQ(EncodeJson(table, JsonStyle::kLines).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJson("{\"not\": \"rows\"}", JsonStyle::kArray).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ParseJson("[[1,[2]]]", JsonStyle::kArray).status().message(),
              HasSubstr("nested"));
  EXPECT_THAT(ParseJson("[[18446744073709551615]]", JsonStyle::kArray)
                  .status()
                  .message(),
              HasSubstr("beyond int64"));
  EXPECT_EQ(ParseJson("[1,\n", JsonStyle::kLines).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fao
}  // namespace multirun
