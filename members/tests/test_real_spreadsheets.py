"""The rosters secretaries already have import on the first try: short forms, grid names as people write them,
the national system's forms with their title rows, dates and ID numbers as typed or pasted, and the
village's own export edited in Excel and imported back. Each reading shows in the preview; nothing half-saves.
"""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import new_id_number
from grids.models import Village
from members import idcard, imports
from members.models import Education, Member, Membership, Standing
from members.tests.test_imports import xlsx

pytestmark = pytest.mark.django_db

URL = reverse("members:import", args=["members"])
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def upload(client, village, file):
    return client.post(URL + f"?village={village.pk}", {"file": file})


def confirm(client, village, preview, **extra):
    return client.post(URL + f"?village={village.pk}", {"token": preview.context["token"], "confirm": "1", **extra})


def row_errors(preview):
    return {c.number: dict(c.errors) for c in preview.context["checks"] if c.errors}


def notes(preview):
    return {c.number: c.notes for c in preview.context["checks"]}


HEAD = ["所在网格", "姓名", "公民身份号码", "文化程度", "入党时间", "特长"]


def person(n, **kw):
    birth = datetime.date(1950 + n % 20, 1 + n % 12, 1 + n % 27)
    return {"number": new_id_number(birth, male=bool(n % 2)), "joined": "1990-07-01", **kw}


