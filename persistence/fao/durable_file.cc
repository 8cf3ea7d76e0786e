// Copyright 2026 The multirun Authors.
//
// Torn appends. A SIGKILL cuts a write() short (the kernel stops copying at
// the next page), so a killed appender can leave the first part of its
// record. Before it writes a record, a LockedFile writes an intent next to
// the file, ".<name>.fao-append" (the record's start and end offsets and the
// file's device and inode, 32 bytes in host order, mode 0644 less the umask),
// and removes it once the record is written or truncated back.
// LockedFile::Open, holding the lock, finds an intent left behind and, if the
// file is the one named in it and ends inside that record, cuts the file back
// to the record's start; any other intent (a record that ended, another file,
// a short intent) is removed and cuts nothing. ReplaceFile removes the intent
// of the file it replaces. The intent is found by the path's spelling (hence
// one path per file), is created and removed in the directory (hence write
// permission on it), and a ReplaceFile that does not hold the lock could
// remove an intent of the new file's writer.
//
// SIGXFSZ. A write past RLIMIT_FSIZE raises SIGXFSZ at the writing thread
// (its default action kills the process) before failing with EFBIG. A
// library cannot change the process's signal dispositions, so these
// functions instead block SIGXFSZ on the calling thread while they write
// (pthread_sigmask, internal/sigxfsz_guard.h), and when a write failed with
// EFBIG they take the signal that write raised out of the pending set
// (sigtimedwait, no wait) before restoring the mask, unless the caller had
// SIGXFSZ blocked already (then it stays pending for the caller).

#include "multirun/persistence/fao/durable_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "multirun/persistence/fao/internal/sigxfsz_guard.h"

