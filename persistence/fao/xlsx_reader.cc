// Copyright 2026 The multirun Authors.
//
// How it reads. An XLSX file is a ZIP package of XML parts tied together by
// relationship parts (OPC): _rels/.rels names the workbook part, the
// workbook's own relationships name its worksheets and its shared-string
// table. libzip opens the package from memory (with its consistency check)
// and streams each part, 64 KiB at a time, into an expat parser; a part's
// CRC is checked by libzip as the stream reaches its end. The parser is
// namespace-aware (a name arrives as "<uri> <local>"); elements are matched
// by their local name. Each part has a small handler: a state machine over
// the start tags, end tags and text the parser reports, which records the
// first error and stops the parser there. A document type declaration stops
// the parser before any entity is declared, so nothing is ever expanded.

#include "multirun/persistence/fao/xlsx_reader.h"

#include <string.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "expat.h"
#include "multirun/base/status_message.h"
#include "zip.h"

namespace multirun {
namespace fao {

namespace {

// Where the parser is, for an error message. Expat 2.9 adds 64-bit forms and
// deprecates the others.
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 9)
uint64_t LineNumber(XML_Parser parser) {
  return XML_GetCurrentLineNumber64(parser);
}
uint64_t ColumnNumber(XML_Parser parser) {
  return XML_GetCurrentColumnNumber64(parser);
}
#else
uint64_t LineNumber(XML_Parser parser) {
  return XML_GetCurrentLineNumber(parser);
}
uint64_t ColumnNumber(XML_Parser parser) {
  return XML_GetCurrentColumnNumber(parser);
}
#endif

constexpr size_t kMaxRows = 1048576;
constexpr size_t kMaxColumns = 16384;
constexpr int64_t kMaxExactInteger = int64_t{1} << 53;
// The result pads every row to the sheet's width and holds a row for every
// row number up to the last: at most max(kMinPaddedCells,
// kPaddingPerCell x the cells the sheet has) cells, so that a small sheet
// with one cell far out cannot make the reader allocate gigabytes.
constexpr size_t kMinPaddedCells = size_t{1} << 21;
constexpr size_t kPaddingPerCell = 16;

absl::string_view LocalName(const char* name) {
  const char* space = strrchr(name, ' ');
  return space != nullptr ? space + 1 : name;
}

// The value of the attribute whose local name is `local`, or nullptr.
const char* Attribute(const char** attributes, absl::string_view local) {
  for (; *attributes != nullptr; attributes += 2) {
    if (LocalName(attributes[0]) == local) return attributes[1];
  }
  return nullptr;
}

// "A", "Z", "AA", ... for columns 1, 26, 27, ...
std::string ColumnName(size_t column) {
  std::string name;
  for (; column > 0; column = (column - 1) / 26) {
    name.insert(name.begin(), static_cast<char>('A' + (column - 1) % 26));
  }
  return name;
}

std::string CellName(size_t row, size_t column) {
  return absl::StrCat(ColumnName(column), row);
}

// `text` with OOXML's character escapes decoded: "_xHHHH_" (four hex
// digits, either case) is the character U+HHHH, which is how a writer puts
// a character XML cannot hold (a control character, a lone CR) into a
// string; "_x005F_" is an underscore, which escapes a text that reads as an
// escape ("_x005F_x0041_" is "_x0041_"). An escape of a character that no
// XML text and no C string can hold (U+0000, a surrogate, U+FFFE, U+FFFF)
// is left as it is, so that whatever is read can be written back.
std::string DecodeEscapes(std::string text) {
  if (text.find("_x") == std::string::npos) return text;
  std::string decoded;
  decoded.reserve(text.size());
  size_t at = 0;
  while (at < text.size()) {
    unsigned code = 0;
    if (text.size() - at >= 7 && text[at] == '_' && text[at + 1] == 'x' &&
        text[at + 6] == '_') {
      const char* first = text.data() + at + 2;
      const auto [end, error] = std::from_chars(first, first + 4, code, 16);
      if (error == std::errc() && end == first + 4 && code != 0 &&
          (code < 0xD800 || code > 0xDFFF) && code < 0xFFFE) {
        if (code < 0x80) {
          decoded.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
          decoded.push_back(static_cast<char>(0xC0 | (code >> 6)));
          decoded.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
          decoded.push_back(static_cast<char>(0xE0 | (code >> 12)));
          decoded.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          decoded.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
        at += 7;
        continue;
      }
    }
    decoded.push_back(text[at]);
    ++at;
  }
  return decoded;
}

// A positive decimal without sign or spaces, at most `limit`; 0 if not.
size_t ParsePositive(absl::string_view text, size_t limit) {
  size_t value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > limit) {
    return 0;
  }
  return value;
}

// What a part's handler sees of its XML; records the first error.
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(absl::string_view name, const char** attributes) = 0;
  virtual void End(absl::string_view name) = 0;
  virtual void Text(absl::string_view) {}

