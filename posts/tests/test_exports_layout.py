"""Every .xlsx the platform hands out, opened as Excel opens it: a Chinese sheet name, a title row with the scope and
the export time, the header frozen below it, columns as wide as their headers and contents (a Chinese character
counts double), and the dashboard's export carrying what the board shows."""

import datetime
import io
import zoneinfo
from urllib.parse import quote

import openpyxl
import pytest
from django.urls import reverse

from jinchen.xlsx import display_width
from posts.models import Stage
from posts.tests.test_dashboard import world as board_world  # noqa: F401  (金城村 at 严格评岗, 新河村 without a round)
from posts.tests.test_exports import world  # noqa: F401  (village A at 群众定岗 with two members on post)

pytestmark = pytest.mark.django_db

EXPORTED_AT = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def exported_at(time_machine):
    """The clock at the export time, before the data is made (asked for first), so a round has moved today."""
    time_machine.move_to(EXPORTED_AT, tick=False)


def shown_width(value):
    """How many Latin characters' room a value needs, written out here: a CJK character (or a full-width sign)
    two, anything else one; a date ten; the longest line of a cell."""
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 10
    return max(sum(2 if ord(c) >= 0x2E80 else 1 for c in line) for line in str(value).split("\n"))


def opened(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def check_layout(sheet, title, name):
    """The layout every export shares; the header row's cells."""
    assert sheet.title == name
    assert sheet["A1"].value == f"{title} · 导出时间：2026年12月1日 15:30" and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A3"  # the title and the header stay in view
    header = [c.value for c in sheet[2]]
    assert header and all(header) and all(c.font.bold for c in sheet[2])
    for col, cells in enumerate(sheet.iter_cols(min_row=2, values_only=True), 1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(col)].width
        # A date comes back from the file as a datetime at midnight, shown as a date.
        widest = max(shown_width(v) for v in cells)
        assert width >= min(widest, 58), (header[col - 1], width, widest)
    assert sheet.print_title_rows == "$2:$2" and sheet.auto_filter.ref.startswith("A2:")
    return header


def test_display_width_counts_chinese_characters_double():
    assert display_width("岗位名称") == 8 and display_width("No.12") == 5 and display_width("王䶮𠈌") == 6
    assert display_width(datetime.date(2026, 12, 1)) == 10 and display_width(None) == 0
    assert display_width("第一行\n长长的第二行") == 12  # the longest line of a cell


def test_every_export_is_laid_out_for_people(exported_at, client, sec_a, town_user, town, grid_a1, world):  # noqa: F811
    round = world["round"]
    client.force_login(sec_a)
    exports = [
        (reverse("members:members-export") + f"?village={grid_a1.village_id}", "金城村党员名册", "党员名册"),
        (reverse("members:members-export") + f"?grid={grid_a1.pk}", "金城村第一网格党员名册", "党员名册"),
        (reverse("members:needs-export") + f"?village={grid_a1.village_id}", "金城村群众需求", "群众需求"),
        (reverse("posts:round-export", args=[round.pk, "posts"]), "金城村2026年度岗位", "岗位"),
        (reverse("posts:round-export", args=[round.pk, "assignments"]), "金城村2026年度申报与定岗", "申报与定岗"),
        (reverse("posts:round-export", args=[round.pk, "ratings"]), "金城村2026年度评岗结果", "评岗结果"),
        (reverse("posts:dashboard-export") + f"?village={grid_a1.village_id}", "金城村设岗定责工作看板", "工作看板"),
    ]
    for url, title, name in exports:
        response = client.get(url)
        assert response["Content-Disposition"].endswith("''" + quote(f"{title}.xlsx"))
        check_layout(opened(response), title, name)
    client.force_login(town_user)
    town_exports = [
        (reverse("members:members-export") + f"?town={town.pk}", "金城镇党员名册", "党员名册"),
        (reverse("posts:dashboard-export") + f"?town={town.pk}", "金城镇设岗定责工作看板", "工作看板"),
    ]
    for url, title, name in town_exports:
        check_layout(opened(client.get(url)), title, name)


def test_roster_columns_fit_chinese_headers_and_long_addresses(exported_at, client, sec_a, grid_a1, make_member):
    make_member(grid_a1, name="欧阳𠈌䶮", address="金城镇金城村三组东头第二排第十五号（老供销社后面）")
    client.force_login(sec_a)
    sheet = opened(client.get(reverse("members:members-export") + f"?grid={grid_a1.pk}"))
    header = check_layout(sheet, "金城村第一网格党员名册", "党员名册")
    width = {h: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i, h in enumerate(header, 1)}
    assert width["家庭住址"] >= 2 * len("金城镇金城村三组东头第二排第十五号（老供销社后面）")
    assert width["公民身份号码"] >= 18 and width["姓名"] >= 2 * len("欧阳𠈌䶮")


def test_the_import_template_has_its_title_and_no_export_time(client, sec_a):
    client.force_login(sec_a)
    sheet = opened(client.get(reverse("members:import-template", args=["members"])))
    assert sheet.title == "党员名册导入模板" and sheet["A1"].value == "党员名册导入模板" and sheet.freeze_panes == "A3"


def test_the_town_export_carries_what_the_board_shows(exported_at, client, town_user, town, board_world):  # noqa: F811
    client.force_login(town_user)
    sheet = opened(client.get(reverse("posts:dashboard-export") + f"?town={town.pk}"))
    header = check_layout(sheet, "金城镇设岗定责工作看板", "工作看板")
    assert header[:5] == ["村", "年度", "所处阶段", "已停留天数", "还差什么"]
    assert "覆盖·邻里和睦示范岗" in header and "未答复异议" in header
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["金城村", "新河村", "合计"]
    jincheng, xinhe = rows["金城村"], rows["新河村"]
    assert (jincheng["年度"], jincheng["所处阶段"]) == (2026, Stage.EVALUATION.label)
    assert jincheng["已停留天数"] == 0  # it moved to 严格评岗 today
    # The blockers, each on its own line, as the round's checklist has them.
    assert "第一网格：王还没有指定联系人。" in jincheng["还差什么"].split("\n")
    assert (xinhe["所处阶段"], xinhe["还差什么"]) == ("未启动", "还没有开始本年度工作。")
    # Coverage as the board's matrix: 金城村's two grids, one with a 巡逻 post of 2 places, both held.
    assert jincheng["覆盖·社会治安巡逻岗"] == "1/2个网格设岗，2/2人"
    assert jincheng["覆盖·邻里和睦示范岗"] == "群众有需求，未设岗" and xinhe["覆盖·邻里和睦示范岗"] == "未设岗"
    assert (jincheng["党员"], jincheng["在岗"], jincheng["未答复异议"], rows["合计"]["党员"]) == (7, 2, 1, 8)


def test_the_village_export_puts_each_grids_blockers_on_its_row(exported_at, client, sec_a, village_a, board_world):  # noqa: F811
    client.force_login(sec_a)
    sheet = opened(client.get(reverse("posts:dashboard-export") + f"?village={village_a.pk}"))
    header = check_layout(sheet, "金城村设岗定责工作看板", "工作看板")
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["第一网格", "第二网格", "合计"]
    first, second, total = rows["第一网格"], rows["第二网格"], rows["合计"]
    assert first["所处阶段"] == second["所处阶段"] == total["所处阶段"] == Stage.EVALUATION.label
    assert "第一网格：王还没有指定联系人。" in first["还差什么"] and "第二网格" not in first["还差什么"]
    assert "第一网格" not in (second["还差什么"] or "") and "第一网格" not in (total["还差什么"] or "")
    assert first["覆盖·社会治安巡逻岗"] == "已配齐 2/2人" and second["覆盖·邻里和睦示范岗"] == "群众有需求，未设岗"
