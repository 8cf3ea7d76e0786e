// Copyright 2026 The multirun Authors.
//
// Durable files: replacing a file atomically and appending whole records, so
// that a write that returned OK is on disk and a writer that dies half-way
// leaves the previous content intact.
//
// ReplaceFile() writes the new content to a temporary file in the same
// directory (".<name>.fao-tmp.XXXXXX"), fsyncs it, renames it over the
// target and fsyncs the directory. Readers see the old file or the new one,
// never a mix; a writer killed before the rename leaves the old file as it
// was (and its temporary file, which nothing reads). A new file gets mode
// 0644; a replaced one keeps its mode.
//
// LockedFile is the append side: it opens (creating if needed) the target,
// takes an `fcntl` open-file-description write lock (F_OFD_SETLKW) over the
// whole file, and re-opens it if a ReplaceFile renamed a new file over the
// path while it waited. OFD locks exclude every other open of the file, of
// this thread, of another thread or of another process (forked workers
// included), and the kernel drops them when the holder dies, so a killed
// writer never leaves the file locked. Append() writes a record at the end,
// fsyncs, and on any failure truncates the file back to its previous size:
// a file holds whole records only.
//
// Example:
//
//   absl::Status s = multirun::fao::ReplaceFileContents("out/a.csv", bytes);
//
//   absl::StatusOr<multirun::fao::LockedFile> file =
//       multirun::fao::LockedFile::Open("out/b.csv");
//   if (!file.ok()) return file.status();
//   return file->Append(record);  // whole, on disk, or not at all
//
// A writer killed during an append: a SIGKILL can cut a write() short and
// leave the first part of a record at the end of the file. The next
// LockedFile::Open of the file (by the next writer, or by a reader that opens
// through LockedFile, as fao::Fao::Close does) cuts that part off, so it sees
// whole records only; a reader that does not (cat, Python) sees the torn tail
// until then. For this, an appender records its intent in a file next to the
// target, ".<name>.fao-append", which the next Open reads (how:
// durable_file.cc). Limits that follow: appending needs write permission on
// the directory; every writer must name the file by the same path (not
// through another hard link or symlink); ReplaceFile while others append must
// hold the lock (as fao.h does); and the intent is not fsynced: it is about
// processes dying, not machines (a record whose Append had not returned may
// be lost in a crash anyway).
//
// Errors: every I/O failure names the path and the errno text. EFBIG
// (RLIMIT_FSIZE reached), ENOSPC and EDQUOT are ResourceExhausted;
// EACCES/EPERM/EROFS PermissionDenied; ENOENT/ENOTDIR NotFound; the rest
// Internal.
//
// SIGXFSZ: a write past RLIMIT_FSIZE would kill the process with SIGXFSZ.
// These functions block SIGXFSZ on the calling thread while they write, so
// such a write fails with ResourceExhausted instead; the process's signal
// disposition is never touched, and a SIGXFSZ the caller had blocked already
// stays pending for it.
//
// Thread-safety: the functions may be called from any thread at once; a
// LockedFile is used by one thread at a time.
//
// Classes: LockedFile. Functions: ReplaceFile(), ReplaceFileContents(),
// ReadFile(), SyncDirectoryOf().

#ifndef MULTIRUN_PERSISTENCE_FAO_DURABLE_FILE_H_
#define MULTIRUN_PERSISTENCE_FAO_DURABLE_FILE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace fao {

// Writes `bytes` to the descriptor, retrying short writes and EINTR, with
// SIGXFSZ handled as the file comment says. `path` names the file in errors.
absl::Status WriteAll(int fd, absl::string_view bytes, const std::string& path);

// Replaces `path` atomically. `fill(fd, temp_path)` writes the new content,
// either through `fd` (WriteAll) or by opening `temp_path` itself (as
// libxlsxwriter and libzip do; they may even rename a file of their own over
// it). On OK the new content and the directory entry are fsynced. If `fill`
// or any step fails, the temporary file is removed, `path` is unchanged, and
// the error is returned. Blocks on I/O.
//
// Example:
//
//   absl::Status s = multirun::fao::ReplaceFile(
//       "out/a.csv", [&](int fd, const std::string& temp) {
//         return multirun::fao::WriteAll(fd, bytes, temp);
//       });
absl::Status ReplaceFile(
    const std::string& path,
    absl::FunctionRef<absl::Status(int fd, const std::string& temp_path)> fill);

