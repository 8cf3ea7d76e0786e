// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/durable_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/internal/kill_mid_write.h"
#include "multirun/persistence/fao/internal/test_dir.h"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> TempFilesIn(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  while (dirent* entry = readdir(d)) {
    if (absl::StrContains(entry->d_name, ".fao-tmp.")) {
      names.push_back(entry->d_name);
    }
  }
  closedir(d);
  return names;
}

TEST(ReplaceFileTest, ReplacesAndKeepsTheMode) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/f.csv";
  ASSERT_TRUE(ReplaceFileContents(path, "one").ok());
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(ReplaceFileContents(path, "two").ok());
  EXPECT_EQ(*ReadFile(path), "two");
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_TRUE(TempFilesIn(dir).empty());
}

TEST(ReplaceFileTest, FailingFillLeavesTheOldFileAndNoTemporary) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/f";
  ASSERT_TRUE(ReplaceFileContents(path, "old").ok());
  absl::Status s = ReplaceFile(path, [](int fd, const std::string& temp) {
    EXPECT_TRUE(WriteAll(fd, "partial", temp).ok());
    return absl::AbortedError("fill gave up");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*ReadFile(path), "old");
  EXPECT_TRUE(TempFilesIn(dir).empty());
}

TEST(ReplaceFileTest, UnwritablePathNamesPathAndErrno) {
  const std::string dir = fao_internal::NewTestDir();
  ASSERT_TRUE(ReplaceFileContents(dir + "/file", "x").ok());
  // A path under a regular file: ENOTDIR (root ignores permission bits).
  absl::Status s = ReplaceFileContents(dir + "/file/sub.csv", "y");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr(dir + "/file/sub.csv"));
  EXPECT_THAT(s.message(), HasSubstr("Not a directory"));
  absl::StatusOr<LockedFile> locked = LockedFile::Open("/nonexistent-dir/a");
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(locked.status().message(),
              HasSubstr("/nonexistent-dir/a: No such file or directory"));
  EXPECT_EQ(ReadFile(dir + "/missing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReplaceFileContents("", "x").code(),
            absl::StatusCode::kInvalidArgument);
}

// A writer SIGKILLed half-way through a replace leaves the old file as it was.
TEST(ReplaceFileTest, WriterKilledMidReplaceLeavesOldFileIntact) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/data.csv";
  const std::string old_content = "id,name\r\n1,old\r\n";
  ASSERT_TRUE(ReplaceFileContents(path, old_content).ok());
  int written[2], never[2];
  ASSERT_EQ(pipe(written), 0);
  ASSERT_EQ(pipe(never), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(never[1]);
    absl::Status s = ReplaceFile(path, [&](int fd, const std::string& temp) {
      absl::Status half = WriteAll(fd, std::string(1 << 20, 'n'), temp);
      char byte = half.ok() ? 'w' : 'e';
      (void)!write(written[1], &byte, 1);
      (void)!read(never[0], &byte, 1);  // Blocks until the parent kills us.
      return WriteAll(fd, "rest", temp);
    });
    _exit(s.ok() ? 0 : 1);
  }
  close(written[1]);
  close(never[0]);
  char byte = 0;
  ASSERT_EQ(read(written[0], &byte, 1), 1);
  EXPECT_EQ(byte, 'w');
  // The new content is half-way into the temporary file.
  std::vector<std::string> temps = TempFilesIn(dir);
  ASSERT_EQ(temps.size(), 1u);
  struct stat info;
  ASSERT_EQ(stat((dir + "/" + temps[0]).c_str(), &info), 0);
  EXPECT_EQ(info.st_size, 1 << 20);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  close(never[1]);
  close(written[0]);
  EXPECT_EQ(*ReadFile(path), old_content);
}

std::string IntentPath(const std::string& dir, const std::string& name) {
  return dir + "/." + name + ".fao-append";
}

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