  void Fail(absl::Status error) {
    if (status_.ok()) status_ = std::move(error);
  }
  const absl::Status& status() const { return status_; }

 private:
  absl::Status status_;
};

struct ParseContext {
  XML_Parser parser;
  XmlHandler* handler;
};

void StopIfFailed(ParseContext& context) {
  if (!context.handler->status().ok())
    XML_StopParser(context.parser, XML_FALSE);
}

void XMLCALL OnStart(void* data, const XML_Char* name,
                     const XML_Char** attributes) {
  auto& context = *static_cast<ParseContext*>(data);
  context.handler->Start(LocalName(name), attributes);
  StopIfFailed(context);
}

void XMLCALL OnEnd(void* data, const XML_Char* name) {
  auto& context = *static_cast<ParseContext*>(data);
  context.handler->End(LocalName(name));
  StopIfFailed(context);
}

void XMLCALL OnText(void* data, const XML_Char* text, int length) {
  auto& context = *static_cast<ParseContext*>(data);
  context.handler->Text(absl::string_view(text, static_cast<size_t>(length)));
  StopIfFailed(context);
}

void XMLCALL OnDoctype(void* data, const XML_Char* name, const XML_Char*,
                       const XML_Char*, int) {
  auto& context = *static_cast<ParseContext*>(data);
  context.handler->Fail(absl::InvalidArgumentError(
      absl::StrCat("a document type declaration (<!DOCTYPE ", name,
                   ">), which a workbook part never has, is refused")));
  StopIfFailed(context);
}

struct ZipDiscard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using Package = std::unique_ptr<zip_t, ZipDiscard>;

bool HasPart(zip_t* package, const std::string& name) {
  return zip_name_locate(package, name.c_str(), 0) >= 0;
}

// Streams part `name` through expat into `handler`.
absl::Status ParsePart(zip_t* package, const std::string& name,
                       XmlHandler& handler) {
  const zip_int64_t index = zip_name_locate(package, name.c_str(), 0);
  if (index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the package has no part ", name));
  }
  zip_file_t* file =
      zip_fopen_index(package, static_cast<zip_uint64_t>(index), 0);
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open part ", name, ": ", zip_strerror(package)));
  }
  XML_Parser parser = XML_ParserCreateNS(nullptr, ' ');
  if (parser == nullptr) {
    zip_fclose(file);
    return absl::ResourceExhaustedError("expat cannot create a parser");
  }
  ParseContext context{parser, &handler};
  XML_SetUserData(parser, &context);
  XML_SetElementHandler(parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser, OnText);
  XML_SetStartDoctypeDeclHandler(parser, OnDoctype);
  absl::Status status;
  std::unique_ptr<char[]> buffer(new char[1 << 16]);
  while (true) {
    const zip_int64_t got = zip_fread(file, buffer.get(), 1 << 16);
    if (got < 0) {
      status = absl::InvalidArgumentError(absl::StrCat(
          "part ", name, " is corrupt: ", zip_file_strerror(file)));
      break;
    }
    if (XML_Parse(parser, buffer.get(), static_cast<int>(got), got == 0) ==
        XML_STATUS_ERROR) {
      status = !handler.status().ok()
                   ? absl::InvalidArgumentError(absl::StrCat(
                         "part ", name, ": ", handler.status().message()))
                   : absl::InvalidArgumentError(absl::StrCat(
                         "part ", name, " is not well-formed XML: ",
                         XML_ErrorString(XML_GetErrorCode(parser)), " (line ",
                         LineNumber(parser), ", column ", ColumnNumber(parser),
                         ")"));
      if (!handler.status().ok()) {
        status = base_internal::WithMessage(handler.status(), status.message());
      }
      break;
    }
    if (got == 0) break;
  }
  XML_ParserFree(parser);
  zip_fclose(file);
  return status;
}

