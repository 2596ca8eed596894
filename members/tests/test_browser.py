"""The village secretary's first journey, in real Chromium: log in, add a member, find them in the roster.

The `page` fixture (root conftest.py) runs Debian's /usr/bin/chromium and fails the test on any console error,
CSP violation or page wider than the window. Fails, never skips, when Chromium is missing: `make test` installs it.
"""

import datetime

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, new_id_number, open_menu_link
from members.models import Member


@pytest.mark.browser
# serialized_rollback: the live server needs committed data, and the flush afterwards must give back the
# rows data migrations made (specialties, post types) to the tests that run later.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_village_secretary_adds_a_member_and_sees_them_in_the_roster(live_server, page, sec_a, grid_a1):
    page.goto(live_server.url + "/")
    page.get_by_label("用户名").fill(sec_a.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="金城村党总支")).to_be_visible()
    # Bootstrap is served by the project itself: the navbar is styled, not a bare list.
    expect(page.get_by_role("navigation", name="主菜单")).to_have_css("display", "flex")

    page.get_by_role("link", name="第一网格").click()
    page.get_by_role("link", name="新增党员").click()
    page.get_by_label("姓名").fill("赵红梅")
    page.get_by_label("公民身份号码").fill("110105194912310021")  # wrong check digit first
    page.get_by_label("文化程度").select_option(label="高中")
    page.get_by_label("入党时间").fill("1992-07-01")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("公民身份号码校验位不正确")).to_be_visible()
    assert not Member.objects.exists()

    page.get_by_label("公民身份号码").fill(new_id_number(datetime.date(1968, 3, 9), male=False))
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("调解沟通").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存党员“赵红梅”的信息")).to_be_visible()
    expect(page.get_by_text("符合设岗条件")).to_be_visible()

    open_menu_link(page, "首页")  # on a phone through the menu button
    page.get_by_role("link", name="第一网格").click()
    roster = page.get_by_role("table", name="党员名册")
    expect(roster.get_by_role("row", name="赵红梅")).to_contain_text("符合")
    member = Member.objects.get(name="赵红梅")
    assert member.grid == grid_a1 and member.gender == "F" and member.birth_date == datetime.date(1968, 3, 9)
    assert member.history.filter(history_user=sec_a).exists()
