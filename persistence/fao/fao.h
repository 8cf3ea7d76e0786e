// Copyright 2026 The multirun Authors.
//
// Fao: files written by many workers with a saving strategy.
//
// Use it when many workers (threads, or forked processes) produce rows that
// must end up in CSV, JSON or XLSX files: one file per worker, one shared
// file, or one file per worker gathered into a ZIP at the end.
//
// A Fao is one saving session: a format (CSV, JSON, JSON Lines, XLSX), a
// strategy, a mode and a path. Workers, threads of this process or forked
// children of it (ForkExecutor, ProcessPool), call Save(worker, table); each
// Save is validated (table.h: widths, UTF-8, finite doubles), then written:
//
//   kOneWorkerOneFile            worker w writes "<stem>.<w>.<ext>" next to
//                                `path` (path "out/data.csv" → out/data.3.csv).
//   kAllWorkersOneFile           every worker writes `path`; the rows of one
//                                Save are one record, never interleaved with
//                                another Save's.
//   kOneWorkerOneFileThenArchive as kOneWorkerOneFile (the files are named
//                                after the archive: "out/data.zip" →
//                                out/data.3.csv), then Close() puts them in
//                                the ZIP at `path`, one entry
//                                "<stem>.<w>.<ext>" per worker that saved, and
//                                removes them. XLSX included.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<multirun::fao::Fao>> fao =
//       multirun::fao::Fao::Create(
//           {.path = "out/data.csv",
//            .strategy = multirun::fao::SavingStrategy::kAllWorkersOneFile});
//   if (!fao.ok()) return fao.status();
//   // On worker w (a thread, or a forked child), any number of times:
//   absl::Status saved = (*fao)->Save(w, table);
//   // When every worker is done:
//   absl::Status closed = (*fao)->Close();
//
// Modes. kWrite: the first Save of the session to a file replaces it (the
// old content is gone only once the new one is durable); later Saves of the
// session add to it. kAppend: every Save adds to what is there (CSV skips
// the header when the file is not empty, and returns InvalidArgument if the
// file starts with a different header; JSON arrays are read back and
// extended; XLSX workbooks are read back (xlsx_reader.h), extended and
// written back whole, the header row not repeated; archive entries are
// extended). Appending to XLSX keeps values, not formatting, and needs a
// workbook of one sheet named FaoOptions::sheet_name whose columns are the
// Save's: anything else (not a workbook, a corrupt part, a cell the reader
// cannot type, another sheet name or column count, another first row than
// the Save's header) is a status naming the file and the problem, and the
// file is left as it was.
//
// Durability. A Save that returned OK is on disk: CSV and JSON Lines are
// appended as one record and fsynced (a failed write is truncated away, and
// so is the part of a record whose worker was killed half-way through
// writing it, by the next Save: durable_file.h's append intent; the file's
// lock is released before the fsync, so the next worker writes while this
// one waits for the disk);
// the first write of a kWrite session, and every write of JSON arrays and
// XLSX (whole-file formats), goes through a temporary file, fsync and
// rename (durable_file.h), so a writer killed mid-save leaves the previous
// file intact (and its temporary file, ".<name>.fao-tmp.XXXXXX", which
// nothing reads). Whole-file formats rewrite the file on each Save, so give
// them few, large Saves. For the archive strategy a Save is durable in its
// worker's file, and the archive once Close() returned OK.
//
// Threads and processes. Every write to a file happens under an fcntl OFD
// lock on it (durable_file.h's LockedFile), which excludes threads and
// processes alike and is dropped by the kernel when a holder dies. Which
// file has been written in this session is kept in memory shared with
// forked children (mapped at Create()), so children of the creating process
// see one session, not one per child. So forked workers save directly,
// without sending rows back, in every format and strategy. A whole-file
// Save, under the lock, takes the file's rows from what this process last
// wrote or read when the file is still that version (a per-file generation
// in the shared memory, and the file's inode, size and mtime, say so), and
// otherwise reads the file again: the rows of every worker's Saves end in
// the one file, each Save's rows together. A process that does not descend
// from the creator after Create() shares no session state: give it its own
// Fao with kAppend.
//
// SIGXFSZ: writes block it on the writing thread, so a file-size limit makes
// Save return ResourceExhausted with the previous content intact instead of
// killing the process (durable_file.h).
//
// Thread-safety: Save may be called from any thread of any process that
// descends from the creator, at once; Close once, in the creating process.
//
// Enums: Format, SavingStrategy, SaveMode. Structs: FaoOptions. Classes: Fao.

#ifndef MULTIRUN_PERSISTENCE_FAO_FAO_H_
#define MULTIRUN_PERSISTENCE_FAO_FAO_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "multirun/persistence/fao/table.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/shared_region.h"

