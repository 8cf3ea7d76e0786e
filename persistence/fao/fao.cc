// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/fao.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "multirun/base/status_message.h"
#include "multirun/persistence/fao/archive.h"
#include "multirun/persistence/fao/csv.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/json.h"
#include "multirun/persistence/fao/xlsx.h"
#include "multirun/persistence/fao/xlsx_reader.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace fao {

namespace {

// Which file is at a path, and which version of it: a replaced file is a new
// inode; the size and mtime tell the version apart should an inode number
// be reused.
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_seconds = 0;
  int64_t mtime_nanoseconds = 0;

  bool operator==(const FileStamp&) const = default;
};

}  // namespace

// What a process knows of one whole-file (JSON array, XLSX) file: the rows
// it last wrote or read there. They are the file's rows while the file is
// still the one it wrote (same stamp) and no other Save of the session wrote
// it since (same generation); otherwise the next Save reads the file again.
struct Fao::Slot {
  // Excludes this process's threads (and TSAN sees it); the file's lock
  // excludes other processes.
  Lock lock;
  bool cached ABSL_GUARDED_BY(lock) = false;
  uint32_t generation ABSL_GUARDED_BY(lock) = 0;
  FileStamp stamp ABSL_GUARDED_BY(lock);
  Table table ABSL_GUARDED_BY(lock);
};

namespace {

constexpr int kMaxWorkers = 65536;
constexpr size_t kMaxXlsxColumns = 16384;

const char* DefaultExtension(Format format) {
  switch (format) {
    case Format::kCsv:
      return ".csv";
    case Format::kJson:
      return ".json";
    case Format::kJsonLines:
      return ".jsonl";
    case Format::kXlsx:
      return ".xlsx";
  }
  return "";
}

template <typename Word>
std::atomic_ref<Word> Atomic(Word& word) {
  return std::atomic_ref<Word>(word);
}

// The identity and version of the file at `path`.
absl::StatusOr<FileStamp> StampOf(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot stat ", path, ": ", strerrordesc_np(errno)));
  }
  return FileStamp{static_cast<uint64_t>(info.st_dev),
                   static_cast<uint64_t>(info.st_ino),
                   static_cast<int64_t>(info.st_size),
                   static_cast<int64_t>(info.st_mtim.tv_sec),
                   static_cast<int64_t>(info.st_mtim.tv_nsec)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Fao>> Fao::Create(FaoOptions options) {
  if (options.path.empty() || options.path.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "FaoOptions::path \"", options.path, "\" does not name a file"));
  }
  if (options.max_workers < 1 || options.max_workers > kMaxWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("FaoOptions::max_workers is ", options.max_workers,
                     "; it must be 1 to ", kMaxWorkers));
  }
  if (options.format == Format::kXlsx) {
    absl::Status valid = ValidateSheetName(options.sheet_name);
    if (!valid.ok()) return valid;
  }
  const size_t slash = options.path.rfind('/');
  std::string directory =
      slash == std::string::npos ? "." : options.path.substr(0, slash);
  if (directory.empty()) directory = "/";
  std::string name = slash == std::string::npos
                         ? options.path
                         : options.path.substr(slash + 1);
  struct stat info;
  errno = 0;
  if (stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    const int error = errno;
    return absl::NotFoundError(absl::StrCat(
        "the directory of ", options.path, " (", directory,
        "): ", error != 0 ? strerrordesc_np(error) : "not a directory"));
  }
  std::string stem = name;
  std::string extension;
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) {
    stem = name.substr(0, dot);
    extension = name.substr(dot);
  }
  if (options.strategy == SavingStrategy::kOneWorkerOneFileThenArchive) {
    extension = DefaultExtension(options.format);  // The entries' extension.
  }
  const size_t workers = static_cast<size_t>(options.max_workers);
  absl::StatusOr<SharedRegion> region = SharedRegion::Create(
      sizeof(int32_t) * (workers + 1) + sizeof(uint32_t) * workers);
  if (!region.ok()) return region.status();
  absl::StatusOr<absl::Span<int32_t>> words =
      region->NewArray<int32_t>(workers + 1);
  if (!words.ok()) return words.status();
  absl::StatusOr<absl::Span<uint32_t>> generations =
      region->NewArray<uint32_t>(workers);
  if (!generations.ok()) return generations.status();
  absl::Span<int32_t> owners = words->subspan(0, workers);
  int32_t* finished = &(*words)[workers];
  auto fao = std::unique_ptr<Fao>(new Fao(
      std::move(options), *std::move(region), owners, *generations, finished));
  fao->directory_ = std::move(directory);
  fao->stem_ = std::move(stem);
  fao->extension_ = std::move(extension);
  return fao;
}

