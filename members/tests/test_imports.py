import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse, reverse_lazy

from conftest import new_id_number, on_day
from members.models import Member

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def xlsx(rows, name="名册.xlsx"):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


URL = reverse_lazy("members:import", args=["members"])


def upload(client, village, file):
    return client.post(str(URL) + f"?village={village.pk}", {"file": file})


def confirm(client, village, preview):
    token = preview.context["token"]
    return client.post(str(URL) + f"?village={village.pk}", {"token": token, "confirm": "1"})


@pytest.fixture
def good_rows(grid_a1, grid_a2):
    one, two = new_id_number(datetime.date(1968, 3, 9), male=False), new_id_number(datetime.date(1975, 1, 2))
    # The national system's headers, another column order, an extra column, full-width digits, trailing spaces.
    return [
        ["序号", "党员姓名", "身份证号", "网格", "学历", "入党日期", "特长", "备用列"],
        [1, "赵红梅 ", one.translate(FULL_WIDTH), "第一网格", "高中", "1992-07-01", "调解沟通、种植养殖", "x"],
        [2, "钱国强", two, "金城村第二网格", "大专", datetime.datetime(1999, 7, 1), "", ""],
        *[[None] * 8 for _ in range(300)],  # LibreOffice leaves blank rows behind
    ]


def test_template_has_chinese_headers_and_an_example(client, sec_a):
    client.force_login(sec_a)
    template = client.get(reverse("members:import-template", args=["members"])).content
    rows = list(openpyxl.load_workbook(io.BytesIO(template)).active.iter_rows(values_only=True))
    assert rows[0][0] == "党员名册导入模板"  # the title row, then the header and an example
    assert rows[1][:3] == ("所在网格", "姓名", "公民身份号码") and rows[2][1] == "张三"


def test_upload_preview_confirm_and_reimport_changes_nothing(client, sec_a, village_a, grid_a1, grid_a2, good_rows):
    client.force_login(sec_a)
    preview = upload(client, village_a, xlsx(good_rows))
    assert [c.action for c in preview.context["checks"]] == ["新增", "新增"] and not preview.context["has_errors"]
    assert not Member.objects.exists()  # nothing saved before confirmation
    done = confirm(client, village_a, preview)
    assert done.status_code == 302
    zhao = Member.objects.get(name="赵红梅")
    assert zhao.grid == grid_a1 and zhao.gender == "F" and zhao.birth_date == datetime.date(1968, 3, 9)
    assert sorted(s.name for s in zhao.specialties.all()) == ["种植养殖", "调解沟通"]
    assert zhao.history.get().history_user == sec_a  # bulk-saved rows keep their history too
    assert (
        Member.objects.get(name="钱国强").grid == grid_a2 and Member.objects.get(name="钱国强").education == "college"
    )
    again = upload(client, village_a, xlsx(good_rows))
    assert [c.action for c in again.context["checks"]] == ["不变", "不变"]
    confirm(client, village_a, again)
    assert Member.objects.count() == 2


def test_one_bad_row_blocks_the_whole_file(client, sec_a, village_a, grid_a1, grid_b1, good_rows):
    good_rows[2][2] = "110105194912310021"  # wrong check digit
    good_rows.insert(
        3, [3, "孙立新", new_id_number(), "新河村第一网格", "初中", "1990-01-01", "", ""]
    )  # not our village
    good_rows.insert(4, [4, "重复", good_rows[1][2], "第一网格", "初中", "1990-01-01", "", ""])  # same ID as row 2
    client.force_login(sec_a)
    preview = upload(client, village_a, xlsx(good_rows))
    errors = {c.number: dict(c.errors) for c in preview.context["checks"] if c.errors}
    assert "校验位不正确" in errors[3]["公民身份号码"]
    assert "金城村没有“新河村第一网格”" in errors[4]["所在网格"] and "第一网格、第二网格" in errors[4]["所在网格"]
    assert "与第2行的公民身份号码重复" in errors[5]["公民身份号码"]
    assert "确认导入" not in preview.text and "第3行" in preview.text
    confirm(client, village_a, preview)  # forced anyway: refused, nothing saved
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("名册.xlsx", b"not a spreadsheet"), "不是有效的 Excel"),
        (SimpleUploadedFile("名册.xlsx", b""), "文件是空的"),
        (SimpleUploadedFile("名册.doc", b"abc"), "只能导入 .xlsx"),
        (SimpleUploadedFile("名册.csv", "张三,110105194912310021\n".encode()), "找不到表头"),
        (SimpleUploadedFile("名册.csv", "姓名,公民身份号码,文化程度,入党时间\n".encode()), "表头下面没有数据行"),
    ],
)
def test_unreadable_files_get_a_clear_message(client, sec_a, village_a, file, message):
    client.force_login(sec_a)
    response = upload(client, village_a, file)
    assert response.status_code == 200 and any(message in str(m) for m in response.context["messages"])


