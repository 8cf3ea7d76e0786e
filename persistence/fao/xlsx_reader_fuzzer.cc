// Copyright 2026 The multirun Authors.
//
// libFuzzer target of the XLSX reader (ParseXlsxSheet), as appending to an
// existing workbook uses it.
//
// The first byte picks how the rest becomes a workbook:
//   - even: the rest is the file's bytes, as found on disk;
//   - odd: the rest is the worksheet's XML (and, after a NUL, the shared
//     strings' XML), packed here with libzip into a package whose other
//     parts are right, so that the input reaches the XML handlers.
// The oracle, for a workbook read with at most 3 columns:
//   - an error is InvalidArgument, FailedPrecondition or ResourceExhausted
//     with a message, never a crash or a hang;
//   - a success has every row `width` cells wide, width <= 3, rows exactly
//     when width > 0, at most 1,048,576 rows, and only finite doubles;
//   - appending works as fao.h does it: the rows read plus one new row are
//     written with WriteXlsx (which may refuse a cell, with
//     InvalidArgument), read back, and are the same cells (an empty string
//     reads back as null, as XLSX has none; numbers as numbers, equal to
//     1e-15 relative, as libxlsxwriter prints 16 digits).

#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/table.h"
#include "multirun/persistence/fao/xlsx.h"
#include "multirun/persistence/fao/xlsx_reader.h"
#include "multirun/testing/fuzz/fuzz_input.h"
#include "zip.h"

namespace {

using multirun::FuzzInput;
using multirun::FuzzRequire;
using multirun::fao::Cell;
using multirun::fao::Row;
using multirun::fao::Table;
using multirun::fao::XlsxSheet;

constexpr size_t kMaxColumns = 3;

constexpr char kMain[] =
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr char kRelationships[] =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr char kPackage[] =
    "http://schemas.openxmlformats.org/package/2006/relationships";

// A package with the given worksheet and shared-string parts, made with
// libzip in memory (entries stored, not deflated).
std::string Package(const std::string& sheet, const std::string& shared) {
  const std::string parts[][2] = {
      {"_rels/.rels",
       absl::StrCat("<Relationships xmlns=\"", kPackage,
                    "\"><Relationship Id=\"rId1\" Type=\"", kRelationships,
                    "/officeDocument\" Target=\"xl/workbook.xml\"/>"
                    "</Relationships>")},
      {"xl/workbook.xml",
       absl::StrCat("<workbook xmlns=\"", kMain, "\" xmlns:r=\"",
                    kRelationships,
                    "\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" "
                    "r:id=\"rId1\"/></sheets></workbook>")},
      {"xl/_rels/workbook.xml.rels",
       absl::StrCat("<Relationships xmlns=\"", kPackage,
                    "\"><Relationship Id=\"rId1\" Type=\"", kRelationships,
                    "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
                    "<Relationship Id=\"rId2\" Type=\"",
                    kRelationships,
                    "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
                    "</Relationships>")},
      {"xl/worksheets/sheet1.xml", sheet},
      {"xl/sharedStrings.xml", shared},
  };
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  FuzzRequire(buffer != nullptr, "libzip: no buffer source");
  zip_source_keep(buffer);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  FuzzRequire(archive != nullptr, "libzip: cannot open the buffer");
  for (const auto& part : parts) {
    zip_source_t* source =
        zip_source_buffer(archive, part[1].data(), part[1].size(), 0);
    FuzzRequire(source != nullptr, "libzip: no part source");
    const zip_int64_t index =
        zip_file_add(archive, part[0].c_str(), source, ZIP_FL_ENC_UTF_8);
    FuzzRequire(index >= 0, "libzip: cannot add a part");
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                             ZIP_CM_STORE, 0);
  }
  FuzzRequire(zip_close(archive) == 0, "libzip: cannot write the package");
  std::string bytes;
  FuzzRequire(zip_source_open(buffer) == 0, "libzip: cannot reopen");
  char chunk[4096];
  zip_int64_t got;
  while ((got = zip_source_read(buffer, chunk, sizeof(chunk))) > 0) {
    bytes.append(chunk, static_cast<size_t>(got));
  }
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return bytes;
}

bool IsNumber(const Cell& cell) {
  return std::holds_alternative<int64_t>(cell) ||
         std::holds_alternative<double>(cell);
}

