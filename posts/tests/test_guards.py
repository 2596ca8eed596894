"""Guards of the workflow's pages, each seen refusing and then allowing, through the pages a secretary uses.

Each refusal: the page answers with its Chinese message and the database is as it was. Each guard is then
shown letting the right input through, so a test cannot pass because the input failed for another reason.
"Today" is set with time-machine: the forms' date checks use the real date.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from posts.models import (
    Assignment,
    CheckUp,
    Feedback,
    Meeting,
    MeetingKind,
    Notice,
    Objection,
    Post,
    Rating,
    Round,
    Source,
    Stage,
    Status,
    Training,
    TransitionError,
    WorkReport,
)
from posts.tests.conftest import on

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(time_machine):
    """today(2026, 12, 20): the date the pages take as today, at ten in the morning in 金城镇."""

    def set_today(year, month, day):
        time_machine.move_to(datetime.datetime(year, month, day, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
        return datetime.date(year, month, day)

    return set_today


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def form_errors(response):
    form = response.context["form"]
    return " ".join(e for errors in form.errors.values() for e in errors)


def refused(response, message):
    """The form page came back (nothing was done) and says why, in the form and on the page."""
    assert response.status_code == 200, getattr(response, "url", "")
    assert message in form_errors(response), form_errors(response)
    assert message in response.text
    return response


@pytest.fixture
def evaluated(flow, round_a, post_a1, grid_a1):
    """Village A's round at 严格评岗 with one member on 第一网格's post; no contact, report or rating yet."""
    flow.push(round_a, Stage.EVALUATION)
    a = round_a.assignments.get(post=post_a1, status=Status.ON_POST)
    return {"round": round_a, "a": a, "colleague": flow.member(grid_a1, name="孙建军")}


# --- posts ---------------------------------------------------------------------------------------------------


def test_a_post_nobody_applied_for_is_deleted_while_the_survey_runs(client, sec_a, round_a, post_a1):
    client.force_login(sec_a)
    url = reverse("posts:post-delete", args=[post_a1.pk])
    assert "村容村貌监督岗" in client.get(url).text  # asks first
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("posts:grid-posts", args=[post_a1.grid_id]), 302)]
    assert "已删除岗位“村容村貌监督岗”。" in messages_of(response)
    assert not Post.objects.filter(pk=post_a1.pk).exists()


def test_a_post_someone_held_is_kept_with_its_history(client, sec_a, flow, village_a, round_a, post_a1):
    # Last year's round is over; this year's is at 制定方案, so posts may change, but not lose their history.
    last = Round.objects.create(village=village_a, year=2025)
    Round.objects.filter(pk=last.pk).update(stage=Stage.CLOSED)  # set-up only
    served = flow.apply(last, post_a1, status=Status.COMPLETED)
    client.force_login(sec_a)
    response = client.post(reverse("posts:post-delete", args=[post_a1.pk]), follow=True)
    assert "岗位“村容村貌监督岗”已有党员申报或上岗的记录，不能删除（历年记录要保留）。" in messages_of(response)
    assert Post.objects.filter(pk=post_a1.pk).exists() and Assignment.objects.get(pk=served.pk).post_id == post_a1.pk


def test_posts_cannot_be_deleted_once_published(client, sec_a, flow, round_a, post_a1, post_a2):
    flow.advance(round_a)  # 申报选岗: the posts are published to members and residents
    client.force_login(sec_a)
    response = client.post(reverse("posts:post-delete", args=[post_a2.pk]), follow=True)
    assert any("岗位已向党员群众公布，不能再增删改" in m for m in messages_of(response))
    assert Post.objects.filter(pk=post_a2.pk).exists()


# --- applications ----------------------------------------------------------------------------------------------


@pytest.fixture
def applying(flow, round_a, grid_a1, today):
    """Village A at 申报选岗 on 2026-11-03, inside the window; 第一网格 has a second post."""
    second = flow.post(grid_a1, "民事纠纷调解岗", reason="邻里纠纷多")
    flow.advance(round_a)
    today(2026, 11, 3)
    return {"round": round_a, "second": second, "member": flow.member(grid_a1, name="钱文华")}


def application(member, post, **data):
    return {"member": member.pk, "source": Source.SELF, "first": post.pk, "reason": "熟悉村里情况", **data}


def test_an_application_is_for_a_post_of_the_members_own_grid(client, sec_a, applying, grid_a1, post_a1, post_a2):
    round, member = applying["round"], applying["member"]
    client.force_login(sec_a)
    url = reverse("posts:application-create", args=[round.pk, grid_a1.pk])
    refused(client.post(url, application(member, post_a2)), "选择一个有效的选项")  # 第二网格's post is not offered
    assert not round.assignments.exists()
    with pytest.raises(TransitionError, match="只能申报本人所在网格的岗位"):  # nor past the form
        Assignment.apply(round, member, [post_a2], Source.SELF, "", "熟悉村里情况", by=sec_a)
    assert not round.assignments.exists()
    assert client.post(url, application(member, post_a1)).status_code == 302
    assert list(round.assignments.values_list("member", "post")) == [(member.pk, post_a1.pk)]


def test_one_application_per_member_in_a_year(client, sec_a, applying, grid_a1, post_a1):
    round, member, second = applying["round"], applying["member"], applying["second"]
    client.force_login(sec_a)
    url = reverse("posts:application-create", args=[round.pk, grid_a1.pk])
    assert client.post(url, application(member, post_a1)).status_code == 302
    response = refused(client.post(url, application(member, second)), "钱文华本年度已经登记过申报")
    assert "如需修改请在支部议岗时处理" in " ".join(response.context["form"].errors["member"])  # at the field
    assert round.assignments.count() == 1
    with pytest.raises(TransitionError, match="钱文华本年度已经登记过申报。"):
        Assignment.apply(round, member, [second], Source.SELF, "", "熟悉村里情况", by=sec_a)
    assert round.assignments.count() == 1 and round.assignments.get().post == post_a1


# --- contacts --------------------------------------------------------------------------------------------------


def test_a_contact_is_named_for_a_member_on_post_and_is_not_the_member(client, grid_user, evaluated, flow, post_a1):
    a, colleague = evaluated["a"], evaluated["colleague"]
    passed_over = flow.apply(evaluated["round"], post_a1, status=Status.NOT_CHOSEN)
    client.force_login(grid_user)
    refused(
        client.post(reverse("posts:assignment-contact", args=[passed_over.pk]), {"contact": colleague.pk}),
        "只能为在岗党员指定联系人。",
    )
    assert Assignment.objects.get(pk=passed_over.pk).contact is None
    url = reverse("posts:assignment-contact", args=[a.pk])
    refused(client.post(url, {"contact": a.member_id}), "选择一个有效的选项")  # the member is not offered
    with pytest.raises(TransitionError, match="联系人不能是本人"):  # nor past the form
        Assignment.objects.get(pk=a.pk).assign_contact(a.member, by=grid_user)
    assert Assignment.objects.get(pk=a.pk).contact is None
    response = client.post(url, {"contact": colleague.pk}, follow=True)
    assert "已指定孙建军为联系人。" in messages_of(response)
    assert Assignment.objects.get(pk=a.pk).contact == colleague


# --- objections ------------------------------------------------------------------------------------------------


@pytest.fixture
def noticed(flow, round_a, grid_a1, today):
    """Village A at 支部议岗 with 第一网格's proposed member under notice (11-09 … 11-13); today is 11-10."""
    flow.push(round_a, Stage.DELIBERATION)
    flow.satisfy(round_a)  # proposes, publishes, holds the meetings
    notice = Notice.objects.get(round=round_a, grid=grid_a1)
    today(2026, 11, 10)
    return {"round": round_a, "notice": notice, "a": round_a.assignments.get(post__grid=grid_a1)}


