"""Spreadsheet downloads shared by the apps, laid out as people expect them in Excel or WPS.

Every sheet: a Chinese sheet name; a title row naming the scope and the subject with the export time
(“金城村党员名册 · 导出时间：2026年12月1日 15:30”); the header row below it, bold, frozen with the title when
scrolling, with filters, repeated on each printed page; columns as wide as their headers and contents, a Chinese
character counting as two. Numbers and dates stay numbers and dates; text that would start a formula is defused.
The member import finds the header among the first rows, so an exported roster still imports back.
"""

import datetime
import unicodedata
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from import_export import widgets
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Numbers and dates go into the sheet as numbers and dates, so Excel can sum and sort them.
NUMBER = widgets.IntegerWidget(coerce_to_string=False)
DECIMAL = widgets.DecimalWidget(coerce_to_string=False)
DATE = widgets.DateWidget(coerce_to_string=False)

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TITLE_ROW, HEADER_ROW = 1, 2
# Characters Excel refuses in a sheet's name, and its longest name.
SHEET_NAME_REFUSES = str.maketrans("", "", "[]:*?/\\")
SHEET_NAME_MAX = 31
# Column widths in Excel's units (about one Latin character): never narrower or wider than these.
WIDTH_MIN, WIDTH_MAX = 6, 60
WIDTH_ROWS = 2000  # rows measured for the widths: enough to see the longest of a column


def defuse(value):
    """Text that would start a formula gets a leading apostrophe, which spreadsheets show as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def display_width(value):
    """How wide a value shows in a cell: Chinese (and other wide) characters take two columns, the rest one."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = str(value)
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in longest)


def sheet_name(subject):
    return subject.translate(SHEET_NAME_REFUSES)[:SHEET_NAME_MAX] or "数据"


def export_time(now=None):
    now = timezone.localtime(now)
    return f"{now.year}年{now.month}月{now.day}日 {now:%H:%M}"


def workbook(dataset, title, subject, stamped=True):
    """The .xlsx bytes of a tablib Dataset (its headers and rows) under `title` (what the file holds, with its
    scope: “金城村党员名册”), on a sheet named `subject` (“党员名册”); `stamped` adds the export time."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(subject)
    sheet.cell(TITLE_ROW, 1, f"{title} · 导出时间：{export_time()}" if stamped else title).font = Font(
        bold=True, size=14
    )
    sheet.row_dimensions[TITLE_ROW].height = 24
    headers = list(dataset.headers or [])
    widths = [display_width(h) for h in headers]
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    wrapped = Alignment(wrap_text=True, vertical="top")
    for col, header in enumerate(headers, 1):
        cell = sheet.cell(HEADER_ROW, col, header)
        cell.font, cell.fill, cell.alignment = bold, grey, Alignment(vertical="center")
    for number, row in enumerate(dataset, HEADER_ROW + 1):
        for col, value in enumerate(row, 1):
            cell = sheet.cell(number, col, defuse(value))
            if isinstance(value, str) and "\n" in value:
                cell.alignment = wrapped  # a list, one item a line (the dashboard's 还差什么)
            if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd"
            if number < HEADER_ROW + 1 + WIDTH_ROWS and col <= len(widths):
                widths[col - 1] = max(widths[col - 1], display_width(value))
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, WIDTH_MIN), WIDTH_MAX)
    if headers:
        last = get_column_letter(len(headers))
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)  # the title and the header stay in view
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(sheet.max_row, HEADER_ROW)}"
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"  # the header on every printed page
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(dataset, title, subject, stamped=True):
    """The download of `workbook(...)`, named “<title>.xlsx”."""
    response = HttpResponse(workbook(dataset, title, subject, stamped), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title + '.xlsx')}"
    return response
