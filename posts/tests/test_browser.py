"""In real Chromium: one grid through all five steps, as its secretary and the village secretary would click it.

Where the plan makes people wait (the application window, the notice period) the test moves the dates
into the past in the database: "a week passes".
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import log_in, log_out
from members.models import VillagePlan
from posts.models import Assignment, Notice, Rating, Round, Stage, Status


def iso(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def as_label(date):
    """A date as the page's drop-downs write it (the project's DATE_FORMAT)."""
    return f"{date.year}年{date.month}月{date.day}日"


def save(page):
    page.get_by_role("button", name="保存").click()


def record_meeting(page, kind):
    page.get_by_role("link", name="登记会议").click()
    page.get_by_label("会议类型").select_option(label=kind)
    page.get_by_label("召开日期").fill(iso(0))
    page.get_by_label("应到人数").fill("9")
    page.get_by_label("实到人数").fill("8")
    page.get_by_label("会议决定").fill(f"{kind}议定事项。")
    save(page)
    expect(page.get_by_text(f"已登记{kind}")).to_be_visible()


def advance(page, live_server, round, expected):
    page.goto(live_server.url + round.get_absolute_url())
    page.get_by_role("button", name="进入下一阶段").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("这一步不能撤销")).to_be_visible()
    dialog.get_by_role("button", name="确认进入下一阶段").click()
    expect(page.get_by_text(f"已进入“{expected}”阶段")).to_be_visible()


@pytest.mark.browser
# serialized_rollback: the live server needs committed data, and the flush afterwards must give back the
# rows data migrations made (specialties, post types) to the tests that run later.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_grid_walks_all_five_steps(live_server, page, sec_a, grid_user, grid_a1, make_member, make_need):
    village = grid_a1.village
    make_need(grid_a1, issue="村东河道垃圾堆积，希望定期清理。")
    make_member(grid_a1, name="李国华")
    make_member(grid_a1, name="王秀兰")
    VillagePlan.objects.create(
        village=village, year=2026, title="方案", content="……", starts_on="2026-01-01", ends_on="2026-12-31"
    )

    # 1. 制定方案: the village secretary starts the round, sets up a post and the application window.
    log_in(page, live_server, sec_a)
    page.get_by_role("link", name="设岗定责工作").click()
    page.get_by_label("年度").fill("2026")
    save(page)
    expect(page.get_by_role("list", name="五个步骤")).to_contain_text("制定方案（当前阶段）")
    round = Round.objects.get(village=village)
    page.get_by_role("row", name="第一网格").get_by_role("link", name="岗位").click()
    page.get_by_role("link", name="设置岗位").click()
    page.get_by_label("岗位类型").select_option(label="村容村貌监督岗")
    page.get_by_label("职数").fill("1")
    page.get_by_label("村东河道垃圾堆积").check()
    save(page)
    expect(page.get_by_text("已保存岗位“村容村貌监督岗”")).to_be_visible()
    page.goto(live_server.url + round.get_absolute_url())
    page.get_by_role("link", name="设定", exact=True).click()
    page.get_by_label("申报开始日期").fill(iso(0))
    page.get_by_label("申报截止日期").fill(iso(7))
    save(page)
    advance(page, live_server, round, "申报选岗")

    # 2. 申报选岗: the grid secretary registers 李国华's self-application.
    log_out(page)
    log_in(page, live_server, grid_user)
    page.get_by_role("link", name="岗位设置").click()
    page.get_by_role("link", name="2026年度工作（申报选岗）").click()
    page.get_by_role("link", name="登记申报").click()
    page.get_by_label("党员").select_option(label="李国华")
    page.get_by_label("第一志愿岗位").select_option(label="村容村貌监督岗")
    page.get_by_label("申报理由").fill("住得近，热心环境整治。")
    save(page)
    expect(page.get_by_text("已登记李国华的申报")).to_be_visible()
    Round.objects.filter(pk=round.pk).update(applications_open_on=iso(-9), applications_close_on=iso(-1))  # time passes

    # 3. 支部议岗: the village secretary moves on; the branch meets, proposes, publishes the notice.
    log_out(page)
    log_in(page, live_server, sec_a)
    advance(page, live_server, round, "支部议岗")
    page.get_by_role("row", name="第一网格").get_by_role("link", name="办理").click()
    record_meeting(page, "网格支部会议")
    page.get_by_role("link", name="确定为拟上岗人选").click()
    page.get_by_label("依据的网格支部会议").select_option(label=f"{as_label(timezone.localdate())} 网格支部会议")
    save(page)
    expect(page.get_by_text("李国华：拟上岗")).to_be_visible()
    page.get_by_role("link", name="发布公示").click()
    page.get_by_label("监督电话").fill("0515-88880000")
    save(page)
    expect(page.get_by_text("已发布公示")).to_be_visible()
    record_meeting(page, "支部党员大会")
    record_meeting(page, "群众代表会议")
    Notice.objects.filter(round=round).update(starts_on=iso(-7), ends_on=iso(-1))  # the notice period runs out
    advance(page, live_server, round, "群众定岗")

    # 4. 群众定岗: the induction ceremony and the signed commitment letter.
    page.get_by_role("row", name="第一网格").get_by_role("link", name="办理").click()
    record_meeting(page, "上岗仪式")
    page.get_by_role("link", name="签订承诺书，确认上岗").click()
    page.get_by_label("依据的上岗仪式").select_option(label=f"{as_label(timezone.localdate())} 上岗仪式")
    page.get_by_label("承诺书签订日期").fill(iso(0))
    save(page)
    expect(page.get_by_text("李国华：在岗")).to_be_visible()
    record_meeting(page, "群众代表会议")
    advance(page, live_server, round, "严格评岗")

    # 5. 严格评岗: training, a named contact and a rating.
    page.get_by_role("link", name="登记集中培训").click()
    page.get_by_label("培训日期").fill(iso(0))
    page.get_by_label("培训内容").fill("岗位职责与业务知识")
    page.get_by_label("李国华").check()
    save(page)
    page.get_by_role("row", name="第一网格").get_by_role("link", name="办理").click()
    page.get_by_role("link", name="李国华").click()
    page.get_by_role("link", name="指定联系人").click()
    page.get_by_label("联系人").select_option(label="王秀兰")
    save(page)
    page.get_by_role("link", name="评岗").click()
    page.get_by_label("评议期间").fill("2026年度")
    page.get_by_label("组织评分").fill("95")
    page.get_by_label("党员评分").fill("92")
    page.get_by_label("群众评分").fill("90")
    page.get_by_label("评议日期").fill(iso(0))
    page.get_by_label("评语").fill("巡查认真，群众满意。")
    save(page)
    expect(page.get_by_text("已登记评岗结果：优秀")).to_be_visible()
    page.goto(live_server.url + round.get_absolute_url())
    expect(page.get_by_text("本阶段的事项已全部完成，可以进入下一阶段。")).to_be_visible()

    a = Assignment.objects.get(member__name="李国华")
    assert a.status == Status.ON_POST and a.contact.name == "王秀兰" and a.letter_signed_on == timezone.localdate()
    assert Rating.objects.get(assignment=a).grade == "excellent"
    assert Round.objects.get(pk=round.pk).stage == Stage.EVALUATION
    assert list(a.logs.values_list("to_status", flat=True)) == ["applied", "proposed", "noticed", "on_post"]
