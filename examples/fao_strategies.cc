// Copyright 2026 The multirun Authors.
//
// MultiRunnable's FAO example in C++. The original (its "Operate with file"
// snippet) is
//
//   fao = BaseFao(strategy=SavingStrategy.ALL_THREADS_ONE_FILE)
//   fao.save_as_csv(mode="a+", file="testing.csv", data=_data)
//   fao.save_as_excel(mode="a+", file="testing.xlsx", data=_data)
//   fao.save_as_json(mode="a+", file="testing.json", data=_data)
//
// where `_data` is what its DAO example's get_test_data() returns
// (`SELECT col_1, col_2 FROM test.test_table LIMIT 10`), saved by every
// worker into one file per format, in append mode, in either running mode.
// Part 1 does exactly that: four workers each save their ten (col_1, col_2)
// rows as CSV, Excel (a plain .xlsx, not inside an archive) and JSON, with
// kAllWorkersOneFile and kAppend; first as threads, then again as forked
// processes (ForkExecutor), which append to the same three files. It checks
// that each file then holds every worker's rows of both runs exactly once,
// the header once, and the cells with their types.
//
// Part 2 shows the three saving strategies (ONE_THREAD_ONE_FILE,
// ALL_THREADS_ONE_FILE, ONE_THREAD_ONE_FILE_AND_COMPRESS_ALL) as threads and
// as processes, XLSX into the archive too (the original cannot compress
// Excel files).
//
// Checks its own outcome and exits non-zero on a failure (it runs as a test).

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "multirun/futures/future.h"
#include "multirun/persistence/fao/archive.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/fao.h"
#include "multirun/persistence/fao/json.h"
#include "multirun/persistence/fao/xlsx_reader.h"
#include "multirun/processes/fork_executor.h"

namespace {

namespace fao = multirun::fao;

constexpr int kWorkers = 4;
constexpr int kRowsPerWorker = 1000;

// A worker's rows: (worker, sequence, a name that needs quoting).
fao::Table RowsOf(int worker) {
  fao::Table table{std::vector<std::string>{"worker", "seq", "name"}, {}};
  for (int i = 0; i < kRowsPerWorker; ++i) {
    table.rows.push_back({int64_t{worker}, int64_t{i},
                          absl::StrCat("worker ", worker, ", \"row\" ", i)});
  }
  return table;
}

bool Check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  return ok;
}

// --- Part 1: the original snippet ---

constexpr int kTestRows = 10;  // get_test_data()'s LIMIT 10.

// What worker `worker`'s get_test_data() returns: ten rows of (col_1,
// col_2), an integer and a string.
fao::Table TestData(int worker) {
  fao::Table data{std::vector<std::string>{"col_1", "col_2"}, {}};
  for (int i = 0; i < kTestRows; ++i) {
    data.rows.push_back({int64_t{worker * 100 + i},
                         absl::StrCat("row ", i, " of worker ", worker)});
  }
  return data;
}

struct SnippetFile {
  const char* name;
  fao::Format format;
};
constexpr SnippetFile kSnippetFiles[] = {
    {"testing.csv", fao::Format::kCsv},
    {"testing.xlsx", fao::Format::kXlsx},
    {"testing.json", fao::Format::kJson},
};

// The snippet, on every worker: one Fao per file (ALL_THREADS_ONE_FILE,
// mode "a+"), each worker saves its data into all three.
absl::Status RunSnippet(const std::string& dir, bool in_processes) {
  std::vector<std::unique_ptr<fao::Fao>> files;
  for (const SnippetFile& file : kSnippetFiles) {
    auto session =
        fao::Fao::Create({.path = absl::StrCat(dir, "/", file.name),
                          .format = file.format,
                          .strategy = fao::SavingStrategy::kAllWorkersOneFile,
                          .mode = fao::SaveMode::kAppend});
    if (!session.ok()) return session.status();
    files.push_back(*std::move(session));
  }
  auto worker_body = [&files](int w) -> absl::Status {
    const fao::Table data = TestData(w);
    for (const std::unique_ptr<fao::Fao>& file : files) {
      absl::Status saved = file->Save(w, data);
      if (!saved.ok()) return saved;
    }
    return absl::OkStatus();
  };
  std::vector<absl::Status> saved(kWorkers);
  if (in_processes) {
    multirun::ForkExecutor forks({.workers = kWorkers});
    std::vector<multirun::Future<void>> done;
    for (int w = 0; w < kWorkers; ++w) {
      done.push_back(
          forks.Submit([&worker_body, w] { return worker_body(w); }));
    }
    for (int w = 0; w < kWorkers; ++w) saved[w] = done[w].Get();
  } else {
    std::vector<std::thread> threads;
    for (int w = 0; w < kWorkers; ++w) {
      threads.emplace_back([&, w] { saved[w] = worker_body(w); });
    }
    for (std::thread& thread : threads) thread.join();
  }
  for (const absl::Status& s : saved) {
    if (!s.ok()) return s;
  }
  for (const std::unique_ptr<fao::Fao>& file : files) {
    absl::Status closed = file->Close();
    if (!closed.ok()) return closed;
  }
  return absl::OkStatus();
}

