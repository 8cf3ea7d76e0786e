// Copyright 2026 The multirun Authors.
//
// Fao from forked tasks (ForkExecutor): children save directly; the session
// state is shared with them; whole-file formats refuse a second process.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/futures/future.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/fao.h"
#include "multirun/persistence/fao/internal/kill_mid_write.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

Table Chunk(int worker, int first, int count) {
  Table table{std::vector<std::string>{"worker", "seq"}, {}};
  for (int i = first; i < first + count; ++i) {
    table.rows.push_back({int64_t{worker}, int64_t{i}});
  }
  return table;
}

// Four forked tasks, each 5 Saves of 2,000 rows, into one CSV in kWrite
// mode: the old content is replaced once (not once per child), every row is
// there, every Save's rows are contiguous.
TEST(FaoForkTest, ForkedWorkersShareOneWriteSession) {
  const std::string path = fao_internal::NewTestDir() + "/forked.csv";
  ASSERT_TRUE(ReplaceFileContents(path, "stale\r\n").ok());
  auto fao = Fao::Create({.path = path});
  ASSERT_TRUE(fao.ok());
  Fao* shared = fao->get();
  ForkExecutor forks(ForkExecutorOptions{.workers = 4});
  std::vector<Future<void>> done;
  for (int w = 0; w < 4; ++w) {
    done.push_back(forks.Submit([shared, w]() -> absl::Status {
      for (int s = 0; s < 5; ++s) {
        absl::Status saved = shared->Save(w, Chunk(w, s * 2000, 2000));
        if (!saved.ok()) return saved;
      }
      return absl::OkStatus();
    }));
  }
  for (Future<void>& f : done) ASSERT_TRUE(f.Get().ok());
  ASSERT_TRUE((*fao)->Close().ok());
  const std::string content = *ReadFile(path);
  std::vector<std::string> lines = absl::StrSplit(content, "\r\n");
  ASSERT_EQ(lines.back(), "");
  lines.pop_back();
  ASSERT_EQ(lines.size(), 1u + 4 * 5 * 2000);
  EXPECT_EQ(lines[0], "worker,seq");
  std::vector<int> next(4, 0);
  for (size_t at = 1; at < lines.size(); at += 2000) {
    const int w = lines[at][0] - '0';
    ASSERT_GE(w, 0);
    ASSERT_LT(w, 4);
    for (int i = 0; i < 2000; ++i) {
      ASSERT_EQ(lines[at + i], absl::StrCat(w, ",", next[w] + i));
    }
    next[w] += 2000;
  }
  for (int n : next) EXPECT_EQ(n, 10000);
}

// A worker SIGKILLed while its rows are being appended (a kill cuts a
// write() short) leaves no part of them once the session is finished:
// Close cuts the torn record off (durable_file.h's append intent).
TEST(FaoForkTest, WorkerKilledMidAppendLeavesOnlyWholeSaves) {
  const std::string path = fao_internal::NewTestDir() + "/killed.csv";
  auto fao = Fao::Create({.path = path});
  ASSERT_TRUE(fao.ok());
  ASSERT_TRUE((*fao)->Save(0, Chunk(0, 0, 100)).ok());
  const off_t saved = fao_internal::FileSize(path);
  // 30,000 rows of 1 KiB: a write long enough to be killed inside.
  Table big{std::vector<std::string>{"worker", "seq"}, {}};
  for (int i = 0; i < 30000; ++i) {
    big.rows.push_back({int64_t{1}, std::string(1024, 'b')});
  }
  const absl::Status killed = fao_internal::KillMidWriteUntilTorn(
      path, saved, /*record_bytes=*/30000 * 1028,  // "1,b...b\r\n"
      [&] { return (*fao)->Save(1, big).ok(); });
  ASSERT_TRUE(killed.ok()) << killed;
  // Close cuts the torn Save (as the next Save would, durable_file_test).
  ASSERT_TRUE((*fao)->Close().ok());
  std::vector<std::string> lines = absl::StrSplit(*ReadFile(path), "\r\n");
  ASSERT_EQ(lines.back(), "");
  lines.pop_back();
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_EQ(lines[0], "worker,seq");
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(lines[1 + i], absl::StrCat("0,", i));
  }
}

// One file per worker, XLSX, from forked children; then the archive in the
// parent.
TEST(FaoForkTest, ForkedXlsxWorkersThenArchive) {
  const std::string dir = fao_internal::NewTestDir();
  auto fao =
      Fao::Create({.path = dir + "/x.zip",
                   .format = Format::kXlsx,
                   .strategy = SavingStrategy::kOneWorkerOneFileThenArchive});
  ASSERT_TRUE(fao.ok());
  Fao* shared = fao->get();
  ForkExecutor forks(ForkExecutorOptions{.workers = 2});
  std::vector<Future<void>> done;
  for (int w = 0; w < 3; ++w) {
    done.push_back(forks.Submit([shared, w]() -> absl::Status {
      absl::Status s = shared->Save(w, Chunk(w, 0, 100));
      if (!s.ok()) return s;
      return shared->Save(w, Chunk(w, 100, 100));
    }));
  }
  for (Future<void>& f : done) ASSERT_TRUE(f.Get().ok());
  ASSERT_TRUE((*fao)->Close().ok());
  absl::StatusOr<std::string> out = testing_internal::RunPython(
      "import io,sys,zipfile,openpyxl\n"
      "z=zipfile.ZipFile(sys.argv[1])\n"
      "for n in z.namelist():\n"
      "  rows=list(openpyxl.load_workbook(io.BytesIO(z.read(n)))"
      ".active.iter_rows(values_only=True))\n"
      "  print(n, len(rows), rows[-1])",
      {dir + "/x.zip"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "x.0.xlsx 201 (0, 199)\nx.1.xlsx 201 (1, 199)\n"
            "x.2.xlsx 201 (2, 199)\n");
}

// A whole-file format (JSON array) written by one process refuses a Save
// from another: no silent loss of the first process's rows.
TEST(FaoForkTest, WholeFileFormatFromASecondProcessIsRefused) {
  const std::string path = fao_internal::NewTestDir() + "/w.json";
  auto fao = Fao::Create({.path = path, .format = Format::kJson});
  ASSERT_TRUE(fao.ok());
  ASSERT_TRUE((*fao)->Save(0, Chunk(0, 0, 3)).ok());
  Fao* shared = fao->get();
  ForkExecutor forks;
  absl::Status child =
      forks.Submit([shared] { return shared->Save(1, Chunk(1, 0, 1)); }).Get();
  EXPECT_EQ(child.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(child.message(), HasSubstr("send the rows to that process"));
  // Close belongs to the creating process.
  absl::Status finish =
      forks.Submit([shared] { return shared->Close(); }).Get();
  EXPECT_EQ(finish.code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*fao)->Save(0, Chunk(0, 3, 1)).ok());
  EXPECT_EQ(*ReadFile(path),
            "[{\"worker\":0,\"seq\":0},{\"worker\":0,\"seq\":1},"
            "{\"worker\":0,\"seq\":2},{\"worker\":0,\"seq\":3}]\n");
}

}  // namespace
}  // namespace fao
}  // namespace multirun
