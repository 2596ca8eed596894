"""A round moves survey → application → deliberation → confirmation → evaluation → closed, each move guarded.

An allowed move changes the stage and writes one RoundLog row; a refused one raises TransitionError listing, in
Chinese, what is missing, and changes nothing.
"""

import datetime

import pytest

from grids.models import Grid
from members.models import VillagePlan
from posts.models import (
    HOLDING,
    Assignment,
    MeetingKind,
    Objection,
    Post,
    Round,
    RoundLog,
    Stage,
    Status,
    TransitionError,
)

from .conftest import leave_on

D = datetime.date


def refused(round, by, today=None):
    """Try to advance; assert it is refused and that nothing changed. Returns the list of what is missing."""
    stage = round.stage
    logs = RoundLog.objects.filter(round=round).count()
    with pytest.raises(TransitionError) as caught:
        round.advance(by=by, note="试图进入下一阶段", today=today or leave_on(round))
    assert round.stage == stage
    round.refresh_from_db()
    assert round.stage == stage
    assert RoundLog.objects.filter(round=round).count() == logs
    assert str(caught.value) == "；".join(caught.value.missing)
    return caught.value.missing


def last_log(round):
    return RoundLog.objects.filter(round=round).order_by("pk").last()


# --- allowed moves -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_stage", "to_stage"), list(Round.TRANSITIONS.items()))
def test_round_advances_when_its_guard_is_satisfied(round_a, flow, sec_a, from_stage, to_stage):
    flow.push(round_a, from_stage)
    flow.satisfy(round_a)
    logs_before = RoundLog.objects.filter(round=round_a).count()

    result = round_a.advance(
        by=sec_a, note="经村党总支研究同意", meeting="村党总支委员会（11月）", today=leave_on(round_a)
    )

    assert result == to_stage
    assert round_a.stage == to_stage
    round_a.refresh_from_db()
    assert round_a.stage == to_stage
    assert RoundLog.objects.filter(round=round_a).count() == logs_before + 1
    log = last_log(round_a)
    assert (log.from_stage, log.to_stage, log.by, log.note, log.meeting) == (
        from_stage,
        to_stage,
        sec_a,
        "经村党总支研究同意",
        "村党总支委员会（11月）",
    )


def test_a_whole_year_leaves_one_log_row_per_step(round_a, flow, sec_a):
    flow.push(round_a, Stage.CLOSED)

    round_a.refresh_from_db()
    assert round_a.stage == Stage.CLOSED
    rows = list(RoundLog.objects.filter(round=round_a).order_by("pk").values_list("from_stage", "to_stage", "by"))
    assert rows == [
        ("survey", "application", sec_a.pk),
        ("application", "deliberation", sec_a.pk),
        ("deliberation", "confirmation", sec_a.pk),
        ("confirmation", "evaluation", sec_a.pk),
        ("evaluation", "closed", sec_a.pk),
    ]
    served = Assignment.objects.filter(round=round_a, status=Status.COMPLETED)  # 在岗 → 期满 as the round closes
    assert sorted(served.values_list("post__name", flat=True)) == ["村容村貌监督岗", "社会治安巡逻岗"]
    assert not Assignment.objects.filter(round=round_a, status__in=HOLDING).exists()


# --- survey → application ----------------------------------------------------------------------------------


def test_survey_lists_everything_that_is_missing(round_a, flow, village_a, grid_a1, sec_a):
    VillagePlan.objects.filter(village=village_a).delete()
    Grid.objects.create(village=village_a, number=3, name="第三网格")
    flow.post(grid_a1, "社会治安巡逻岗")  # neither a need nor a reason
    Round.objects.filter(pk=round_a.pk).update(applications_open_on=None, applications_close_on=None)
    round_a.refresh_from_db()

    assert refused(round_a, sec_a) == [
        "还没有制定2026年度的实施方案。",
        "第三网格还没有记录群众需求。",
        "第三网格还没有设置岗位。",
        "第一网格的“社会治安巡逻岗”没有写明回应的群众需求或设岗理由。",
        "还没有设定申报时间（申报开始和截止日期）。",
    ]


