#!/usr/bin/env python3
"""Writes a minimal XLSX for tests: make_xlsx.py OUT SHEET_NAME CELLS_JSON.

CELLS_JSON is a list of [ref, kind, value]: kind "n" a number as stored
text, "s" an inline string. Only what a spreadsheet needs to be read:
workbook, its relationships and one sheet (no styles)."""
import json
import sys
import zipfile
from xml.sax.saxutils import escape

out, name, cells = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
rows = {}
for ref, kind, value in cells:
    row = int("".join(ch for ch in ref if ch.isdigit()))
    if kind == "n":
        xml = f'<c r="{ref}"><v>{escape(value)}</v></c>'
    else:
        xml = f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    rows.setdefault(row, []).append(xml)
sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<sheetData>' + "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items())) +
         '</sheetData></worksheet>')
workbook = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            f'<sheet name="{escape(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>')
rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>')
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("xl/workbook.xml", workbook)
    z.writestr("xl/_rels/workbook.xml.rels", rels)
    z.writestr("xl/worksheets/sheet1.xml", sheet)