def test_specialties_as_people_write_them_import_and_the_preview_shows_each_mapping(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    p = person(1)
    file = xlsx([HEAD, ["第一网格", "赵红梅", p["number"], "高中", "1990-07-01", "调解，巡逻、开挖掘机"]])
    preview = upload(client, village_a, file)
    assert not row_errors(preview)
    assert notes(preview)[2] == [
        "特长：调解 → 调解沟通",
        "特长：巡逻 → 治安巡防",
        "特长：“开挖掘机”不在特长选项中，已记入备注",
    ]
    page = preview.content.decode()
    assert "调解 → 调解沟通" in page and "开挖掘机" in page
    assert confirm(client, village_a, preview).status_code == 302
    member = Member.objects.get()
    assert sorted(s.name for s in member.specialties.all()) == ["治安巡防", "调解沟通"]
    assert member.note == "其他特长：开挖掘机"
    # the same file again changes nothing (the kept specialty is not noted twice)
    again = upload(
        client,
        village_a,
        xlsx([HEAD, ["第一网格", "赵红梅", p["number"], "高中", "1990-07-01", "调解，巡逻、开挖掘机"]]),
    )
    assert [c.action for c in again.context["checks"]] == ["不变"]


@pytest.mark.parametrize(
    "written",
    [
        "第1网格",
        "第一网格",
        "一网格",
        "1",
        "01",
        "金城村第一网格",
        "金城村第一网格党支部",
        "中共金城村第一网格支部",
        "第 1 网格",
    ],
)
def test_grid_names_as_people_write_them_mean_the_grid(client, sec_a, village_a, grid_a1, grid_a2, written):
    client.force_login(sec_a)
    preview = upload(
        client, village_a, xlsx([HEAD, [written, "赵红梅", person(2)["number"], "高中", "1990-07-01", ""]])
    )
    assert not row_errors(preview), row_errors(preview)
    assert preview.context["checks"][0].cleaned["grid"] == grid_a1
    if written not in ("第一网格", "金城村第一网格"):
        assert notes(preview)[2] == [f"所在网格：{written} → 第一网格"]
    confirm(client, village_a, preview)
    assert Member.objects.get().grid == grid_a1


def test_a_grid_not_in_the_village_says_so_naming_the_villages_grids(client, sec_a, village_a, grid_a1, grid_a2):
    client.force_login(sec_a)
    preview = upload(
        client, village_a, xlsx([HEAD, ["第9网格", "赵红梅", person(3)["number"], "高中", "1990-07-01", ""]])
    )
    assert row_errors(preview) == {2: {"所在网格": "金城村没有“第9网格”。金城村的网格有：第一网格、第二网格。"}}
    assert "这个字段是必填项" not in preview.content.decode()


def test_a_grid_secretary_importing_another_grid_of_the_village_is_told_which_grid_they_may(
    client, grid_user, grid_a1, grid_a2
):
    client.force_login(grid_user)
    file = xlsx([HEAD, ["第2网格", "赵红梅", person(4)["number"], "高中", "1990-07-01", ""]])
    preview = client.post(URL + f"?grid={grid_a1.pk}", {"file": file})
    assert row_errors(preview) == {2: {"所在网格": "第二网格不在您管理的范围内：您可以导入第一网格的党员。"}}
    # and the own grid, written as 第1网格, is the own grid (not "not in your scope", not "required")
    file = xlsx([HEAD, ["第1网格", "赵红梅", person(4)["number"], "高中", "1990-07-01", ""]])
    assert not row_errors(client.post(URL + f"?grid={grid_a1.pk}", {"file": file}))


def national_form(rows):
    """The 中组部《党员基本信息采集表》汇总表 as a town exports it: two title rows, 序号, its labels and values."""
    header = [
        "序号",
        "姓名",
        "所在党支部",
        "公民身份证号",
        "性别",
        "民族",
        "出生日期",
        "学历",
        "人员类别",
        "加入党组织日期",
        "转为正式党员日期",
        "工作岗位",
        "手机号",
        "固定电话",
        "家庭住址",
        "党籍状态",
        "是否为失联党员",
        "失去联系日期",
        "是否为流动党员",
        "外出流向",
    ]
    return xlsx(
        [
            ["党员基本信息汇总表"],
            ["填报单位：中共金城村委员会", None, None, None, None, "填报日期：2026年11月20日"],
            header,
            *rows,
        ]
    )


def test_the_national_systems_summary_form_imports_with_its_labels_and_values(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    a = idcard.make_id_number("320981", datetime.date(1958, 4, 3), 11)
    b = idcard.make_id_number("320981", datetime.date(2000, 9, 21), 24)
    rows = [
        [1, "刘德华", "中共金城村第一网格支部委员会", a, "男", "汉族", "1958-04-03", "中专", "正式党员", "1985-06-12",
         "1986-06-12", "农民", "13912345678", "", "一组8号", "正常", "否", "", "是", "江苏省苏州市"],
        [2, "王晓燕", "金城村第一网格党支部", b, "女", "汉", "2000-09-21", "大学", "预备党员", "2025-12-01",
         "", "学生", "", "0515-88881234", "二组3号", "停止党籍", "是", "2026-03-01", "否", ""],
    ]  # fmt: skip
    preview = upload(client, village_a, national_form(rows))
    assert not row_errors(preview), row_errors(preview)
    assert preview.context["unused"] == ["工作岗位"]
    assert "这些列不导入：工作岗位" in preview.content.decode()
    confirm(client, village_a, preview)
    liu, wang = Member.objects.get(id_number=a), Member.objects.get(id_number=b)
    assert (liu.grid, liu.education, liu.membership, liu.full_member_on) == (
        grid_a1,
        Education.SECONDARY_VOCATIONAL,
        Membership.FULL,
        datetime.date(1986, 6, 12),
    )
    assert liu.is_away and liu.away_to == "江苏省苏州市" and liu.phone == "13912345678"
    assert liu.standing == Standing.NORMAL and not liu.is_lost
    assert (wang.membership, wang.standing, wang.ethnicity, wang.education) == (
        Membership.PROBATIONARY,
        Standing.SUSPENDED,
        "汉族",
        Education.BACHELOR,
    )
    assert wang.is_lost and wang.lost_contact_on == datetime.date(2026, 3, 1) and wang.phone == "0515-88881234"
    # 停止党籍 and 失联 are kept apart from 人员类别, and keep a member off the posts
    assert (
        "不符合：停止党籍" in wang.ineligibility_reasons()
        and "不符合：失联党员（失去联系）" in wang.ineligibility_reasons()
    )
    assert liu.ineligibility_reasons() == ["不符合：长期外出（流动党员）"]


@pytest.mark.parametrize(
    "written",
    [
        "1990-07-01",
        "1990/7/1",
        "1990.07.01",
        "1990年7月1日",
        "19900701",
        "1990年07月",
        datetime.date(1990, 7, 1),
        "33055",
    ],
)
def test_dates_as_people_type_them(client, sec_a, village_a, grid_a1, written):
    client.force_login(sec_a)
    preview = upload(client, village_a, xlsx([HEAD, ["第一网格", "赵红梅", person(5)["number"], "高中", written, ""]]))
    assert not row_errors(preview), row_errors(preview)
    assert preview.context["checks"][0].cleaned["joined_on"] == datetime.date(1990, 7, 1)
    if written == "1990年07月":
        assert notes(preview)[2] == ["入党时间：“1990年07月”只有年月，按1990年7月1日记"]


def test_id_numbers_as_people_paste_them(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    numbers = [new_id_number(datetime.date(1970, 1, 1 + i)) for i in range(4)]
    with_x = "11010519491231002X"  # GB 11643-1999's own example
    written = [
        f"{numbers[0][:6]} {numbers[0][6:14]} {numbers[0][14:]}",
        numbers[1].translate(FULL_WIDTH),
        f"'{numbers[2]}",
        f"{numbers[3][:6]}-{numbers[3][6:]}",
        with_x.lower(),
    ]
    rows = [HEAD, *[["第一网格", f"党员{i}", w, "高中", "1990-07-01", ""] for i, w in enumerate(written)]]
    preview = upload(client, village_a, xlsx(rows))
    assert not row_errors(preview), row_errors(preview)
    confirm(client, village_a, preview)
    assert sorted(Member.objects.values_list("id_number", flat=True)) == sorted([*numbers, with_x])


def test_a_15_digit_number_is_recognised_and_its_18_digit_form_offered(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    preview = upload(
        client, village_a, xlsx([HEAD, ["第一网格", "赵红梅", "110105491231002", "高中", "1975-07-01", ""]])
    )
    message = row_errors(preview)[2]["公民身份号码"]
    assert "现在是15位" in message and "换算成18位是 11010519491231002X" in message
    assert not Member.objects.exists()


def test_the_member_form_takes_a_pasted_number_with_spaces(client, sec_a, grid_a1):
    client.force_login(sec_a)
    form = client.get(reverse("members:member-create", args=[grid_a1.pk])).content.decode()
    assert 'maxlength="40"' in form and 'maxlength="18"' not in form
    number = new_id_number(datetime.date(1966, 2, 3))
    pasted = f"{number[:6]} {number[6:10]} {number[10:14]} {number[14:]}".lower()
    data = {"grid": grid_a1.pk, "name": "孙立新", "id_number": pasted, "ethnicity": "汉族"}
    data |= {"education": Education.HIGH_SCHOOL, "joined_on": "1990-07-01", "membership": Membership.FULL}
    data |= {"health": "good", "is_willing": "on"}
    response = client.post(reverse("members:member-create", args=[grid_a1.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Member.objects.get().id_number == number


def test_an_update_shows_each_change_old_to_new(client, sec_a, village_a, grid_a1, make_member):
    member = make_member(grid_a1, name="赵红梅", address="一组1号", education=Education.JUNIOR_HIGH)
    client.force_login(sec_a)
    row = ["第一网格", "赵红梅", member.id_number, "高中", "1995-07-01", ""]
    preview = upload(client, village_a, xlsx([HEAD + ["家庭住址"], row + ["二组2号"]]))
    check = preview.context["checks"][0]
    assert check.action == "更新"
    assert ("文化程度", "初中", "高中") in check.changes and ("家庭住址", "一组1号", "二组2号") in check.changes
    assert all(
        label not in ("民族", "联系电话", "身体状况") for label, _, _ in check.changes
    )  # columns not in the file
    assert "家庭住址：一组1号 → 二组2号" in preview.content.decode()


def test_a_known_number_with_another_name_waits_for_confirmation(client, sec_a, village_a, grid_a1, make_member):
    member = make_member(grid_a1, name="赵红梅")
    client.force_login(sec_a)
    preview = upload(
        client, village_a, xlsx([HEAD, ["第一网格", "赵洪梅", member.id_number, "初中", "1995-07-01", ""]])
    )
    check = preview.context["checks"][0]
    assert check.renamed == "赵红梅" and check.waits_for_confirmation
    assert "确认改名：名册中是“赵红梅”，改为“赵洪梅”" in preview.content.decode()
    refused = confirm(client, village_a, preview)
    assert refused.status_code == 200 and "请逐行勾选“确认改名”" in refused.content.decode()
    assert Member.objects.get().name == "赵红梅"
    assert confirm(client, village_a, preview, rename="2").status_code == 302
    assert Member.objects.get().name == "赵洪梅"


def test_the_villages_export_edited_in_excel_imports_back(client, sec_a, village_a, grid_a1, grid_a2, make_member):
    """The export masks ID numbers and phones; the masked number with the name finds the member again."""
    a = make_member(grid_a1, name="赵红梅", phone="13912345678", address="一组1号")
    b = make_member(grid_a2, name="钱国强")
    client.force_login(sec_a)
    exported = client.get(reverse("members:members-export") + f"?village={village_a.pk}").content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book.active
    header = [c.value for c in sheet[2]]  # below the title row
    assert a.id_number not in str([c.value for row in sheet.iter_rows() for c in row])  # still masked
    for row in sheet.iter_rows(min_row=3):
        if row[header.index("姓名")].value == "赵红梅":
            row[header.index("家庭住址")].value = "三组3号"  # the secretary's correction
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, village_a, SimpleUploadedFile("名册.xlsx", out.getvalue()))
    assert not row_errors(preview), row_errors(preview)
    assert sorted(c.action for c in preview.context["checks"]) == ["不变", "更新"]
    confirm(client, village_a, preview)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.address, a.phone, a.id_number) == ("三组3号", "13912345678", a.id_number)
    assert Member.objects.count() == 2


def test_a_masked_number_that_matches_no_member_is_refused(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    preview = upload(
        client, village_a, xlsx([HEAD, ["第一网格", "赵红梅", "3209**********1234", "高中", "1990-07-01", ""]])
    )
    assert "请填写完整的18位号码" in row_errors(preview)[2]["公民身份号码"]


def test_every_variant_in_one_file_and_one_bad_row_saves_nothing(client, sec_a, village_a, grid_a1, grid_a2):
    client.force_login(sec_a)
    good = [
        ["第1网格", "赵红梅", person(11)["number"], "本科", "1990年7月1日", "调解"],
        ["2", "钱国强", person(12)["number"].translate(FULL_WIDTH), "大专", "19900701", "种植、巡逻"],
        ["金城村第二网格党支部", "孙立新", " ".join(person(13)["number"]), "初中", "1990/7/1", ""],
    ]
    bad = ["第一网格", "李秀英", person(14)["number"], "大本", "1990-07-01", ""]
    preview = upload(client, village_a, xlsx([HEAD, *good, bad]))
    errors = row_errors(preview)
    assert list(errors) == [5], errors
    assert errors[5]["文化程度"].startswith("“大本”不是可选的值。可填：研究生、大学本科、大学专科")
    assert confirm(client, village_a, preview).status_code == 200 and not Member.objects.exists()
    fixed = upload(client, village_a, xlsx([HEAD, *good, bad[:3] + ["大学本科"] + bad[4:]]))
    assert not row_errors(fixed)
    confirm(client, village_a, fixed)
    assert Member.objects.count() == 4


def test_rosters_and_lists_sort_names_by_pinyin_and_numbers_by_value(
    client, sec_a, town_user, town, grid_a1, make_member
):
    names = ["张三", "王芳", "测试10", "李四", "测试2", "林立", "吕布", "绿地", "Alice"]
    for name in names:
        make_member(grid_a1, name=name)
    expected = ["Alice", "测试2", "测试10", "李四", "林立", "吕布", "绿地", "王芳", "张三"]
    assert list(Member.objects.values_list("name", flat=True)) == expected
    client.force_login(sec_a)
    page = client.get(reverse("posts:grid", args=[grid_a1.pk])).content.decode()
    assert sorted(names, key=page.index) == expected  # the grid's roster, as its secretary reads it
    # villages too: 金城村 (jin) before 新河村 (xin) before 阿里村 would be wrong; 阿 (a) comes first
    Village.objects.create(town=town, name="阿里村")
    Village.objects.create(town=town, name="新河村")
    Village.objects.create(town=town, name="白马村")
    client.force_login(town_user)
    page = client.get(reverse("posts:town", args=[town.pk])).content.decode()
    assert sorted(["阿里村", "白马村", "金城村", "新河村"], key=page.index) == ["阿里村", "白马村", "金城村", "新河村"]


def test_a_date_that_is_no_date_says_what_may_be_written(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    preview = upload(client, village_a, xlsx([HEAD, ["第一网格", "赵红梅", person(21)["number"], "高中", "不详", ""]]))
    assert row_errors(preview)[2]["入党时间"] == f"“不详”不是有效的日期。可填：{imports.DATE_FORMS}。"