@pytest.mark.parametrize("other_plan", ["last_year", "other_village", "none"])
def test_survey_needs_this_villages_plan_for_this_year(round_a, village_a, village_b, sec_a, other_plan):
    plan = VillagePlan.objects.get(village=village_a, year=2026)
    if other_plan == "last_year":
        VillagePlan.objects.filter(pk=plan.pk).update(year=2025)
    elif other_plan == "other_village":
        VillagePlan.objects.filter(pk=plan.pk).update(village=village_b)
    else:
        plan.delete()

    assert refused(round_a, sec_a) == ["还没有制定2026年度的实施方案。"]


def test_survey_needs_needs_recorded_in_every_grid(round_a, flow, village_a, sec_a):
    grid_a3 = Grid.objects.create(village=village_a, number=3, name="第三网格")
    flow.post(grid_a3, "尊老爱幼示范岗", reason="网格内留守老人多，需要党员经常走访。")

    assert refused(round_a, sec_a) == ["第三网格还没有记录群众需求。"]


def test_survey_needs_a_post_in_every_grid(round_a, post_a2, sec_a):
    post_a2.delete()

    assert refused(round_a, sec_a) == ["第二网格还没有设置岗位。"]


def test_survey_refuses_a_post_that_cites_neither_need_nor_reason(round_a, flow, grid_a2, sec_a):
    flow.post(grid_a2, "政策法律宣传岗", reason="")

    assert refused(round_a, sec_a) == ["第二网格的“政策法律宣传岗”没有写明回应的群众需求或设岗理由。"]


def test_survey_accepts_a_post_with_a_reason_instead_of_a_need(round_a, flow, grid_a2, sec_a):
    flow.post(grid_a2, "政策法律宣传岗", reason="今年征地拆迁任务重，需要党员宣传政策。")  # 因事设岗

    round_a.advance(by=sec_a, today=D(2026, 10, 25))

    round_a.refresh_from_db()
    assert round_a.stage == Stage.APPLICATION


@pytest.mark.parametrize(
    ("opens", "closes"), [(None, None), (D(2026, 11, 1), None), (None, D(2026, 11, 7))], ids=["none", "open", "close"]
)
def test_survey_needs_the_application_window_set(round_a, sec_a, opens, closes):
    Round.objects.filter(pk=round_a.pk).update(applications_open_on=opens, applications_close_on=closes)
    round_a.refresh_from_db()

    assert refused(round_a, sec_a) == ["还没有设定申报时间（申报开始和截止日期）。"]


def test_posts_of_another_village_do_not_count(round_a, flow, grid_b1, sec_a):
    flow.post(grid_b1, "社会治安巡逻岗")  # village B's unjustified post is village B's business

    round_a.advance(by=sec_a, today=D(2026, 10, 25))

    round_a.refresh_from_db()
    assert round_a.stage == Stage.APPLICATION


# --- application → deliberation ---------------------------------------------------------------------------


@pytest.mark.parametrize("today", [D(2026, 11, 1), D(2026, 11, 7)], ids=["window-open", "closing-day"])
def test_application_refused_until_the_window_has_closed(round_a, flow, sec_a, today):
    flow.push(round_a, Stage.APPLICATION)

    assert refused(round_a, sec_a, today=today) == ["申报时间到2026年11月7日截止，截止后才能进入支部议岗。"]


def test_application_allowed_the_day_after_the_window_closes(round_a, flow, sec_a):
    flow.push(round_a, Stage.APPLICATION)

    round_a.advance(by=sec_a, today=D(2026, 11, 8))

    round_a.refresh_from_db()
    assert round_a.stage == Stage.DELIBERATION


# --- deliberation → confirmation --------------------------------------------------------------------------


@pytest.fixture
def deliberating(round_a, flow):
    """Round A at 支部议岗 with nobody having applied yet."""
    return flow.push(round_a, Stage.DELIBERATION, applicants=False)


