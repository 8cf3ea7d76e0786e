// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/fao.h"

#include <sys/stat.h>

#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/archive.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/persistence/fao/json.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace fao {

class FaoTestPeer {
 public:
  // Sets the generation of `slot` to the largest its type holds, less one.
  static void SetGenerationNearMax(Fao& fao, int slot) {
    auto& word = fao.generations_[static_cast<size_t>(slot)];
    word =
        std::numeric_limits<std::remove_reference_t<decltype(word)>>::max() - 1;
  }
  static uint32_t Generation(const Fao& fao, int slot) {
    return static_cast<uint32_t>(fao.generations_[static_cast<size_t>(slot)]);
  }
};

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kWorkers = 8;
constexpr int kRowsPerWorker = 100000;
constexpr int kSavesPerWorker = 10;

// Rows (worker, sequence, text) for one Save.
Table Chunk(int worker, int first, int count, bool header) {
  Table table;
  if (header) table.header = std::vector<std::string>{"worker", "seq", "text"};
  table.rows.reserve(count);
  for (int i = first; i < first + count; ++i) {
    table.rows.push_back({int64_t{worker}, int64_t{i},
                          std::string(i % 7 == 0 ? "a,b" : "plain")});
  }
  return table;
}

// Parses the data lines of a CSV written by Chunk (header skipped).
struct Parsed {
  std::vector<std::pair<int, int>> rows;  // (worker, seq)
};
Parsed ParseRows(const std::string& content) {
  Parsed parsed;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(content, "\r\n")) {
    if (line.empty()) continue;
    if (first) {
      first = false;
      EXPECT_EQ(line, "worker,seq,text");
      continue;
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::MaxSplits(',', 2));
    int worker = -1, seq = -1;
    EXPECT_TRUE(absl::SimpleAtoi(fields[0], &worker) &&
                absl::SimpleAtoi(fields[1], &seq))
        << line;
    parsed.rows.push_back({worker, seq});
  }
  return parsed;
}

// Runs kWorkers threads, each saving kRowsPerWorker rows in kSavesPerWorker
// Saves.
void SaveFromThreads(Fao& fao) {
  std::vector<std::thread> threads;
  constexpr int kChunk = kRowsPerWorker / kSavesPerWorker;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&fao, w] {
      for (int s = 0; s < kSavesPerWorker; ++s) {
        absl::Status saved = fao.Save(w, Chunk(w, s * kChunk, kChunk, true));
        ASSERT_TRUE(saved.ok()) << saved;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// One worker's file: exactly its rows, in order.
void ExpectWorkerFile(const std::string& content, int worker) {
  Parsed parsed = ParseRows(content);
  ASSERT_EQ(parsed.rows.size(), size_t{kRowsPerWorker});
  for (int i = 0; i < kRowsPerWorker; ++i) {
    ASSERT_EQ(parsed.rows[i], std::make_pair(worker, i)) << "row " << i;
  }
}

TEST(FaoStrategyTest, AllWorkersOneFile8x100000) {
  const std::string path = fao_internal::NewTestDir() + "/all.csv";
  ASSERT_TRUE(ReplaceFileContents(path, "previous run\r\n").ok());
  auto fao = Fao::Create(
      {.path = path, .strategy = SavingStrategy::kAllWorkersOneFile});
  ASSERT_TRUE(fao.ok()) << fao.status();
  SaveFromThreads(**fao);
  ASSERT_TRUE((*fao)->Close().ok());
  Parsed parsed = ParseRows(*ReadFile(path));
  ASSERT_EQ(parsed.rows.size(), size_t{kWorkers} * kRowsPerWorker);
  // The rows of one Save are contiguous: the file is kWorkers *
  // kSavesPerWorker blocks, each one Save's rows in order.
  constexpr int kChunk = kRowsPerWorker / kSavesPerWorker;
  std::vector<int> next(kWorkers, 0);
  for (size_t at = 0; at < parsed.rows.size(); at += kChunk) {
    const int worker = parsed.rows[at].first;
    ASSERT_GE(worker, 0);
    ASSERT_LT(worker, kWorkers);
    for (int i = 0; i < kChunk; ++i) {
      ASSERT_EQ(parsed.rows[at + i], std::make_pair(worker, next[worker] + i))
          << "line " << at + i << " interleaved";
    }
    next[worker] += kChunk;
  }
  for (int count : next) EXPECT_EQ(count, kRowsPerWorker);
}

TEST(FaoStrategyTest, OneWorkerOneFile8x100000) {
  const std::string dir = fao_internal::NewTestDir();
  auto fao = Fao::Create({.path = dir + "/part.csv",
                          .strategy = SavingStrategy::kOneWorkerOneFile});
  ASSERT_TRUE(fao.ok());
  SaveFromThreads(**fao);
  ASSERT_TRUE((*fao)->Close().ok());
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ((*fao)->PathOf(w), absl::StrCat(dir, "/part.", w, ".csv"));
    ExpectWorkerFile(*ReadFile((*fao)->PathOf(w)), w);
  }
}

TEST(FaoStrategyTest, OneWorkerOneFileThenArchive8x100000) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string zip = dir + "/bundle.zip";
  auto fao = Fao::Create(
      {.path = zip, .strategy = SavingStrategy::kOneWorkerOneFileThenArchive});
  ASSERT_TRUE(fao.ok());
  SaveFromThreads(**fao);
  ASSERT_TRUE((*fao)->Close().ok());
  absl::StatusOr<std::vector<std::string>> names = ListZipEntries(zip);
  ASSERT_TRUE(names.ok()) << names.status();
  ASSERT_EQ(names->size(), size_t{kWorkers});
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ((*names)[w], absl::StrCat("bundle.", w, ".csv"));
    ExpectWorkerFile(*ReadZipEntry(zip, (*names)[w]), w);
    struct stat info;
    EXPECT_NE(stat((*fao)->PathOf(w).c_str(), &info), 0)
        << "worker file left behind";
  }
  // Python's zipfile reads it too (CRC checked), 800,000 data rows in all.
  absl::StatusOr<std::string> out = testing_internal::RunPython(
      "import csv,io,sys,zipfile\n"
      "z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None\n"
      "print(sum(len(list(csv.reader(io.TextIOWrapper(z.open(n),"
      "newline=''))))-1 for n in z.namelist()))",
      {zip});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "800000\n");
}

