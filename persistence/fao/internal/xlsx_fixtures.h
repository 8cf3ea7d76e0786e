// Copyright 2026 The multirun Authors.
//
// Workbooks for the tests of the XLSX reader and of appending to XLSX, made
// by Python: written by openpyxl (the independent writer), or packages whose
// XML parts are written out as text by zipfile, for what openpyxl does not
// write (shared strings, rich text, bad XML, a DTD, a corrupt entry).
// MakeXlsxFixtures(dir) writes them all into `dir`. Test-only.

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_XLSX_FIXTURES_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_XLSX_FIXTURES_H_

#include <string>

#include "absl/status/status.h"
#include "multirun/testing/python_peer.h"

namespace multirun {
namespace fao_internal {

constexpr char kXlsxFixtures[] = R"PY(
import datetime, os, sys, zipfile, openpyxl
d = sys.argv[1]

def book(name, rows, title="Sheet1", more=None, iso=False):
    wb = openpyxl.Workbook()
    wb.iso_dates = iso
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if more:
        wb.create_sheet(more)
    wb.save(os.path.join(d, name))

book("openpyxl.xlsx", [["id", "name", "ok", "x", "none"],
                       [1, "a,\"b\"\nc \u00e9 \u65e5\u672c", True, 0.25, None],
                       [-9007199254740992, "z", False, -1.5e10, 7]])
book("error_cell.xlsx", [["id", "name", "ok", "x", "none"], [1, "#N/A", True, 1, 1]])
book("formula.xlsx", [["id", "name", "ok", "x", "none"], [1, "=1+2", True, 1, 1]])
book("date.xlsx", [["id", "name", "ok", "x", "none"],
                   [1, datetime.datetime(2026, 1, 2), True, 1, 1]], iso=True)
book("two_columns.xlsx", [["id", "name"], [1, "a"]])
book("two_sheets.xlsx", [["id", "name", "ok", "x", "none"]], more="Other")
book("other_name.xlsx", [["id", "name", "ok", "x", "none"]], title="Data")

M = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
P = "http://schemas.openxmlformats.org/package/2006/relationships"

def package(name, sheet, shared=None, stored=False, worksheet=True):
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels":
            f'<Relationships xmlns="{P}"><Relationship Id="rId1" '
            f'Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<workbook {M} xmlns:r="{R}"><sheets><sheet name="Sheet1" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<Relationships xmlns="{P}"><Relationship Id="rId1" '
            f'Type="{R}/{"worksheet" if worksheet else "chartsheet"}" '
            'Target="worksheets/../worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{R}/sharedStrings" '
               'Target="/xl/sharedStrings.xml"/>' if shared is not None else "")
            + '</Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    with zipfile.ZipFile(os.path.join(d, name), "w",
                         zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        for part, text in parts.items():
            z.writestr(part, text)

def sheet(rows):
    return f'<worksheet {M}><sheetData>{rows}</sheetData></worksheet>'

package("typed.xlsx", sheet(
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="inlineStr"><is><r><t>in</t></r><r><t xml:space="preserve">line </t></r>'
    '<rPh><t>PHONETIC</t></rPh></is></c><c r="D1" t="str"><v>by value</v></c>'
    '<c r="E1"/></row>'
    '<row><c t="b"><v>1</v></c><c t="b"><v>0</v></c><c><v>1.5E+10</v></c>'
    '<c t="n"><v>0.1</v></c><c r="E2"><v>-42</v></c></row>'
    '<row r="4"><c r="B4" s="3"><v>1E+16</v></c></row>'),
    shared='<sst ' + M + '><si><t>plain &amp; &lt;escaped&gt;</t></si>'
           '<si><r><t>rich </t></r><r><t>text</t></r><rPh><t>X</t></rPh></si></sst>')
package("bad_xml.xlsx", sheet('<row r="1"><c r="A1"><v>1</v></row>'))
package("doctype.xlsx",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        + sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'))
package("bad_reference.xlsx", sheet('<row r="1"><c r="A2"><v>1</v></c></row>'))
package("rows_out_of_order.xlsx",
        sheet('<row r="2"><c><v>1</v></c></row><row r="1"><c><v>1</v></c></row>'))
package("shared_index.xlsx", sheet('<row r="1"><c t="s"><v>5</v></c></row>'),
        shared=f'<sst {M}><si><t>only</t></si></sst>')
package("cell_outside_row.xlsx",
        sheet('<row r="1"><c><v>1</v></c></row><c r="A2"><v>2</v></c>'))
package("bad_number.xlsx", sheet('<row r="1"><c><v>1e999</v></c></row>'))
# OOXML escapes in a shared and an inline string ("_x005F_" escapes "_").
package("escaped.xlsx", sheet(
    '<row r="1"><c t="s"><v>0</v></c><c t="inlineStr"><is><t>x_x0001_y_x00e9__X0041_</t></is></c>'
    '<c t="inlineStr"><is><t>_x005F_x0041_ _x12_ _x00zz_ _xD800_ _x0000_ _xFFFF_ _xfffd_</t></is></c></row>'),
    shared=f'<sst {M}><si><t>a_x000D_\nb</t></si></sst>')
# One cell far out: padded to a rectangle, millions of cells.
package("far_cell.xlsx", sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
package("far_row.xlsx", sheet('<row r="1048576"><c r="E1048576"><v>1</v></c></row>'))
package("chart_sheet.xlsx", sheet(''), worksheet=False)
package("crc.xlsx", sheet('<row r="1"><c><v>12345</v></c></row>'), stored=True)
data = bytearray(open(os.path.join(d, "crc.xlsx"), "rb").read())
at = data.find(b"12345")
data[at] = ord("9")
open(os.path.join(d, "crc.xlsx"), "wb").write(bytes(data))
with zipfile.ZipFile(os.path.join(d, "not_workbook.xlsx"), "w") as z:
    z.writestr("hello.txt", "hello")
open(os.path.join(d, "not_zip.xlsx"), "w").write("id,name\n1,a\n")
print("ok")
)PY";

inline absl::Status MakeXlsxFixtures(const std::string& dir) {
  absl::StatusOr<std::string> out =
      testing_internal::RunPython(kXlsxFixtures, {dir});
  if (!out.ok()) return out.status();
  if (*out != "ok\n") return absl::InternalError(*out);
  return absl::OkStatus();
}

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_XLSX_FIXTURES_H_