def notice_and_meet(flow, round, assignment, assembly=True, representatives=True):
    """Propose, publish the notice and record the two confirming meetings for the assignment's grid."""
    flow.propose(assignment)
    notice = flow.publish(round, assignment.post.grid)
    if assembly:
        flow.meeting(round, assignment.post.grid, MeetingKind.GENERAL_ASSEMBLY)
    if representatives:
        flow.meeting(round, assignment.post.grid, MeetingKind.REPRESENTATIVES)
    return notice


def test_deliberation_needs_someone_to_have_applied(deliberating, sec_a):
    assert refused(deliberating, sec_a) == ["还没有党员申报岗位，不能进入群众定岗。"]


def test_deliberation_refuses_an_undecided_application(deliberating, flow, post_a1, grid_a1, sec_a):
    flow.apply(deliberating, post_a1, flow.member(grid_a1, name="刘海涛"))

    assert refused(deliberating, sec_a) == [
        "第一网格：刘海涛申报“村容村貌监督岗”还没有议定（拟上岗或未选中）。",
        "第一网格：“村容村貌监督岗”有党员申报，但还没有确定上岗人选。",
    ]


def test_deliberation_refuses_a_proposal_not_yet_noticed(deliberating, flow, post_a1, grid_a1, sec_a):
    flow.propose(flow.apply(deliberating, post_a1, flow.member(grid_a1, name="刘海涛")))

    assert refused(deliberating, sec_a) == ["第一网格：刘海涛拟上岗“村容村貌监督岗”，还没有公示。"]


def test_deliberation_refuses_a_post_whose_applicants_were_all_passed_over(deliberating, flow, post_a1, grid_a1, sec_a):
    a = flow.apply(deliberating, post_a1, flow.member(grid_a1, name="刘海涛"))
    a.move(Status.NOT_CHOSEN, by=sec_a, note="本人身体原因，暂缓上岗。", today=D(2026, 11, 8))

    assert refused(deliberating, sec_a) == ["第一网格：“村容村貌监督岗”有党员申报，但还没有确定上岗人选。"]


@pytest.mark.parametrize("today", [D(2026, 11, 10), D(2026, 11, 13)], ids=["during", "last-day"])
def test_deliberation_refused_until_the_notice_period_is_over(deliberating, flow, post_a1, sec_a, today):
    notice_and_meet(flow, deliberating, flow.apply(deliberating, post_a1))

    assert refused(deliberating, sec_a, today=today) == ["第一网格的公示期到2026年11月13日结束，期满后才能进入下一步。"]


def test_deliberation_allowed_once_the_notice_period_is_over(deliberating, flow, post_a1, sec_a):
    notice_and_meet(flow, deliberating, flow.apply(deliberating, post_a1))

    deliberating.advance(by=sec_a, today=D(2026, 11, 14))

    deliberating.refresh_from_db()
    assert deliberating.stage == Stage.CONFIRMATION


@pytest.mark.parametrize(
    ("assembly", "representatives", "missing"),
    [
        (False, True, ["第一网格还没有召开支部党员大会确定上岗对象。"]),
        (True, False, ["第一网格还没有召开群众代表会议确定上岗对象。"]),
        (
            False,
            False,
            ["第一网格还没有召开支部党员大会确定上岗对象。", "第一网格还没有召开群众代表会议确定上岗对象。"],
        ),
    ],
    ids=["no-assembly", "no-representatives", "neither"],
)
def test_deliberation_needs_the_two_confirming_meetings(
    deliberating, flow, post_a1, sec_a, assembly, representatives, missing
):
    notice_and_meet(flow, deliberating, flow.apply(deliberating, post_a1), assembly, representatives)

    assert refused(deliberating, sec_a) == missing


def test_confirming_meetings_of_another_grid_do_not_count(deliberating, flow, post_a1, grid_a2, sec_a):
    notice_and_meet(flow, deliberating, flow.apply(deliberating, post_a1), assembly=False, representatives=False)
    flow.meeting(deliberating, grid_a2, MeetingKind.GENERAL_ASSEMBLY)
    flow.meeting(deliberating, grid_a2, MeetingKind.REPRESENTATIVES)

    assert refused(deliberating, sec_a) == [
        "第一网格还没有召开支部党员大会确定上岗对象。",
        "第一网格还没有召开群众代表会议确定上岗对象。",
    ]


