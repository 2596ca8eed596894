"""In real Chromium, at 390 px and 1366 px: from the home page alone, by the labels a person reads, each role
reaches the next thing to do in at most two clicks (issue 19)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import log_in, open_menu_link
from grids.models import County, Town
from posts import services
from posts.models import Round, Stage


def started_days_ago(round, days):
    Round.objects.filter(pk=round.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_grid_secretary_goes_from_home_to_what_the_grid_lacks_and_to_a_message(
    live_server, page, grid_user, grid_a1, round_a, flow
):
    flow.post(grid_a1, "邻里和睦示范岗")  # neither a need nor a reason: the survey's guard names it
    services.submit_feedback(grid_a1, "suggestion", "路灯坏了，请修一修。", name="居民")
    log_in(page, live_server, grid_user)
    expect(page.locator("#grid-home-stage")).to_have_text("制定方案")
    expect(page.get_by_text("本网格还差1项")).to_be_visible()
    page.get_by_role("link", name="修改岗位").click()  # one click
    expect(page.get_by_role("heading", name="第一网格 · 岗位设置")).to_be_visible()
    page.goto(live_server.url + "/")
    open_menu_link(page, "消息（1条未读）")  # the feedback that arrived
    page.get_by_role("button", name="金城村第一网格收到群众意见建议").click()
    expect(page.get_by_role("heading", name="第一网格群众反馈")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_village_secretary_sees_the_stage_reaches_a_grid_s_blocker_and_meets_the_confirmation(
    live_server, page, sec_a, village_a, grid_a1, round_a, flow
):
    flow.push(round_a, Stage.DELIBERATION)
    log_in(page, live_server, sec_a)
    expect(page.locator("#village-stage")).to_have_text("支部议岗")
    todos = page.locator("#village-todos")
    expect(todos.get_by_text("第一网格")).to_be_visible()
    page.get_by_role("button", name="进入下一阶段").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("这一步不能撤销")).to_be_visible()
    expect(dialog.get_by_text("举行上岗仪式")).to_be_visible()  # what 群众定岗 opens
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    todos.get_by_role("link", name="去议定").first.click()  # the next thing to do: one click
    expect(page.get_by_role("heading", name="第一网格 · 2026年度设岗定责")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_town_committee_sees_the_overdue_village_first_and_opens_it(
    live_server, page, town_user, village_a, village_b, round_a
):
    started_days_ago(round_a, 45)  # 30 days expected at 制定方案
    log_in(page, live_server, town_user)
    first = page.get_by_role("table", name="各村进度").locator("tbody tr").first
    expect(first).to_contain_text("金城村")
    expect(first).to_contain_text("超期15天")
    first.get_by_role("link", name="金城村").click()
    expect(page.get_by_role("heading", name="金城村党总支")).to_be_visible()
    expect(page.locator("#village-stage")).to_have_text("制定方案")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_county_sees_the_town_with_overdue_villages_first_and_reaches_the_village(
    live_server, page, town, village_a, round_a, make_user
):
    county = County.objects.create(name="金城县")
    Town.objects.filter(pk=town.pk).update(county=county)
    Town.objects.create(name="太平镇", county=county)
    started_days_ago(round_a, 45)
    user = make_user("xian", "县委 钱进")
    county.committee.add(user)
    log_in(page, live_server, user)
    first = page.get_by_role("table", name="各镇进度").locator("tbody tr").first
    expect(first).to_contain_text("1个超期")
    first.get_by_role("link", name="金城镇").click()
    page.get_by_role("table", name="各村进度").get_by_role("link", name="金城村").click()  # two clicks
    expect(page.get_by_role("heading", name="金城村党总支")).to_be_visible()
