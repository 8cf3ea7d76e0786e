// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the append-intent recovery of LockedFile
// (durable_file.h): whatever intent a dead writer left, and however much of
// its record reached the file, the next LockedFile::Open never cuts a whole
// record.
//
// The input is a sequence of operations on one file, each starting with a
// LockedFile::Open (which recovers):
//   - a whole Append of a record of any length;
//   - a writer killed half-way: the intent written as LockedFile writes it
//     (start, end, device, inode: 32 bytes in host order, durable_file.cc),
//     then any number of the record's bytes, from none to all of them (all:
//     the writer died before removing its intent, the record is whole);
//   - a writer killed while writing its intent: a prefix of one;
//   - arbitrary intent bytes (garbage, or a stale intent of another file);
//   - ReplaceFileContents with new content.
// The oracle, after every Open: the file holds exactly the whole records
// written so far (a torn tail cut, nothing else), Open removed the intent,
// and size() is the file's size. Arbitrary bytes that happen to name this
// very file and cut mid-record are an intent no writer could have left
// (only a writer holding the lock writes one, and it starts at the end of
// the file); the run stops checking there.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace {

using multirun::FuzzInput;
using multirun::FuzzRequire;
using multirun::fao::LockedFile;

// The intent's layout (durable_file.cc).
struct Intent {
  int64_t start;
  int64_t end;
  uint64_t device;
  uint64_t inode;
};
static_assert(sizeof(Intent) == 32);

const std::string& Directory() {
  static const std::string* const dir = [] {
    const char* root = getenv("TEST_TMPDIR");
    std::string pattern = root != nullptr ? root : "/dev/shm";
    struct stat info;
    if (stat(pattern.c_str(), &info) != 0) pattern = "/tmp";
    pattern += "/durable_file_fuzzer.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) abort();
    return new std::string(pattern);
  }();
  return *dir;
}

void WriteIntentBytes(const std::string& path, const void* bytes, size_t n) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  FuzzRequire(fd >= 0, "cannot create the intent");
  FuzzRequire(write(fd, bytes, n) == static_cast<ssize_t>(n),
              "cannot write the intent");
  close(fd);
}

void WriteAt(const std::string& path, const std::string& bytes, off_t at) {
  const int fd = open(path.c_str(), O_WRONLY);
  FuzzRequire(fd >= 0, "cannot open the file");
  FuzzRequire(pwrite(fd, bytes.data(), bytes.size(), at) ==
                  static_cast<ssize_t>(bytes.size()),
              "cannot write the file");
  close(fd);
}

std::string Record(FuzzInput& in) {
  std::string record = in.String(48);
  if (record.empty() && in.Bool()) record = "r";
  return record;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const std::string path = Directory() + "/log";
  const std::string intent_path = Directory() + "/.log.fao-append";
  unlink(path.c_str());
  unlink(intent_path.c_str());

  std::string whole;  // Every whole record written, in order.
  for (int op = 0; op < 8; ++op) {
    absl::StatusOr<LockedFile> file = LockedFile::Open(path);
    FuzzRequire(file.ok(), "LockedFile::Open failed",
                file.ok() ? "" : file.status().ToString());
    struct stat info;
    FuzzRequire(stat(path.c_str(), &info) == 0, "the file is gone");
    FuzzRequire(file->size() == info.st_size,
                "size() is not the file's size after recovery");
    const absl::StatusOr<std::string> content =
        file->ReadPrefix(static_cast<size_t>(info.st_size));
    FuzzRequire(content.ok(), "cannot read the file back");
    FuzzRequire(
        *content == whole, "recovery cut a whole record or kept a torn one",
        absl::StrCat(content->size(), " bytes, ", whole.size(), " expected"));
    FuzzRequire(access(intent_path.c_str(), F_OK) != 0,
                "Open left the intent behind");
    if (in.empty()) break;

    const auto start = static_cast<int64_t>(info.st_size);
    switch (in.Pick(5)) {
      case 0: {  // A whole append.
        const std::string record = Record(in);
        const absl::Status appended = file->Append(record);
        FuzzRequire(appended.ok(), "Append failed", appended.ToString());
        whole += record;
        break;
      }
      case 1: {  // A writer killed half-way through its record.
        const std::string record = Record(in);
        const Intent intent = {start,
                               start + static_cast<int64_t>(record.size()),
                               static_cast<uint64_t>(info.st_dev),
                               static_cast<uint64_t>(info.st_ino)};
        WriteIntentBytes(intent_path, &intent, sizeof(intent));
        const size_t reached = in.Pick(record.size() + 1);
        WriteAt(path, record.substr(0, reached), start);
        if (reached == record.size()) whole += record;
        break;
      }
      case 2: {  // A writer killed while writing its intent.
        const std::string record = Record(in);
        const Intent intent = {start,
                               start + static_cast<int64_t>(record.size()),
                               static_cast<uint64_t>(info.st_dev),
                               static_cast<uint64_t>(info.st_ino)};
        WriteIntentBytes(intent_path, &intent, in.Pick(sizeof(intent)));
        break;
      }
      case 3: {  // Arbitrary intent bytes.
        const std::string bytes = in.String(40);
        Intent read = {};
        std::memcpy(&read, bytes.data(), std::min(bytes.size(), sizeof(read)));
        if (bytes.size() >= sizeof(read) &&
            read.device == static_cast<uint64_t>(info.st_dev) &&
            read.inode == static_cast<uint64_t>(info.st_ino)) {
          return 0;  // Names this very file: no writer wrote it.
        }
        WriteIntentBytes(intent_path, bytes.data(), bytes.size());
        break;
      }
      default: {  // The file replaced.
        const std::string content = Record(in);
        file = absl::FailedPreconditionError("released");  // Drops the lock.
        const absl::Status replaced =
            multirun::fao::ReplaceFileContents(path, content);
        FuzzRequire(replaced.ok(), "ReplaceFileContents failed",
                    replaced.ToString());
        whole = content;
        break;
      }
    }
  }
  return 0;
}
