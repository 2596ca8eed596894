"""In Chromium, at phone and desktop width: a village secretary imports the town's export in the national
system's layout (title rows, 序号, its labels, short forms) on the first try, reading each row's result."""

import datetime

import pytest
from playwright.sync_api import expect

from conftest import log_in
from members import idcard
from members.models import Member, Standing
from members.tests.test_real_spreadsheets import national_form


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_national_form_imports_at_phone_and_desktop_width(live_server, page, sec_a, grid_a1, tmp_path, viewport):
    width = page.viewport_size["width"]
    a = idcard.make_id_number("320981", datetime.date(1958, 4, 3), 11)
    b = idcard.make_id_number("320981", datetime.date(1971, 9, 21), 24)
    rows = [
        [1, "刘德华", "第1网格", a, "男", "汉族", "1958-04-03", "中专", "正式党员", "1985年6月12日",
         "", "农民", "139 1234 5678", "", "一组8号", "正常", "否", "", "否", ""],
        [2, "王晓燕", "金城村第一网格党支部", b.lower(), "女", "汉", "1971/9/21", "大学", "正式党员", "19950701",
         "1996.07.01", "教师", "", "", "二组3号", "停止党籍", "否", "", "否", ""],
    ]  # fmt: skip
    file = tmp_path / "党员信息汇总表.xlsx"
    file.write_bytes(national_form(rows).read())
    log_in(page, live_server, sec_a)
    page.get_by_role("link", name="从Excel导入党员").click()
    page.get_by_label("选择文件").set_input_files(str(file))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_text("检查通过：共2行")).to_be_visible()
    expect(page.get_by_text("这些列不导入：工作岗位")).to_be_visible()
    result = page.get_by_role("row", name="第5行").get_by_text("所在网格：金城村第一网格党支部 → 第一网格")
    expect(result).to_be_visible()
    # legible where the person holds the phone: the row's result sits inside the screen, at a readable size
    box = result.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    assert float(result.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 12
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=str(tmp_path / f"import-national-{width}.png"), full_page=True)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：新增2条")).to_be_visible()
    assert Member.objects.get(id_number=b).standing == Standing.SUSPENDED
    assert Member.objects.get(id_number=a).phone == "13912345678"