def test_csv_in_gbk_with_merged_title_row(client, sec_a, village_a, grid_a1):
    number = new_id_number()
    text = f"金城村党员名册\n姓名,身份证号,网格,文化程度,入党时间\n李四,{number},第一网格,初中,1988-05-01\n"
    client.force_login(sec_a)
    preview = upload(client, village_a, SimpleUploadedFile("名册.csv", text.encode("gbk")))
    assert [c.action for c in preview.context["checks"]] == ["新增"]


def test_xlsx_with_merged_title_and_merged_grid_cells(client, sec_a, village_a, grid_a1, grid_a2):
    """Secretaries merge a title across the top and one grid name down its members: each member gets that grid."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["金城村党员名册"])
    sheet.merge_cells("A1:E1")
    sheet.append(["网格", "姓名", "身份证号", "文化程度", "入党时间"])
    for grid_name, name in [("第二网格", "周一"), (None, "吴二"), (None, "郑三"), ("第一网格", "王四")]:
        sheet.append([grid_name, name, new_id_number(), "初中", "1990-05-01"])
    sheet.merge_cells("A3:A5")
    out = io.BytesIO()
    book.save(out)
    client.force_login(sec_a)
    preview = upload(client, village_a, SimpleUploadedFile("名册.xlsx", out.getvalue()))
    assert [(c.number, c.action, c.errors) for c in preview.context["checks"]] == [
        (n, "新增", []) for n in (3, 4, 5, 6)
    ]
    confirm(client, village_a, preview)
    assert {m.name: m.grid for m in Member.objects.all()} == {
        "周一": grid_a2,
        "吴二": grid_a2,
        "郑三": grid_a2,
        "王四": grid_a1,
    }


def test_import_is_scoped(client, sec_b, grid_user, village_a, grid_a1, grid_a2, good_rows):
    client.force_login(sec_b)
    assert client.get(str(URL) + f"?village={village_a.pk}").status_code == 404
    client.force_login(grid_user)  # a grid secretary imports into their own grid only
    assert client.get(str(URL) + f"?village={village_a.pk}").status_code == 404
    url = str(URL) + f"?grid={grid_a1.pk}"
    preview = client.post(url, {"file": xlsx(good_rows)})
    errors = [dict(c.errors) for c in preview.context["checks"] if c.errors]
    assert len(errors) == 1 and "不在您管理的范围内" in errors[0]["所在网格"]  # the 第二网格 row


# The needs were recorded in October 2026: a day in the future is refused.
@on_day(datetime.date(2026, 11, 20))
def test_needs_import_with_variant_headers_and_reimport(client, sec_a, village_a, grid_a1):
    rows = [
        ["网格", "日期", "方式", "走访对象", "问题", "类别", "性质"],
        ["第一网格", "2026-10-08", "走访", "走访农户10户", "路灯坏了", "村容村貌", "热点"],
        ["第一网格", "2026-10-09", "座谈会", "群众代表8人", "独居老人无人照看", "尊老爱幼", "难点问题"],
    ]
    client.force_login(sec_a)
    url = reverse("members:import", args=["needs"]) + f"?village={village_a.pk}"
    preview = client.post(url, {"file": xlsx(rows)})
    assert [c.action for c in preview.context["checks"]] == ["新增", "新增"]
    client.post(url, {"token": preview.context["token"], "confirm": "1"})
    assert grid_a1.needs.count() == 2 and grid_a1.needs.get(issue="路灯坏了").get_kind_display() == "热点问题"
    assert grid_a1.needs.get(issue="路灯坏了").recorded_by == sec_a
    again = client.post(url, {"file": xlsx(rows)})
    assert [c.action for c in again.context["checks"]] == ["不变", "不变"]
    rows[1][5] = "没有这个类别"
    bad = client.post(url, {"file": xlsx(rows)})
    assert "问题类别" in dict(bad.context["checks"][0].errors)


def test_a_member_who_left_the_roster_is_not_imported_again(client, sec_a, village_a, grid_a1, make_member):
    gone = make_member(grid_a1, name="离开者")
    Member.everyone.filter(pk=gone.pk).update(left_on="2026-01-01", leave_reason="transferred")
    client.force_login(sec_a)
    rows = [
        ["姓名", "公民身份号码", "网格", "文化程度", "入党时间"],
        ["离开者", gone.id_number, "第一网格", "初中", "1990-07-01"],
    ]
    preview = upload(client, village_a, xlsx(rows))
    [check] = preview.context["checks"]
    assert "已离开名册" in dict(check.errors)["公民身份号码"] and Member.everyone.count() == 1
