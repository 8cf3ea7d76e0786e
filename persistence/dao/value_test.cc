// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/value.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/persistence/dao/row.h"

namespace multirun {
namespace dao {
namespace {

TEST(ValueTest, ConstructorsPickTheType) {
  EXPECT_EQ(Value().type(), Value::Type::kNull);
  EXPECT_EQ(Value(nullptr).type(), Value::Type::kNull);
  EXPECT_EQ(Value(3).type(), Value::Type::kInt64);
  EXPECT_EQ(Value(3u).type(), Value::Type::kUInt64);
  EXPECT_EQ(Value(1.5).type(), Value::Type::kDouble);
  EXPECT_EQ(Value("x").type(), Value::Type::kString);
  EXPECT_EQ(Value(Bytes{"\0x"}).type(), Value::Type::kBytes);
  EXPECT_EQ(Value(DateTime{2024, 2, 29}).type(), Value::Type::kDateTime);
}

TEST(ValueTest, LosslessConversionsSucceed) {
  EXPECT_EQ(*Value(7u).AsInt64(), 7);
  EXPECT_EQ(*Value(int64_t{7}).AsUInt64(), 7u);
  EXPECT_EQ(*Value(7).AsDouble(), 7.0);
  EXPECT_EQ(*Value(Bytes{"ab"}).AsString(), "ab");
  EXPECT_EQ(Value("ab").AsBytes()->data, "ab");
}

TEST(ValueTest, LossyOrWrongConversionsFail) {
  EXPECT_EQ(Value(-1).AsUInt64().status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(
      Value(std::numeric_limits<uint64_t>::max()).AsInt64().status().code(),
      absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Value("12").AsInt64().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Value(int64_t{(1LL << 53) + 1}).AsDouble().status().code(),
            absl::StatusCode::kOutOfRange);
  absl::Status null = Value().AsString().status();
  EXPECT_EQ(null.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(null.message().find("NULL"), std::string::npos);
}

TEST(RowTest, TypedAccessByIndexAndName) {
  auto columns = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"id", "Name", "note"});
  Row row(columns, {Value(5), Value("ann"), Value()});
  EXPECT_EQ(*row.Get<int64_t>(0), 5);
  EXPECT_EQ(*row.Get<std::string>("name"), "ann");  // case-insensitive
  EXPECT_EQ(*row.Get<std::optional<std::string>>("note"), std::nullopt);
  EXPECT_EQ(row.Get<std::string>("note").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(row.Get<int64_t>(3).status().code(), absl::StatusCode::kOutOfRange);
  absl::Status missing = row.Get<int64_t>("age").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("id, Name, note"), std::string::npos);
}

TEST(RowTest, MismatchedValuesAbort) {
  auto columns = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"a"});
  EXPECT_DEATH(Row(columns, {}), "0 values for 1 columns");
}

}  // namespace
}  // namespace dao
}  // namespace multirun
