// Copyright 2026 The multirun Authors.
//
// 1M rows x 5 columns (int64, double, two strings, bool; one row in ten
// needs quoting) to one CSV file from 4 workers (kAllWorkersOneFile, each
// worker one Save of 250,000 rows), against the limit, a raw fwrite of
// bytes encoded beforehand, and against Python's csv.writer, in the same run.
//
// Timed: ours: Fao::Create, starting the 4 threads, encoding, the locked
// appends with their fsyncs, joining. Raw fwrite: fopen, fwrite, fflush,
// fsync, fclose. Python: open, csv.writer(...).writerows over rows built
// beforehand, flush, fsync (the script times itself; the interpreter's
// start is not timed). Not timed: building the rows, and removing the
// previous iteration's file: every peer writes a new file (freeing a large
// file can take long on some file systems, and no peer should pay for it
// inside its timing). Items are rows (the gate's throughput metric); bytes
// are the file's (Python writes True/1.0 where we write true/1, so its file
// is a little larger).

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "multirun/persistence/fao/csv.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/fao.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace fao {
namespace {

constexpr int kRows = 1000000;
constexpr int kWorkers = 4;
constexpr int kSavesPerWorker = 1;
constexpr int kChunk = kRows / kWorkers / kSavesPerWorker;

Row RowAt(int64_t i) {
  return {int64_t{i}, static_cast<double>(i) * 0.25,
          absl::StrCat("name", i % 1000),
          std::string(i % 10 == 0 ? "a,\"b\"" : "plain text"), i % 2 == 0};
}

// chunks[w][s]: worker w's s-th Save.
const std::vector<std::vector<Table>>& Chunks() {
  static const auto* chunks = [] {
    auto* all = new std::vector<std::vector<Table>>(kWorkers);
    int64_t next = 0;
    for (int w = 0; w < kWorkers; ++w) {
      for (int s = 0; s < kSavesPerWorker; ++s) {
        Table table{std::vector<std::string>{"id", "x", "name", "note", "flag"},
                    {}};
        for (int i = 0; i < kChunk; ++i) table.rows.push_back(RowAt(next++));
        (*all)[w].push_back(std::move(table));
      }
    }
    return all;
  }();
  return *chunks;
}

std::string Directory() {
  const char* root = getenv("TEST_TMPDIR");
  return root != nullptr ? root : "/tmp";
}

void BM_CsvAllWorkersOneFile_Multirun(benchmark::State& state) {
  const auto& chunks = Chunks();
  const std::string path =
      absl::StrCat(Directory(), "/fao_benchmark.", getpid(), ".csv");
  off_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    unlink(path.c_str());  // Every peer writes a new file (see the top).
    state.ResumeTiming();
    auto fao = Fao::Create({.path = path});
    if (!fao.ok()) {
      state.SkipWithError(std::string(fao.status().message()).c_str());
      return;
    }
    std::vector<std::thread> workers;
    std::vector<absl::Status> results(kWorkers);
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        for (const Table& table : chunks[w]) {
          absl::Status s = (*fao)->Save(w, table);
          if (!s.ok()) results[w] = s;
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    for (const absl::Status& s : results) {
      if (!s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        return;
      }
    }
    state.PauseTiming();
    bytes = LockedFile::Open(path)->size();
    state.ResumeTiming();
  }
  unlink(path.c_str());
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_CsvAllWorkersOneFile_Multirun)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Encoding alone, one worker's share (250,000 rows) on one thread: where the
// time of the Multirun row goes that the raw fwrite does not spend.
void BM_EncodeCsvOneWorker(benchmark::State& state) {
  const Table& table = Chunks()[0][0];
  std::string encoded;
  for (auto _ : state) {
    encoded.clear();
    if (!AppendCsv(table, /*include_header=*/true, &encoded).ok()) abort();
    benchmark::DoNotOptimize(encoded.data());
  }
  state.SetItemsProcessed(state.iterations() * table.rows.size());
  state.SetBytesProcessed(state.iterations() * encoded.size());
}
BENCHMARK(BM_EncodeCsvOneWorker)->Unit(benchmark::kMillisecond);

void BM_CsvAllWorkersOneFile_RawFwrite(benchmark::State& state) {
  std::string encoded;
  bool first = true;
  for (const auto& worker : Chunks()) {
    for (const Table& table : worker) {
      if (!AppendCsv(table, first, &encoded).ok()) abort();
      first = false;
    }
  }
  const std::string path =
      absl::StrCat(Directory(), "/fao_benchmark_raw.", getpid(), ".csv");
  for (auto _ : state) {
    state.PauseTiming();
    unlink(path.c_str());
    state.ResumeTiming();
    FILE* file = fopen(path.c_str(), "wb");
    if (file == nullptr ||
        fwrite(encoded.data(), 1, encoded.size(), file) != encoded.size() ||
        fflush(file) != 0 || fsync(fileno(file)) != 0 || fclose(file) != 0) {
      state.SkipWithError("fwrite failed");
      return;
    }
  }
  unlink(path.c_str());
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * encoded.size());
}
BENCHMARK(BM_CsvAllWorkersOneFile_RawFwrite)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

constexpr char kPythonCsv[] = R"PY(
import csv, os, sys, time
rows, path = int(sys.argv[1]), sys.argv[2]
data = [(i, i * 0.25, 'name%d' % (i % 1000),
         'a,"b"' if i % 10 == 0 else 'plain text', i % 2 == 0)
        for i in range(rows)]
start = time.perf_counter()
with open(path, 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f)
    w.writerow(['id', 'x', 'name', 'note', 'flag'])
    w.writerows(data)
    f.flush()
    os.fsync(f.fileno())
elapsed = time.perf_counter() - start
print(os.path.getsize(path))
os.unlink(path)
print(elapsed)
)PY";

void BM_CsvAllWorkersOneFile_PythonCsvWriter(benchmark::State& state) {
  const std::string path =
      absl::StrCat(Directory(), "/fao_benchmark_py.", getpid(), ".csv");
  int64_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> out =
        testing_internal::RunPython(kPythonCsv, {std::to_string(kRows), path});
    double seconds = 0;
    if (!out.ok() || sscanf(out->c_str(), "%ld %lf", &bytes, &seconds) != 2) {
      state.SkipWithError(out.ok()
                              ? "the python peer printed no time"
                              : std::string(out.status().message()).c_str());
      return;
    }
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_CsvAllWorkersOneFile_PythonCsvWriter)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fao
}  // namespace multirun