// The rows of one of the snippet's files, read back as a table (header
// first for CSV and XLSX, which store it as a row).
absl::StatusOr<std::vector<fao::Row>> ReadBack(const std::string& path,
                                               fao::Format format) {
  absl::StatusOr<std::string> bytes = fao::ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  std::vector<fao::Row> rows;
  if (format == fao::Format::kXlsx) {
    absl::StatusOr<fao::XlsxSheet> sheet =
        fao::ParseXlsxSheet(*bytes, "Sheet1", 2);
    if (!sheet.ok()) return sheet.status();
    return sheet->rows;
  }
  if (format == fao::Format::kJson) {
    absl::StatusOr<fao::Table> table =
        fao::ParseJson(*bytes, fao::JsonStyle::kArray);
    if (!table.ok()) return table.status();
    if (!table->header.has_value() ||
        *table->header != std::vector<std::string>{"col_1", "col_2"}) {
      return absl::DataLossError("the JSON objects' keys are not the header");
    }
    rows.push_back({std::string("col_1"), std::string("col_2")});
    rows.insert(rows.end(), table->rows.begin(), table->rows.end());
    return rows;
  }
  // CSV: no field here has a comma, a quote or a line break.
  std::vector<std::string> lines = absl::StrSplit(*bytes, "\r\n");
  lines.pop_back();  // The empty tail after the last CRLF.
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> fields = absl::StrSplit(lines[i], ',');
    if (fields.size() != 2) return absl::DataLossError(lines[i]);
    int64_t col_1 = 0;
    if (i > 0 && !absl::SimpleAtoi(fields[0], &col_1)) {
      return absl::DataLossError(lines[i]);
    }
    rows.push_back(
        {i == 0 ? fao::Cell(fields[0]) : fao::Cell(col_1), fields[1]});
  }
  return rows;
}

// Each file: the header once, then every worker's ten rows `runs` times,
// each (col_1, col_2) pair with its types.
bool CheckSnippetFiles(const std::string& dir, int runs,
                       const std::string& how) {
  bool ok = true;
  for (const SnippetFile& file : kSnippetFiles) {
    absl::StatusOr<std::vector<fao::Row>> rows =
        ReadBack(absl::StrCat(dir, "/", file.name), file.format);
    if (!Check(rows.ok(), absl::StrCat(how, ": ", file.name, " reads back"))) {
      std::printf("     %s\n", rows.status().ToString().c_str());
      ok = false;
      continue;
    }
    const size_t expected = 1 + size_t{kWorkers} * kTestRows * runs;
    ok &= Check(
        rows->size() == expected,
        absl::StrCat(how, ": ", file.name, " has ", expected - 1,
                     " rows and one header (", rows->size(), " rows in all)"));
    ok &= Check(!rows->empty() && (*rows)[0] == fao::Row{std::string("col_1"),
                                                         std::string("col_2")},
                absl::StrCat(how, ": ", file.name, " starts with the header"));
    std::map<std::pair<int64_t, std::string>, int> seen;
    bool typed = true;
    for (size_t r = 1; r < rows->size(); ++r) {
      const auto* col_1 = std::get_if<int64_t>(&(*rows)[r][0]);
      const auto* col_2 = std::get_if<std::string>(&(*rows)[r][1]);
      if (col_1 == nullptr || col_2 == nullptr) {
        typed = false;
        continue;
      }
      ++seen[{*col_1, *col_2}];
    }
    bool each_once_per_run = seen.size() == size_t{kWorkers} * kTestRows;
    for (int w = 0; w < kWorkers; ++w) {
      for (const fao::Row& row : TestData(w).rows) {
        const auto it = seen.find(
            {std::get<int64_t>(row[0]), std::get<std::string>(row[1])});
        each_once_per_run &= it != seen.end() && it->second == runs;
      }
    }
    ok &= Check(typed, absl::StrCat(how, ": ", file.name,
                                    " has an integer and a string per row"));
    ok &= Check(each_once_per_run,
                absl::StrCat(how, ": ", file.name, " has every worker's row ",
                             runs, " time(s)"));
  }
  return ok;
}

// --- Part 2: the three saving strategies ---

// Lines of a CSV file without its header.
size_t RecordsIn(const std::string& csv) {
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  return lines.size() - 2;  // The header, and the empty tail after the last.
}

