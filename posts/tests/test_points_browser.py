"""Points and stars as the branch runs them, in Chromium by the visible labels: a member claims points on their
phone and a member of the grid's scoring group approves it on theirs; the grid secretary prints the quarter's
积分公示; at year end the branch runs the star rating step by step to 授牌 and prints the plaques. The quarter on
notice: a resident objects from the public page, the grid secretary answers, the village scores the branch."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import log_in, log_out, open_menu_link
from posts import points
from posts.models import (
    BranchPointEntry,
    ClaimState,
    DutyKind,
    PointClaim,
    PointEntry,
    PointsObjection,
    ScoringGroup,
    StarRound,
    StarStep,
)
from posts.models.duty import create_record
from posts.tests.conftest import sign_in_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def member_browser_login(page, live_server, client, member, by):
    """Sign the browser in as a member whose PIN is already their own (the slip's first use is tested elsewhere)."""
    user = sign_in_member(client, member, by)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return user


def is_pdf(response):
    return response.headers.get("content-type") == "application/pdf"


@pytest.mark.parametrize("viewport", ["phone"])
def test_claim_register_and_stars(live_server, page, client, on_post, flow, grid_a1, grid_user, sec_a, town):
    points.add_default_rules(town, datetime.date(timezone.localdate().year, 1, 1))
    a = on_post[1]
    group = [a.contact, flow.member(grid_a1), flow.member(grid_a1)]
    ScoringGroup.objects.create(grid=grid_a1).members.set(group)

    # The member claims points from their register, on the phone.
    member_browser_login(page, live_server, client, a.member, sec_a)
    page.goto(live_server.url + "/")
    page.get_by_text("我的积分").click()
    page.get_by_role("link", name="申报积分").click()
    choice = page.get_by_label("申报事项")
    [label] = [t for t in choice.locator("option").all_inner_texts() if t.startswith("受到表彰")]
    choice.select_option(label=label)
    page.get_by_label("事情发生日期").fill(timezone.localdate().isoformat())
    page.get_by_label("申报理由").fill("汛期连续三晚巡查河堤，及时报告险情。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("待审核").first).to_be_visible()
    claim = PointClaim.objects.get()

    # A member of the scoring group approves it on their phone.
    member_browser_login(page, live_server, client, a.contact, sec_a)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="审核").click()
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_text("已通过").first).to_be_visible()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert PointEntry.objects.filter(assignment=a, source_key=f"claim:{claim.pk}", points=5).exists()
    open_menu_link(page, "退出登录")

    # The grid secretary prints the quarter's register for the wall.
    log_in(page, live_server, grid_user)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="积分登记簿").click()
    with page.context.expect_event("response", is_pdf) as shown:
        page.get_by_role("link", name="打印积分公示").click()
    assert shown.value.status == 200
    page.go_back()

    # At year end the branch runs the star rating to 授牌, each step on its day. The member's year so far: base 50,
    # the claim's 5 and eight checked ledger entries (2 each, at most 15 a quarter) = 70, 三星.
    today = timezone.localdate()
    kind = DutyKind.objects.get(town=None, name="监督")
    for _ in range(8):
        create_record(a, grid_user, True, done_on=today, kind=kind, content="巡查村容").verify(by=grid_user)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="星级评定").click()
    page.get_by_role("link", name="发起年度星级评定").click()
    page.get_by_label("评定年度").fill(str(a.round.year))
    page.get_by_role("button", name="保存").click()
    star_round = StarRound.objects.get(grid=grid_a1)
    days = {
        StarStep.GROUP: 20, StarStep.BRANCH: 18, StarStep.GENERAL: 16, StarStep.ASSEMBLY: 14, StarStep.NOTICE: 12,
        StarStep.AWARDED: 0,
    }  # fmt: skip
    for step, before in days.items():
        page.get_by_role("link", name=f"记录{step.label}").click()
        if step == StarStep.NOTICE:
            page.get_by_label("公示开始日期").fill((today - datetime.timedelta(days=12)).isoformat())
            page.get_by_label("公示结束日期").fill((today - datetime.timedelta(days=6)).isoformat())
            page.get_by_label("公示地点").fill("村党务公开栏")
        else:
            page.get_by_label("日期").fill((today - datetime.timedelta(days=before)).isoformat())
            page.get_by_label("会议或方式").fill(f"{step.label}会议")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text(f"已记录“{step.label}”")).to_be_visible()
    star_round.refresh_from_db()
    assert star_round.step == StarStep.AWARDED and star_round.records.count() == 6
    assert star_round.ratings.get(assignment=a).stars == 3
    link = page.get_by_role("link", name="打印星级党员牌")
    with page.expect_popup() as popup:  # the plaques open in a tab of their own, to print
        link.click()
    popup.value.close()
    plaques = page.request.get(live_server.url + link.get_attribute("href"))  # what that tab was sent
    assert is_pdf(plaques) and plaques.body().startswith(b"%PDF")
    log_out(page)


