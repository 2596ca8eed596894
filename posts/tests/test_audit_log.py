"""操作日志 shows every stage move and every assignment move (who, when, from, to, meeting, note) by name, beside
the field changes of the records; the town reads its town, a village secretary their own village only.

The moves go through the models' doors (Assignment.move, Notice.publish, Round.advance) with the dates handed
in, as in the other workflow tests; the objection is answered through its page; the log is read through the
client as each persona would.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from conftest import on_day
from grids.models import AuditEvent, AuditKind
from members.models import Specialty
from posts.models import (
    Assignment,
    AssignmentLog,
    Feedback,
    FeedbackKind,
    FeedbackState,
    MeetingKind,
    Objection,
    Round,
    RoundLog,
    Source,
    Stage,
    Status,
)
from posts.tests.conftest import on

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]
URL = reverse("posts:audit-log")
LIU = "刘海涛 · 村容村貌监督岗"
ZHAO = "赵春梅 · 社会治安巡逻岗"
SUN = "孙立新 · 社会治安巡逻岗"
ROUND = "金城村2026年度设岗定责"
SEC_A = "王建国"  # village A's secretary, who does every move


def table(page):
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def rows(page, *texts):
    """The table rows of the log that contain every one of `texts`."""
    return [row for row in table(page).split("<tr>")[1:] if all(text in row for text in texts)]


def kind(label):
    """The 类别 cell of an entry."""
    return f'audit-kind">{label}</td>'


def refreshed(*assignments):
    for a in assignments:
        a.refresh_from_db()
    return assignments


@pytest.fixture
def year(round_a, flow, client, grid_a1, grid_a2, post_a1, post_a2, sec_a):
    """Village A's 2026 round from 制定方案 to 已结束, its assignments through every state:

    刘海涛  已申报 → 未选中 → 拟上岗 → 公示中 → 在岗 → 已调整 (村容村貌监督岗, 第一网格)
    赵春梅  已申报 → 拟上岗 → 公示中 → 在岗 → 期满 (社会治安巡逻岗, 第二网格)
    孙立新  已申报 → 拟上岗 → 公示中 → 已离岗 (社会治安巡逻岗, 第一网格)
    A resident objects to 刘海涛 on the public page; the secretary answers the objection on its page.
    """
    patrol = flow.post(grid_a1, "社会治安巡逻岗", reason="网格紧邻集镇，夜间治安压力大。")
    round = flow.push(round_a, Stage.DELIBERATION, applicants=False)
    day = on(2026, (11, 8))

    def apply(member, post):
        [a] = Assignment.apply(round, member, [post], Source.BRANCH, "网格党支部", "热心公益。", by=sec_a, today=day)
        return a

    liu = apply(flow.member(grid_a1, name="刘海涛"), post_a1)
    zhao = apply(flow.member(grid_a2, name="赵春梅"), post_a2)
    sun = apply(flow.member(grid_a1, name="孙立新"), patrol)
    branch = flow.held(round, grid_a1, MeetingKind.GRID_BRANCH)
    liu.move(Status.NOT_CHOSEN, by=sec_a, meeting=branch, note="先调剂其他人选", today=day)
    flow.propose(liu, note="重新议定，特长相符")
    flow.propose(zhao)
    flow.propose(sun)
    flow.publish(round, grid_a1)
    flow.publish(round, grid_a2)
    feedback = Feedback.submit(
        grid_a1, FeedbackKind.OBJECTION, "担心他没有时间履职。", about=liu, name="李大爷", today=on(2026, (11, 10))
    )
    client.force_login(sec_a)
    answer = {"answer": "经核实，他已退休，时间充裕。", "answered_on": timezone.localdate().isoformat()}
    assert client.post(reverse("posts:objection-answer", args=[feedback.objection_id]), answer).status_code == 302
    flow.satisfy(round)
    flow.advance(round, note="公示期满，异议已答复", meeting="支部党员大会、群众代表会议")

    liu, zhao, sun = refreshed(liu, zhao, sun)
    flow.seat(liu)
    flow.seat(zhao)
    sun.move(Status.LEFT, by=sec_a, note="本人因病不能上岗", today=on(2026, (11, 18)))
    flow.satisfy(round)
    flow.advance(round)

    liu.move(Status.ADJUSTED, by=sec_a, note="外出务工，调整岗位", today=on(2026, (12, 20)))
    zhao.assign_contact(flow.member(grid_a2, name="钱学文"), by=sec_a)
    flow.satisfy(round)
    flow.advance(round)  # 严格评岗 → 已结束: 赵春梅's year on post ends
    return {"round": round, "liu": liu, "zhao": zhao, "sun": sun, "feedback": feedback}


MOVES = [
    (LIU, "新建 → 已申报", "组织推荐，第1志愿"),
    (LIU, "已申报 → 未选中", "先调剂其他人选", "网格支部会议"),
    (LIU, "未选中 → 拟上岗", "重新议定，特长相符", "2026年11月8日 网格支部会议"),
    (LIU, "拟上岗 → 公示中", "公示：2026年11月9日至2026年11月13日"),
    (LIU, "公示中 → 在岗", "2026年11月18日 上岗仪式", "<strong>承诺书签订日期</strong>：（空） → 2026年11月18日"),
    (LIU, "在岗 → 已调整", "外出务工，调整岗位"),
    (ZHAO, "新建 → 已申报"),
    (ZHAO, "已申报 → 拟上岗"),
    (ZHAO, "拟上岗 → 公示中"),
    (ZHAO, "公示中 → 在岗"),
    (ZHAO, "在岗 → 期满", "2026年度设岗定责工作结束，岗位期满。"),
    (SUN, "拟上岗 → 公示中"),
    (SUN, "公示中 → 已离岗", "本人因病不能上岗"),
    (ROUND, "制定方案 → 申报选岗"),
    (ROUND, "申报选岗 → 支部议岗"),
    (ROUND, "支部议岗 → 群众定岗", "公示期满，异议已答复", "支部党员大会、群众代表会议"),
    (ROUND, "群众定岗 → 严格评岗"),
    (ROUND, "严格评岗 → 已结束"),
]


def assert_the_year_is_on(page):
    for texts in MOVES:
        found = rows(page, *texts)
        assert len(found) == 1, texts  # shown, and shown once: the version the move wrote is folded into it
        assert SEC_A in found[0] and (kind("定岗变更") in found[0] or kind("阶段变更") in found[0])
    # The record's own versions of a move do not show again as bare status changes.
    assert not rows(page, "<strong>状态</strong>") and not rows(page, "<strong>当前阶段</strong>")
    assert len(rows(page, kind("定岗变更"))) == 15 and len(rows(page, kind("阶段变更"))) == 5
    # Meetings, notices, objections, feedback and their answers, by name.
    assert rows(page, kind("会议"), "第一网格网格支部会议（2026年11月8日）", "新增", "会议决定")
    assert rows(page, kind("公示"), "第一网格公示（11月9日至11月13日）", "新增")
    assert rows(page, kind("异议"), "李大爷对刘海涛的异议", "新增", "群众", "担心他没有时间履职。")
    assert rows(page, kind("异议"), "李大爷对刘海涛的异议", "修改", SEC_A, "<strong>答复</strong>：（空） → 经核实")
    assert rows(page, kind("群众反馈"), "第一网格对公示人选有异议", "修改", SEC_A, "待处理 → 已答复")
    assert rows(page, kind("申报与定岗"), ZHAO, "修改", "<strong>联系人</strong>：（空） → 钱学文")
    assert date_format(timezone.localtime(), "Y年n月j日") in page  # when, as people write it
    assert "申报记录#" not in page and "None" not in page


def test_every_move_is_on_the_log_of_the_town_and_of_the_village_only(year, client, town_user, sec_a, sec_b):
    client.force_login(town_user)
    town = client.get(URL).text
    assert_the_year_is_on(town)
    assert rows(town, LIU, "金城村")  # the town sees which village

    client.force_login(sec_a)
    village = client.get(URL)
    assert village.status_code == 200
    assert_the_year_is_on(village.text)

    client.force_login(sec_b)
    other = table(client.get(URL).text)
    for text in ("刘海涛", "赵春梅", "孙立新", "金城村", "村容村貌监督岗", "定岗变更", "阶段变更", "李大爷", SEC_A):
        assert text not in other, text
    # Typing village A's number or another person's does not widen the scope: the filter refuses.
    assert "刘海涛" not in client.get(URL, {"village": year["round"].village_id}).text
    refused = client.get(URL, {"person": sec_a.pk}).text
    assert "选择一个有效的选项" in refused and SEC_A not in table(refused)


def test_filters_narrow_the_moves(year, client, town_user, sec_a):
    client.force_login(town_user)
    moves = client.get(URL, {"record": "assignment"}).text
    assert rows(moves, LIU, "公示中 → 在岗") and not rows(moves, kind("阶段变更")) and not rows(moves, kind("会议"))
    stages = client.get(URL, {"record": "round"}).text
    assert len(rows(stages, kind("阶段变更"))) == 5 and not rows(stages, kind("定岗变更"))
    named = client.get(URL, {"name": "刘海涛"}).text
    assert len(rows(named, LIU, kind("定岗变更"))) == 6 and not rows(named, ZHAO)
    assert rows(client.get(URL, {"person": sec_a.pk}).text, LIU, "在岗 → 已调整")
    assert not rows(client.get(URL, {"person": town_user.pk}).text, kind("定岗变更"))
    today = timezone.localdate()
    assert rows(client.get(URL, {"since": today.isoformat(), "until": today.isoformat()}).text, ROUND)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"since": "去年"}, "输入一个有效的日期"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, "结束日期不能早于开始日期"),
        ({"person": "99999"}, "选择一个有效的选项"),
        ({"person": "9" * 30}, "选择一个有效的选项"),
        ({"village": "金城村"}, "选择一个有效的选项"),
        ({"record": "passwords"}, "选择一个有效的选项"),
        ({"name": "长" * 51}, "不超过 50 字符"),
    ],
)
def test_bad_filters_are_refused_in_chinese(client, town_user, query, error):
    client.force_login(town_user)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert error in response.text and "筛选条件有误" in response.text


def test_moves_keep_versions_in_the_records_history(year, sec_a):
    """The compare-and-set writes keep a version each, by the mover, at the time of the move's log row."""
    liu = year["liu"]
    versions = list(Assignment.history.filter(id=liu.pk).order_by("history_id"))
    assert [v.status for v in versions] == ["applied", "not_chosen", "proposed", "noticed", "on_post", "adjusted"]
    assert all(v.history_user == sec_a for v in versions)
    logs = list(AssignmentLog.objects.filter(assignment=liu).order_by("pk"))
    assert [v.history_date for v in versions[1:]] == [g.at for g in logs[1:]]
    assert versions[4].letter_signed_on == on(2026, (11, 18))
    zhao = year["zhao"]
    assert Assignment.history.filter(id=zhao.pk).latest("history_id").status == "completed"
    assert Assignment.history.filter(id=zhao.pk, contact__name="钱学文").exists()  # the contact, named by save
    stages = Round.history.filter(id=year["round"].pk).order_by("history_id").values_list("stage", "history_user")
    assert list(stages)[1:] == [(s, sec_a.pk) for s in ("application", "deliberation", "confirmation")] + [
        ("evaluation", sec_a.pk),
        ("closed", sec_a.pk),
    ]
    assert [v.history_date for v in Round.history.filter(id=year["round"].pk).order_by("history_id")[1:]] == list(
        RoundLog.objects.order_by("pk").values_list("at", flat=True)
    )
    # The objection's answer and its feedback's answer: one version each, by the secretary.
    objection = Objection.history.filter(id=year["feedback"].objection_id).order_by("history_id")
    assert [(v.answer[:3], v.history_user) for v in objection] == [("", None), ("经核实", sec_a)]
    feedback = Feedback.history.filter(id=year["feedback"].pk).order_by("history_id")
    assert [(v.state, v.history_user) for v in feedback] == [("new", None), ("answered", sec_a)]


