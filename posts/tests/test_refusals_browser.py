"""In Chromium, at 1366/1280 and 390 px: a refused stage move reads as the checklist, and a race loser is told what
happened with a way to refresh (issue 19)."""

import pytest
from playwright.sync_api import expect

from conftest import log_in
from grids.models import Grid
from members.models import VillagePlan
from posts.models import MeetingKind, RoundLog, Stage, Status

pytestmark = [
    pytest.mark.browser,
    # the live server needs committed data; the flush afterwards gives back the data migrations' rows
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.parametrize("viewport", ["desktop", "phone"]),
]


def test_a_refused_stage_move_shows_the_checklist(live_server, page, sec_a, round_a, village_a, tmp_path, viewport):
    Grid.objects.create(village=village_a, number=3, name="第三网格")
    VillagePlan.objects.filter(village=village_a).delete()
    log_in(page, live_server, sec_a)
    page.goto(live_server.url + round_a.get_absolute_url())
    page.get_by_role("button", name="进入下一阶段").click()
    page.get_by_role("dialog").get_by_role("button", name="确认进入下一阶段").click()
    expect(page.get_by_text("未能进入下一阶段：还有3项没有完成，见下面的清单。")).to_be_visible()
    checklist = page.locator(".checklist")
    expect(checklist.get_by_role("link", name="第三网格")).to_be_visible()
    expect(checklist.get_by_role("link", name="还没有制定2026年度的实施方案")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"checklist-{viewport}.png"), full_page=True)
    checklist.get_by_role("link", name="还没有记录群众需求").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("第三网格")
    assert "/grids/" in page.url and page.url.endswith("/survey/")
    assert not RoundLog.objects.filter(round=round_a).exists()


def test_a_race_loser_reads_what_happened(live_server, page, grid_user, round_a, flow, tmp_path, viewport):
    flow.push(round_a, Stage.CONFIRMATION)
    a = round_a.assignments.get(status=Status.NOTICED, post__grid__number=1)
    flow.held(round_a, a.post.grid, MeetingKind.INDUCTION)
    log_in(page, live_server, grid_user)
    page.goto(live_server.url + a.get_absolute_url())
    page.get_by_role("link", name="签订承诺书，确认上岗").click()
    page.get_by_label("依据的上岗仪式").select_option(index=1)
    page.get_by_label("承诺书签订日期").fill("2026-11-18")
    flow.seat(a)  # the village secretary confirms the member while the grid secretary's form is open
    page.get_by_role("button", name="保存").click()
    alert = page.locator("#overtaken")
    expect(alert).to_contain_text("已由王建国于")
    expect(alert).to_contain_text("确认上岗，现在是“在岗”。")
    expect(page.get_by_text("不能改为")).to_have_count(0)
    page.screenshot(path=str(tmp_path / f"overtaken-{viewport}.png"), full_page=True)
    alert.get_by_role("link", name="刷新页面，查看最新情况").click()
    expect(page.locator("#assignment-status")).to_have_text("在岗")
    assert a.logs.filter(to_status=Status.ON_POST).count() == 1
