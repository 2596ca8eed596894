"""In Chromium: a village secretary uploads a roster with one bad row, sees the error, fixes it, imports."""

import datetime

import pytest
from playwright.sync_api import expect

from conftest import log_in, new_id_number
from members.models import Member
from members.tests.test_imports import xlsx


def upload_file(page, path):
    page.get_by_role("link", name="从Excel导入党员").click()
    page.get_by_label("选择文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()


# serialized_rollback: see members/tests/test_browser.py.
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_fix_and_import(live_server, page, sec_a, grid_a1, tmp_path):
    good = new_id_number(datetime.date(1970, 4, 4))
    rows = [
        ["姓名", "公民身份号码", "所在网格", "文化程度", "入党时间"],
        ["周桂兰", new_id_number(datetime.date(1966, 6, 6), male=False), "第一网格", "初中", "1990-07-01"],
        ["吴建华", "110105194912310021", "第一网格", "高中", "1995-07-01"],  # wrong check digit
    ]
    bad_file = tmp_path / "名册.xlsx"
    bad_file.write_bytes(xlsx(rows).read())
    log_in(page, live_server, sec_a)
    upload_file(page, bad_file)
    expect(page.get_by_text("文件中有错误（见下表红色部分）")).to_be_visible()
    expect(page.get_by_text("公民身份号码校验位不正确")).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert not Member.objects.exists()

    rows[2][1] = good  # the secretary corrects the number in Excel and uploads again
    fixed_file = tmp_path / "名册-改正.xlsx"
    fixed_file.write_bytes(xlsx(rows).read())
    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("选择文件").set_input_files(str(fixed_file))
    page.get_by_role("button", name="上传并检查").click()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：新增2条")).to_be_visible()
    page.get_by_role("row", name="第一网格").get_by_role("link", name="第一网格").click()
    expect(page.get_by_role("link", name="周桂兰")).to_be_visible()
    expect(page.get_by_role("link", name="吴建华")).to_be_visible()
    assert Member.objects.get(name="吴建华").id_number == good


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_large_file_runs_in_the_background(live_server, page, settings, sec_a, grid_a1, tmp_path):
    """Above the threshold the upload becomes a background job; its page leads to the same confirmation."""
    settings.IMPORT_BACKGROUND_ROWS = 10
    rows = [["姓名", "公民身份号码", "所在网格", "文化程度", "入党时间"]]
    rows += [[f"党员{i}", new_id_number(), "第一网格", "初中", "1990-07-01"] for i in range(30)]
    file = tmp_path / "大名册.xlsx"
    file.write_bytes(xlsx(rows).read())
    log_in(page, live_server, sec_a)
    upload_file(page, file)
    expect(page.get_by_text("检查通过：共30行，将新增30条")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：新增30条")).to_be_visible()
    page.get_by_role("link", name="查看名单").click()
    expect(page.get_by_role("heading", name="金城村")).to_be_visible()
    assert Member.objects.count() == 30