@pytest.mark.parametrize("viewport", ["phone"])
def test_the_quarter_on_notice_a_residents_objection_and_the_branchs_score(
    live_server, page, on_post, grid_a1, grid_user, sec_a, town
):
    points.add_default_rules(town, datetime.date(timezone.localdate().year, 1, 1))
    points.recompute()
    a = on_post[1]

    # The grid secretary puts the quarter's register on notice.
    log_in(page, live_server, grid_user)
    page.get_by_role("link", name="积分登记簿").click()
    page.get_by_role("link", name="发布积分公示").click()
    page.get_by_label("监督电话").fill("0523-8888")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已发布积分公示")).to_be_visible()
    log_out(page)

    # A resident opens the page the sheet's QR code names, sees the points and objects to one member's.
    page.goto(live_server.url + reverse("posts:public-grid", args=[grid_a1.public_token]))
    notice = page.locator("#points-on-notice")
    expect(notice.get_by_role("heading", name="积分公示")).to_be_visible()
    expect(notice.get_by_text(a.member.name)).to_be_visible()
    page.get_by_label("对积分公示有异议").check()
    page.get_by_label("针对").select_option(label=f"{a.member.name} · {a.post.name}")
    page.get_by_label("内容").fill("他本季度巡逻的次数好像记多了，请核实。")
    page.get_by_role("button", name="提交留言").click()
    expect(page.get_by_text("已收到您的留言")).to_be_visible()
    objection = PointsObjection.objects.get()
    assert objection.assignment == a and objection.from_public

    # The grid secretary's message opens the register, where the objection is answered.
    log_in(page, live_server, grid_user)
    open_menu_link(page, "消息（1条未读）")  # the menu says so
    page.get_by_role("button", name="积分的异议").first.click()
    expect(page.get_by_text("网格公开页提出")).to_be_visible()
    page.get_by_role("link", name="答复", exact=True).click()
    page.get_by_label("答复*", exact=True).fill("经核实，巡逻均有签到记录，积分无误。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("经核实，巡逻均有签到记录，积分无误。")).to_be_visible()
    objection.refresh_from_db()
    assert objection.answered_on == timezone.localdate()
    log_out(page)

    # The village secretary scores the branch from the dashboard's points.
    log_in(page, live_server, sec_a)
    page.get_by_role("link", name="工作看板").first.click()
    page.locator("#point-figures").get_by_role("link", name=grid_a1.name).click()
    page.get_by_role("link", name="记载支部积分").click()
    page.get_by_label("事由").fill("镇党委2026年第3号通报表扬")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已记载第一网格支部积分")).to_be_visible()
    expect(page.locator("#branch-points").get_by_text("镇党委2026年第3号通报表扬")).to_be_visible()
    assert BranchPointEntry.objects.get().points == 5