def test_confirming_meetings_recorded_in_an_earlier_stage_do_not_count(round_a, flow, post_a1, grid_a1, sec_a):
    flow.push(round_a, Stage.APPLICATION, applicants=False)
    flow.meeting(round_a, grid_a1, MeetingKind.GENERAL_ASSEMBLY, held_on=D(2026, 11, 3))
    flow.meeting(round_a, grid_a1, MeetingKind.REPRESENTATIVES, held_on=D(2026, 11, 3))
    a = flow.apply(round_a, post_a1)
    flow.advance(round_a)
    flow.propose(a)
    flow.publish(round_a, grid_a1)

    assert refused(round_a, sec_a) == [
        "第一网格还没有召开支部党员大会确定上岗对象。",
        "第一网格还没有召开群众代表会议确定上岗对象。",
    ]


def test_deliberation_refused_while_an_objection_is_unanswered(deliberating, flow, post_a1, sec_a):
    a = flow.apply(deliberating, post_a1)
    notice = notice_and_meet(flow, deliberating, a)
    objection = Objection.objects.create(
        notice=notice,
        assignment=a,
        raised_by="张大爷",
        raised_on=D(2026, 11, 10),
        content="该党员家住网格最东头，离河道较远。",
        recorded_by=sec_a,
    )

    assert refused(deliberating, sec_a) == ["第一网格：张大爷于11月10日提出的异议还没有答复。"]

    Objection.objects.filter(pk=objection.pk).update(
        answer="经核实，该党员每天经过河道，便于监督。", answered_on=D(2026, 11, 12), answered_by=sec_a
    )
    deliberating.advance(by=sec_a, today=D(2026, 11, 14))
    deliberating.refresh_from_db()
    assert deliberating.stage == Stage.CONFIRMATION


def test_deliberation_allows_one_applicant_chosen_and_another_not(deliberating, flow, post_a1, grid_a1, sec_a):
    chosen = flow.apply(deliberating, post_a1)
    other = flow.apply(deliberating, post_a1)
    other.move(Status.NOT_CHOSEN, by=sec_a, note="择优配岗，调剂到下一年度。", today=D(2026, 11, 8))
    notice_and_meet(flow, deliberating, chosen)

    deliberating.advance(by=sec_a, today=D(2026, 11, 14))

    deliberating.refresh_from_db()
    assert deliberating.stage == Stage.CONFIRMATION


def test_deliberation_needs_no_one_for_a_post_whose_only_applicant_was_placed_elsewhere(
    deliberating, flow, post_a1, grid_a1, sec_a
):
    patrol = flow.post(grid_a1, "社会治安巡逻岗", reason="网格紧邻集镇，夜间治安压力大。")
    liu = flow.member(grid_a1, name="刘海涛")
    first = flow.apply(deliberating, post_a1, liu, rank=1)
    flow.apply(deliberating, patrol, liu, rank=2)  # settled as 未选中 when he is placed on his first choice
    notice_and_meet(flow, deliberating, first)

    deliberating.advance(by=sec_a, today=D(2026, 11, 14))

    deliberating.refresh_from_db()
    assert deliberating.stage == Stage.CONFIRMATION


def test_deliberation_refuses_a_post_left_empty_by_an_upheld_objection(deliberating, flow, post_a1, sec_a):
    a = flow.apply(deliberating, post_a1)
    notice_and_meet(flow, deliberating, a)
    a.refresh_from_db()
    a.move(Status.NOT_CHOSEN, by=sec_a, note="公示期间群众反映属实，取消拟上岗资格。", today=D(2026, 11, 12))

    assert refused(deliberating, sec_a) == ["第一网格：“村容村貌监督岗”有党员申报，但还没有确定上岗人选。"]


# --- confirmation → evaluation -----------------------------------------------------------------------------


@pytest.fixture
def confirming(round_a, flow):
    """Round A at 群众定岗: one member of each grid under notice, not yet on post."""
    return flow.push(round_a, Stage.CONFIRMATION)


def noticed_in(round, grid):
    return Assignment.objects.select_related("member").get(round=round, post__grid=grid, status=Status.NOTICED)


