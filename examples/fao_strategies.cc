// Copyright 2026 The multirun Authors.
//
// MultiRunnable's FAO example in C++: four workers each save their rows with
// each of the three saving strategies (ONE_THREAD_ONE_FILE,
// ALL_THREADS_ONE_FILE, ONE_THREAD_ONE_FILE_AND_COMPRESS_ALL), first as
// threads, then as forked processes (ForkExecutor), and XLSX goes into the
// archive too (the reference could not compress Excel files).
//
// Checks its own outcome and exits non-zero on a failure (it runs as a test).

#include <stdlib.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "multirun/futures/future.h"
#include "multirun/persistence/fao/archive.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/fao.h"
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
  // Both run, whatever the first gives.
  const bool threads_ok = RunAll(dir, /*in_processes=*/false);
  const bool processes_ok = RunAll(dir, /*in_processes=*/true);
  const bool ok = threads_ok && processes_ok;
  std::printf("%s\n", ok ? "all checks passed" : "some checks FAILED");
  return ok ? 0 : 1;
}