Fao::Fao(FaoOptions options, SharedRegion region, absl::Span<int32_t> owners,
         absl::Span<uint32_t> generations, int32_t* finished)
    : options_(std::move(options)),
      creator_(getpid()),
      region_(std::move(region)),
      owners_(owners),
      generations_(generations),
      finished_(finished) {
  slots_.store(NewSlots());
}

// The slots of another process (a forked child's copy of its parent's) are
// left alone, as their locks may be held by threads that were not forked,
// and not freed: they are that process's.
Fao::~Fao() {
  Slots* slots = slots_.load();
  if (slots->pid == getpid()) delete slots;
}

Fao::Slots* Fao::NewSlots() const {
  auto* slots = new Slots{getpid(), {}};
  if (!Streamable()) {
    const int count = options_.strategy == SavingStrategy::kAllWorkersOneFile
                          ? 1
                          : options_.max_workers;
    for (int i = 0; i < count; ++i) {
      slots->slots.push_back(std::make_unique<Slot>());
    }
  }
  return slots;
}

Fao::Slot& Fao::SlotIn(int slot) {
  Slots* current = slots_.load(std::memory_order_acquire);
  if (current->pid != getpid()) {
    // The first whole-file Save of a forked child: slots of its own, as
    // the copies of its parent's may be locked by a thread that was not
    // forked. Racing threads of the child agree on one.
    Slots* fresh = NewSlots();
    if (slots_.compare_exchange_strong(current, fresh,
                                       std::memory_order_acq_rel)) {
      current = fresh;
    } else {
      delete fresh;
    }
  }
  return *current->slots[slot];
}

bool Fao::Streamable() const {
  return options_.format == Format::kCsv ||
         options_.format == Format::kJsonLines;
}

int Fao::SlotOf(int worker) const {
  return options_.strategy == SavingStrategy::kAllWorkersOneFile ? 0 : worker;
}

std::string Fao::EntryNameOf(int worker) const {
  return absl::StrCat(stem_, ".", worker, extension_);
}

std::string Fao::PathOf(int worker) const {
  if (options_.strategy == SavingStrategy::kAllWorkersOneFile) {
    return options_.path;
  }
  return absl::StrCat(directory_, "/", EntryNameOf(worker));
}

absl::Status Fao::Save(int worker, const Table& table) {
  if (worker < 0 || worker >= options_.max_workers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker ", worker, " is out of range [0, ", options_.max_workers, ")"));
  }
  if (Atomic(*finished_).load() != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the FAO session of ", options_.path, " is finished"));
  }
  const int slot = SlotOf(worker);
  const std::string path = PathOf(worker);
  return Streamable() ? SaveStreamable(slot, path, table)
                      : SaveWholeFile(slot, path, table);
}

absl::StatusOr<std::string> Fao::ExistingEntry(int slot) const {
  if (options_.strategy != SavingStrategy::kOneWorkerOneFileThenArchive ||
      options_.mode != SaveMode::kAppend) {
    return std::string();
  }
  absl::StatusOr<std::string> entry =
      ReadZipEntry(options_.path, EntryNameOf(slot));
  if (entry.status().code() == absl::StatusCode::kNotFound) {
    return std::string();
  }
  return entry;
}