// ReplaceFile with `bytes` as the content.
absl::Status ReplaceFileContents(const std::string& path,
                                 absl::string_view bytes);

// The whole content of `path`. NotFound if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// fsyncs the directory that holds `path` (so that a created or renamed entry
// is durable).
absl::Status SyncDirectoryOf(const std::string& path);

// An open file under an exclusive OFD lock (see the file comment). Movable;
// the destructor releases the lock, then closes the file (so that a child
// forked meanwhile, which shares the lock through its copy of the file
// descriptor, does not keep it held).
//
// Example:
//
//   absl::StatusOr<multirun::fao::LockedFile> file =
//       multirun::fao::LockedFile::Open(path);
//   if (!file.ok()) return file.status();
//   if (file->size() == 0) bytes = header + bytes;
//   return file->Append(bytes);
class LockedFile {
 public:
  // Opens `path` for reading and writing, creating it (mode 0644, its
  // directory entry fsynced) if it does not exist, and blocks until it holds
  // the lock on the file that is at `path` at that moment. Then cuts off a
  // record whose writer died half-way (see "A writer killed during an
  // append" above); an error doing so is returned with the path and errno.
  static absl::StatusOr<LockedFile> Open(const std::string& path);

  // ReplaceFile(path, fill), returning the new file already locked: the lock
  // is taken before the rename makes the file visible, so no other
  // LockedFile user sees the new file before the caller releases it (what
  // lets a caller publish state that goes with the new content first).
  static absl::StatusOr<LockedFile> Replace(
      const std::string& path,
      absl::FunctionRef<absl::Status(int fd, const std::string& temp_path)>
          fill);

  LockedFile(LockedFile&& other) noexcept;
  LockedFile& operator=(LockedFile&& other) noexcept;
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  ~LockedFile();

  // The size of the file when the lock was taken, plus what Append added.
  off_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Up to `bytes` bytes from the start of the file.
  absl::StatusOr<std::string> ReadPrefix(size_t bytes) const;

  // Writes `bytes` at the end and fsyncs. On failure the file is truncated
  // back to size() (whole records only) and the error returned.
  absl::Status Append(absl::string_view bytes);

  // As Append, but releases the lock once the record is written and fsyncs
  // after: the next writer appends while this one waits for the disk, and
  // OK still means the record is on disk. A failed write is truncated back
  // as in Append (the lock is still held then); a failed fsync cannot be
  // (others may have appended since), so it is DataLoss, saying that the
  // record is in the file but may not survive a crash. Afterwards the
  // LockedFile holds no lock: Append and AppendThenUnlock return
  // FailedPrecondition.
  absl::Status AppendThenUnlock(absl::string_view bytes);

 private:
  // `held`: the locked file's fstat, taken once the lock was held.
  LockedFile(int fd, std::string path, const struct stat& held)
      : fd_(fd),
        path_(std::move(path)),
        size_(held.st_size),
        device_(held.st_dev),
        inode_(held.st_ino) {}

  // Cuts a record whose writer died half-way (see the file comment) and
  // removes the intent.
  absl::Status RecoverTornAppend();
  // Writes the intent, then `bytes` at size(), then removes the intent; on
  // a failed write truncates back. No fsync.
  absl::Status WriteRecord(absl::string_view bytes);
  // Writes `bytes` at size() without fsync; the error, if any, as is.
  absl::Status WriteAtEnd(absl::string_view bytes);
  // Truncates the file back to size() after `failure`; returns `failure`,
  // or DataLoss when the truncation fails too.
  absl::Status TruncateBack(absl::Status failure);

  int fd_ = -1;
  std::string path_;
  off_t size_ = 0;
  // The locked file's identity, which an append intent names.
  uint64_t device_ = 0;
  uint64_t inode_ = 0;
  bool locked_ = true;
};

}  // namespace fao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_DURABLE_FILE_H_