def objection_data(a, raised_on="2026-11-10"):
    return {"assignment": a.pk, "raised_by": "村民李大爷", "raised_on": raised_on, "content": "此人常年在外。"}


def test_no_objection_is_recorded_once_deliberation_is_over(client, sec_a, noticed, flow, grid_a1, today):
    round, notice = noticed["round"], noticed["notice"]
    flow.advance(round, today=on(2026, (11, 14)))  # 群众定岗
    # The last day of the notice by the calendar, but the branch has moved on: only the stage stands in the way.
    today(2026, 11, 13)
    client.force_login(sec_a)
    url = reverse("posts:objection-create", args=[notice.pk])
    refused(client.post(url, objection_data(noticed["a"], "2026-11-12")), "支部议岗阶段已经结束，不能再登记异议。")
    assert not Objection.objects.exists()
    public = client.get(reverse("posts:public-grid", args=[grid_a1.public_token]))
    assert "对公示人选有异议" not in public.text  # residents are no longer offered it either
    feedback = {"kind": "objection", "about": noticed["a"].pk, "content": "此人常年在外，不能履职。"}
    client.post(reverse("posts:public-grid", args=[grid_a1.public_token]), feedback)
    assert not Objection.objects.exists() and not Feedback.objects.exists()


def test_an_objection_is_recorded_in_deliberation(client, sec_a, noticed):
    client.force_login(sec_a)
    url = reverse("posts:objection-create", args=[noticed["notice"].pk])
    assert client.post(url, objection_data(noticed["a"])).status_code == 302
    assert Objection.objects.get().assignment == noticed["a"]