absl::Status Fao::SaveStreamable(int slot, const std::string& path,
                                 const Table& table) {
  // Encode outside the lock: workers encode in parallel. One buffer, the
  // header (if any) first, so no write needs a copy of the rows.
  std::string encoded;
  size_t header_size = 0;
  if (options_.format == Format::kCsv) {
    if (table.header.has_value()) {
      absl::Status s = AppendCsv(Table{table.header, {}},
                                 /*include_header=*/true, &encoded);
      if (!s.ok()) return s;
      header_size = encoded.size();
    }
    absl::Status s = AppendCsv(table, /*include_header=*/false, &encoded);
    if (!s.ok()) return s;
  } else {
    absl::StatusOr<std::string> lines = EncodeJson(table, JsonStyle::kLines);
    if (!lines.ok()) return lines.status();
    encoded = *std::move(lines);
  }
  const absl::string_view whole = encoded;
  const absl::string_view header = whole.substr(0, header_size);
  const absl::string_view rows = whole.substr(header_size);
  auto header_mismatch = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " starts with a header other than this Save's"));
  };

  absl::StatusOr<LockedFile> file = LockedFile::Open(path);
  if (!file.ok()) return file.status();
  const bool first = Atomic(owners_[slot]).load() == 0;
  const bool archive =
      options_.strategy == SavingStrategy::kOneWorkerOneFileThenArchive;
  absl::Status status;
  if (first && (options_.mode == SaveMode::kWrite || archive)) {
    absl::StatusOr<std::string> base = ExistingEntry(slot);
    if (!base.ok()) return base.status();
    if (!base->empty() && !header.empty() && !absl::StartsWith(*base, header)) {
      return header_mismatch();
    }
    if (!base->empty()) base->append(rows.data(), rows.size());
    const absl::string_view content = base->empty() ? whole : *base;
    // Hold the new file's lock until the owner is published below: another
    // worker that opens the new file must not see it as unwritten.
    absl::StatusOr<LockedFile> replaced =
        LockedFile::Replace(path, [&](int fd, const std::string& temp) {
          return WriteAll(fd, content, temp);
        });
    status = replaced.status();
    if (replaced.ok()) *file = *std::move(replaced);
  } else {
    absl::string_view bytes = whole;
    if (file->size() > 0) {
      if (!header.empty()) {
        absl::StatusOr<std::string> prefix = file->ReadPrefix(header.size());
        if (!prefix.ok()) return prefix.status();
        if (*prefix != header) return header_mismatch();
      }
      bytes = rows;
    }
    // The lock goes as soon as the rows are written: the next worker
    // appends while this one waits for its fsync. Nothing below needs the
    // lock: this path never replaces the file, so whoever sees the owner
    // unset before the store appends too.
    status = file->AppendThenUnlock(bytes);
  }
  if (!status.ok()) return status;
  Atomic(owners_[slot]).store(static_cast<int32_t>(getpid()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Fao::EncodeWhole(const Table& table) const {
  return EncodeJson(table, JsonStyle::kArray);
}

absl::StatusOr<Table> Fao::ParseWhole(const std::string& path,
                                      absl::string_view bytes,
                                      const Table& table) const {
  auto cannot_append = [&](const absl::Status& why) {
    return base_internal::WithMessage(
        why, absl::StrCat("cannot append to ", path, ": ", why.message()));
  };
  if (options_.format != Format::kXlsx) {
    absl::StatusOr<Table> parsed = ParseJson(bytes, JsonStyle::kArray);
    if (!parsed.ok()) return cannot_append(parsed.status());
    return parsed;
  }
  const size_t width = TableWidth(table);
  absl::StatusOr<XlsxSheet> sheet = ParseXlsxSheet(
      bytes, options_.sheet_name, width > 0 ? width : kMaxXlsxColumns);
  if (!sheet.ok()) return cannot_append(sheet.status());
  Table kept;
  if (sheet->rows.empty()) return kept;
  if (width > 0 && sheet->width != width) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot append to ", path, ": its sheet has ",
                     sheet->width, " columns, this Save's rows have ", width));
  }
  auto first = sheet->rows.begin();
  if (table.header.has_value()) {
    // The header is the first row, as WriteXlsx writes it (an empty name is
    // a blank cell).
    for (size_t c = 0; c < width; ++c) {
      const std::string& name = (*table.header)[c];
      const Cell& cell = (*first)[c];
      const auto* text = std::get_if<std::string>(&cell);
      const bool same =
          text != nullptr
              ? *text == name
              : name.empty() && std::holds_alternative<std::monostate>(cell);
      if (!same) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, " starts with a row other than this Save's header (column ",
            c + 1, ": \"", CellToString(cell), "\", not \"", name, "\")"));
      }
    }
    kept.header = table.header;
    ++first;
  }
  kept.rows.assign(std::make_move_iterator(first),
                   std::make_move_iterator(sheet->rows.end()));
  return kept;
}