def test_answering_an_objection_answers_its_feedback_once(year, sec_a):
    feedback = Feedback.objects.get(pk=year["feedback"].pk)
    assert (feedback.state, feedback.answer, feedback.answered_by) == (
        FeedbackState.ANSWERED,
        "经核实，他已退休，时间充裕。",
        sec_a,
    )


def test_taking_up_feedback_keeps_a_version(client, grid_a1, sec_a):
    item = Feedback.submit(grid_a1, FeedbackKind.SUGGESTION, "路灯坏了。")
    client.force_login(sec_a)
    assert client.post(reverse("posts:feedback-answer", args=[item.pk]), {"take_up": "1"}).status_code == 302
    assert client.post(reverse("posts:feedback-answer", args=[item.pk]), {"take_up": "1"}).status_code == 302
    versions = Feedback.history.filter(id=item.pk).order_by("history_id")
    assert [(v.state, v.history_user) for v in versions] == [("new", None), ("handling", sec_a)]
    page = client.get(URL).text
    assert rows(page, kind("群众反馈"), "修改", SEC_A, "<strong>处理状态</strong>：待处理 → 处理中")


def test_downloads_show_the_file_and_logins_no_path(client, town_user, sec_a):
    AuditEvent.objects.create(
        kind=AuditKind.DOWNLOAD,
        user=sec_a,
        username=sec_a.username,
        path="/members/export.xlsx?village=1",
        detail="attachment; filename*=utf-8''%E9%87%91%E5%9F%8E%E6%9D%91%E5%85%9A%E5%91%98.xlsx",
    )
    AuditEvent.objects.create(kind=AuditKind.LOGIN, user=sec_a, username=sec_a.username, path="/login/?next=/")
    client.force_login(town_user)
    page = client.get(URL, {"record": "event"}).text
    assert rows(page, "导出/下载", "金城村党员.xlsx", SEC_A) and "/members/export.xlsx" not in page
    assert rows(page, "登录", SEC_A) and "/login/?next=/" not in page


