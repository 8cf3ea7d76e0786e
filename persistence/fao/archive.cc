// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/archive.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/internal/sigxfsz_guard.h"
#include "zip.h"

namespace multirun {
namespace fao {

namespace {

// The 22-byte end-of-central-directory record of an archive with no entries
// (libzip writes no file at all for one).
constexpr char kEmptyZip[22] = {'P', 'K', 5, 6};

std::string ZipError(zip_t* archive) { return zip_strerror(archive); }

// Opens `path` read-only. NotFound if it does not exist.
absl::StatusOr<zip_t*> OpenForReading(const std::string& path) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (archive != nullptr) return archive;
  zip_error_t detail;
  zip_error_init_with_code(&detail, error);
  std::string message =
      absl::StrCat("cannot open ", path, ": ", zip_error_strerror(&detail));
  zip_error_fini(&detail);
  if (error == ZIP_ER_NOENT) return absl::NotFoundError(message);
  return absl::InvalidArgumentError(message);
}

}  // namespace

absl::Status WriteZipArchive(const std::string& path,
                             const std::vector<ArchiveEntry>& entries,
                             bool keep_existing) {
  std::set<std::string> names;
  for (const ArchiveEntry& entry : entries) {
    if (entry.name.empty()) {
      return absl::InvalidArgumentError("an archive entry needs a name");
    }
    if (!names.insert(entry.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("archive entry \"", entry.name, "\" appears twice"));
    }
    struct stat info;
    if (stat(entry.source_path.c_str(), &info) != 0) {
      return absl::NotFoundError(absl::StrCat(
          "cannot archive ", entry.source_path, ": ", strerrordesc_np(errno)));
    }
  }
  zip_t* existing = nullptr;
  if (keep_existing) {
    absl::StatusOr<zip_t*> opened = OpenForReading(path);
    if (opened.ok()) {
      existing = *opened;
    } else if (opened.status().code() != absl::StatusCode::kNotFound) {
      return opened.status();
    }
  }
  absl::Status status =
      ReplaceFile(path, [&](int fd, const std::string& temp) -> absl::Status {
        fao_internal::SigxfszGuard guard;
        int error = 0;
        zip_t* archive = zip_open(temp.c_str(), ZIP_TRUNCATE, &error);
        if (archive == nullptr) {
          return absl::InternalError(absl::StrCat("libzip cannot create ", temp,
                                                  " (error ", error, ")"));
        }
        size_t count = 0;
        auto fail = [&](absl::string_view what) {
          std::string message = absl::StrCat("cannot archive ", what, " into ",
                                             path, ": ", ZipError(archive));
          zip_discard(archive);
          return absl::InternalError(message);
        };
        if (existing != nullptr) {
          const zip_int64_t old_count = zip_get_num_entries(existing, 0);
          for (zip_int64_t i = 0; i < old_count; ++i) {
            const char* name = zip_get_name(existing, i, 0);
            if (name == nullptr || names.count(name) > 0) continue;
#if LIBZIP_VERSION_MAJOR > 1 || LIBZIP_VERSION_MINOR >= 10  // Renamed in 1.10.
            zip_source_t* source =
                zip_source_zip_file(archive, existing, i, 0, 0, -1, nullptr);
#else
            zip_source_t* source =
                zip_source_zip(archive, existing, i, 0, 0, -1);
#endif
            if (source == nullptr) return fail(name);
            if (zip_file_add(archive, name, source, ZIP_FL_ENC_UTF_8) < 0) {
              zip_source_free(source);
              return fail(name);
            }
            ++count;
          }
        }
        for (const ArchiveEntry& entry : entries) {
          zip_source_t* source =
              zip_source_file(archive, entry.source_path.c_str(), 0, -1);
          if (source == nullptr) return fail(entry.source_path);
          if (zip_file_add(archive, entry.name.c_str(), source,
                           ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(source);
            return fail(entry.source_path);
          }
          ++count;
        }
        if (count == 0) {
          zip_discard(archive);
          return WriteAll(fd, absl::string_view(kEmptyZip, sizeof(kEmptyZip)),
                          temp);
        }
        if (zip_close(archive) != 0) {
          const int saved = errno;
          std::string message =
              absl::StrCat("cannot write ", path, ": ", ZipError(archive));
          zip_discard(archive);
          if (saved == EFBIG || saved == ENOSPC || saved == EDQUOT) {
            return absl::ResourceExhaustedError(message);
          }
          return absl::InternalError(message);
        }
        return absl::OkStatus();
      });
  if (existing != nullptr) zip_discard(existing);
  return status;
}

absl::StatusOr<std::string> ReadZipEntry(const std::string& path,
                                         const std::string& name) {
  absl::StatusOr<zip_t*> archive = OpenForReading(path);
  if (!archive.ok()) return archive.status();
  zip_stat_t info;
  zip_stat_init(&info);
  if (zip_stat(*archive, name.c_str(), 0, &info) != 0) {
    zip_discard(*archive);
    return absl::NotFoundError(
        absl::StrCat("no entry \"", name, "\" in ", path));
  }
  zip_file_t* file = zip_fopen(*archive, name.c_str(), 0);
  if (file == nullptr) {
    std::string message = absl::StrCat("cannot read \"", name, "\" in ", path,
                                       ": ", ZipError(*archive));
    zip_discard(*archive);
    return absl::InternalError(message);
  }
  std::string content(info.size, '\0');
  zip_int64_t have = 0;
  while (have < static_cast<zip_int64_t>(info.size)) {
    const zip_int64_t got =
        zip_fread(file, content.data() + have, info.size - have);
    if (got <= 0) break;
    have += got;
  }
  zip_fclose(file);
  zip_discard(*archive);
  if (have != static_cast<zip_int64_t>(info.size)) {
    return absl::DataLossError(
        absl::StrCat("entry \"", name, "\" in ", path, " is truncated"));
  }
  return content;
}

absl::StatusOr<std::vector<std::string>> ListZipEntries(
    const std::string& path) {
  absl::StatusOr<zip_t*> archive = OpenForReading(path);
  if (!archive.ok()) return archive.status();
  std::vector<std::string> names;
  const zip_int64_t count = zip_get_num_entries(*archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(*archive, i, 0);
    if (name != nullptr) names.push_back(name);
  }
  zip_discard(*archive);
  return names;
}

}  // namespace fao
}  // namespace multirun