namespace multirun {
namespace fao {

namespace {

// An fcntl lock request of `type` (F_WRLCK, F_UNLCK) over the whole file
// (l_start = l_len = 0).
struct flock WholeFile(short type) {
  struct flock request = {};
  request.l_type = type;
  request.l_whence = SEEK_SET;
  return request;
}

// Releases the lock `fd` holds, if any, then closes it. The unlock comes
// first because the lock belongs to the open file description, which a
// child forked meanwhile shares through its copy of `fd`: close() alone
// would leave the lock held until the child closes its copy or exits.
void UnlockAndClose(int fd) {
  struct flock unlock = WholeFile(F_UNLCK);
  while (fcntl(fd, F_OFD_SETLK, &unlock) != 0 && errno == EINTR) {
  }
  close(fd);
}

absl::Status ErrnoError(int error, absl::string_view what,
                        absl::string_view path) {
  std::string message =
      absl::StrCat(what, " ", path, ": ", strerrordesc_np(error));
  switch (error) {
    case EFBIG:
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::Status SyncPath(const std::string& path, bool directory) {
  const int fd =
      open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", path);
  const int synced = fsync(fd);
  const int error = errno;
  close(fd);
  if (synced != 0) return ErrnoError(error, "cannot fsync", path);
  return absl::OkStatus();
}

// The append intent of `path` (see the file comment): where the record in
// progress starts and ends, and which file (device and inode) it goes to.
struct AppendIntent {
  int64_t start;
  int64_t end;
  uint64_t device;
  uint64_t inode;
};

std::string IntentPathOf(const std::string& path) {
  return absl::StrCat(DirectoryOf(path), "/.", BaseName(path), ".fao-append");
}

}  // namespace

absl::Status WriteAll(int fd, absl::string_view bytes,
                      const std::string& path) {
  fao_internal::SigxfszGuard guard;
  while (!bytes.empty()) {
    const ssize_t wrote = write(fd, bytes.data(), bytes.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      return ErrnoError(error, "cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(wrote));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectoryOf(const std::string& path) {
  return SyncPath(DirectoryOf(path), /*directory=*/true);
}

absl::Status ReplaceFile(
    const std::string& path,
    absl::FunctionRef<absl::Status(int fd, const std::string& temp_path)>
        fill) {
  return LockedFile::Replace(path, fill).status();
}

absl::StatusOr<LockedFile> LockedFile::Replace(
    const std::string& path,
    absl::FunctionRef<absl::Status(int fd, const std::string& temp_path)>
        fill) {
  if (path.empty() || path.back() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("not a file path: \"", path, "\""));
  }
  const std::string directory = DirectoryOf(path);
  std::string temp =
      absl::StrCat(directory, "/.", BaseName(path), ".fao-tmp.XXXXXX");
  const int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    return ErrnoError(errno, "cannot create a temporary file for", path);
  }
  mode_t mode = 0644;
  struct stat existing;
  if (stat(path.c_str(), &existing) == 0) mode = existing.st_mode & 07777;
  absl::Status status = fill(fd, temp);
  if (status.ok() && fchmod(fd, mode) != 0) {
    status = ErrnoError(errno, "cannot chmod", temp);
  }
  close(fd);
  // The writer may have put a file of its own at `temp`: sync and lock what
  // is there, so that the new file is locked from the moment it is visible.
  int locked = -1;
  struct stat held = {};
  if (status.ok()) {
    locked = open(temp.c_str(), O_RDWR | O_CLOEXEC);
    if (locked < 0) {
      status = ErrnoError(errno, "cannot open", temp);
    } else {
      struct flock lock = WholeFile(F_WRLCK);
      if (fcntl(locked, F_OFD_SETLK, &lock) != 0) {
        status = ErrnoError(errno, "cannot lock", temp);
      } else if (fsync(locked) != 0) {
        status = ErrnoError(errno, "cannot fsync", temp);
      } else if (fstat(locked, &held) != 0) {
        status = ErrnoError(errno, "cannot stat", temp);
      }
    }
  }
  if (status.ok() && rename(temp.c_str(), path.c_str()) != 0) {
    status =
        ErrnoError(errno, absl::StrCat("cannot rename ", temp, " to"), path);
  }
  if (status.ok()) status = SyncPath(directory, /*directory=*/true);
  if (!status.ok()) {
    if (locked >= 0) UnlockAndClose(locked);
    unlink(temp.c_str());
    return status;
  }
  // An intent left by a writer of the old file is about that file: drop it.
  unlink(IntentPathOf(path).c_str());
  return LockedFile(locked, path, held);
}

absl::Status ReplaceFileContents(const std::string& path,
                                 absl::string_view bytes) {
  return ReplaceFile(path, [&](int fd, const std::string& temp) {
    return WriteAll(fd, bytes, temp);
  });
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", path);
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      close(fd);
      return ErrnoError(error, "cannot read", path);
    }
    content.append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  return content;
}

absl::StatusOr<LockedFile> LockedFile::Open(const std::string& path) {
  if (path.empty() || path.back() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("not a file path: \"", path, "\""));
  }
  while (true) {
    const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    bool created = false;
    int opened = fd;
    if (opened < 0 && errno == ENOENT) {
      opened = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      created = opened >= 0;
    }
    if (opened < 0) return ErrnoError(errno, "cannot open", path);
    if (created) {
      absl::Status synced = SyncDirectoryOf(path);
      if (!synced.ok()) {
        close(opened);
        return synced;
      }
    }
    struct flock lock = WholeFile(F_WRLCK);
    while (fcntl(opened, F_OFD_SETLKW, &lock) != 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      close(opened);
      return ErrnoError(error, "cannot lock", path);
    }
    struct stat held, current;
    if (fstat(opened, &held) != 0) {
      const int error = errno;
      UnlockAndClose(opened);
      return ErrnoError(error, "cannot stat", path);
    }
    if (stat(path.c_str(), &current) == 0 && current.st_ino == held.st_ino &&
        current.st_dev == held.st_dev) {
      LockedFile file(opened, path, held);
      absl::Status recovered = file.RecoverTornAppend();
      if (!recovered.ok()) return recovered;
      return file;
    }
    // A ReplaceFile renamed a new file over `path` while we waited (or it
    // was removed): lock the file that is there now.
    UnlockAndClose(opened);
  }
}

LockedFile::LockedFile(LockedFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      size_(other.size_),
      device_(other.device_),
      inode_(other.inode_),
      locked_(other.locked_) {}

LockedFile& LockedFile::operator=(LockedFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) UnlockAndClose(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
    device_ = other.device_;
    inode_ = other.inode_;
    locked_ = other.locked_;
  }
  return *this;
}

LockedFile::~LockedFile() {
  if (fd_ >= 0) UnlockAndClose(fd_);
}

absl::StatusOr<std::string> LockedFile::ReadPrefix(size_t bytes) const {
  std::string content(bytes, '\0');
  size_t have = 0;
  while (have < bytes) {
    const ssize_t got = pread(fd_, content.data() + have, bytes - have,
                              static_cast<off_t>(have));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "cannot read", path_);
    }
    have += static_cast<size_t>(got);
  }
  content.resize(have);
  return content;
}

absl::Status LockedFile::WriteAtEnd(absl::string_view bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError("moved-from LockedFile");
  if (!locked_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": this LockedFile released its lock"));
  }
  absl::Status status;
  {
    fao_internal::SigxfszGuard guard;
    off_t offset = size_;
    absl::string_view rest = bytes;
    while (!rest.empty()) {
      const ssize_t wrote = pwrite(fd_, rest.data(), rest.size(), offset);
      if (wrote < 0) {
        if (errno == EINTR) continue;
        status = ErrnoError(errno, "cannot append to", path_);
        break;
      }
      rest.remove_prefix(static_cast<size_t>(wrote));
      offset += wrote;
    }
  }
  return status;
}