def test_an_objection_is_answered_once(client, sec_a, grid_user, noticed):
    notice = noticed["notice"]
    objection = notice.raise_objection(noticed["a"], "村民李大爷", on(2026, (11, 10)), "此人常年在外。", by=sec_a)
    url = reverse("posts:objection-answer", args=[objection.pk])
    client.force_login(sec_a)
    answer = {"answer": "经核实，本人已回村居住。", "answered_on": "2026-11-10"}
    assert client.post(url, answer).status_code == 302
    client.force_login(grid_user)
    late = client.post(url, {"answer": "另一个答复。", "answered_on": "2026-11-10"})
    assert late.status_code == 200 and late.context["refresh"] == reverse(
        "posts:round-grid", args=[notice.round_id, notice.grid_id]
    )
    assert "这条异议已经答复过了：王建国于11月10日答复“经核实，本人已回村居住。”。" in late.text
    assert "刷新页面" in late.text
    objection.refresh_from_db()
    assert (objection.answer, objection.answered_by) == ("经核实，本人已回村居住。", sec_a)


def test_a_residents_feedback_is_answered_once(client, grid_user, grid_a1, noticed):
    item = Feedback.submit(grid_a1, "suggestion", "路灯坏了好几天，请帮忙修一下。")
    url = reverse("posts:feedback-answer", args=[item.pk])
    client.force_login(grid_user)
    assert client.post(url, {"answer": "已报修。", "answered_on": "2026-11-10"}).status_code == 302
    late = client.post(url, {"answer": "再答一次。", "answered_on": "2026-11-10"})
    assert late.status_code == 200 and "这条反馈已经答复过了：" in late.text and "于11月10日答复“已报修。”" in late.text
    assert late.context["refresh"] == reverse("posts:feedback", args=[grid_a1.pk])
    item.refresh_from_db()
    assert item.answer == "已报修。"


# --- forms: dates, scores, attendance ----------------------------------------------------------------------------


RECORDS = {
    # name → (url of the form, valid data with its date field, date field, message, model)
    "meeting": (
        lambda w: reverse("posts:meeting-create", args=[w["round"].pk, w["a"].post.grid_id]),
        {"kind": MeetingKind.GRID_BRANCH, "attendees": 10, "present": 9, "resolution": "研究在岗党员履职情况"},
        "held_on",
        "召开日期不能晚于今天。",
        Meeting,
    ),
    "checkup": (
        lambda w: reverse("posts:assignment-record", args=[w["a"].pk, "checkup"]),
        {"findings": "坚持每周巡查村容村貌。"},
        "held_on",
        "督查日期不能晚于今天。",
        CheckUp,
    ),
    "report": (
        lambda w: reverse("posts:assignment-record", args=[w["a"].pk, "report"]),
        {"audience": "branch", "content": "本月巡查8次，发现问题3处，均已上报。"},
        "reported_on",
        "汇报日期不能晚于今天。",
        WorkReport,
    ),
    "rating": (
        lambda w: reverse("posts:assignment-record", args=[w["a"].pk, "rating"]),
        {"period": "2026年下半年", "org_score": 92, "peer_score": 90, "resident_score": 88, "comment": "履职认真。"},
        "rated_on",
        "评议日期不能晚于今天。",
        Rating,
    ),
    "training": (
        lambda w: reverse("posts:training-create", args=[w["round"].pk]),
        {"topic": "矛盾纠纷调解实务", "attendees": "on post"},  # filled in with the member on post
        "held_on",
        "培训日期不能晚于今天。",
        Training,
    ),
}


@pytest.mark.parametrize("kind", RECORDS)
def test_records_may_not_be_dated_after_today(client, sec_a, evaluated, today, kind):
    url_of, data, field, message, model = RECORDS[kind]
    if data.get("attendees") == "on post":
        data = {**data, "attendees": [evaluated["a"].member_id]}
    today(2026, 12, 20)
    before = model.objects.count()
    client.force_login(sec_a)
    url = url_of(evaluated)
    refused(client.post(url, {**data, field: "2026-12-21"}), message)
    assert model.objects.count() == before
    assert client.post(url, {**data, field: "2026-12-20"}).status_code == 302  # today itself is fine
    assert model.objects.count() == before + 1


