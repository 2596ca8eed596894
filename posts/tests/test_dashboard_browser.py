"""In Chromium: the town committee opens the dashboard, sees the charts drawn, and drills down to the members."""

import pytest
from playwright.sync_api import expect

from members.tests.test_browser import ARTIFACTS, page  # noqa: F401  (the Chromium page fixture)
from posts.tests.test_browser import log_in
from posts.tests.test_dashboard import world  # noqa: F401  (the hand-counted world)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_town_committee_drills_down(live_server, page, world, town_user, town):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    refused = []  # anything the Content-Security-Policy blocks shows in the console
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server, town_user)
    page.get_by_role("link", name="工作看板").click()
    expect(page.get_by_role("heading", name="金城镇设岗定责工作看板")).to_be_visible()
    for chart in ("chart-stages", "chart-participation", "chart-ratings"):
        drawn = page.locator(f'[data-chart="{chart}"][data-drawn="1"] svg')
        expect(drawn).to_have_count(1)
    expect(page.get_by_text("王还没有指定联系人")).to_be_visible()  # what blocks 金城村, loaded after the page
    page.screenshot(path=str(ARTIFACTS / "dashboard-town.png"), full_page=True)
    # A click on 金城村's bar in the participation chart opens the village's dashboard.
    bars = page.locator('[data-chart="chart-participation"] svg path[fill="#b71c1c"]')
    expect(bars).to_have_count(2)
    bars.last.click(force=True)
    expect(page.get_by_role("heading", name="金城村设岗定责工作看板")).to_be_visible()
    expect(page.locator('[data-chart="chart-participation"][data-drawn="1"] svg')).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "dashboard-village.png"), full_page=True)
    row = page.get_by_role("row", name="第一网格")
    row.get_by_role("link", name="2", exact=True).first.click()  # 在岗 2: the members behind the number
    expect(page.get_by_role("heading", name="金城村第一网格：在岗党员")).to_be_visible()
    expect(page.get_by_role("link", name="王", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="李", exact=True)).to_be_visible()
    assert not refused, refused
