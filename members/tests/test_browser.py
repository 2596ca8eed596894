"""The village secretary's first journey, in real Chromium: log in, add a member, find them in the roster.

Runs Debian's /usr/bin/chromium through Playwright (never a downloaded browser). Fails, never skips,
when Chromium is missing: `make test` installs it.
"""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import PASSWORD, new_id_number
from members.models import Member

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def page():
    assert Path(CHROMIUM).exists(), f"没有找到 {CHROMIUM}：请先运行 make test（会安装 Debian 的 chromium）"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


@pytest.mark.browser
# serialized_rollback: the live server needs committed data, and the flush afterwards must give back the
# rows data migrations made (specialties, post types) to the tests that run later.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_village_secretary_adds_a_member_and_sees_them_in_the_roster(live_server, page, sec_a, grid_a1):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/")
    page.get_by_label("用户名").fill(sec_a.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="金城村党总支")).to_be_visible()
    # Bootstrap is served by the project itself: the navbar is styled, not a bare list.
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"

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

    page.get_by_role("link", name="第一网格").click()
    roster = page.locator("#roster + .card table")
    expect(roster.get_by_role("link", name="赵红梅")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "grid-roster.png"), full_page=True)
    member = Member.objects.get(name="赵红梅")
    assert member.grid == grid_a1 and member.gender == "F" and member.birth_date == datetime.date(1968, 3, 9)
    assert member.history.filter(history_user=sec_a).exists()
