"""Files built to hurt the server are refused within seconds, in Chinese, with nothing saved, and the process
that reads them (and the child it reads a spreadsheet in) stays small.

Each hostile file is generated here (members/tests/hostile_files.py). The page is tested through the client;
time and peak memory are measured in a fresh Python process that reads the file as the web process does
(`read_rows`), so its peak is the reader's own: ru_maxrss of the process and of its children (the forked reader).
"""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from members import imports
from members.models import ImportJob, Member
from members.tests import hostile_files as hostile
from members.tests.test_imports import upload

pytestmark = pytest.mark.django_db

SECONDS = 10
PEAK_MB = 300
MB = 2**20

CORPUS = {
    # name: (how it is built, the message the person reads)
    "far_cell_XFD1048576.xlsx": (lambda p: hostile.far_cell(p, 16384, 1048576), "表格范围过大（到 XFD1048576）"),
    "far_cell_XFD4000_undeclared.xlsx": (
        lambda p: hostile.far_cell(p, 16384, 4000, declared=False),
        "表格范围过大（到 XFD4000）",
    ),
    "far_cell_without_references.xlsx": (
        lambda p: hostile.unreferenced_far_cell(p, 16384, 4000),
        "读取这个文件所需的内存或时间超过上限",
    ),
    "one_long_cell.xlsx": (lambda p: hostile.huge_cell(p, 200_000), "有单元格内容过长（超过 32767 个字符"),
    "one_300MB_cell.xlsx": (
        lambda p: hostile.huge_cell(p, 100 * 1_000_000),
        "文件解压后太大（超过 150.0 MB，已到 286.1 MB）",
    ),
    "two_million_rows.xlsx": (lambda p: hostile.many_rows(p, 2_000_000), "行数太多（到第"),
    "two_million_rows.csv": (lambda p: hostile.csv_rows(p, 2_000_000), "行数太多（2000002 行）"),
    "many_sheets.xlsx": (lambda p: hostile.many_sheets(p, 500), "工作表太多：共 500 个"),
    "zip_bomb.xlsx": (lambda p: hostile.zip_bomb(p, 140 * 1_000_000), "文件的压缩比异常"),
    "billion_laughs.xlsx": (hostile.billion_laughs, "文件含有 DTD 或实体声明"),
    "long_line.csv": (lambda p: hostile.csv_long_line(p, 300_000), "文件中有一行过长"),
    "too_large.csv": (lambda p: hostile.csv_rows(p, 11_000_000), "文件太大：21.0 MB，一次最多导入 20.0 MB"),
}

READ = """
import json, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from members import imports
path = sys.argv[1]
with open(path, "rb") as f:
    data = f.read()
start = time.monotonic()
rows, message = None, None
try:
    rows = len(imports.read_rows(SimpleUploadedFile(path.rsplit("/", 1)[-1], data), "members"))
except imports.ImportFileError as error:
    message = str(error)
seconds = time.monotonic() - start
# This process's own peak (VmHWM: ru_maxrss would count what the spawning process held before exec), and the
# forked reader's (with the pages it shares with this process counted as its own).
with open("/proc/self/status") as f:
    self_mb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rows": rows, "message": message, "seconds": seconds, "self_mb": self_mb, "child_mb": child_mb}))
"""


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {name: build(folder / name) for name, (build, _) in CORPUS.items()}


def read_in_a_fresh_process(path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jinchen.settings"}
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path)], capture_output=True, text=True, env=env, cwd=settings.BASE_DIR
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", CORPUS)
def test_a_hostile_file_is_refused_quickly_and_cheaply(name, corpus, client, sec_a, village_a, grid_a1, capsys):
    path, message = corpus[name], CORPUS[name][1]
    client.force_login(sec_a)
    start = time.monotonic()
    with open(path, "rb") as f:
        response = upload(client, village_a, SimpleUploadedFile(name, f.read()))
    seconds = time.monotonic() - start
    shown = [str(m) for m in response.context["messages"]]
    assert response.status_code == 200 and len(shown) == 1 and shown[0].startswith(f"没有导入：{message}"), shown
    assert seconds < SECONDS
    assert not Member.objects.exists() and not ImportJob.objects.exists()
    assert not list(imports._store_dir().iterdir())  # nothing kept
    measured = read_in_a_fresh_process(path)
    assert measured["message"].startswith(message)
    assert measured["seconds"] < SECONDS
    assert measured["self_mb"] < PEAK_MB and measured["child_mb"] < PEAK_MB, measured
    with capsys.disabled():
        size = path.stat().st_size
        print(
            f"\n{name}: {size / MB:.1f} MB, page {seconds:.2f} s, read {measured['seconds']:.2f} s, "
            f"peak {measured['self_mb']:.0f} MB (reader child {measured['child_mb']:.0f} MB)"
        )


def test_a_large_normal_roster_is_read_whole_in_the_limited_child(tmp_path, capsys):
    """50,000 rows of 20 columns, the most an upload may hold, declared to row 1048576 as LibreOffice declares a
    sheet whose columns are formatted: read whole, quickly, within the bounds."""
    rows = settings.IMPORT_MAX_ROWS
    more = "".join(hostile.cell(c, 1, f"列{c}") for c in range(6, 21))
    body = [hostile.header_row().replace("</row>", more + "</row>")]
    body += [
        f'<row r="{r}">' + "".join(hostile.cell(c, r, f"党员{r}的第{c}项") for c in range(1, 21)) + "</row>"
        for r in range(2, rows + 2)
    ]
    path = hostile.write_xlsx(tmp_path / "roster.xlsx", [hostile.sheet_xml("".join(body), "A1:AMJ1048576")])
    measured = read_in_a_fresh_process(path)
    assert measured["message"] is None and measured["rows"] == rows
    assert measured["seconds"] < 30 and measured["self_mb"] < 600 and measured["child_mb"] < 600, measured
    with capsys.disabled():
        print(
            f"\n{rows} rows × 20: {path.stat().st_size / MB:.1f} MB, read {measured['seconds']:.2f} s, "
            f"peak {measured['self_mb']:.0f} MB (reader child {measured['child_mb']:.0f} MB)"
        )
