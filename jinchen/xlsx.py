"""Spreadsheet downloads shared by the apps: Chinese file names, and cells a spreadsheet cannot run."""

from urllib.parse import quote

from django.http import HttpResponse
from import_export import widgets
from import_export.formats.base_formats import XLSX

# Numbers and dates go into the sheet as numbers and dates, so Excel can sum and sort them.
NUMBER = widgets.IntegerWidget(coerce_to_string=False)
DECIMAL = widgets.DecimalWidget(coerce_to_string=False)
DATE = widgets.DateWidget(coerce_to_string=False)

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Text that would start a formula gets a leading apostrophe, which spreadsheets show as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_response(dataset, filename):
    for i, row in enumerate(dataset):
        dataset[i] = tuple(defuse(cell) for cell in row)
    content = XLSX().export_data(dataset)
    response = HttpResponse(content, content_type=XLSX.CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