TEST(LockedFileTest, WriterKilledMidAppendLeavesWholeRecords) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/log";
  const std::string before = "record 1\nrecord 2\n";
  ASSERT_TRUE(ReplaceFileContents(path, before).ok());
  constexpr size_t kRecord = size_t{128} << 20;
  // A SIGKILL during the child's write() leaves part of its record (the
  // kernel stops at a page).
  const std::string record(kRecord, 'k');
  const absl::Status killed = fao_internal::KillMidWriteUntilTorn(
      path, static_cast<off_t>(before.size()), kRecord, [&] {
        absl::StatusOr<LockedFile> file = LockedFile::Open(path);
        return file.ok() && file->Append(record).ok();
      });
  ASSERT_TRUE(killed.ok()) << killed;
  EXPECT_TRUE(Exists(IntentPath(dir, "log")));
  {
    absl::StatusOr<LockedFile> file = LockedFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->size(), static_cast<off_t>(before.size()));
    EXPECT_FALSE(Exists(IntentPath(dir, "log")));
    ASSERT_TRUE(file->Append("record 3\n").ok());
  }
  EXPECT_EQ(*ReadFile(path), before + "record 3\n");
  EXPECT_FALSE(Exists(IntentPath(dir, "log")));
}

// Writes an intent as LockedFile does: start, end, device, inode (host
// order).
void WriteIntent(const std::string& dir, const std::string& name, int64_t start,
                 int64_t end, uint64_t device, uint64_t inode) {
  const uint64_t words[4] = {static_cast<uint64_t>(start),
                             static_cast<uint64_t>(end), device, inode};
  ASSERT_TRUE(
      ReplaceFileContents(
          IntentPath(dir, name),
          std::string(reinterpret_cast<const char*>(words), sizeof(words)))
          .ok());
}

struct stat StatOf(const std::string& path) {
  struct stat info = {};
  stat(path.c_str(), &info);
  return info;
}

TEST(LockedFileTest, IntentsThatDoNotDescribeATornRecordCutNothing) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/log";
  const std::string content = "0123456789";
  ASSERT_TRUE(ReplaceFileContents(path, content).ok());
  const struct stat info = StatOf(path);
  const uint64_t device = info.st_dev;
  const uint64_t inode = info.st_ino;
  struct Case {
    const char* what;
    int64_t start, end;
    uint64_t device, inode;
  };
  const Case cases[] = {
      {"a record that ended (its writer died before removing the intent)", 4,
       10, device, inode},
      {"a record of another file (inode)", 4, 20, device, inode + 1},
      {"a record of another file (device)", 4, 20, device + 1, inode},
      {"an intent past the end", 10, 20, device, inode},
      {"an empty range", 4, 4, device, inode},
  };
  for (const Case& c : cases) {
    WriteIntent(dir, "log", c.start, c.end, c.device, c.inode);
    absl::StatusOr<LockedFile> file = LockedFile::Open(path);
    ASSERT_TRUE(file.ok()) << c.what;
    EXPECT_EQ(file->size(), 10) << c.what;
    EXPECT_FALSE(Exists(IntentPath(dir, "log"))) << c.what;
  }
  // A short intent: its writer died while writing it, before the record.
  ASSERT_TRUE(ReplaceFileContents(IntentPath(dir, "log"), "abc").ok());
  ASSERT_TRUE(LockedFile::Open(path).ok());
  EXPECT_FALSE(Exists(IntentPath(dir, "log")));
  EXPECT_EQ(*ReadFile(path), content);
  // And one that does describe a torn record is cut.
  WriteIntent(dir, "log", 6, 20, device, inode);
  absl::StatusOr<LockedFile> file = LockedFile::Open(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->size(), 6);
  EXPECT_EQ(*ReadFile(path), "012345");
}

TEST(LockedFileTest, AReplaceDropsAnIntentAboutTheOldFile) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/log";
  ASSERT_TRUE(ReplaceFileContents(path, "old content").ok());
  WriteIntent(dir, "log", 3, 100, StatOf(path).st_dev, StatOf(path).st_ino);
  ASSERT_TRUE(ReplaceFileContents(path, "new").ok());
  EXPECT_FALSE(Exists(IntentPath(dir, "log")));
  ASSERT_TRUE(LockedFile::Open(path).ok());
  EXPECT_EQ(*ReadFile(path), "new");
}

