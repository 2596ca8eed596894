"""What an uploaded roster may cost the server: bounded before it is read, and read where a runaway file
cannot take the web process down.

An .xlsx is a zip of XML parts. Before calamine sees it, its parts are inflated here a megabyte at a time,
never whole: a part that inflates too far (a zip bomb), a DTD (XML entity expansion), a run of text longer than
any cell may hold, too many sheets, and a first sheet whose cells reach too far right or down are refused with a
message that says what is wrong. The cells counted are those with a value, as calamine counts them: a sheet that
LibreOffice declares to row 1048576 because its columns are formatted imports as before.

calamine builds the whole rectangle from the first cell to the last (32 bytes a cell: a cell at XFD1048576 asks
for 550 GB), so it then runs in a forked child with an address-space and CPU limit: whatever it meets, the web
process (or the worker) only hears that the child failed.
"""

import csv
import io
import os
import pickle
import re
import resource
import select
import signal
import time
import zipfile
import zlib

from django.conf import settings

MAX_COLUMNS = 200  # a roster has about 25; XFD is 16,384
MAX_CELLS = 1_500_000  # value cells of the first sheet: 50,000 rows of 30 columns
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_TEXT = MAX_CELL_CHARS * 4  # its UTF-8 bytes at most
MAX_SHEETS = 100
MAX_PARTS = 1_000
MAX_UNZIPPED = 150 * 2**20  # all XML parts inflated; a 50,000-row roster is about 40 MB
MAX_RATIO = 100  # inflated ÷ compressed, for parts over a megabyte; Excel's sheets are 5–20 times
MAX_CSV_LINE = 256 * 2**10
PARSE_MEMORY = 768 * 2**20  # address space the reading child may add to what it inherits
PARSE_SECONDS = 60
CHUNK = 2**20

# A cell with a value (not <c r="A5" s="1"/> nor <c ...></c>): its row; and one beyond column MAX_COLUMNS (GR).
# Only cells carry an r of letters and digits. A writer that leaves out r (it is optional) or spaces its attributes
# otherwise is not seen here: the limited child below still holds.
VALUE_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,7})"[^>]*(?<!/)>(?!</)')
FAR_CELL = re.compile(rb' r="((?:[A-Z]{3}|[H-Z][A-Z]|G[S-Z])[0-9]{1,7})"[^>]*(?<!/)>(?!</)')
SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")
TARGET = re.compile(rb"<Relationship\b[^>]*>")


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


def size_text(n):
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, n // 1024)} KB"


def check_size(size):
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            f"文件太大：{size_text(size)}，一次最多导入 {size_text(limit)}。"
            "请删去多余的工作表、图片和空行，或分成几个文件。"
        )


class Extent:
    """How far the value cells of a sheet reach, counted as its XML streams past."""

    def __init__(self):
        self.rows = self.cells = 0
        self.far = None

    def add(self, xml):
        rows = VALUE_ROW.findall(xml)
        if rows:
            self.cells += len(rows)
            self.rows = max(self.rows, max(map(int, rows)))
        for ref in FAR_CELL.findall(xml):
            self.far = ref.decode()
        self.check()

    def check(self):
        if self.far:
            raise ImportFileError(
                f"表格范围过大（到 {self.far}）：最多 {MAX_COLUMNS} 列。"
                "请删除表格右侧多余的单元格（或只把名册复制到新文件）后再导入。"
            )
        if self.cells > MAX_CELLS:
            raise ImportFileError(f"单元格太多（超过 {MAX_CELLS} 个）：请只保留要导入的列和行，或分成几个文件。")
        if self.rows > settings.IMPORT_MAX_ROWS + 1:
            raise ImportFileError(
                f"行数太多（到第 {self.rows} 行）：一次最多导入 {settings.IMPORT_MAX_ROWS} 行。"
                "请删除表格下方多余的单元格，或分成几个文件导入。"
            )