def test_confirmation_refuses_a_noticed_member_neither_confirmed_nor_released(
    confirming, flow, grid_a1, grid_a2, sec_a
):
    flow.seat(noticed_in(confirming, grid_a1))
    flow.meeting(confirming, grid_a1, MeetingKind.REPRESENTATIVES)
    waiting = noticed_in(confirming, grid_a2)

    assert refused(confirming, sec_a) == [
        f"第二网格：{waiting.member.name}还没有签订承诺书确认上岗，或登记不上岗的原因。"
    ]


def test_confirmation_accepts_a_member_released_with_a_reason(confirming, flow, grid_a1, grid_a2, sec_a):
    flow.seat(noticed_in(confirming, grid_a1))
    flow.meeting(confirming, grid_a1, MeetingKind.REPRESENTATIVES)
    noticed_in(confirming, grid_a2).move(Status.LEFT, by=sec_a, note="外出务工，本人申请不上岗。")

    confirming.advance(by=sec_a, today=D(2026, 11, 20))  # 第二网格 has nobody on post: no meetings needed there

    confirming.refresh_from_db()
    assert confirming.stage == Stage.EVALUATION


def test_confirmation_needs_a_representatives_meeting_in_this_stage(confirming, flow, grid_a1, grid_a2, sec_a):
    # The 群众代表会议 held during deliberation confirmed the candidates; this stage needs its own.
    flow.seat(noticed_in(confirming, grid_a1))
    flow.seat(noticed_in(confirming, grid_a2))

    assert refused(confirming, sec_a) == ["第一网格还没有召开群众代表会议。", "第二网格还没有召开群众代表会议。"]


def test_confirmation_needs_an_induction_ceremony_held_in_this_stage(round_a, flow, grid_a1, grid_a2, sec_a):
    flow.push(round_a, Stage.DELIBERATION)
    early = flow.meeting(round_a, grid_a1, MeetingKind.INDUCTION, held_on=D(2026, 11, 12))  # before the notice ended
    flow.satisfy(round_a)
    flow.advance(round_a)
    flow.seat(noticed_in(round_a, grid_a1), meeting=early)
    flow.seat(noticed_in(round_a, grid_a2))
    flow.meeting(round_a, grid_a1, MeetingKind.REPRESENTATIVES)
    flow.meeting(round_a, grid_a2, MeetingKind.REPRESENTATIVES)

    assert refused(round_a, sec_a) == ["第一网格还没有举行上岗仪式。"]


# --- evaluation → closed -----------------------------------------------------------------------------------


@pytest.fixture
def evaluating(round_a, flow):
    """Round A at 严格评岗 with one member on post in each grid, nothing of the evaluation done yet."""
    return flow.push(round_a, Stage.EVALUATION)


def on_post_in(round, grid):
    return Assignment.objects.select_related("member", "round").get(round=round, post__grid=grid, status=Status.ON_POST)


def test_evaluation_lists_everything_that_is_missing(evaluating, grid_a1, grid_a2, sec_a):
    first, second = on_post_in(evaluating, grid_a1).member.name, on_post_in(evaluating, grid_a2).member.name

    assert refused(evaluating, sec_a) == [
        "还没有组织在岗党员集中培训。",
        f"第一网格：{first}还没有指定联系人。",
        f"第一网格：{first}还没有评岗。",
        f"第二网格：{second}还没有指定联系人。",
        f"第二网格：{second}还没有评岗。",
    ]


def test_evaluation_needs_a_training(evaluating, flow, sec_a):
    for a in evaluating.assignments.filter(status=Status.ON_POST):
        flow.set_contact(a)
        flow.rate(a, 92, 90, 88)

    assert refused(evaluating, sec_a) == ["还没有组织在岗党员集中培训。"]


def test_evaluation_needs_a_contact_for_each_member_on_post(evaluating, flow, grid_a1, grid_a2, sec_a):
    flow.satisfy(evaluating)
    unattended = on_post_in(evaluating, grid_a2)
    Assignment.objects.filter(pk=unattended.pk).update(contact=None)

    assert refused(evaluating, sec_a) == [f"第二网格：{unattended.member.name}还没有指定联系人。"]


