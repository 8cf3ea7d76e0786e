// Copyright 2026 The multirun Authors.
//
// Fao with XLSX and SaveMode::kAppend: openpyxl writes a workbook, Fao
// appends to it, openpyxl reads it back; bad workbooks get a clear status
// and stay byte for byte as they were.

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/persistence/fao/archive.h"
#include "multirun/persistence/fao/durable_file.h"
#include "multirun/persistence/fao/fao.h"
#include "multirun/persistence/fao/internal/test_dir.h"
#include "multirun/persistence/fao/internal/xlsx_fixtures.h"
#include "multirun/persistence/fao/xlsx_reader.h"
#include "multirun/testing/python_peer.h"
#include "nlohmann/json.hpp"

namespace multirun {
namespace fao {
namespace {

using ::testing::HasSubstr;

// Prints [sheet names, rows] of the workbook at argv[1] as JSON; a cell is
// [type, value] with type one of int, float, str, bool, None, so that the
// check sees openpyxl's typing, not only the values.
constexpr char kReadTyped[] = R"PY(
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
sheet = book[book.sheetnames[0]]
rows = [[[type(v).__name__, v] for v in r] for r in sheet.iter_rows(values_only=True)]
print(json.dumps([book.sheetnames, rows]))
)PY";

nlohmann::json ReadTyped(const std::string& path) {
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kReadTyped, {path});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? nlohmann::json::parse(*out) : nlohmann::json();
}

nlohmann::json Typed(const char* type, nlohmann::json value) {
  return nlohmann::json::array({type, std::move(value)});
}

const std::vector<std::string> kHeader = {"id", "name", "ok", "x", "none"};

class FaoXlsxAppendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixtures_ = new std::string(fao_internal::NewTestDir());
    const absl::Status made = fao_internal::MakeXlsxFixtures(*fixtures_);
    ASSERT_TRUE(made.ok()) << made;
  }
  static void TearDownTestSuite() { delete fixtures_; }

  // A copy of fixture `name` in a fresh directory.
  static std::string CopyOf(const std::string& name) {
    const std::string path = fao_internal::NewTestDir() + "/" + name;
    EXPECT_TRUE(
        ReplaceFileContents(path, *ReadFile(*fixtures_ + "/" + name)).ok());
    return path;
  }

  static std::string* fixtures_;
};

std::string* FaoXlsxAppendTest::fixtures_ = nullptr;

// Two Saves of one session and one of a second session append to a
// workbook openpyxl wrote: its rows are kept with their types, the header is
// not repeated, and openpyxl reads every cell back with its type.
TEST_F(FaoXlsxAppendTest, AppendsToAWorkbookOpenpyxlWrote) {
  const std::string path = CopyOf("openpyxl.xlsx");
  for (int session = 0; session < 2; ++session) {
    auto fao = Fao::Create(
        {.path = path, .format = Format::kXlsx, .mode = SaveMode::kAppend});
    ASSERT_TRUE(fao.ok()) << fao.status();
    const int first = 3 + 2 * session;
    for (int id = first; id < first + 2; ++id) {
      Table rows{kHeader,
                 {{int64_t{id}, std::string("new ") + std::to_string(id),
                   id % 2 == 0, 0.5 + id, Cell()}}};
      const absl::Status saved = (*fao)->Save(0, rows);
      ASSERT_TRUE(saved.ok()) << saved;
    }
    ASSERT_TRUE((*fao)->Close().ok());
  }
  const nlohmann::json read = ReadTyped(path);
  EXPECT_EQ(read[0], nlohmann::json({"Sheet1"}));
  const nlohmann::json& rows = read[1];
  ASSERT_EQ(rows.size(), 7u) << rows;
  for (size_t c = 0; c < kHeader.size(); ++c) {
    EXPECT_EQ(rows[0][c], Typed("str", kHeader[c]));
  }
  // openpyxl's own rows.
  EXPECT_EQ(rows[1], nlohmann::json::array(
                         {Typed("int", 1), Typed("str", "a,\"b\"\nc é 日本"),
                          Typed("bool", true), Typed("float", 0.25),
                          Typed("NoneType", nullptr)}));
  EXPECT_EQ(rows[2][0], Typed("int", -9007199254740992));
  EXPECT_EQ(rows[2][3], Typed("int", -15000000000));
  EXPECT_EQ(rows[2][4], Typed("int", 7));
  // The appended ones, in order.
  for (int id = 3; id <= 6; ++id) {
    EXPECT_EQ(rows[id],
              nlohmann::json::array(
                  {Typed("int", id), Typed("str", "new " + std::to_string(id)),
                   Typed("bool", id % 2 == 0), Typed("float", 0.5 + id),
                   Typed("NoneType", nullptr)}))
        << id;
  }
}