def test_a_period_is_rated_once(client, sec_a, evaluated, today):
    today(2026, 12, 20)
    url_of, data, *_ = RECORDS["rating"]
    client.force_login(sec_a)
    url = url_of(evaluated)
    assert client.post(url, {**data, "rated_on": "2026-12-20"}).status_code == 302
    again = {**data, "rated_on": "2026-12-20", "org_score": 60}
    refused(client.post(url, again), "“2026年下半年”已经评过，不能重复评议。")
    assert list(Rating.objects.values_list("period", "org_score")) == [("2026年下半年", 92)]
    assert client.post(url, {**again, "period": "2027年上半年"}).status_code == 302  # another period is


@pytest.mark.parametrize(("score", "message"), [(101, "分数应在0到100之间。"), (-1, "大于或等于0")])
@pytest.mark.parametrize("field", ["org_score", "peer_score", "resident_score"])
def test_scores_are_between_0_and_100(client, sec_a, evaluated, today, field, score, message):
    today(2026, 12, 20)
    url_of, data, *_ = RECORDS["rating"]
    client.force_login(sec_a)
    url = url_of(evaluated)
    response = refused(client.post(url, {**data, "rated_on": "2026-12-20", field: score}), message)
    assert message in " ".join(response.context["form"].errors[field])
    assert not Rating.objects.exists()
    assert client.post(url, {**data, "rated_on": "2026-12-20", field: 100}).status_code == 302
    assert getattr(Rating.objects.get(), field) == 100


def test_no_more_present_than_expected_at_a_meeting(client, sec_a, evaluated, today):
    today(2026, 12, 20)
    url_of, data, *_ = RECORDS["meeting"]
    client.force_login(sec_a)
    url = url_of(evaluated)
    before = Meeting.objects.count()
    response = refused(client.post(url, {**data, "held_on": "2026-12-20", "present": 11}), "实到人数不能多于应到人数。")
    assert "实到人数不能多于应到人数。" in response.context["form"].errors["present"]
    assert Meeting.objects.count() == before
    assert client.post(url, {**data, "held_on": "2026-12-20", "present": 10}).status_code == 302  # all came


def test_the_application_deadline_is_not_before_today(client, sec_a, round_a, today):
    today(2026, 10, 20)
    client.force_login(sec_a)
    url = reverse("posts:round-window", args=[round_a.pk])
    window = {"applications_open_on": "2026-10-01", "applications_close_on": "2026-10-19"}
    refused(client.post(url, window), "申报截止日期不能早于今天。")
    round_a.refresh_from_db()
    assert (round_a.applications_open_on, round_a.applications_close_on) == (on(2026, (11, 1)), on(2026, (11, 7)))
    assert client.post(url, {**window, "applications_close_on": "2026-10-20"}).status_code == 302
    round_a.refresh_from_db()
    assert round_a.applications_close_on == datetime.date(2026, 10, 20)


def test_one_round_a_year_and_one_running_at_a_time(client, sec_a, village_a, round_a, today):
    today(2026, 12, 1)
    client.force_login(sec_a)
    url = reverse("posts:round-create", args=[village_a.pk])
    refused(client.post(url, {"year": 2026}), "金城村2026年度的设岗定责工作已经建立。")
    refused(client.post(url, {"year": 2027}), "本村还有未结束的年度工作，结束后才能开始新的一年。")
    assert list(Round.objects.values_list("year", flat=True)) == [2026]
    with pytest.raises(TransitionError, match="金城村2026年度的设岗定责工作已经建立。"):  # nor past the form
        Round.start(village_a, 2026, by=sec_a)
    Round.objects.filter(pk=round_a.pk).update(stage=Stage.CLOSED)  # the year is over (set-up only)
    assert client.post(url, {"year": 2027}).status_code == 302
    assert sorted(Round.objects.values_list("year", flat=True)) == [2026, 2027]