def test_evaluation_needs_a_rating_for_each_member_on_post(evaluating, flow, grid_a1, grid_a2, sec_a):
    rated = on_post_in(evaluating, grid_a1)
    flow.rate(rated, 92, 90, 88)
    flow.satisfy(evaluating)  # contacts, training, and a rating for 第二网格 too …
    unrated = on_post_in(evaluating, grid_a2)
    unrated.ratings.all().delete()  # … which we take back

    assert refused(evaluating, sec_a) == [f"第二网格：{unrated.member.name}还没有评岗。"]


def test_evaluation_refused_while_a_poor_rating_is_not_acted_on(evaluating, flow, grid_a1, sec_a):
    poor = on_post_in(evaluating, grid_a1)
    flow.rate(poor, 50, 55, 52)
    flow.satisfy(evaluating)

    assert refused(evaluating, sec_a) == [f"第一网格：{poor.member.name}评为不称职，需要作出调整决定。"]

    poor.move(Status.ADJUSTED, by=sec_a, note="评岗不称职，经支部研究调整岗位。")
    evaluating.advance(by=sec_a, today=D(2026, 12, 28))
    evaluating.refresh_from_db()
    assert evaluating.stage == Stage.CLOSED
    poor.refresh_from_db()
    assert poor.status == Status.ADJUSTED  # only members still 在岗 become 期满 at the close


def test_evaluation_goes_by_the_latest_rating(evaluating, flow, grid_a1, grid_a2, sec_a):
    improved, slipped = on_post_in(evaluating, grid_a1), on_post_in(evaluating, grid_a2)
    flow.rate(improved, 50, 55, 52, period="2026年上半年", rated_on=D(2026, 6, 30))
    flow.rate(improved, 88, 85, 80, period="2026年下半年", rated_on=D(2026, 12, 20))
    flow.rate(slipped, 88, 85, 80, period="2026年上半年", rated_on=D(2026, 6, 30))
    flow.rate(slipped, 50, 55, 52, period="2026年下半年", rated_on=D(2026, 12, 20))
    flow.satisfy(evaluating)

    assert refused(evaluating, sec_a) == [f"第二网格：{slipped.member.name}评为不称职，需要作出调整决定。"]


# --- closed, and stale objects ---------------------------------------------------------------------------


def test_a_closed_round_refuses_to_advance(round_a, flow, sec_a):
    flow.push(round_a, Stage.CLOSED)

    assert refused(round_a, sec_a, today=D(2027, 1, 5)) == ["本年度工作已结束，不能再进入下一阶段。"]
    assert round_a.missing_to_leave(today=D(2027, 1, 5)) == ["本年度工作已结束。"]
    assert RoundLog.objects.filter(round=round_a).count() == 5


def test_a_stale_round_object_is_refused(round_a, sec_a, grid_user):
    seen_by_other = Round.objects.get(pk=round_a.pk)
    round_a.advance(by=sec_a, today=D(2026, 10, 25))

    with pytest.raises(TransitionError) as caught:
        seen_by_other.advance(by=grid_user, today=D(2026, 11, 8))

    (said,) = caught.value.missing
    assert said.startswith("本年度工作已由王建国于") and said.endswith("从“制定方案”进入“申报选岗”阶段。")
    assert caught.value.refresh == round_a.get_absolute_url()
    seen_by_other.refresh_from_db()
    assert seen_by_other.stage == Stage.APPLICATION
    assert list(RoundLog.objects.filter(round=round_a).values_list("from_stage", "to_stage", "by")) == [
        ("survey", "application", sec_a.pk)
    ]


def test_a_refused_move_leaves_the_posts_and_assignments_alone(deliberating, flow, post_a1, sec_a):
    a = flow.apply(deliberating, post_a1)
    flow.propose(a)
    before = list(Assignment.objects.values_list("pk", "status"))
    posts = list(Post.objects.values_list("pk", "places"))

    refused(deliberating, sec_a)

    assert list(Assignment.objects.values_list("pk", "status")) == before
    assert list(Post.objects.values_list("pk", "places")) == posts