// One relationship of a relationship part, its target resolved to a part
// name.
struct Relationship {
  std::string id;
  std::string type;
  std::string target;
};

// The directory of a part name, with its slash ("xl/" for "xl/workbook.xml",
// "" for a part at the root).
std::string DirectoryOf(const std::string& part) {
  const size_t slash = part.rfind('/');
  return slash == std::string::npos ? "" : part.substr(0, slash + 1);
}

// `target` relative to the directory `base` (or absolute, from the package
// root, when it starts with '/'), with "." and ".." segments resolved.
std::string ResolveTarget(const std::string& base, absl::string_view target) {
  const std::string joined = absl::StartsWith(target, "/")
                                 ? std::string(target.substr(1))
                                 : absl::StrCat(base, target);
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t slash = joined.find('/', start);
    if (slash == std::string::npos) slash = joined.size();
    const std::string segment = joined.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  std::string resolved;
  for (const std::string& segment : segments) {
    if (!resolved.empty()) resolved.push_back('/');
    resolved += segment;
  }
  return resolved;
}

class RelationshipsHandler : public XmlHandler {
 public:
  explicit RelationshipsHandler(std::string base) : base_(std::move(base)) {}

  void Start(absl::string_view name, const char** attributes) override {
    if (name != "Relationship") return;
    const char* mode = Attribute(attributes, "TargetMode");
    if (mode != nullptr && absl::string_view(mode) == "External") return;
    const char* id = Attribute(attributes, "Id");
    const char* type = Attribute(attributes, "Type");
    const char* target = Attribute(attributes, "Target");
    if (id == nullptr || type == nullptr || target == nullptr) {
      Fail(absl::InvalidArgumentError(
          "a Relationship without Id, Type or Target"));
      return;
    }
    relationships_.push_back({id, type, ResolveTarget(base_, target)});
  }
  void End(absl::string_view) override {}

  const Relationship* OfType(absl::string_view suffix) const {
    for (const Relationship& r : relationships_) {
      if (absl::EndsWith(r.type, suffix)) return &r;
    }
    return nullptr;
  }
  const Relationship* WithId(absl::string_view id) const {
    for (const Relationship& r : relationships_) {
      if (r.id == id) return &r;
    }
    return nullptr;
  }

 private:
  std::string base_;
  std::vector<Relationship> relationships_;
};

// The relationships of `part` (its "_rels/<name>.rels"); none when the
// package has no such part.
absl::StatusOr<RelationshipsHandler> ReadRelationships(
    zip_t* package, const std::string& part) {
  const std::string directory = DirectoryOf(part);
  const std::string rels =
      absl::StrCat(directory, "_rels/", part.substr(directory.size()), ".rels");
  RelationshipsHandler handler(directory);
  if (!HasPart(package, rels)) return handler;
  absl::Status parsed = ParsePart(package, rels, handler);
  if (!parsed.ok()) return parsed;
  return handler;
}

struct SheetEntry {
  std::string name;
  std::string relationship;
};

class WorkbookHandler : public XmlHandler {
 public:
  void Start(absl::string_view name, const char** attributes) override {
    if (name != "sheet") return;
    const char* sheet_name = Attribute(attributes, "name");
    const char* id = Attribute(attributes, "id");  // r:id
    if (sheet_name == nullptr || id == nullptr) {
      Fail(absl::InvalidArgumentError("a sheet without name or r:id"));
      return;
    }
    sheets.push_back({sheet_name, id});
  }
  void End(absl::string_view) override {}