// A kWrite session writes, a kAppend session without a header appends to a
// workbook without one; a new file is simply written.
TEST_F(FaoXlsxAppendTest, AppendsWithoutHeaderAndCreatesAMissingFile) {
  const std::string path = fao_internal::NewTestDir() + "/plain.xlsx";
  for (int session = 0; session < 3; ++session) {
    auto fao = Fao::Create(
        {.path = path,
         .format = Format::kXlsx,
         .mode = session == 0 ? SaveMode::kWrite : SaveMode::kAppend,
         .sheet_name = "Runs"});
    ASSERT_TRUE(fao.ok());
    Table rows{std::nullopt,
               {{int64_t{session}, std::string("")}, {Cell(), true}}};
    ASSERT_TRUE((*fao)->Save(0, rows).ok());
    ASSERT_TRUE((*fao)->Close().ok());
  }
  const nlohmann::json read = ReadTyped(path);
  EXPECT_EQ(read[0], nlohmann::json({"Runs"}));
  ASSERT_EQ(read[1].size(), 6u) << read;
  for (int session = 0; session < 3; ++session) {
    EXPECT_EQ(read[1][2 * session],
              nlohmann::json::array(
                  {Typed("int", session), Typed("NoneType", nullptr)}));
    EXPECT_EQ(read[1][2 * session + 1],
              nlohmann::json::array(
                  {Typed("NoneType", nullptr), Typed("bool", true)}));
  }
}

// A header with characters XML cannot hold, or with a text that reads as
// an escape, is the same header when read back: the session's own
// workbook is appended to.
TEST_F(FaoXlsxAppendTest, EscapedHeaderIsAppendedTo) {
  const std::string path = fao_internal::NewTestDir() + "/escaped.xlsx";
  const std::vector<std::string> header = {"a\r\nb", "x\x01y", "_x0041_"};
  for (int session = 0; session < 2; ++session) {
    auto fao = Fao::Create(
        {.path = path, .format = Format::kXlsx, .mode = SaveMode::kAppend});
    ASSERT_TRUE(fao.ok());
    for (int save = 0; save < 2; ++save) {
      const absl::Status saved = (*fao)->Save(
          0, Table{header,
                   {{int64_t{session}, std::string("v\r"), int64_t{save}}}});
      ASSERT_TRUE(saved.ok()) << saved;
    }
    ASSERT_TRUE((*fao)->Close().ok());
  }
  absl::StatusOr<XlsxSheet> sheet =
      ParseXlsxSheet(*ReadFile(path), "Sheet1", 3);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_EQ(sheet->rows.size(), 5u);
  EXPECT_EQ(sheet->rows[0], (Row{std::string("a\r\nb"), std::string("x\x01y"),
                                 std::string("_x0041_")}));
  EXPECT_EQ(sheet->rows[4], (Row{int64_t{1}, std::string("v\r"), int64_t{1}}));
}

struct BadWorkbook {
  const char* file;
  absl::StatusCode code;
  const char* says;
};