def check_xlsx(data):
    """Refuse an .xlsx whose reading would cost more than a roster's; ImportFileError says why."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return  # not a zip: calamine's own message says it is no .xlsx
    if len(parts) > MAX_PARTS:
        raise ImportFileError(
            f"文件的组成部分太多（{len(parts)} 个），不像是名册，已拒绝。请在 Excel 中另存为 .xlsx 后再导入。"
        )
    if sum(p.file_size for p in parts) > MAX_UNZIPPED:
        raise ImportFileError(_bomb(sum(p.file_size for p in parts)))
    for p in parts:
        if p.file_size > 2**20 and p.file_size > MAX_RATIO * max(p.compress_size, 1):
            raise ImportFileError(
                f"文件的压缩比异常（{p.filename} 解压后是压缩时的 {p.file_size // max(p.compress_size, 1)} 倍），"
                "可能是“压缩炸弹”，已拒绝。"
            )
    sheets = len(SHEET.findall(_read_small(book, "xl/workbook.xml")))
    if sheets > MAX_SHEETS:
        raise ImportFileError(
            f"工作表太多：共 {sheets} 个，最多 {MAX_SHEETS} 个。请只保留要导入的工作表（名册放在第一个）。"
        )
    first = _first_sheet(book)
    xml = [p for p in parts if (p.filename.endswith((".xml", ".rels")) or p.filename == first) and not p.is_dir()]
    inflated = 0
    for p in xml:
        extent = Extent() if p.filename == first or first is None and "worksheets/" in p.filename else None
        inflated = _scan(book, p, extent, inflated)


def _bomb(size):
    return (
        f"文件解压后太大（超过 {size_text(MAX_UNZIPPED)}，已到 {size_text(size)}），可能是“压缩炸弹”，已拒绝。"
        "请只保留要导入的名册。"
    )


def _scan(book, part, extent, inflated):
    """Inflate one part a chunk at a time: refuse a DTD, an over-long text, and (for the first sheet) too far a
    reach. Returns the bytes inflated so far, counted as they come out."""
    carry = b""
    try:
        with book.open(part) as stream:
            while chunk := stream.read(CHUNK):
                inflated += len(chunk)
                if inflated > MAX_UNZIPPED:
                    raise ImportFileError(_bomb(inflated))
                text = carry + chunk
                if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
                    raise ImportFileError(
                        "文件含有 DTD 或实体声明（<!DOCTYPE、<!ENTITY），Excel 不会写这样的文件，"
                        "已拒绝（可用来耗尽服务器内存）。"
                    )
                cut = text.rfind(b"<")
                whole, carry = (text[:cut], text[cut:]) if cut > 0 else (b"", text)
                if len(carry) > MAX_TEXT or _longest_text(whole) > MAX_TEXT:
                    raise ImportFileError(
                        f"有单元格内容过长（超过 {MAX_CELL_CHARS} 个字符，Excel 一个单元格的上限），"
                        "不像是名册，已拒绝。"
                    )
                if extent is not None:
                    extent.add(whole)
            if extent is not None:
                extent.add(carry)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise ImportFileError("无法读取这个文件：它不是有效的 Excel（.xlsx）文件。") from None
    return inflated


def _longest_text(xml):
    """The longest run without a tag in `xml`, or 0 when none can reach MAX_TEXT: such a run holds a whole aligned
    block of half its length, which memchr finds without splitting the text."""
    half = MAX_TEXT // 2
    if all(b"<" in xml[i : i + half] for i in range(0, len(xml) - half + 1, half)):
        return 0
    return max(map(len, xml.split(b"<")))


def _read_small(book, name, limit=2**20):
    try:
        with book.open(name) as stream:
            return stream.read(limit)
    except (KeyError, zipfile.BadZipFile, zlib.error):
        return b""


def _first_sheet(book):
    """The part calamine reads (the workbook's first sheet), or None when the workbook does not say."""
    found = SHEET.search(_read_small(book, "xl/workbook.xml"))
    if not found:
        return None
    for rel in TARGET.findall(_read_small(book, "xl/_rels/workbook.xml.rels")):
        if f'Id="{found.group(1).decode()}"'.encode() in rel:
            target = re.search(rb'Target="([^"]+)"', rel)
            if target:
                name = target.group(1).decode().lstrip("/")
                return name if name.startswith("xl/") else f"xl/{name}"
    return None


def check_csv(data):
    lines = data.count(b"\n") + 1
    if lines > settings.IMPORT_MAX_ROWS + 1:
        raise ImportFileError(
            f"行数太多（{lines} 行）：一次最多导入 {settings.IMPORT_MAX_ROWS} 行，请分成几个文件导入。"
        )
    if max(map(len, data.split(b"\n"))) > MAX_CSV_LINE:
        raise ImportFileError(f"文件中有一行过长（超过 {size_text(MAX_CSV_LINE)}），不像是名册，已拒绝。")


def csv_error():
    return ImportFileError(f"有单元格内容过长（超过 {csv.field_size_limit()} 个字符）或引号不配对，请检查文件。")


def contained(function, *args):
    """function(*args) in a forked child limited to PARSE_MEMORY more address space and PARSE_SECONDS of CPU;
    its result comes back pickled. A child that dies (calamine aborts when an allocation fails) or overruns
    raises ImportFileError; an exception the function raises is raised here again."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code, never touches the database
        status = 1
        try:
            os.close(read_end)
            limit = _address_space() + PARSE_MEMORY
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (PARSE_SECONDS, PARSE_SECONDS + 5))
            try:
                result = (True, function(*args))
            except MemoryError:
                result = (False, ImportFileError(_too_big()))
            except Exception as error:  # raised again in the parent
                result = (False, error)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    received = _receive(read_end, pid)
    _, status = os.waitpid(pid, 0)
    if not received or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise ImportFileError(_too_big())
    ok, value = pickle.loads(received)
    if ok:
        return value
    raise value


def _receive(fd, pid):
    """Everything the child writes, or b"" if it takes longer than PARSE_SECONDS of wall time (it is killed)."""
    chunks, deadline = [], time.monotonic() + PARSE_SECONDS + 10
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while True:
            ready, _, _ = select.select([stream], [], [], max(0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return b""
            chunk = stream.read(CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _address_space():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _too_big():
    return (
        f"读取这个文件所需的内存或时间超过上限（{size_text(PARSE_MEMORY)}、{PARSE_SECONDS} 秒），没有导入。"
        "请删除表格中多余的行、列和工作表（或只把名册复制到新文件）后再导入。"
    )