  std::vector<SheetEntry> sheets;
};

class SharedStringsHandler : public XmlHandler {
 public:
  void Start(absl::string_view name, const char**) override {
    if (name == "si") {
      in_item_ = true;
      current_.clear();
    } else if (name == "rPh") {
      ++phonetic_depth_;
    } else if (name == "t" && in_item_ && phonetic_depth_ == 0) {
      in_text_ = true;
    }
  }
  void End(absl::string_view name) override {
    if (name == "si") {
      strings.push_back(DecodeEscapes(std::move(current_)));
      current_.clear();
      in_item_ = false;
    } else if (name == "rPh") {
      if (phonetic_depth_ > 0) --phonetic_depth_;
    } else if (name == "t") {
      in_text_ = false;
    }
  }
  void Text(absl::string_view text) override {
    if (in_text_) current_.append(text.data(), text.size());
  }

  std::vector<std::string> strings;

 private:
  bool in_item_ = false;
  bool in_text_ = false;
  int phonetic_depth_ = 0;
  std::string current_;
};

class SheetHandler : public XmlHandler {
 public:
  SheetHandler(const std::vector<std::string>& strings, size_t max_columns)
      : strings_(strings), max_columns_(max_columns) {}

  void Start(absl::string_view name, const char** attributes) override {
    if (name == "sheetData") {
      in_data_ = true;
    } else if (name == "row" && in_data_) {
      StartRow(attributes);
    } else if (name == "c" && in_row_) {
      StartCell(attributes);
    } else if (name == "c" && in_data_) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("a cell outside a row (after row ", last_row_, ")")));
    } else if (!in_cell_) {
      return;
    } else if (name == "v") {
      in_value_ = true;
      has_value_ = true;
    } else if (name == "f") {
      has_formula_ = true;
    } else if (name == "is") {
      in_inline_ = true;
    } else if (name == "rPh") {
      ++phonetic_depth_;
    } else if (name == "t" && in_inline_ && phonetic_depth_ == 0) {
      in_text_ = true;
    }
  }

  void End(absl::string_view name) override {
    if (name == "sheetData") {
      in_data_ = false;
    } else if (name == "row") {
      in_row_ = false;
    } else if (name == "c" && in_cell_) {
      EndCell();
    } else if (name == "v") {
      in_value_ = false;
    } else if (name == "is") {
      in_inline_ = false;
    } else if (name == "rPh") {
      if (phonetic_depth_ > 0) --phonetic_depth_;
    } else if (name == "t") {
      in_text_ = false;
    }
  }

  void Text(absl::string_view text) override {
    if (in_value_) value_.append(text.data(), text.size());
    if (in_text_) inline_.append(text.data(), text.size());
  }

  XlsxSheet TakeSheet() {
    for (Row& row : sheet_.rows) row.resize(sheet_.width);
    return std::move(sheet_);
  }

 private:
  void StartRow(const char** attributes) {
    const char* r = Attribute(attributes, "r");
    size_t row = last_row_ + 1;
    if (r != nullptr) {
      row = ParsePositive(r, kMaxRows);
      if (row == 0) {
        Fail(absl::InvalidArgumentError(
            absl::StrCat("row number \"", r, "\" is not 1 to ", kMaxRows)));
        return;
      }
    }
    if (row <= last_row_ || row > kMaxRows) {
      Fail(absl::InvalidArgumentError(absl::StrCat(
          "row ", row, " comes after row ", last_row_,
          " (rows must be in increasing order, at most ", kMaxRows, ")")));
      return;
    }
    last_row_ = row;
    last_column_ = 0;
    in_row_ = true;
  }

  void StartCell(const char** attributes) {
    const char* r = Attribute(attributes, "r");
    size_t column = last_column_ + 1;
    if (r != nullptr) {
      const absl::string_view ref(r);
      size_t letters = 0;
      column = 0;
      while (letters < ref.size() && letters < 3 && ref[letters] >= 'A' &&
             ref[letters] <= 'Z') {
        column = column * 26 + static_cast<size_t>(ref[letters] - 'A' + 1);
        ++letters;
      }
      if (letters == 0 ||
          ParsePositive(ref.substr(letters), kMaxRows) != last_row_) {
        Fail(absl::InvalidArgumentError(absl::StrCat(
            "cell reference \"", ref, "\" is not a cell of row ", last_row_)));
        return;
      }
    }
    if (column <= last_column_ || column > kMaxColumns) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("cell ", CellName(last_row_, column),
                       " comes after cell ", CellName(last_row_, last_column_),
                       " (cells must be in increasing order, at most ",
                       kMaxColumns, " columns)")));
      return;
    }
    if (column > max_columns_) {
      Fail(absl::InvalidArgumentError(absl::StrCat(
          "cell ", CellName(last_row_, column), " is in column ", column,
          "; at most ", max_columns_, " columns were expected")));
      return;
    }
    last_column_ = column;
    const char* type = Attribute(attributes, "t");
    type_ = type != nullptr ? type : "n";
    in_cell_ = true;
    has_value_ = false;
    has_formula_ = false;
    value_.clear();
    inline_.clear();
  }

  absl::Status CannotType(absl::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat("cell ", CellName(last_row_, last_column_), " ", why,
                     ", which the reader cannot type"));
  }

  absl::StatusOr<Cell> TypedCell() const {
    if (has_formula_) {
      return CannotType("holds a formula (appending would drop it)");
    }
    if (type_ == "s") {
      size_t position = 0;
      const auto [end, error] = std::from_chars(
          value_.data(), value_.data() + value_.size(), position);
      if (value_.empty() || error != std::errc() ||
          end != value_.data() + value_.size()) {
        return CannotType(
            absl::StrCat("has shared-string index \"", value_, "\""));
      }
      if (position >= strings_.size()) {
        return CannotType(absl::StrCat("has shared-string index ", position,
                                       " of ", strings_.size()));
      }
      return Cell(strings_[position]);
    }
    if (type_ == "inlineStr") return Cell(DecodeEscapes(inline_));
    if (type_ == "str") return Cell(DecodeEscapes(value_));
    if (type_ == "b") {
      if (value_ == "0") return Cell(false);
      if (value_ == "1") return Cell(true);
      return CannotType(absl::StrCat("has boolean \"", value_, "\""));
    }
    if (type_ == "n") {
      if (!has_value_) return Cell();
      double number = 0;
      const auto [end, error] =
          std::from_chars(value_.data(), value_.data() + value_.size(), number);
      if (value_.empty() || error != std::errc() ||
          end != value_.data() + value_.size() || !std::isfinite(number)) {
        return CannotType(absl::StrCat("has number \"", value_, "\""));
      }
      if (number == std::trunc(number) &&
          std::fabs(number) <= static_cast<double>(kMaxExactInteger)) {
        return Cell(static_cast<int64_t>(number));
      }
      return Cell(number);
    }
    if (type_ == "e") return CannotType("holds an error value");
    if (type_ == "d") return CannotType("holds a date");
    return CannotType(absl::StrCat("has type \"", type_, "\""));
  }

  void EndCell() {
    in_cell_ = false;
    in_value_ = false;
    in_inline_ = false;
    in_text_ = false;
    phonetic_depth_ = 0;
    absl::StatusOr<Cell> cell = TypedCell();
    if (!cell.ok()) {
      Fail(cell.status());
      return;
    }
    ++cells_;
    const size_t width = std::max(sheet_.width, last_column_);
    const size_t padded = last_row_ * width;
    const size_t budget = std::max(kMinPaddedCells, kPaddingPerCell * cells_);
    if (padded > budget) {
      Fail(absl::ResourceExhaustedError(
          absl::StrCat("cell ", CellName(last_row_, last_column_),
                       " makes the sheet ", last_row_, " rows of ", width,
                       " columns (", padded, " cells) for the ", cells_,
                       " cells it has; the reader reads at most ", budget,
                       " (at least ", kMinPaddedCells, ", else ",
                       kPaddingPerCell, " per cell the sheet has)")));
      return;
    }
    if (sheet_.rows.size() < last_row_) sheet_.rows.resize(last_row_);
    Row& row = sheet_.rows[last_row_ - 1];
    if (row.size() < last_column_) row.resize(last_column_);
    row[last_column_ - 1] = *std::move(cell);
    if (last_column_ > sheet_.width) sheet_.width = last_column_;
  }

  const std::vector<std::string>& strings_;
  const size_t max_columns_;
  XlsxSheet sheet_;
  bool in_data_ = false;
  bool in_row_ = false;
  bool in_cell_ = false;
  bool in_value_ = false;
  bool has_value_ = false;
  bool has_formula_ = false;
  bool in_inline_ = false;
  bool in_text_ = false;
  int phonetic_depth_ = 0;
  size_t last_row_ = 0;
  size_t last_column_ = 0;
  size_t cells_ = 0;  // The cell elements read so far.
  std::string type_;
  std::string value_;
  std::string inline_;
};

