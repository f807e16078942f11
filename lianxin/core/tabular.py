"""Tabular export: real .xlsx files written row by row (constant memory)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence], note: str = ""
) -> FileResponse:
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    book = xlsxwriter.Workbook(tmp, {"constant_memory": True, "in_memory": False})
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#F1F5F9", "border": 1})
    for col, title in enumerate(headers):
        ws.write_string(0, col, str(title), bold)
        ws.set_column(col, col, max(10, min(40, len(str(title)) * 2 + 2)))
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                ws.write_number(n, col, value)
            else:
                ws.write_string(n, col, str(value))
    if note:
        ws.write_string(n + 2, 0, note)
    ws.freeze_panes(1, 0)
    book.close()
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