absl::Status LockedFile::TruncateBack(absl::Status failure) {
  // Whole records only: drop what part of this one reached the file.
  if (ftruncate(fd_, size_) != 0 || fsync(fd_) != 0) {
    return absl::DataLossError(
        absl::StrCat(failure.message(), "; and cannot truncate ", path_,
                     " back to ", size_, " bytes: ", strerrordesc_np(errno)));
  }
  return failure;
}

absl::Status LockedFile::RecoverTornAppend() {
  const std::string intent_path = IntentPathOf(path_);
  const int fd = open(intent_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();  // No append cut short.
    return ErrnoError(errno, "cannot open the append intent", intent_path);
  }
  AppendIntent intent = {};
  ssize_t got;
  do {
    got = pread(fd, &intent, sizeof(intent), 0);
  } while (got < 0 && errno == EINTR);
  const int read_error = errno;
  close(fd);
  if (got < 0) {  // Kept: the next Open tries again.
    return ErrnoError(read_error, "cannot read the append intent", intent_path);
  }
  // Torn: the record's writer died after its first byte and before its
  // last (a SIGKILL cuts a write() short). A short intent is one whose
  // writer died while writing it, before the record's first byte.
  if (got == static_cast<ssize_t>(sizeof(intent)) && intent.device == device_ &&
      intent.inode == inode_ && intent.start >= 0 &&
      intent.start < intent.end && intent.start < size_ && size_ < intent.end) {
    if (ftruncate(fd_, intent.start) != 0 || fsync(fd_) != 0) {
      // Kept: the next Open tries again.
      return ErrnoError(
          errno,
          absl::StrCat("cannot cut the torn record (bytes ", intent.start,
                       " to ", size_, ", its writer died) from"),
          path_);
    }
    size_ = intent.start;
  }
  unlink(intent_path.c_str());
  return absl::OkStatus();
}

absl::Status LockedFile::WriteRecord(absl::string_view bytes) {
  // The intent first: if this process dies half-way through the record,
  // the next LockedFile::Open cuts the part that reached the file.
  const AppendIntent intent = {
      static_cast<int64_t>(size_),
      static_cast<int64_t>(size_) + static_cast<int64_t>(bytes.size()), device_,
      inode_};
  const std::string intent_path = IntentPathOf(path_);
  const int fd =
      open(intent_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return ErrnoError(errno, "cannot create the append intent", intent_path);
  }
  absl::Status status = WriteAll(
      fd,
      absl::string_view(reinterpret_cast<const char*>(&intent), sizeof(intent)),
      intent_path);
  close(fd);
  bool whole = true;  // The file holds whole records only.
  if (status.ok()) {
    status = WriteAtEnd(bytes);
    if (!status.ok()) {
      status = TruncateBack(std::move(status));
      // DataLoss: the truncation failed too; the intent stays, so that the
      // next Open cuts the part that is there.
      whole = status.code() != absl::StatusCode::kDataLoss;
    }
  }
  if (whole) unlink(intent_path.c_str());
  return status;
}

absl::Status LockedFile::Append(absl::string_view bytes) {
  if (fd_ < 0 || !locked_) return WriteAtEnd(bytes);  // FailedPrecondition.
  absl::Status written = WriteRecord(bytes);
  if (!written.ok()) return written;
  if (fsync(fd_) != 0) {
    return TruncateBack(ErrnoError(errno, "cannot fsync", path_));
  }
  size_ += static_cast<off_t>(bytes.size());
  return absl::OkStatus();
}

absl::Status LockedFile::AppendThenUnlock(absl::string_view bytes) {
  if (fd_ < 0 || !locked_) return WriteAtEnd(bytes);  // FailedPrecondition.
  absl::Status written = WriteRecord(bytes);
  if (!written.ok()) return written;
  const off_t start = size_;
  size_ += static_cast<off_t>(bytes.size());
  // Start the writeback of the record now (it does not wait): the fsync
  // below then waits for less, and the disk works while the next writer
  // copies its record in. A failure here changes nothing; fsync decides.
  sync_file_range(fd_, start, static_cast<off_t>(bytes.size()),
                  SYNC_FILE_RANGE_WRITE);
  struct flock unlock = WholeFile(F_UNLCK);
  while (fcntl(fd_, F_OFD_SETLK, &unlock) != 0 && errno == EINTR) {
  }
  locked_ = false;
  if (fsync(fd_) != 0) {
    // DataLoss whatever the errno: the file is not as it was (the record
    // is in it), so this must not read as an error that left it intact.
    absl::Status failed = ErrnoError(errno, "cannot fsync", path_);
    return absl::DataLossError(
        absl::StrCat(failed.message(), "; the record is in the file (bytes ",
                     start, " to ", size_,
                     ") but may not survive a crash, and other writers may "
                     "have appended after it"));
  }
  return absl::OkStatus();
}

}  // namespace fao
}  // namespace multirun