// Each bad workbook: the Save fails with a status that says why, and the
// file is byte for byte what it was; the session then still works on a
// good file.
TEST_F(FaoXlsxAppendTest, BadWorkbooksAreLeftUntouched) {
  const BadWorkbook cases[] = {
      {"not_zip.xlsx", absl::StatusCode::kInvalidArgument,
       "not an XLSX workbook: not a ZIP package"},
      {"not_workbook.xlsx", absl::StatusCode::kInvalidArgument,
       "not an XLSX workbook: the package has no officeDocument"},
      {"bad_xml.xlsx", absl::StatusCode::kInvalidArgument,
       "is not well-formed XML"},
      {"crc.xlsx", absl::StatusCode::kInvalidArgument, "CRC error"},
      {"doctype.xlsx", absl::StatusCode::kInvalidArgument,
       "document type declaration"},
      {"error_cell.xlsx", absl::StatusCode::kInvalidArgument,
       "cell B2 holds an error value, which the reader cannot type"},
      {"formula.xlsx", absl::StatusCode::kInvalidArgument,
       "cell B2 holds a formula"},
      {"date.xlsx", absl::StatusCode::kInvalidArgument, "cell B2 holds a date"},
      {"two_columns.xlsx", absl::StatusCode::kInvalidArgument,
       "its sheet has 2 columns, this Save's rows have 5"},
      {"two_sheets.xlsx", absl::StatusCode::kFailedPrecondition,
       "the workbook has 2 sheets"},
      {"chart_sheet.xlsx", absl::StatusCode::kFailedPrecondition,
       "is a chart sheet"},
      {"other_name.xlsx", absl::StatusCode::kInvalidArgument,
       "the workbook's sheet is \"Data\""},
      {"far_row.xlsx", absl::StatusCode::kResourceExhausted,
       "makes the sheet 1048576 rows of 5 columns"},
  };
  for (const BadWorkbook& bad : cases) {
    const std::string path = CopyOf(bad.file);
    const std::string before = *ReadFile(path);
    auto fao = Fao::Create(
        {.path = path, .format = Format::kXlsx, .mode = SaveMode::kAppend});
    ASSERT_TRUE(fao.ok());
    const absl::Status saved = (*fao)->Save(
        0, Table{kHeader, {{int64_t{1}, std::string("a"), true, 0.5, Cell()}}});
    EXPECT_EQ(saved.code(), bad.code) << bad.file << ": " << saved;
    EXPECT_THAT(saved.message(), HasSubstr(bad.says)) << bad.file;
    EXPECT_THAT(saved.message(), HasSubstr(path)) << bad.file;
    EXPECT_EQ(*ReadFile(path), before) << bad.file;
    EXPECT_TRUE((*fao)->Close().ok());
  }
}

TEST_F(FaoXlsxAppendTest, AnotherHeaderIsRefusedAndTheFileKept) {
  const std::string path = CopyOf("openpyxl.xlsx");
  const std::string before = *ReadFile(path);
  auto fao = Fao::Create(
      {.path = path, .format = Format::kXlsx, .mode = SaveMode::kAppend});
  ASSERT_TRUE(fao.ok());
  const absl::Status saved = (*fao)->Save(
      0, Table{std::vector<std::string>{"id", "label", "ok", "x", "none"},
               {{int64_t{1}, std::string("a"), true, 0.5, Cell()}}});
  EXPECT_EQ(saved.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(saved.message(),
              HasSubstr("starts with a row other than this Save's header "
                        "(column 2: \"name\", not \"label\")"));
  EXPECT_EQ(*ReadFile(path), before);
}

// The archive strategy in kAppend extends an XLSX entry of the archive.
TEST_F(FaoXlsxAppendTest, ArchiveEntryIsExtended) {
  const std::string dir = fao_internal::NewTestDir();
  const std::string zip = dir + "/runs.zip";
  for (int session = 0; session < 2; ++session) {
    auto fao =
        Fao::Create({.path = zip,
                     .format = Format::kXlsx,
                     .strategy = SavingStrategy::kOneWorkerOneFileThenArchive,
                     .mode = SaveMode::kAppend});
    ASSERT_TRUE(fao.ok());
    ASSERT_TRUE((*fao)
                    ->Save(1, Table{kHeader,
                                    {{int64_t{session}, std::string("r"), false,
                                      1.5, Cell()}}})
                    .ok());
    ASSERT_TRUE((*fao)->Close().ok());
  }
  absl::StatusOr<std::string> out = testing_internal::RunPython(
      "import io,sys,zipfile,openpyxl\n"
      "z=zipfile.ZipFile(sys.argv[1])\n"
      "for n in z.namelist():\n"
      "  print(n, list(openpyxl.load_workbook(io.BytesIO(z.read(n)))"
      ".active.iter_rows(values_only=True)))",
      {zip});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "runs.1.xlsx [('id', 'name', 'ok', 'x', 'none'), "
            "(0, 'r', False, 1.5, None), (1, 'r', False, 1.5, None)]\n");
}

}  // namespace
}  // namespace fao
}  // namespace multirun