double NumberOf(const Cell& cell) {
  if (const auto* i = std::get_if<int64_t>(&cell)) {
    return static_cast<double>(*i);
  }
  return std::get<double>(cell);
}

// What a cell reads back as after WriteXlsx.
bool SameAfterRoundTrip(const Cell& written, const Cell& read) {
  if (const auto* text = std::get_if<std::string>(&written)) {
    if (text->empty()) return std::holds_alternative<std::monostate>(read);
  }
  if (IsNumber(written)) {
    if (!IsNumber(read)) return false;
    const double a = NumberOf(written);
    const double b = NumberOf(read);
    return a == b ||
           std::fabs(a - b) <= 1e-15 * std::fmax(std::fabs(a), std::fabs(b));
  }
  return written == read;
}

const std::string& TempPath() {
  static const std::string* path = [] {
    const char* root = getenv("TEST_TMPDIR");
    return new std::string(absl::StrCat(root != nullptr ? root : "/tmp",
                                        "/xlsx_reader_fuzzer.", getpid(),
                                        ".xlsx"));
  }();
  return *path;
}

void CheckAppend(const XlsxSheet& sheet) {
  Table appended;
  appended.rows = sheet.rows;
  const size_t width = sheet.width > 0 ? sheet.width : kMaxColumns;
  Row added(width);
  added[0] = int64_t{42};
  if (width > 1) added[1] = std::string("appended");
  if (width > 2) added[2] = true;
  appended.rows.push_back(added);
  const absl::Status written =
      multirun::fao::WriteXlsx(TempPath(), appended, "Sheet1");
  if (!written.ok()) {
    // A cell XLSX refuses (a string over 32,767 characters, ...).
    FuzzRequire(written.code() == absl::StatusCode::kInvalidArgument,
                "WriteXlsx failed other than InvalidArgument",
                written.ToString());
    return;
  }
  absl::StatusOr<std::string> bytes = multirun::fao::ReadFile(TempPath());
  FuzzRequire(bytes.ok(), "cannot read the written workbook");
  absl::StatusOr<XlsxSheet> again =
      multirun::fao::ParseXlsxSheet(*bytes, "Sheet1", kMaxColumns);
  FuzzRequire(again.ok(), "the appended workbook does not read back",
              again.status().ToString());
  FuzzRequire(again->width == width, "the width changed on append");
  FuzzRequire(again->rows.size() == appended.rows.size(),
              "the row count changed on append",
              absl::StrCat(again->rows.size(), " vs ", appended.rows.size()));
  for (size_t r = 0; r < appended.rows.size(); ++r) {
    for (size_t c = 0; c < width; ++c) {
      FuzzRequire(SameAfterRoundTrip(appended.rows[r][c], again->rows[r][c]),
                  "a cell changed on append",
                  absl::StrCat("row ", r + 1, ", column ", c + 1));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const bool packed = (in.Byte() & 1) != 0;
  std::string workbook = in.Rest();
  if (packed) {
    const size_t nul = workbook.find('\0');
    const std::string sheet = workbook.substr(0, nul);
    const std::string shared = nul == std::string::npos
                                   ? std::string("<sst/>")
                                   : workbook.substr(nul + 1);
    workbook = Package(sheet, shared);
  }
  absl::StatusOr<XlsxSheet> sheet =
      multirun::fao::ParseXlsxSheet(workbook, "Sheet1", kMaxColumns);
  if (!sheet.ok()) {
    const absl::StatusCode code = sheet.status().code();
    FuzzRequire(code == absl::StatusCode::kInvalidArgument ||
                    code == absl::StatusCode::kFailedPrecondition ||
                    code == absl::StatusCode::kResourceExhausted,
                "an unexpected status code", sheet.status().ToString());
    FuzzRequire(!sheet.status().message().empty(), "an empty message");
    return 0;
  }
  FuzzRequire(sheet->width <= kMaxColumns, "wider than max_columns");
  FuzzRequire(sheet->rows.size() <= 1048576, "more rows than XLSX has");
  FuzzRequire(sheet->rows.empty() == (sheet->width == 0),
              "rows without width, or width without rows");
  for (const Row& row : sheet->rows) {
    FuzzRequire(row.size() == sheet->width, "a row of another width");
    for (const Cell& cell : row) {
      if (const auto* number = std::get_if<double>(&cell)) {
        FuzzRequire(std::isfinite(*number), "a non-finite double");
      }
    }
  }
  CheckAppend(*sheet);
  return 0;
}
