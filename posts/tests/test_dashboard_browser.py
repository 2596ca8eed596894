"""In Chromium: the town committee opens the dashboard, sees the charts drawn, and drills down to the members."""

import pytest
from playwright.sync_api import expect

from conftest import log_in
from posts.tests.test_dashboard import world  # noqa: F401  (the hand-counted world)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_town_committee_drills_down(live_server, page, world, town_user, town):  # noqa: F811
    log_in(page, live_server, town_user)
    page.get_by_role("link", name="工作看板").click()
    expect(page.get_by_role("heading", name="金城镇设岗定责工作看板")).to_be_visible()
    for chart in ("各村所处阶段", "参与率", "评岗结果"):
        expect(page.get_by_role("img", name=chart).locator("svg")).to_have_count(1)  # ECharts has drawn it
    expect(page.get_by_text("王还没有指定联系人")).to_be_visible()  # what blocks 金城村, loaded after the page
    # A click on 金城村's bar in the participation chart opens the village's dashboard.
    bars = page.get_by_role("img", name="参与率").locator('svg path[fill="#b71c1c"]')
    expect(bars).to_have_count(2)
    bar = bars.first  # villages by pinyin: 金城村 (jīn) before 新河村 (xīn)
    # ECharts grows its bars from nothing: click once the bar has its height, not while it is still a line
    page.wait_for_function("b => b.getBoundingClientRect().height > 2", arg=bar.element_handle())
    bar.click(force=True)
    expect(page.get_by_role("heading", name="金城村设岗定责工作看板")).to_be_visible()
    expect(page.get_by_role("img", name="参与率").locator("svg")).to_have_count(1)
    row = page.get_by_role("row", name="第一网格")
    row.get_by_role("link", name="2", exact=True).first.click()  # 在岗 2: the members behind the number
    expect(page.get_by_role("heading", name="金城村第一网格：在岗党员")).to_be_visible()
    expect(page.get_by_role("link", name="王", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="李", exact=True)).to_be_visible()
