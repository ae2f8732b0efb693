"""CSV and XLSX copies of a dashboard table, with the same suppressed cells as the page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook

from oversight.panels import Table


def _cell(value, *, spreadsheet: bool = False):
    # Formulas in a spreadsheet must never come from data: prefix anything that starts like one.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if spreadsheet and isinstance(value, Decimal):
        return float(value)
    return value


def _filename(table: Table, ext: str) -> str:
    return f'attachment; filename="{table.slug}.{ext}"'


def table_csv(table: Table) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(c) for c in row])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(table, "csv")
    return response


def table_xlsx(table: Table) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.slug[:31])
    sheet.append([str(c) for c in table.columns])
    for row in table.rows:
        sheet.append([_cell(c, spreadsheet=True) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _filename(table, "xlsx")
    return response
