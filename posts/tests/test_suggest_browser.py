"""In Chromium: the branch meeting runs 建议配岗, changes one line with a reason and accepts the rest."""

import pytest
from playwright.sync_api import expect

from conftest import log_in
from posts.models import Assignment, AssignmentLog, Post, Status
from posts.tests.test_suggest import meeting_world  # noqa: F401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_suggest_override_one_line_accept_the_rest(live_server, page, meeting_world, sec_a, grid_a1):  # noqa: F811
    w = meeting_world
    Post.objects.filter(pk=w["zhou_med"].post_id).update(places=2)  # mediation may take both
    log_in(page, live_server, sec_a)
    page.goto(live_server.url + f"/rounds/{w['round'].pk}/grids/{grid_a1.pk}/")
    page.get_by_role("link", name="建议配岗").click()
    expect(page.get_by_role("heading", name="建议配岗：第一网格")).to_be_visible()
    expect(page.get_by_role("table", name="建议配岗")).to_contain_text("第2志愿；本网格")
    page.get_by_label("周调解安排到").select_option(label="第一网格 · 民事纠纷调解岗（第1志愿）")
    page.get_by_label("周调解的修改理由").fill("周擅长调解，会议决定安排调解岗")
    page.get_by_role("button", name="采纳勾选的建议").click()
    expect(page.get_by_text("已采纳2条建议")).to_be_visible()
    proposed = set(Assignment.objects.filter(status=Status.PROPOSED).values_list("pk", flat=True))
    assert proposed == {w["zhou_med"].pk, w["wu_med"].pk}
    log = AssignmentLog.objects.get(assignment=w["zhou_med"], to_status=Status.PROPOSED)
    assert "周擅长调解" in log.note
