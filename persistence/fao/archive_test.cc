// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/archive.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace fao {
namespace {

using ::testing::ElementsAre;

// Lists and extracts with Python's zipfile: "name=content|" per entry.
constexpr char kExtract[] = R"PY(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(''.join('%s=%s|' % (n, z.read(n).decode()) for n in z.namelist()), end='')
)PY";

TEST(ArchiveTest, PythonZipfileListsAndExtracts) {
  const std::string dir = fao_internal::NewTestDir();
  ASSERT_TRUE(ReplaceFileContents(dir + "/a.csv", "1,2\r\n").ok());
  ASSERT_TRUE(
      ReplaceFileContents(dir + "/b.csv", std::string(10000, 'b')).ok());
  ASSERT_TRUE(WriteZipArchive(
                  dir + "/all.zip",
                  {{"a.csv", dir + "/a.csv"}, {"b.csv", dir + "/b.csv"}}, false)
                  .ok());
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kExtract, {dir + "/all.zip"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "a.csv=1,2\r\n|b.csv=" + std::string(10000, 'b') + "|");
  EXPECT_EQ(*ReadZipEntry(dir + "/all.zip", "a.csv"), "1,2\r\n");
}

TEST(ArchiveTest, KeepExistingReplacesSameNamesAndKeepsOthers) {
  const std::string dir = fao_internal::NewTestDir();
  ASSERT_TRUE(ReplaceFileContents(dir + "/a", "old a").ok());
  ASSERT_TRUE(ReplaceFileContents(dir + "/b", "old b").ok());
  ASSERT_TRUE(WriteZipArchive(dir + "/z.zip",
                              {{"a", dir + "/a"}, {"b", dir + "/b"}}, false)
                  .ok());
  ASSERT_TRUE(ReplaceFileContents(dir + "/a", "new a").ok());
  ASSERT_TRUE(WriteZipArchive(dir + "/z.zip", {{"a", dir + "/a"}}, true).ok());
  EXPECT_THAT(*ListZipEntries(dir + "/z.zip"), ElementsAre("b", "a"));
  EXPECT_EQ(*ReadZipEntry(dir + "/z.zip", "a"), "new a");
  EXPECT_EQ(*ReadZipEntry(dir + "/z.zip", "b"), "old b");
  // Without keep_existing only the new entries remain.
  ASSERT_TRUE(WriteZipArchive(dir + "/z.zip", {{"a", dir + "/a"}}, false).ok());
  EXPECT_THAT(*ListZipEntries(dir + "/z.zip"), ElementsAre("a"));
}

TEST(ArchiveTest, EmptyArchiveIsAValidZip) {
  const std::string dir = fao_internal::NewTestDir();
  ASSERT_TRUE(WriteZipArchive(dir + "/e.zip", {}, false).ok());
  EXPECT_TRUE(ListZipEntries(dir + "/e.zip")->empty());
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kExtract, {dir + "/e.zip"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "");
}

TEST(ArchiveTest, BadInput) {
  const std::string dir = fao_internal::NewTestDir();
  ASSERT_TRUE(ReplaceFileContents(dir + "/a", "a").ok());
  EXPECT_EQ(WriteZipArchive(dir + "/z.zip",
                            {{"a", dir + "/a"}, {"a", dir + "/a"}}, false)
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      WriteZipArchive(dir + "/z.zip", {{"x", dir + "/missing"}}, false).code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadZipEntry(dir + "/none.zip", "a").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(WriteZipArchive(dir + "/z.zip", {{"a", dir + "/a"}}, false).ok());
  EXPECT_EQ(ReadZipEntry(dir + "/z.zip", "b").status().code(),
            absl::StatusCode::kNotFound);
  // Not a ZIP at all.
  EXPECT_EQ(ListZipEntries(dir + "/a").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fao
}  // namespace multirun