namespace multirun {
namespace fao {

// The file format: CSV (csv.h), a JSON array or JSON Lines (json.h), XLSX
// (xlsx.h).
enum class Format { kCsv, kJson, kJsonLines, kXlsx };

// Which files the workers write (see the file comment).
enum class SavingStrategy {
  kOneWorkerOneFile,
  kAllWorkersOneFile,
  kOneWorkerOneFileThenArchive,
};

// Whether a session replaces or extends what is on disk (see the file
// comment).
enum class SaveMode { kWrite, kAppend };

// What Fao::Create needs.
struct FaoOptions {
  // The file of kAllWorkersOneFile, the name pattern of kOneWorkerOneFile,
  // the ZIP of kOneWorkerOneFileThenArchive. Its directory must exist.
  std::string path;
  Format format = Format::kCsv;
  SavingStrategy strategy = SavingStrategy::kAllWorkersOneFile;
  SaveMode mode = SaveMode::kWrite;
  // XLSX only.
  std::string sheet_name = "Sheet1";
  // Workers are numbered 0 .. max_workers - 1 (1 to 65,536).
  int max_workers = 256;
};

// One saving session (see the file comment).
class Fao {
 public:
  // Validates `options` and maps the session state. InvalidArgument for an
  // empty path or bad max_workers or sheet name, NotFound when the directory
  // does not exist. Touches no file.
  static absl::StatusOr<std::unique_ptr<Fao>> Create(FaoOptions options);

  Fao(const Fao&) = delete;
  Fao& operator=(const Fao&) = delete;
  ~Fao();

  // Validates `table` and writes it as the file comment says. Thread-safe
  // and process-safe; blocks on the file's lock and on I/O. Errors:
  // InvalidArgument (bad table, worker out of range, a header that differs
  // from the file's, an existing JSON or XLSX file that cannot be appended
  // to), FailedPrecondition (after Close, or an XLSX workbook with more than
  // one sheet to append to), ResourceExhausted (file-size limit,
  // disk full), PermissionDenied/NotFound/Internal with the path and errno
  // text: on these the file is as it was before the call. DataLoss: an
  // append was written but its fsync failed (the rows are in the file and
  // may not survive a crash; do not simply retry), or a failed write could
  // not be truncated away.
  absl::Status Save(int worker, const Table& table);

  // Ends the session: opens every CSV / JSON Lines file the session wrote
  // through LockedFile (which waits for a Save still writing and cuts a
  // record torn by a worker that was killed, durable_file.h); then for
  // kOneWorkerOneFileThenArchive builds the archive (atomically, durably)
  // and removes the workers' files; the other strategies are then done
  // (their Saves are durable already). Call it in the creating process once
  // every Save returned; later Saves fail with FailedPrecondition.
  // FailedPrecondition from another process or when called twice.
  absl::Status Close();

  // The file worker `worker`'s Saves write.
  std::string PathOf(int worker) const;
  // The archive's entry name for `worker`.
  std::string EntryNameOf(int worker) const;
  const FaoOptions& options() const { return options_; }

 private:
  friend class FaoTestPeer;  // fao_test.cc: a generation about to wrap.

  struct Slot;
  // A process's slots, one per whole-file format's file.
  struct Slots {
    pid_t pid;
    std::vector<std::unique_ptr<Slot>> slots;
  };

  Fao(FaoOptions options, SharedRegion region, absl::Span<int32_t> owners,
      absl::Span<uint32_t> generations, int32_t* finished);

  bool Streamable() const;
  int SlotOf(int worker) const;
  Slots* NewSlots() const;
  // Slot `slot` of this process (see slots_).
  Slot& SlotIn(int slot);
  absl::Status SaveStreamable(int slot, const std::string& path,
                              const Table& table);
  absl::Status SaveWholeFile(int slot, const std::string& path,
                             const Table& table);
  // The content an archive entry already has (kAppend), or "".
  absl::StatusOr<std::string> ExistingEntry(int slot) const;
  absl::StatusOr<std::string> EncodeWhole(const Table& table) const;
  // The rows of a whole-file format's `bytes` (the file at `path`), checked
  // against the header and width of `table`, the Save that appends to them.
  absl::StatusOr<Table> ParseWhole(const std::string& path,
                                   absl::string_view bytes,
                                   const Table& table) const;

  FaoOptions options_;
  std::string directory_;
  std::string stem_;
  std::string extension_;  // With its dot, or "".
  pid_t creator_;
  SharedRegion region_;
  // Per file: the pid of the process that first wrote it in this session, or
  // 0. In region_, accessed through std::atomic_ref.
  absl::Span<int32_t> owners_;
  // Per file: how many Saves of the session wrote it (whole-file formats),
  // modulo 2^32 (compared for equality only, so the wrap is harmless). In
  // region_, accessed through std::atomic_ref under the file's lock.
  absl::Span<uint32_t> generations_;
  int32_t* finished_;
  // This process's slots; a forked child makes its own at its first
  // whole-file Save (the copy it inherited may be locked forever).
  std::atomic<Slots*> slots_;
};

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_FAO_H_