# --- the page's cost -------------------------------------------------------------------------------------------


def busy(round, flow, grid, sec_a, size):
    """`size` of everything the log shows in one grid: members edited (a field, a specialty), members put
    forward and on post with a contact, residents' feedback answered, downloads."""
    specialties = list(Specialty.objects.order_by("pk")[:2])
    post = flow.post(grid, "邻里和睦示范岗", places=size, reason="邻里纠纷多。")
    flow.push(round, Stage.APPLICATION, applicants=False)
    for n in range(size):
        member = flow.member(grid)
        member.phone = f"1390000{n:04d}"
        member.save()
        member.specialties.set(specialties)
        flow.apply(round, post, member)
        feedback = Feedback.submit(grid, FeedbackKind.PRAISE, f"第{n}条表扬。")
        feedback.take_up(by=sec_a)
        feedback.answer_with("谢谢。", by=sec_a)
        AuditEvent.objects.create(
            kind=AuditKind.DOWNLOAD, user=sec_a, username=sec_a.username, detail=f'attachment; filename="m{n}.xlsx"'
        )
    flow.push(round, Stage.EVALUATION)
    for a in round.assignments.order_by("pk"):
        a.assign_contact(flow.member(grid), by=sec_a)


@pytest.mark.parametrize("size", [1, 10])
def test_the_page_costs_the_same_queries_however_busy(
    round_a, flow, grid_a1, sec_a, town_user, client, django_assert_num_queries, size
):
    busy(round_a, flow, grid_a1, sec_a, size)
    client.force_login(town_user)
    # 56, whatever the size and whatever is shown: the test's savepoint and its release; the session; the user
    # with their roles; the two move logs (stage, assignment); for each of the 23 kinds of record with a history,
    # its newest versions and the versions before them, each loaded with the records its keys name (46); the
    # members' specialties of those versions; the events; the filter's people and villages.
    with django_assert_num_queries(56):
        page = client.get(URL)
    assert page.status_code == 200 and len(rows(page.text, kind("定岗变更"))) == 3 * size  # 拟上岗, 公示中, 在岗