# --- more form guards no test reached ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"second": "first"}, "second", "同一个岗位不能重复填报。"),
        (
            {"source": Source.PEER, "recommended_by": "刘海涛", "second": "second"},
            "second",
            "互荐和组织推荐只填一个岗位。",
        ),
        ({"source": Source.PEER}, "recommended_by", "互荐或组织推荐时，请填写推荐人。"),
    ],
)
def test_an_application_form_says_what_is_wrong(client, sec_a, applying, grid_a1, post_a1, data, field, message):
    round, member, second = applying["round"], applying["member"], applying["second"]
    data = {k: {"first": post_a1.pk, "second": second.pk}.get(v, v) for k, v in data.items()}
    client.force_login(sec_a)
    url = reverse("posts:application-create", args=[round.pk, grid_a1.pk])
    response = refused(client.post(url, application(member, post_a1, **data)), message)
    assert message in response.context["form"].errors[field]
    assert not round.assignments.exists()
    fixed = {**data, "second": ""} if field == "second" else {**data, "recommended_by": "刘海涛"}
    assert client.post(url, application(member, post_a1, **fixed)).status_code == 302
    assert round.assignments.get().post == post_a1


def test_an_objection_is_dated_within_the_notice(client, sec_a, noticed):
    notice, a = noticed["notice"], noticed["a"]
    client.force_login(sec_a)
    url = reverse("posts:objection-create", args=[notice.pk])
    refused(client.post(url, objection_data(a, "2026-11-08")), "异议应在公示期内")
    refused(client.post(url, objection_data(a, "2026-11-11")), "提出日期不能晚于今天。")  # today is 11-10
    with pytest.raises(TransitionError, match="只能登记公示期内提出的异议"):  # nor past the form
        notice.raise_objection(a, "村民", on(2026, (11, 8)), "此人常年在外。", by=sec_a)
    with pytest.raises(TransitionError, match="只能登记公示期内提出的异议"):
        notice.raise_objection(a, "村民", on(2026, (11, 11)), "此人常年在外。", by=sec_a)
    assert not Objection.objects.exists()
    assert client.post(url, objection_data(a, "2026-11-09")).status_code == 302  # the notice's first day


def test_no_meeting_is_recorded_once_the_round_is_over(client, sec_a, evaluated, grid_a1, today):
    today(2026, 12, 30)
    url_of, data, *_ = RECORDS["meeting"]
    Round.objects.filter(pk=evaluated["round"].pk).update(stage=Stage.CLOSED)  # set-up only
    before = Meeting.objects.count()
    client.force_login(sec_a)
    response = client.post(url_of(evaluated), {**data, "held_on": "2026-12-30"}, follow=True)
    assert "本年度工作已结束，不能再登记会议。" in messages_of(response)
    assert Meeting.objects.count() == before


def test_the_application_window_is_set_only_before_deliberation(client, sec_a, flow, round_a, today):
    flow.push(round_a, Stage.DELIBERATION)
    today(2026, 11, 10)
    client.force_login(sec_a)
    window = {"applications_open_on": "2026-11-10", "applications_close_on": "2026-11-20"}
    response = client.post(reverse("posts:round-window", args=[round_a.pk]), window, follow=True)
    assert "申报时间只能在“制定方案”或“申报选岗”阶段设定。" in messages_of(response)
    round_a.refresh_from_db()
    assert round_a.applications_close_on == on(2026, (11, 7))


def test_a_grid_has_one_post_of_a_name(client, sec_a, round_a, grid_a1, post_a1, suggested_types):
    client.force_login(sec_a)
    url = reverse("posts:post-create", args=[grid_a1.pk])
    data = {"post_type": suggested_types["村容村貌监督岗"].pk, "places": 1, "reason": "河道长"}
    refused(client.post(url, data), "本网格已有名为“村容村貌监督岗”的岗位")
    assert grid_a1.posts.count() == 1
    assert client.post(url, {**data, "name": "村容村貌监督岗（二组）"}).status_code == 302
    assert grid_a1.posts.count() == 2


def test_a_residents_message_says_something(client, grid_a1):
    url = reverse("posts:public-grid", args=[grid_a1.public_token])
    response = client.post(url, {"kind": "suggestion", "content": "路灯坏"})
    assert response.status_code == 200 and "请写得具体一些（至少5个字）。" in response.text
    assert not Feedback.objects.exists()
    assert client.post(url, {"kind": "suggestion", "content": "路灯坏了"}).status_code == 200  # 4 characters
    assert client.post(url, {"kind": "suggestion", "content": "路灯坏了。"}).status_code == 302
    assert Feedback.objects.count() == 1


def test_unknown_moves_and_records_are_404(client, sec_a, evaluated):
    a = evaluated["a"]
    client.force_login(sec_a)
    assert client.post(reverse("posts:assignment-move", args=[a.pk, "completed"]), {"note": "x"}).status_code == 404
    assert client.post(reverse("posts:assignment-record", args=[a.pk, "secret"])).status_code == 404
    assert Assignment.objects.get(pk=a.pk).status == Status.ON_POST