absl::StatusOr<Package> OpenPackage(absl::string_view bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source =
      zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return absl::ResourceExhaustedError(
        absl::StrCat("libzip cannot read the workbook: ", message));
  }
  zip_t* archive =
      zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(source);
    return absl::InvalidArgumentError(absl::StrCat(
        "not an XLSX workbook: not a ZIP package (", message, ")"));
  }
  zip_error_fini(&error);
  return Package(archive);
}

}  // namespace

absl::StatusOr<XlsxSheet> ParseXlsxSheet(absl::string_view workbook,
                                         absl::string_view sheet_name,
                                         size_t max_columns) {
  absl::StatusOr<Package> package = OpenPackage(workbook);
  if (!package.ok()) return package.status();
  zip_t* zip = package->get();
  auto not_a_workbook = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an XLSX workbook: ", why));
  };
  absl::StatusOr<RelationshipsHandler> root = ReadRelationships(zip, "");
  if (!root.ok()) return not_a_workbook(root.status().message());
  const Relationship* document = root->OfType("/officeDocument");
  if (document == nullptr) {
    return not_a_workbook("the package has no officeDocument relationship");
  }
  const std::string workbook_part = document->target;
  WorkbookHandler sheets;
  absl::Status parsed = ParsePart(zip, workbook_part, sheets);
  if (!parsed.ok()) return not_a_workbook(parsed.message());
  absl::StatusOr<RelationshipsHandler> parts =
      ReadRelationships(zip, workbook_part);
  if (!parts.ok()) return not_a_workbook(parts.status().message());
  if (sheets.sheets.empty()) return not_a_workbook("it has no sheet");
  if (sheets.sheets.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the workbook has ", sheets.sheets.size(),
        " sheets; writing it back with the appended rows keeps one sheet, "
        "so the others would be lost"));
  }
  const SheetEntry& sheet = sheets.sheets.front();
  if (sheet.name != sheet_name) {
    return absl::InvalidArgumentError(absl::StrCat("the workbook's sheet is \"",
                                                   sheet.name, "\", not \"",
                                                   sheet_name, "\""));
  }
  const Relationship* sheet_part = parts->WithId(sheet.relationship);
  if (sheet_part != nullptr &&
      absl::EndsWith(sheet_part->type, "/chartsheet")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "sheet \"", sheet.name,
        "\" is a chart sheet; writing the workbook back with the appended "
        "rows writes a worksheet, so the chart would be lost"));
  }
  if (sheet_part == nullptr ||
      !absl::EndsWith(sheet_part->type, "/worksheet")) {
    return not_a_workbook(
        absl::StrCat("sheet \"", sheet.name, "\" has no worksheet part"));
  }
  SharedStringsHandler strings;
  if (const Relationship* table = parts->OfType("/sharedStrings")) {
    parsed = ParsePart(zip, table->target, strings);
    if (!parsed.ok()) return parsed;
  }
  SheetHandler cells(strings.strings, max_columns);
  parsed = ParsePart(zip, sheet_part->target, cells);
  if (!parsed.ok()) return parsed;
  return cells.TakeSheet();
}

}  // namespace fao
}  // namespace multirun