TEST(FaoModeTest, WriteReplacesOnceThenAddsAndAppendKeeps) {
  const std::string path = fao_internal::NewTestDir() + "/m.csv";
  Table a{std::vector<std::string>{"x"}, {{int64_t{1}}}};
  Table b{std::vector<std::string>{"x"}, {{int64_t{2}}}};
  {
    auto fao = Fao::Create({.path = path});
    ASSERT_TRUE((*fao)->Save(0, a).ok());
    ASSERT_TRUE((*fao)->Save(1, b).ok());
  }
  EXPECT_EQ(*ReadFile(path), "x\r\n1\r\n2\r\n");
  {
    auto fao = Fao::Create({.path = path, .mode = SaveMode::kAppend});
    ASSERT_TRUE((*fao)->Save(0, a).ok());
  }
  EXPECT_EQ(*ReadFile(path), "x\r\n1\r\n2\r\n1\r\n");
  {
    auto fao = Fao::Create({.path = path});  // A new write session.
    ASSERT_TRUE((*fao)->Save(0, b).ok());
  }
  EXPECT_EQ(*ReadFile(path), "x\r\n2\r\n");
}

TEST(FaoModeTest, AppendWithADifferentHeaderIsRejected) {
  const std::string path = fao_internal::NewTestDir() + "/h.csv";
  ASSERT_TRUE(ReplaceFileContents(path, "x\r\n1\r\n").ok());
  auto fao = Fao::Create({.path = path, .mode = SaveMode::kAppend});
  absl::Status s =
      (*fao)->Save(0, Table{std::vector<std::string>{"y"}, {{int64_t{2}}}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("header"));
  EXPECT_EQ(*ReadFile(path), "x\r\n1\r\n");
}

TEST(FaoFormatTest, JsonArrayAcrossSavesAndAppend) {
  const std::string path = fao_internal::NewTestDir() + "/t.json";
  Table a{std::vector<std::string>{"id", "v"},
          {{int64_t{1}, std::string("é")}}};
  Table b{std::vector<std::string>{"id", "v"}, {{int64_t{2}, Cell()}}};
  {
    auto fao = Fao::Create({.path = path, .format = Format::kJson});
    ASSERT_TRUE((*fao)->Save(0, a).ok());
    ASSERT_TRUE((*fao)->Save(3, b).ok());
  }
  EXPECT_EQ(*ReadFile(path),
            "[{\"id\":1,\"v\":\"é\"},{\"id\":2,\"v\":null}]\n");
  {
    auto fao = Fao::Create(
        {.path = path, .format = Format::kJson, .mode = SaveMode::kAppend});
    ASSERT_TRUE((*fao)->Save(0, a).ok());
    Table other{std::vector<std::string>{"other", "v"}, {}};
    EXPECT_EQ((*fao)->Save(0, other).code(),
              absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<Table> back = ParseJson(*ReadFile(path), JsonStyle::kArray);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->rows.size(), 3u);
  EXPECT_EQ(back->rows[2], a.rows[0]);
}

// The generation of a whole-file format's file counts Saves modulo 2^32:
// Saves across the wrap keep every row (and the count wraps, no overflow).
TEST(FaoFormatTest, GenerationWrapsAround) {
  const std::string path = fao_internal::NewTestDir() + "/wrap.json";
  auto fao = Fao::Create({.path = path, .format = Format::kJson});
  ASSERT_TRUE(fao.ok());
  FaoTestPeer::SetGenerationNearMax(**fao, 0);
  for (int64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE((*fao)->Save(0, Table{std::nullopt, {{i}}}).ok());
  }
  EXPECT_EQ(FaoTestPeer::Generation(**fao, 0), 2u);
  ASSERT_TRUE((*fao)->Close().ok());
  EXPECT_EQ(*ReadFile(path), "[[0],[1],[2],[3]]\n");
}

TEST(FaoFormatTest, JsonLinesFromThreadsOneFile) {
  const std::string path = fao_internal::NewTestDir() + "/t.jsonl";
  auto fao = Fao::Create({.path = path, .format = Format::kJsonLines});
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int s = 0; s < 25; ++s) {
        ASSERT_TRUE((*fao)->Save(w, Chunk(w, s * 100, 100, false)).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  absl::StatusOr<std::string> out = testing_internal::RunPython(
      "import json,sys\n"
      "rows=[json.loads(l) for l in open(sys.argv[1],encoding='utf-8')]\n"
      "print(len(rows), len({(r[0],r[1]) for r in rows}))",
      {path});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "10000 10000\n");
}

TEST(FaoFormatTest, XlsxOneFileAndArchiveReadByOpenpyxl) {
  const std::string dir = fao_internal::NewTestDir();
  constexpr char kRead[] =
      "import openpyxl,sys\n"
      "b=openpyxl.load_workbook(sys.argv[1],read_only=True)\n"
      "s=b['Runs']; rows=list(s.iter_rows(values_only=True))\n"
      "print(len(rows), rows[0], rows[1], rows[-1])";
  auto one = Fao::Create(
      {.path = dir + "/r.xlsx", .format = Format::kXlsx, .sheet_name = "Runs"});
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE((*one)->Save(0, Chunk(0, 0, 500, true)).ok());
  ASSERT_TRUE((*one)->Save(1, Chunk(1, 0, 500, true)).ok());
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kRead, {dir + "/r.xlsx"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "1001 ('worker', 'seq', 'text') (0, 0, 'a,b') (1, 499, 'plain')\n");

  const std::string zip = dir + "/x.zip";
  auto archived =
      Fao::Create({.path = zip,
                   .format = Format::kXlsx,
                   .strategy = SavingStrategy::kOneWorkerOneFileThenArchive,
                   .sheet_name = "Runs"});
  ASSERT_TRUE((*archived)->Save(2, Chunk(2, 0, 10, true)).ok());
  ASSERT_TRUE((*archived)->Save(5, Chunk(5, 0, 20, true)).ok());
  ASSERT_TRUE((*archived)->Close().ok());
  EXPECT_THAT(*ListZipEntries(zip), ElementsAre("x.2.xlsx", "x.5.xlsx"));
  ASSERT_TRUE(
      ReplaceFileContents(dir + "/e.xlsx", *ReadZipEntry(zip, "x.5.xlsx"))
          .ok());
  out = testing_internal::RunPython(kRead, {dir + "/e.xlsx"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "21 ('worker', 'seq', 'text') (5, 0, 'a,b') (5, 19, 'plain')\n");
}

TEST(FaoArchiveTest, AppendExtendsEntriesAndKeepsOthers) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string zip = dir + "/z.zip";
  {
    auto fao =
        Fao::Create({.path = zip,
                     .strategy = SavingStrategy::kOneWorkerOneFileThenArchive});
    ASSERT_TRUE((*fao)->Save(0, Chunk(0, 0, 2, true)).ok());
    ASSERT_TRUE((*fao)->Save(1, Chunk(1, 0, 1, true)).ok());
    ASSERT_TRUE((*fao)->Close().ok());
  }
  {
    auto fao =
        Fao::Create({.path = zip,
                     .strategy = SavingStrategy::kOneWorkerOneFileThenArchive,
                     .mode = SaveMode::kAppend});
    ASSERT_TRUE((*fao)->Save(0, Chunk(0, 2, 1, true)).ok());
    ASSERT_TRUE((*fao)->Close().ok());
  }
  EXPECT_THAT(*ListZipEntries(zip), ElementsAre("z.1.csv", "z.0.csv"));
  EXPECT_EQ(*ReadZipEntry(zip, "z.0.csv"),
            "worker,seq,text\r\n0,0,\"a,b\"\r\n0,1,plain\r\n0,2,plain\r\n");
  EXPECT_EQ(*ReadZipEntry(zip, "z.1.csv"),
            "worker,seq,text\r\n1,0,\"a,b\"\r\n");
}

TEST(FaoBadInputTest, Rejections) {
  const std::string dir = fao_internal::NewTestDir();
  EXPECT_EQ(Fao::Create({.path = ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status missing = Fao::Create({.path = dir + "/no/x.csv"}).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("No such file or directory"));
  EXPECT_EQ(Fao::Create({.path = dir + "/x.xlsx",
                         .format = Format::kXlsx,
                         .mode = SaveMode::kAppend,
                         .sheet_name = "a:b"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fao::Create({.path = dir + "/x.xlsx",
                         .format = Format::kXlsx,
                         .sheet_name = "a:b"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Fao::Create({.path = dir + "/x.csv", .max_workers = 0}).status().code(),
      absl::StatusCode::kInvalidArgument);

  const std::string path = dir + "/x.csv";
  auto fao = Fao::Create({.path = path, .max_workers = 4});
  ASSERT_TRUE(fao.ok());
  EXPECT_EQ((*fao)->Save(4, Chunk(0, 0, 1, true)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*fao)->Save(-1, Chunk(0, 0, 1, true)).code(),
            absl::StatusCode::kInvalidArgument);
  Table wide = Chunk(0, 0, 3, true);
  wide.rows[2].emplace_back(std::in_place_type<bool>, true);
  absl::Status s = (*fao)->Save(0, wide);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 2 has 4 cells, the header has 3"));
  Table bad = Chunk(0, 0, 1, true);
  bad.rows[0][2] = std::string("\xC3");
  EXPECT_EQ((*fao)->Save(0, bad).code(), absl::StatusCode::kInvalidArgument);
  struct stat info;
  EXPECT_NE(stat(path.c_str(), &info), 0) << "a rejected Save wrote a file";
  ASSERT_TRUE((*fao)->Save(0, Chunk(0, 0, 1, true)).ok());
  ASSERT_TRUE((*fao)->Close().ok());
  EXPECT_EQ((*fao)->Save(0, Chunk(0, 0, 1, true)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*fao)->Close().code(), absl::StatusCode::kFailedPrecondition);
}

// What XLSX cannot hold is refused before the file is touched: no file is
// created, an existing one keeps its bytes, and the error names the row of
// the Save, not of the workbook the Save would have made.
TEST(FaoBadInputTest, XlsxRefusesWhatItCannotHoldBeforeTouchingTheFile) {
  const std::string dir = fao_internal::NewTestDir();
  Table nul = Chunk(0, 0, 2, true);
  nul.rows[1][2] = std::string("a\0b", 3);
  for (SaveMode mode : {SaveMode::kWrite, SaveMode::kAppend}) {
    const std::string path =
        absl::StrCat(dir, "/t", static_cast<int>(mode), ".xlsx");
    auto fao =
        Fao::Create({.path = path, .format = Format::kXlsx, .mode = mode});
    ASSERT_TRUE(fao.ok()) << fao.status();
    absl::Status first = (*fao)->Save(0, nul);
    EXPECT_EQ(first.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(first.message(), HasSubstr("row 1, column 2"));
    EXPECT_THAT(first.message(), HasSubstr("U+0000"));
    struct stat info;
    EXPECT_NE(stat(path.c_str(), &info), 0) << "a rejected Save made a file";
    ASSERT_TRUE((*fao)->Save(0, Chunk(0, 0, 3, true)).ok());
    absl::StatusOr<std::string> before = ReadFile(path);
    ASSERT_TRUE(before.ok());
    absl::Status later = (*fao)->Save(0, nul);
    EXPECT_EQ(later.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(later.message(), HasSubstr("row 1, column 2"));
    absl::StatusOr<std::string> after = ReadFile(path);
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(*after == *before) << "a rejected Save changed the file";
    ASSERT_TRUE((*fao)->Close().ok());
  }
}

}  // namespace
}  // namespace fao
}  // namespace multirun
