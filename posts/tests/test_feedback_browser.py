"""In Chromium at phone size: a resident opens the wall sheet's QR address, leaves feedback; the grid
secretary answers it."""

import pytest
from playwright.sync_api import expect

from commitments.documents import public_url
from conftest import log_in
from posts.models import Feedback, FeedbackState
from posts.tests.test_feedback import grid_world  # noqa: F401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["phone"])
def test_resident_feedback_and_answer(live_server, page, settings, grid_world, grid_a1, grid_user):  # noqa: F811
    settings.PUBLIC_BASE_URL = live_server.url
    page.goto(public_url(grid_a1))  # what the QR code on the wall sheet opens
    expect(page.get_by_role("heading", name="社会治安巡逻岗")).to_be_visible()
    page.get_by_label("表扬").check()
    page.get_by_label("针对").select_option(label="王秀英 · 社会治安巡逻岗")
    page.get_by_label("内容").fill("王秀英每天晚上都来巡逻，村里安心多了。")
    page.get_by_label("您的称呼（可不填）").fill("张阿姨")
    page.get_by_role("button", name="提交留言").click()
    expect(page.get_by_text("已收到您的留言")).to_be_visible()

    log_in(page, live_server, grid_user)  # the grid secretary's home is their grid, on the phone too
    expect(page.get_by_role("heading", name="金城村 · 第一网格党支部")).to_be_visible()
    page.get_by_role("link", name="群众反馈").click()
    expect(page.get_by_text("王秀英每天晚上都来巡逻")).to_be_visible()
    page.get_by_role("link", name="答复", exact=True).click()
    page.get_by_role("textbox", name="答复*", exact=True).fill("谢谢张阿姨的肯定，我们会继续做好。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已答复。")).to_be_visible()
    item = Feedback.objects.get()
    assert item.state == FeedbackState.ANSWERED and item.answered_by == grid_user and item.name == "张阿姨"
