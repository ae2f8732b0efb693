"""CSV and XLSX copies of a dashboard table, with the same suppressed cells as the page."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook

from lacs.spreadsheets import csv_response, safe_cell
from oversight.panels import Table


def _filename(table: Table, ext: str) -> str:
    return f'attachment; filename="{table.slug}.{ext}"'


def table_csv(table: Table) -> HttpResponse:
    return csv_response(f"{table.slug}.csv", table.columns, table.rows)


def table_xlsx(table: Table) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.slug[:31])
    sheet.append([str(c) for c in table.columns])
    for row in table.rows:
        sheet.append([safe_cell(c, spreadsheet=True) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _filename(table, "xlsx")
    return response