absl::Status Fao::SaveWholeFile(int slot, const std::string& path,
                                const Table& table) {
  absl::Status valid = ValidateTable(table);
  if (!valid.ok()) return valid;
  // What XLSX cannot hold is refused before the file is opened (or
  // created), and named by this Save's row, not the merged table's.
  if (options_.format == Format::kXlsx) {
    valid = ValidateXlsxTable(table);
    if (!valid.ok()) return valid;
  }
  Slot& state = SlotIn(slot);
  // Threads of this process take the slot's lock; processes, the file's.
  LockHolder hold(state.lock);
  absl::StatusOr<LockedFile> file = LockedFile::Open(path);
  if (!file.ok()) return file.status();
  const bool first = Atomic(owners_[slot]).load() == 0;
  const uint32_t generation = Atomic(generations_[slot]).load();
  absl::StatusOr<FileStamp> stamp = StampOf(path);
  if (!stamp.ok()) return stamp.status();
  // The rows the file has in this session: none for the first Save of a
  // kWrite session; else what is on disk (or in an archive's entry, for
  // the first Save of an archive worker in kAppend), read again unless
  // this process wrote or read this very version.
  Table kept;
  if (!first && state.cached && state.generation == generation &&
      state.stamp == *stamp) {
    kept = state.table;
  } else if (!first || options_.mode == SaveMode::kAppend) {
    absl::StatusOr<std::string> bytes = std::string();
    if (first &&
        options_.strategy == SavingStrategy::kOneWorkerOneFileThenArchive) {
      bytes = ExistingEntry(slot);
    } else if (file->size() > 0) {
      bytes = ReadFile(path);
    }
    if (!bytes.ok()) return bytes.status();
    if (!bytes->empty()) {
      absl::StatusOr<Table> parsed = ParseWhole(path, *bytes, table);
      if (!parsed.ok()) return parsed.status();
      kept = *std::move(parsed);
    }
  }
  const bool kept_empty = !kept.header.has_value() && kept.rows.empty();
  if (!kept_empty) {
    if (kept.header != table.header) {
      return absl::InvalidArgumentError(absl::StrCat(
          "this Save's header differs from the one ", path, " has"));
    }
    if (!table.rows.empty() && TableWidth(kept) != 0 &&
        TableWidth(kept) != TableWidth(table)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "this Save's rows have ", TableWidth(table), " cells, the rows of ",
          path, " have ", TableWidth(kept)));
    }
  }
  if (kept_empty) kept.header = table.header;
  kept.rows.insert(kept.rows.end(), table.rows.begin(), table.rows.end());
  absl::StatusOr<std::string> text = std::string();
  if (options_.format != Format::kXlsx) text = EncodeWhole(kept);
  if (!text.ok()) return text.status();
  // As in SaveStreamable: the new file stays locked until the owner and
  // the generation are published.
  absl::StatusOr<LockedFile> replaced =
      LockedFile::Replace(path, [&](int fd, const std::string& temp) {
        if (options_.format == Format::kXlsx) {
          return WriteXlsx(temp, kept, options_.sheet_name);
        }
        return WriteAll(fd, *text, temp);
      });
  if (!replaced.ok()) return replaced.status();
  *file = *std::move(replaced);
  state.cached = false;
  absl::StatusOr<FileStamp> written = StampOf(path);
  if (written.ok()) {
    state.cached = true;
    state.stamp = *written;
    state.generation = generation + 1;
    state.table = std::move(kept);
  }
  Atomic(generations_[slot]).store(generation + 1);
  Atomic(owners_[slot]).store(static_cast<int32_t>(getpid()));
  return absl::OkStatus();
}

absl::Status Fao::Close() {
  if (getpid() != creator_) {
    return absl::FailedPreconditionError(
        "Fao::Close must be called in the process that created the Fao");
  }
  int32_t expected = 0;
  if (!Atomic(*finished_).compare_exchange_strong(expected, 1)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the FAO session of ", options_.path, " is already finished"));
  }
  // Every file this session appended to, opened through LockedFile: that
  // waits for appends still in flight and cuts a record torn by a worker
  // that was killed (durable_file.h), so the files (and the archive) hold
  // whole Saves only. Held until the end.
  std::vector<LockedFile> held;
  if (Streamable()) {
    for (int slot = 0; slot < static_cast<int>(owners_.size()); ++slot) {
      if (Atomic(owners_[slot]).load() == 0) continue;
      absl::StatusOr<LockedFile> file = LockedFile::Open(PathOf(slot));
      if (!file.ok()) {
        Atomic(*finished_).store(0);  // Nothing changed: retry.
        return file.status();
      }
      held.push_back(*std::move(file));
    }
  }
  if (options_.strategy != SavingStrategy::kOneWorkerOneFileThenArchive) {
    return absl::OkStatus();
  }
  std::vector<ArchiveEntry> entries;
  for (int w = 0; w < options_.max_workers; ++w) {
    if (Atomic(owners_[w]).load() != 0) {
      entries.push_back({EntryNameOf(w), PathOf(w)});
    }
  }
  absl::Status status =
      WriteZipArchive(options_.path, entries,
                      /*keep_existing=*/options_.mode == SaveMode::kAppend);
  if (!status.ok()) {
    Atomic(*finished_).store(0);  // The workers' files are intact: retry.
    return status;
  }
  for (const ArchiveEntry& entry : entries) {
    if (unlink(entry.source_path.c_str()) != 0 && errno != ENOENT) {
      return absl::InternalError(absl::StrCat(
          "the archive ", options_.path, " is written, but cannot remove ",
          entry.source_path, ": ", strerrordesc_np(errno)));
    }
  }
  return entries.empty() ? absl::OkStatus() : SyncDirectoryOf(options_.path);
}

}  // namespace fao
}  // namespace multirun
