// Copyright 2026 The multirun Authors.
//
// Fao from forked tasks (ForkExecutor): children save directly, into every
// format; the session state is shared with them; a killed worker leaves
// whole files.

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/futures/future.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/fao.h"
#include "multirun/persistence/fao/internal/kill_mid_write.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/testing/python_peer.h"
#include "nlohmann/json.hpp"

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

// Prints the rows of a JSON array file (Python's json) or of an XLSX
// workbook (openpyxl) as one JSON array of [worker, seq], without the
// header row.
constexpr char kReadRows[] = R"PY(
import json, sys
path = sys.argv[1]
if path.endswith(".json"):
    rows = [[r["worker"], r["seq"]] for r in json.load(open(path))]
else:
    import openpyxl
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["worker", "seq"], rows[0]
    rows = rows[1:]
print(json.dumps(rows))
)PY";

// The rows of `path`, as read by Python, as (worker, seq) pairs.
std::vector<std::pair<int, int>> RowsOf(const std::string& path) {
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kReadRows, {path});
  EXPECT_TRUE(out.ok()) << out.status();
  std::vector<std::pair<int, int>> rows;
  if (!out.ok()) return rows;
  for (const nlohmann::json& row : nlohmann::json::parse(*out)) {
    rows.emplace_back(row[0].get<int>(), row[1].get<int>());
  }
  return rows;
}

class WholeFileForkTest : public ::testing::TestWithParam<Format> {
 protected:
  std::string NameOf(const std::string& stem) const {
    return stem + (GetParam() == Format::kJson ? ".json" : ".xlsx");
  }
};

// 8 forked workers x 1,000 rows (10 Saves of 100 each) into one JSON array
// or one workbook: every row is there exactly once, every Save's rows are
// together and in order.
TEST_P(WholeFileForkTest, EightForkedWorkersIntoOneFile) {
  constexpr int kWorkers = 8;
  constexpr int kSaves = 10;
  constexpr int kRows = 100;
  const std::string path = fao_internal::NewTestDir() + "/" + NameOf("eight");
  auto fao = Fao::Create({.path = path, .format = GetParam()});
  ASSERT_TRUE(fao.ok());
  Fao* shared = fao->get();
  const absl::Time start = absl::Now();
  ForkExecutor forks(ForkExecutorOptions{.workers = kWorkers});
  std::vector<Future<void>> done;
  for (int w = 0; w < kWorkers; ++w) {
    done.push_back(forks.Submit([shared, w]() -> absl::Status {
      for (int s = 0; s < kSaves; ++s) {
        absl::Status saved = shared->Save(w, Chunk(w, s * kRows, kRows));
        if (!saved.ok()) return saved;
      }
      return absl::OkStatus();
    }));
  }
  for (Future<void>& f : done) {
    const absl::Status status = f.Get();
    ASSERT_TRUE(status.ok()) << status;
  }
  ASSERT_TRUE((*fao)->Close().ok());
  std::printf("%s: %d forked workers x %d rows in %d Saves each: %.0f ms\n",
              path.c_str(), kWorkers, kSaves * kRows, kSaves,
              absl::ToDoubleMilliseconds(absl::Now() - start));
  const std::vector<std::pair<int, int>> rows = RowsOf(path);
  ASSERT_EQ(rows.size(), size_t{kWorkers * kSaves * kRows});
  std::vector<int> next(kWorkers, 0);
  for (size_t at = 0; at < rows.size(); at += kRows) {
    const int w = rows[at].first;
    ASSERT_GE(w, 0);
    ASSERT_LT(w, kWorkers);
    for (int i = 0; i < kRows; ++i) {
      ASSERT_EQ(rows[at + i], std::make_pair(w, next[w] + i)) << at + i;
    }
    next[w] += kRows;
  }
  for (int n : next) EXPECT_EQ(n, kSaves * kRows);
}

// A worker SIGKILLed in the middle of its Save (while the new file is being
// written) leaves the file as it was, whole and readable; the session goes
// on, and Close works.
TEST_P(WholeFileForkTest, WorkerKilledMidSaveLeavesTheFileWhole) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/" + NameOf("killed");
  auto fao = Fao::Create({.path = path, .format = GetParam()});
  ASSERT_TRUE(fao.ok());
  ASSERT_TRUE((*fao)->Save(0, Chunk(0, 0, 100)).ok());
  // A Save long enough to be killed inside: 60,000 more rows.
  const Table big = Chunk(1, 0, 60000);
  const std::string temp_prefix = "." + NameOf("killed") + ".fao-tmp.";
  int saved_whole = 0;  // Kills that came after the rename.
  bool killed_inside = false;
  for (int attempt = 0; attempt < 5 && !killed_inside; ++attempt) {
    const std::string before = *ReadFile(path);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) _exit((*fao)->Save(1, big).ok() ? 0 : 1);
    // Kill it as soon as its new file has content.
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    bool writing = false;
    while (!writing && absl::Now() < deadline) {
      DIR* listing = opendir(dir.c_str());
      ASSERT_NE(listing, nullptr);
      while (dirent* entry = readdir(listing)) {
        struct stat info;
        if (absl::StartsWith(entry->d_name, temp_prefix) &&
            stat((dir + "/" + entry->d_name).c_str(), &info) == 0 &&
            info.st_size > 0) {
          writing = true;
        }
      }
      closedir(listing);
      if (!writing) usleep(50);
    }
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(writing) << "the worker wrote no new file in 30 s";
    const std::string after = *ReadFile(path);
    if (WIFSIGNALED(status) && after == before) {
      killed_inside = true;
    } else {
      ++saved_whole;  // The Save finished first: its rows are all there.
    }
  }
  ASSERT_TRUE(killed_inside) << "no attempt was killed inside its Save";
  std::vector<std::pair<int, int>> rows = RowsOf(path);
  ASSERT_EQ(rows.size(), 100u + 60000u * saved_whole);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(rows[i], std::make_pair(0, i));
  ASSERT_TRUE((*fao)->Save(0, Chunk(0, 100, 10)).ok());
  ASSERT_TRUE((*fao)->Close().ok());
  rows = RowsOf(path);
  ASSERT_EQ(rows.size(), 110u + 60000u * saved_whole);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(rows[rows.size() - 10 + i], std::make_pair(0, 100 + i));
  }
}

INSTANTIATE_TEST_SUITE_P(JsonAndXlsx, WholeFileForkTest,
                         ::testing::Values(Format::kJson, Format::kXlsx),
                         [](const ::testing::TestParamInfo<Format>& info) {
                           return info.param == Format::kJson ? "Json" : "Xlsx";
                         });

// Close belongs to the creating process.
TEST(FaoForkTest, CloseFromAChildIsRefused) {
  const std::string path = fao_internal::NewTestDir() + "/w.json";
  auto fao = Fao::Create({.path = path, .format = Format::kJson});
  ASSERT_TRUE(fao.ok());
  Fao* shared = fao->get();
  ForkExecutor forks;
  absl::Status finish =
      forks.Submit([shared] { return shared->Close(); }).Get();
  EXPECT_EQ(finish.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(finish.message(), HasSubstr("the process that created the Fao"));
  EXPECT_TRUE((*fao)->Close().ok());
}

}  // namespace
}  // namespace fao
}  // namespace multirun
