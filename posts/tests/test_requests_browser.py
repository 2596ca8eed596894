"""In Chromium at phone size: a resident asks from the wall sheet's QR address, notes the code, looks it up
when it is done and rates it with one tap."""

import pytest
from playwright.sync_api import expect

from commitments.documents import public_url
from posts.models import RequestState, ResidentRequest
from posts.tests.test_requests_public import finish


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["phone"])
def test_a_resident_asks_notes_the_code_and_rates(live_server, page, settings, on_post, grid_a1, sec_a):
    settings.PUBLIC_BASE_URL = live_server.url
    page.goto(public_url(grid_a1))
    ask = page.locator("#ask")
    ask.get_by_label("求助").check()
    ask.get_by_label("环境卫生、村容村貌").check()
    ask.get_by_label("具体情况").fill("村口垃圾堆了好几天，请党员帮忙清理。")
    ask.get_by_label("怎么称呼您（可不填）").fill("李大妈")
    ask.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("已收到，请记下查询码")).to_be_visible()
    req = ResidentRequest.objects.get()
    code = page.locator("#code")
    expect(code).to_have_text(req.code)
    assert code.bounding_box()["width"] < 390  # the code fits the phone's width, large as it is
    page.screenshot(path="/tmp/requests-receipt-390.png", full_page=True)

    finish(req, on_post[1], sec_a)
    page.goto(public_url(grid_a1))
    page.locator("#lookup").get_by_label("输入查询码").fill(" ".join([req.code[:3].lower(), req.code[3:]]))
    page.locator("#lookup").get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="请评价办理结果")).to_be_visible()
    page.screenshot(path="/tmp/requests-rate-390.png", full_page=True)
    page.get_by_role("button", name="满意", exact=True).click()
    expect(page.get_by_text("谢谢您的评价！")).to_be_visible()
    req.refresh_from_db()
    assert (req.state, req.satisfaction) == (RequestState.CONFIRMED, "satisfied")