TEST(LockedFileTest, AppendsAndReportsSize) {
  const std::string path = fao_internal::NewTestDir() + "/a";
  {
    absl::StatusOr<LockedFile> file = LockedFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->size(), 0);
    ASSERT_TRUE(file->Append("hello ").ok());
    ASSERT_TRUE(file->Append("world").ok());
    EXPECT_EQ(file->size(), 11);
    EXPECT_EQ(*file->ReadPrefix(5), "hello");
    EXPECT_EQ(*file->ReadPrefix(100), "hello world");
  }
  absl::StatusOr<LockedFile> again = LockedFile::Open(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 11);
}

// Threads with their own LockedFile append `records` records of `size`
// bytes each through `append`: every record is whole, never mixed with
// another, and every thread's records are all there.
void ExpectConcurrentAppendsWhole(
    absl::Status (LockedFile::*append)(absl::string_view), int records,
    int size) {
  const std::string path = fao_internal::NewTestDir() + "/a";
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string record =
          std::string(size - 1, static_cast<char>('a' + t)) + "\n";
      for (int i = 0; i < records; ++i) {
        absl::StatusOr<LockedFile> file = LockedFile::Open(path);
        ASSERT_TRUE(file.ok());
        ASSERT_TRUE(((*file).*append)(record).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string content = *ReadFile(path);
  ASSERT_EQ(content.size(), size_t{kThreads} * records * size);
  int counts[kThreads] = {};
  for (size_t at = 0; at < content.size(); at += size) {
    const char c = content[at];
    ASSERT_GE(c, 'a');
    ASSERT_LT(c, 'a' + kThreads);
    ASSERT_EQ(content.substr(at, size), std::string(size - 1, c) + "\n");
    ++counts[c - 'a'];
  }
  for (int count : counts) EXPECT_EQ(count, records);
}

TEST(LockedFileTest, ConcurrentAppendsAreWholeRecords) {
  ExpectConcurrentAppendsWhole(&LockedFile::Append, 200, 1000);
}

// AppendThenUnlock writes, lets the next writer in before its fsync, and
// holds no lock afterwards: the same object refuses another append.
TEST(LockedFileTest, AppendThenUnlockReleasesTheLockAndRefusesMore) {
  const std::string path = fao_internal::NewTestDir() + "/a";
  absl::StatusOr<LockedFile> first = LockedFile::Open(path);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->Append("one\n").ok());
  ASSERT_TRUE(first->AppendThenUnlock("two\n").ok());
  EXPECT_EQ(first->size(), 8);
  // Opened (and locked) while `first` is still open: Open would block
  // forever if the lock were still held.
  absl::StatusOr<LockedFile> second = LockedFile::Open(path);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->size(), 8);
  ASSERT_TRUE(second->AppendThenUnlock("three\n").ok());
  for (absl::Status refused :
       {first->Append("late\n"), first->AppendThenUnlock("late\n")}) {
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(refused.message()), HasSubstr("released its lock"));
  }
  EXPECT_EQ(*ReadFile(path), "one\ntwo\nthree\n");
}

// The same with AppendThenUnlock, whose fsync comes after the unlock.
TEST(LockedFileTest, ConcurrentAppendThenUnlockAreWholeRecords) {
  ExpectConcurrentAppendsWhole(&LockedFile::AppendThenUnlock, 100, 5000);
}

// A LockedFile that waited while the file was replaced appends to the new
// file, not to the unlinked old one.
TEST(LockedFileTest, WaiterFollowsAReplace) {
  const std::string path = fao_internal::NewTestDir() + "/a";
  ASSERT_TRUE(ReplaceFileContents(path, "old\n").ok());
  std::thread waiter;
  {
    absl::StatusOr<LockedFile> held = LockedFile::Open(path);
    ASSERT_TRUE(held.ok());
    waiter = std::thread([&] {
      absl::StatusOr<LockedFile> file = LockedFile::Open(path);
      ASSERT_TRUE(file.ok());
      ASSERT_TRUE(file->Append("appended\n").ok());
    });
    ASSERT_TRUE(ReplaceFileContents(path, "new\n").ok());
  }
  waiter.join();
  EXPECT_EQ(*ReadFile(path), "new\nappended\n");
}