// Every worker saves its rows with `strategy`, on threads or in processes.
absl::Status SaveFromAllWorkers(fao::Fao& session, bool in_processes) {
  std::vector<absl::Status> saved(kWorkers);
  if (in_processes) {
    multirun::ForkExecutor forks({.workers = kWorkers});
    std::vector<multirun::Future<void>> done;
    for (int w = 0; w < kWorkers; ++w) {
      done.push_back(
          forks.Submit([&session, w] { return session.Save(w, RowsOf(w)); }));
    }
    for (int w = 0; w < kWorkers; ++w) saved[w] = done[w].Get();
  } else {
    std::vector<std::thread> threads;
    for (int w = 0; w < kWorkers; ++w) {
      threads.emplace_back([&, w] { saved[w] = session.Save(w, RowsOf(w)); });
    }
    for (std::thread& thread : threads) thread.join();
  }
  for (const absl::Status& s : saved) {
    if (!s.ok()) return s;
  }
  return session.Close();
}

bool RunAll(const std::string& dir, bool in_processes) {
  const std::string how = in_processes ? "processes" : "threads";
  bool ok = true;

  // ONE_THREAD_ONE_FILE: data.<w>.csv per worker.
  {
    const std::string path = absl::StrCat(dir, "/", how, "_one.csv");
    auto session = fao::Fao::Create(
        {.path = path, .strategy = fao::SavingStrategy::kOneWorkerOneFile});
    ok &=
        Check(session.ok() && SaveFromAllWorkers(**session, in_processes).ok(),
              how + ": one file per worker saved");
    for (int w = 0; w < kWorkers; ++w) {
      absl::StatusOr<std::string> file =
          fao::ReadFile(absl::StrCat(dir, "/", how, "_one.", w, ".csv"));
      ok &= Check(file.ok() && RecordsIn(*file) == kRowsPerWorker,
                  absl::StrCat(how, ": worker ", w, "'s file has ",
                               kRowsPerWorker, " rows"));
    }
  }

  // ALL_THREADS_ONE_FILE: one file, every worker's rows together.
  {
    const std::string path = absl::StrCat(dir, "/", how, "_all.csv");
    auto session = fao::Fao::Create(
        {.path = path, .strategy = fao::SavingStrategy::kAllWorkersOneFile});
    ok &=
        Check(session.ok() && SaveFromAllWorkers(**session, in_processes).ok(),
              how + ": all workers into one file saved");
    absl::StatusOr<std::string> file = fao::ReadFile(path);
    ok &= Check(file.ok() && RecordsIn(*file) == kWorkers * kRowsPerWorker,
                absl::StrCat(how, ": the one file has ",
                             kWorkers * kRowsPerWorker, " rows"));
  }

  // ONE_THREAD_ONE_FILE_AND_COMPRESS_ALL, for CSV and XLSX.
  for (fao::Format format : {fao::Format::kCsv, fao::Format::kXlsx}) {
    const std::string ext = format == fao::Format::kCsv ? "csv" : "xlsx";
    const std::string path = absl::StrCat(dir, "/", how, "_", ext, ".zip");
    auto session = fao::Fao::Create(
        {.path = path,
         .format = format,
         .strategy = fao::SavingStrategy::kOneWorkerOneFileThenArchive});
    ok &=
        Check(session.ok() && SaveFromAllWorkers(**session, in_processes).ok(),
              absl::StrCat(how, ": ", ext, " files archived"));
    absl::StatusOr<std::vector<std::string>> entries =
        fao::ListZipEntries(path);
    ok &= Check(entries.ok() && entries->size() == kWorkers,
                absl::StrCat(how, ": the ZIP has an entry per worker"));
  }
  return ok;
}

}  // namespace

int main() {
  const char* root = getenv("TEST_TMPDIR");
  std::string dir =
      absl::StrCat(root != nullptr ? root : "/tmp", "/fao_strategies.XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  std::printf("files in %s\n", dir.c_str());
  // Part 1: the snippet as threads, then as processes appending to the
  // same files.
  const std::string snippet_dir = absl::StrCat(dir, "/snippet");
  bool ok = mkdir(snippet_dir.c_str(), 0755) == 0;
  for (const bool in_processes : {false, true}) {
    const std::string how = in_processes ? "processes" : "threads";
    const absl::Status ran = RunSnippet(snippet_dir, in_processes);
    ok &= Check(ran.ok(), absl::StrCat(how, ": the snippet saved (",
                                       ran.ToString(), ")"));
    ok &= CheckSnippetFiles(snippet_dir, in_processes ? 2 : 1, how);
  }
  // Part 2. Both run, whatever the first gives.
  ok &= RunAll(dir, /*in_processes=*/false);
  ok &= RunAll(dir, /*in_processes=*/true);
  std::printf("%s\n", ok ? "all checks passed" : "some checks FAILED");
  return ok ? 0 : 1;
}
