// Copyright 2026 The multirun Authors.
//
// ZIP archives through libzip (the kOneWorkerOneFileThenArchive strategy of
// fao.h uses them).
//
// WriteZipArchive() builds a ZIP whose entries are copies of files on disk
// (deflated), optionally keeping the entries of the archive already at the
// path, and puts it in place atomically with ReplaceFile (durable_file.h):
// a reader sees the old archive or the new one, and an OK return means the
// new one is on disk. Any format can be an entry (CSV, JSON, XLSX).
//
// Example:
//
//   absl::Status s = multirun::fao::WriteZipArchive(
//       "out/data.zip", {{"data.0.csv", "out/data.0.csv"}},
//       /*keep_existing=*/false);
//
// Thread-safety: the functions keep no state between calls and may be called
// from any thread.
//
// Structs: ArchiveEntry. Functions: WriteZipArchive(), ReadZipEntry(),
// ListZipEntries().

#ifndef MULTIRUN_PERSISTENCE_FAO_ARCHIVE_H_
#define MULTIRUN_PERSISTENCE_FAO_ARCHIVE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace multirun {
namespace fao {

// One entry: its name in the archive and the file it copies.
struct ArchiveEntry {
  std::string name;
  std::string source_path;
};

// Writes the archive at `path`: `entries`, and, when `keep_existing` and an
// archive is there, each of its entries whose name is not in `entries`.
// InvalidArgument for an empty or duplicate entry name; NotFound naming a
// missing source; libzip's error text otherwise. Blocks on I/O.
absl::Status WriteZipArchive(const std::string& path,
                             const std::vector<ArchiveEntry>& entries,
                             bool keep_existing);

// The content of entry `name`. NotFound if the archive or the entry does not
// exist.
absl::StatusOr<std::string> ReadZipEntry(const std::string& path,
                                         const std::string& name);

// The names of the entries, in the archive's order.
absl::StatusOr<std::vector<std::string>> ListZipEntries(
    const std::string& path);

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_ARCHIVE_H_