def test_the_year_on_post_is_on_the_log(client, on_post, sec_a, grid_a1):
    from members.models import NeedCategory
    from posts.models import DutyKind, RequestKind, ResidentRequest
    from posts.models.duty import create_record
    from posts.onpost import issue_access

    a = on_post[1]
    request = ResidentRequest.submit(
        grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, "村口垃圾没人清", phone="13911112222"
    )
    request.dispatch_to(a, by=sec_a)
    record = create_record(
        a, sec_a, True, done_on=timezone.localdate(), kind=DutyKind.objects.first(), content="清运垃圾"
    )
    record.verify(by=sec_a)
    issue_access(a.member, by=sec_a)
    client.force_login(sec_a)
    page = client.get(URL).text
    assert rows(page, kind("群众点单"), "新增", "群众", "村口垃圾没人清")
    assert rows(page, kind("群众点单"), "修改", SEC_A, "<strong>办理状态</strong>：待派单 → 已派单")
    assert rows(page, kind("履职纪实"), "修改", SEC_A, "<strong>核实状态</strong>：待核实 → 已核实")
    assert rows(page, kind("党员手机登录"), "新增", SEC_A, a.member.name)
    assert "13911112222" not in page


def test_claims_and_stars_are_on_the_log(client, on_post, sec_a, grid_a1, town):
    from posts import points, stars
    from posts.models import PointClaim, PointRule, PointSource
    from posts.models.workflow import create_as

    points.add_default_rules(town, datetime.date(2026, 1, 1))
    a = on_post[1]
    rule = PointRule.objects.get(town=town, source=PointSource.CLAIM, category="bonus")
    create_as(
        sec_a, PointClaim, assignment=a, rule=rule, on=datetime.date(2026, 12, 1), reason="抢险救灾", claimed_by=sec_a
    )
    round_ = stars.open_round(grid_a1, 2026, by=sec_a, today=datetime.date(2026, 12, 20))
    rating = round_.ratings.get(assignment=a)
    stars.adjust(rating, 3 if rating.stars != 3 else 4, "群众意见较大", by=sec_a)
    client.force_login(sec_a)
    page = client.get(URL).text
    assert rows(page, kind("积分申报"), "新增", SEC_A, "抢险救灾")
    assert rows(page, kind("星级评定"), "新增", SEC_A, "第一网格2026年度星级评定")
    assert rows(page, kind("党员星级"), "修改", SEC_A, "群众意见较大")