// RLIMIT_FSIZE: in a forked child (the limit is per process) that also runs
// a second thread, which does not block SIGXFSZ: a replace and an append that
// cross the limit fail with ResourceExhausted, the process survives, and the
// file keeps its previous content.
// A child forked while a LockedFile is held shares its lock (one open file
// description); once the parent's LockedFile goes (destroyed, or
// overwritten by a move), the lock is free although the child still has
// its copy of the descriptor.
bool LockIsFree(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  const bool free = fcntl(fd, F_OFD_SETLK, &lock) == 0;
  close(fd);
  return free;
}

TEST(LockedFileTest, ForkedChildDoesNotKeepTheLock) {
  const std::string dir = fao_internal::NewTestDir();
  for (const bool by_move : {false, true}) {
    const std::string path = dir + (by_move ? "/moved" : "/destroyed");
    const std::string other = path + ".other";
    int release[2];
    ASSERT_EQ(pipe(release), 0);
    pid_t child;
    {
      absl::StatusOr<LockedFile> file = LockedFile::Open(path);
      ASSERT_TRUE(file.ok()) << file.status();
      child = fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        // Holds the inherited descriptor until the parent is done.
        close(release[1]);
        char byte;
        while (read(release[0], &byte, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
      }
      EXPECT_FALSE(LockIsFree(path));
      if (by_move) {
        absl::StatusOr<LockedFile> next = LockedFile::Open(other);
        ASSERT_TRUE(next.ok()) << next.status();
        *file = *std::move(next);
        EXPECT_TRUE(LockIsFree(path));
      }
    }
    EXPECT_TRUE(LockIsFree(path));
    if (by_move) {
      EXPECT_TRUE(LockIsFree(other));
    }
    close(release[0]);
    close(release[1]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}

TEST(FileSizeLimitTest, ResourceExhaustedAndPreviousContentIntact) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string path = dir + "/limited";
  const std::string old_content(1000, 'o');
  ASSERT_TRUE(ReplaceFileContents(path, old_content).ok());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int hold[2];
    if (pipe(hold) != 0) _exit(10);
    std::thread other([&] {
      char byte;
      (void)!read(hold[0], &byte, 1);
    });
    struct rlimit limit = {4096, 4096};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(11);
    int code = 0;
    absl::Status s = ReplaceFileContents(path, std::string(10000, 'n'));
    if (s.code() != absl::StatusCode::kResourceExhausted ||
        !absl::StrContains(s.message(), "File too large")) {
      code = 12;
    } else if (*ReadFile(path) != old_content) {
      code = 13;
    } else if (!TempFilesIn(dir).empty()) {
      code = 14;
    } else {
      absl::StatusOr<LockedFile> file = LockedFile::Open(path);
      absl::Status a = file->Append(std::string(5000, 'a'));
      if (a.code() != absl::StatusCode::kResourceExhausted) {
        code = 15;
      } else if (*ReadFile(path) != old_content) {
        code = 16;  // The partial record was not truncated away.
      } else if (!file->Append("fits").ok() ||
                 *ReadFile(path) != old_content + "fits") {
        code = 17;
      } else {
        // The same with the lock released before the fsync: a failed write
        // is truncated away while the lock is still held.
        absl::Status b = file->AppendThenUnlock(std::string(5000, 'b'));
        if (b.code() != absl::StatusCode::kResourceExhausted) {
          code = 18;
        } else if (*ReadFile(path) != old_content + "fits") {
          code = 19;
        }
      }
    }
    (void)!write(hold[1], "x", 1);
    other.join();
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(*ReadFile(path), old_content + "fits");
}

}  // namespace
}  // namespace fao
}  // namespace multirun
