"""An assignment goes applied → proposed (or not chosen) → noticed → on post → adjusted or left.

Every move goes through Assignment.move (or Notice.publish for proposed → noticed), is allowed only in its stage
and with what the plan asks for (the meeting, the letter, the reason), and writes one AssignmentLog row.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from members.models import CadrePost, Health
from posts.models import (
    HOLDING,
    Assignment,
    AssignmentLog,
    Grade,
    MeetingKind,
    Notice,
    Rating,
    Round,
    Source,
    Stage,
    Status,
    TransitionError,
    grade_for,
)

D = datetime.date
DELIBERATION_DAY = D(2026, 11, 8)
INDUCTION_DAY = D(2026, 11, 18)
EVALUATION_DAY = D(2026, 12, 20)


def logs(a):
    return list(AssignmentLog.objects.filter(assignment=a).order_by("pk"))


def last_log(a):
    return AssignmentLog.objects.filter(assignment=a).order_by("pk").last()


def refused_move(a, to, by, **kwargs):
    """Try the move; assert it is refused and that nothing changed. Returns the list of what is missing."""
    status, letter = a.status, a.letter_signed_on
    before = len(logs(a))
    with pytest.raises(TransitionError) as caught:
        a.move(to, by=by, **kwargs)
    assert a.status == status
    a.refresh_from_db()
    assert (a.status, a.letter_signed_on) == (status, letter)
    assert len(logs(a)) == before
    return caught.value.missing


@pytest.fixture
def deliberating(round_a, flow):
    """Round A at 支部议岗; nobody has applied yet."""
    return flow.push(round_a, Stage.DELIBERATION, applicants=False)


@pytest.fixture
def liu(flow, grid_a1):
    return flow.member(grid_a1, name="刘海涛")


@pytest.fixture
def applied(deliberating, flow, post_a1, liu):
    return flow.apply(deliberating, post_a1, liu)


@pytest.fixture
def branch_meeting(deliberating, flow, grid_a1):
    return flow.meeting(deliberating, grid_a1, MeetingKind.GRID_BRANCH)


@pytest.fixture
def patrol_a1(round_a, flow, grid_a1):
    """A second post in 第一网格."""
    return flow.post(grid_a1, "社会治安巡逻岗", reason="网格紧邻集镇，夜间治安压力大。")


# --- applied → proposed ------------------------------------------------------------------------------------


def test_propose_on_a_grid_branch_meeting(applied, branch_meeting, sec_a):
    result = applied.move(
        Status.PROPOSED, by=sec_a, meeting=branch_meeting, note="特长与岗位相符", today=DELIBERATION_DAY
    )

    assert result == Status.PROPOSED
    assert applied.status == Status.PROPOSED
    applied.refresh_from_db()
    assert applied.status == Status.PROPOSED
    assert [(g.from_status, g.to_status, g.by, g.meeting, g.note) for g in logs(applied)] == [
        (Status.APPLIED, Status.PROPOSED, sec_a, branch_meeting, "特长与岗位相符")
    ]


@pytest.mark.parametrize("which", ["none", "assembly", "other_grid", "other_round"])
def test_propose_refused_without_this_grids_branch_meeting(applied, flow, village_a, grid_a1, grid_a2, sec_a, which):
    meeting = {
        "none": lambda: None,
        "assembly": lambda: flow.meeting(applied.round, grid_a1, MeetingKind.GENERAL_ASSEMBLY),
        "other_grid": lambda: flow.meeting(applied.round, grid_a2, MeetingKind.GRID_BRANCH),
        "other_round": lambda: flow.meeting(
            Round.objects.create(village=village_a, year=2025, created_by=sec_a), grid_a1, MeetingKind.GRID_BRANCH
        ),
    }[which]()

    missing = refused_move(applied, Status.PROPOSED, sec_a, meeting=meeting, today=DELIBERATION_DAY)

    assert missing == ["请选择本网格的网格支部会议记录作为依据。"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"cadre_post": CadrePost.COMMITTEE_MEMBER}, "刘海涛不符合：担任村委委员"),
        ({"health": Health.POOR}, "刘海涛不符合：身体状况较差"),
        ({"is_away": True}, "刘海涛不符合：长期外出（流动党员）"),
        ({"is_willing": False}, "刘海涛不符合：本人暂不愿参加"),
    ],
)
def test_propose_refused_for_an_ineligible_member(applied, liu, branch_meeting, sec_a, fields, reason):
    # Eligible when they applied; their circumstances changed before the branch met.
    for name, value in fields.items():
        setattr(liu, name, value)
    liu.save()

    missing = refused_move(applied, Status.PROPOSED, sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    assert missing == [reason]


def test_one_member_one_post(deliberating, flow, applied, patrol_a1, liu, branch_meeting, sec_a):
    flow.propose(applied, meeting=branch_meeting)
    second = flow.apply(deliberating, patrol_a1, liu)

    missing = refused_move(second, Status.PROPOSED, sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    assert missing == ["刘海涛已是“村容村貌监督岗”的拟上岗党员，一人只能一岗。"]


def test_one_member_one_post_names_the_status_held(deliberating, flow, applied, patrol_a1, liu, grid_a1, sec_a):
    flow.propose(applied)
    flow.publish(deliberating, grid_a1)
    second = flow.apply(deliberating, patrol_a1, liu)

    missing = refused_move(
        second, Status.PROPOSED, sec_a, meeting=flow.held(deliberating, grid_a1, MeetingKind.GRID_BRANCH)
    )

    assert missing == ["刘海涛已是“村容村貌监督岗”的公示中党员，一人只能一岗。"]


def test_a_member_passed_over_may_be_proposed_for_another_post(deliberating, flow, applied, patrol_a1, liu, sec_a):
    applied.move(Status.NOT_CHOSEN, by=sec_a, note="调剂到社会治安巡逻岗。", today=DELIBERATION_DAY)
    second = flow.apply(deliberating, patrol_a1, liu)

    flow.propose(second)

    assert Assignment.objects.filter(member=liu, status__in=HOLDING).get() == second


def test_proposing_settles_the_members_other_choices(deliberating, flow, post_a1, patrol_a1, liu, sec_a):
    first_choice = flow.apply(deliberating, post_a1, liu, rank=1)
    second_choice = flow.apply(deliberating, patrol_a1, liu, rank=2)

    flow.propose(second_choice)  # 择优配岗: the branch places him on his second choice

    first_choice.refresh_from_db()
    assert first_choice.status == Status.NOT_CHOSEN
    log = last_log(first_choice)
    assert (log.from_status, log.to_status, log.by, log.note) == (
        Status.APPLIED,
        Status.NOT_CHOSEN,
        sec_a,
        "已安排到“社会治安巡逻岗”",
    )


def test_a_post_holds_at_most_its_places(deliberating, flow, post_a1, applied, sec_a):
    flow.propose(applied)
    second = flow.apply(deliberating, post_a1)

    missing = refused_move(
        second, Status.PROPOSED, sec_a, meeting=flow.held(deliberating, post_a1.grid, MeetingKind.GRID_BRANCH)
    )

    assert missing == ["“村容村貌监督岗”职数为1人，已经安排满了。"]


def test_a_post_may_hold_several_members_up_to_its_places(deliberating, flow, post_a1, sec_a):
    post_a1.places = 2
    post_a1.save()
    first, second, third = (flow.apply(deliberating, post_a1) for _ in range(3))
    flow.propose(first)
    flow.propose(second)  # 一岗多人

    missing = refused_move(
        third, Status.PROPOSED, sec_a, meeting=flow.held(deliberating, post_a1.grid, MeetingKind.GRID_BRANCH)
    )

    assert missing == ["“村容村貌监督岗”职数为2人，已经安排满了。"]
    assert Assignment.objects.filter(post=post_a1, status__in=HOLDING).count() == 2


def test_applicants_not_chosen_take_no_place(deliberating, flow, post_a1, sec_a):
    passed_over, chosen = flow.apply(deliberating, post_a1), flow.apply(deliberating, post_a1)
    flow.propose(passed_over)
    passed_over.move(Status.NOT_CHOSEN, by=sec_a, note="本人要求调整。", today=DELIBERATION_DAY)

    flow.propose(chosen)

    assert chosen.status == Status.PROPOSED


def test_a_repeated_move_with_a_stale_object_is_refused(applied, branch_meeting, sec_a, grid_user):
    other_tab = Assignment.objects.get(pk=applied.pk)
    applied.move(Status.PROPOSED, by=sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    with pytest.raises(TransitionError) as caught:
        other_tab.move(Status.PROPOSED, by=grid_user, meeting=branch_meeting, today=DELIBERATION_DAY)

    # what happened, from the winner's log row, and the page to see it on
    assert re.fullmatch(r"刘海涛的“村容村貌监督岗”已由王建国于\d+月\d+日 \d\d:\d\d确定为拟上岗人选，现在是“拟上岗”。",
                        caught.value.missing[0])  # fmt: skip
    assert caught.value.refresh == applied.get_absolute_url()
    assert [(g.from_status, g.to_status, g.by) for g in logs(applied)] == [(Status.APPLIED, Status.PROPOSED, sec_a)]


def test_a_stale_object_cannot_take_another_way_either(applied, branch_meeting, sec_a):
    other_tab = Assignment.objects.get(pk=applied.pk)
    applied.move(Status.PROPOSED, by=sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    with pytest.raises(TransitionError) as caught:
        other_tab.move(Status.NOT_CHOSEN, by=sec_a, note="重复点击", today=DELIBERATION_DAY)

    assert "已由王建国于" in caught.value.missing[0] and caught.value.missing[0].endswith(
        "确定为拟上岗人选，现在是“拟上岗”。"
    )
    applied.refresh_from_db()
    assert applied.status == Status.PROPOSED
    assert len(logs(applied)) == 1


def test_the_same_move_twice_is_refused(applied, branch_meeting, sec_a):
    applied.move(Status.PROPOSED, by=sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    missing = refused_move(applied, Status.PROPOSED, sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    assert (
        len(missing) == 1 and "已由王建国于" in missing[0] and missing[0].endswith("确定为拟上岗人选，现在是“拟上岗”。")
    )


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (Status.ON_POST, "“已申报”的记录不能改为“在岗”。"),
        (Status.LEFT, "“已申报”的记录不能改为“已离岗”。"),
        (Status.ADJUSTED, "“已申报”的记录不能改为“已调整”。"),
        (Status.APPLIED, "“已申报”的记录不能改为“已申报”。"),
    ],
)
def test_moves_outside_the_table_are_refused(applied, branch_meeting, sec_a, to, message):
    missing = refused_move(
        applied,
        to,
        sec_a,
        meeting=branch_meeting,
        note="说明",
        letter_signed_on=DELIBERATION_DAY,
        today=DELIBERATION_DAY,
    )

    assert missing == [message]


def test_not_chosen_can_be_reconsidered_while_the_branch_deliberates(applied, branch_meeting, sec_a):
    # 搞好调剂: a post whose only other applicant was taken off the list must not leave the round stuck.
    applied.move(Status.NOT_CHOSEN, by=sec_a, note="择优配岗。", today=DELIBERATION_DAY)

    applied.move(Status.PROPOSED, by=sec_a, meeting=branch_meeting, today=DELIBERATION_DAY)

    applied.refresh_from_db()
    assert applied.status == Status.PROPOSED
    assert list(applied.logs.values_list("to_status", flat=True)) == ["not_chosen", "proposed"]


def test_branch_may_put_a_member_forward_while_deliberating(round_a, flow, grid_a1, make_member, sec_a):
    flow.push(round_a, Stage.DELIBERATION)
    member, post = make_member(grid_a1, name="调剂人选"), grid_a1.posts.first()

    with pytest.raises(TransitionError) as refused:
        Assignment.apply(round_a, member, [post], Source.SELF, "", "自荐", by=sec_a, today=DELIBERATION_DAY)
    assert "支部议岗阶段只能由党支部推荐" in refused.value.missing[0]

    (a,) = Assignment.apply(
        round_a, member, [post], Source.BRANCH, "网格党支部", "调剂", by=sec_a, today=DELIBERATION_DAY
    )
    assert a.status == Status.APPLIED and a.logs.get().note.startswith("组织推荐")


# --- → not chosen -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("proposed_first", [False, True], ids=["from-applied", "from-proposed"])
def test_not_chosen_needs_a_reason(flow, applied, branch_meeting, sec_a, proposed_first):
    if proposed_first:
        flow.propose(applied, meeting=branch_meeting)
    start = applied.status

    for blank in ("", "   "):
        assert refused_move(applied, Status.NOT_CHOSEN, sec_a, note=blank, today=DELIBERATION_DAY) == [
            "请写明未选中的原因。"
        ]

    applied.move(Status.NOT_CHOSEN, by=sec_a, note="离岗位所在片区较远，调剂到下一轮。", today=DELIBERATION_DAY)

    applied.refresh_from_db()
    assert applied.status == Status.NOT_CHOSEN
    log = last_log(applied)
    assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (
        start,
        Status.NOT_CHOSEN,
        sec_a,
        None,
        "离岗位所在片区较远，调剂到下一轮。",
    )


# --- proposed → noticed (Notice.publish) -----------------------------------------------------------------


@pytest.fixture
def proposed(flow, applied, branch_meeting):
    return flow.propose(applied, meeting=branch_meeting)


def test_publish_puts_the_grids_proposed_members_under_notice(
    deliberating, flow, post_a1, post_a2, proposed, grid_a1, sec_a, settings
):
    post_a1.places = 2
    post_a1.save()
    second = flow.propose(flow.apply(deliberating, post_a1))
    elsewhere = flow.propose(flow.apply(deliberating, post_a2))
    starts, ends = D(2026, 11, 9), D(2026, 11, 9) + datetime.timedelta(days=settings.NOTICE_MIN_DAYS - 1)

    notice = Notice.publish(
        deliberating,
        grid_a1,
        starts_on=starts,
        ends_on=ends,
        phone="0523-88881234",
        place="党务公开栏",
        by=sec_a,
        today=starts,
    )

    assert (notice.round, notice.grid, notice.starts_on, notice.ends_on, notice.published_by) == (
        deliberating,
        grid_a1,
        D(2026, 11, 9),
        D(2026, 11, 13),
        sec_a,
    )
    for a in (proposed, second):
        a.refresh_from_db()
        assert a.status == Status.NOTICED
        log = last_log(a)
        assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (
            Status.PROPOSED,
            Status.NOTICED,
            sec_a,
            None,
            "公示：2026年11月9日至2026年11月13日",
        )
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.PROPOSED  # 第二网格 publishes its own notice


def publish_refused(round, grid, by, starts_on, ends_on, today):
    notices = Notice.objects.count()
    statuses = list(Assignment.objects.order_by("pk").values_list("status", flat=True))
    log_rows = AssignmentLog.objects.count()
    with pytest.raises(TransitionError) as caught:
        Notice.publish(
            round, grid, starts_on=starts_on, ends_on=ends_on, phone="0523-88881234", place="", by=by, today=today
        )
    assert Notice.objects.count() == notices
    assert list(Assignment.objects.order_by("pk").values_list("status", flat=True)) == statuses
    assert AssignmentLog.objects.count() == log_rows
    return caught.value.missing


def test_publish_refuses_a_period_shorter_than_the_minimum(deliberating, proposed, grid_a1, sec_a):
    missing = publish_refused(deliberating, grid_a1, sec_a, D(2026, 11, 9), D(2026, 11, 12), today=D(2026, 11, 9))

    assert missing == ["公示期不能少于5天（现在是4天）。"]


def test_publish_follows_the_notice_min_days_setting(deliberating, proposed, grid_a1, sec_a, settings):
    settings.NOTICE_MIN_DAYS = 7

    missing = publish_refused(deliberating, grid_a1, sec_a, D(2026, 11, 9), D(2026, 11, 13), today=D(2026, 11, 9))

    assert missing == ["公示期不能少于7天（现在是5天）。"]


def test_publish_refuses_a_start_more_than_30_days_back(deliberating, proposed, grid_a1, sec_a):
    missing = publish_refused(deliberating, grid_a1, sec_a, D(2026, 10, 1), D(2026, 11, 10), today=D(2026, 11, 9))

    assert missing == ["公示开始日期不能早于30天前。"]


def test_publish_refuses_a_notice_that_has_already_ended(deliberating, proposed, grid_a1, sec_a):
    # A notice residents never saw would let the round skip the 公示 period.
    missing = publish_refused(deliberating, grid_a1, sec_a, D(2026, 10, 25), D(2026, 10, 31), today=D(2026, 11, 9))

    assert missing == ["公示结束日期不能早于今天：公示要让群众看到，期满才能进入下一步。"]


def test_publish_refuses_a_grid_with_nobody_proposed(deliberating, applied, grid_a1, sec_a):
    missing = publish_refused(deliberating, grid_a1, sec_a, D(2026, 11, 9), D(2026, 11, 13), today=D(2026, 11, 9))

    assert missing == ["第一网格还没有拟上岗人选，无需公示。"]


@pytest.mark.parametrize("stage", [Stage.APPLICATION, Stage.CONFIRMATION, Stage.EVALUATION])
def test_publish_refused_outside_deliberation(round_a, flow, grid_a1, sec_a, stage):
    flow.push(round_a, stage)

    missing = publish_refused(round_a, grid_a1, sec_a, D(2026, 11, 9), D(2026, 11, 13), today=D(2026, 11, 9))

    assert missing == ["只有在“支部议岗”阶段才能发布公示。"]


def test_a_proposal_goes_under_notice_only_through_publish(deliberating, flow, post_a1, proposed, grid_a1, sec_a):
    # A grid that already has a notice (for 刘海涛) must still notice a later proposal on its own.
    flow.publish(deliberating, grid_a1)
    post_a1.places = 2
    post_a1.save()
    late = flow.propose(flow.apply(deliberating, post_a1))

    missing = refused_move(late, Status.NOTICED, sec_a, today=D(2026, 11, 10))

    assert missing == ["拟上岗人选通过“发布公示”进入公示期，不能单独办理。"]
    assert Status.NOTICED in late.allowed_moves()  # the table still has the move: Notice.publish makes it


# --- noticed → on post / left (confirmation) ---------------------------------------------------------------


@pytest.fixture
def noticed(deliberating, flow, proposed, grid_a1):
    """刘海涛 under notice, the round moved on to 群众定岗."""
    flow.publish(deliberating, grid_a1)
    flow.satisfy(deliberating)
    flow.advance(deliberating)
    assert deliberating.stage == Stage.CONFIRMATION
    proposed.refresh_from_db()
    assert proposed.status == Status.NOTICED
    return proposed


@pytest.fixture
def induction(noticed, flow, grid_a1):
    return flow.meeting(noticed.round, grid_a1, MeetingKind.INDUCTION, held_on=INDUCTION_DAY)


@pytest.mark.parametrize("signed_on", [INDUCTION_DAY - datetime.timedelta(days=1), INDUCTION_DAY])
def test_on_post_after_the_induction_ceremony_with_the_letter_signed(noticed, induction, sec_a, signed_on):
    noticed.move(
        Status.ON_POST,
        by=sec_a,
        meeting=induction,
        note="上岗仪式上签订承诺书",
        letter_signed_on=signed_on,
        today=INDUCTION_DAY,
    )

    noticed.refresh_from_db()
    assert (noticed.status, noticed.letter_signed_on) == (Status.ON_POST, signed_on)
    log = last_log(noticed)
    assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (
        Status.NOTICED,
        Status.ON_POST,
        sec_a,
        induction,
        "上岗仪式上签订承诺书",
    )


@pytest.mark.parametrize("kind", [None, MeetingKind.GRID_BRANCH, MeetingKind.REPRESENTATIVES])
def test_on_post_refused_without_an_induction_ceremony(noticed, flow, grid_a1, sec_a, kind):
    meeting = flow.meeting(noticed.round, grid_a1, kind) if kind else None

    missing = refused_move(
        noticed, Status.ON_POST, sec_a, meeting=meeting, letter_signed_on=INDUCTION_DAY, today=INDUCTION_DAY
    )

    assert missing == ["请选择本网格的上岗仪式记录作为依据。"]


def test_on_post_refused_on_another_grids_ceremony(noticed, flow, grid_a2, sec_a):
    elsewhere = flow.meeting(noticed.round, grid_a2, MeetingKind.INDUCTION)

    missing = refused_move(
        noticed, Status.ON_POST, sec_a, meeting=elsewhere, letter_signed_on=INDUCTION_DAY, today=INDUCTION_DAY
    )

    assert missing == ["请选择本网格的上岗仪式记录作为依据。"]


@pytest.mark.parametrize(
    ("signed_on", "message"),
    [(None, "请填写承诺书签订日期。"), (INDUCTION_DAY + datetime.timedelta(days=1), "承诺书签订日期不能晚于今天。")],
    ids=["missing", "future"],
)
def test_on_post_refused_without_a_letter_signed_by_today(noticed, induction, sec_a, signed_on, message):
    missing = refused_move(
        noticed, Status.ON_POST, sec_a, meeting=induction, letter_signed_on=signed_on, today=INDUCTION_DAY
    )

    assert missing == [message]


def test_a_noticed_member_may_leave_with_a_reason(noticed, sec_a):
    assert refused_move(noticed, Status.LEFT, sec_a, note=" ", today=INDUCTION_DAY) == ["请写明已离岗的原因。"]

    noticed.move(Status.LEFT, by=sec_a, note="外出务工，本人申请不上岗。", today=INDUCTION_DAY)

    noticed.refresh_from_db()
    assert noticed.status == Status.LEFT
    log = last_log(noticed)
    assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (
        Status.NOTICED,
        Status.LEFT,
        sec_a,
        None,
        "外出务工，本人申请不上岗。",
    )


# --- on post → adjusted / left (evaluation) ------------------------------------------------------------------


@pytest.fixture
def on_post(round_a, flow, grid_a1):
    flow.push(round_a, Stage.EVALUATION)
    return Assignment.objects.get(round=round_a, post__grid=grid_a1, status=Status.ON_POST)


@pytest.mark.parametrize("to", [Status.ADJUSTED, Status.LEFT])
def test_on_post_member_adjusted_or_leaving_with_a_reason(on_post, sec_a, to):
    assert refused_move(on_post, to, sec_a, note="", today=EVALUATION_DAY) == [f"请写明{to.label}的原因。"]

    on_post.move(to, by=sec_a, note="评岗不称职，经支部研究调整。", today=EVALUATION_DAY)

    on_post.refresh_from_db()
    assert on_post.status == to
    log = last_log(on_post)
    assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (
        Status.ON_POST,
        to,
        sec_a,
        None,
        "评岗不称职，经支部研究调整。",
    )
    assert [g.to_status for g in logs(on_post)] == [Status.PROPOSED, Status.NOTICED, Status.ON_POST, to]


# --- every move of the table -----------------------------------------------------------------------------


def _reach(flow, round, grid, status, stage):
    """A fresh assignment in `grid` at `status`, its round at `stage`."""
    post = grid.posts.order_by("pk").first()
    if stage == Stage.DELIBERATION:
        flow.push(round, Stage.DELIBERATION, applicants=False)
        a = flow.apply(round, post)
        if status in (Status.PROPOSED, Status.NOTICED):
            flow.propose(a)
        if status == Status.NOTICED:
            flow.publish(round, grid)
            a.refresh_from_db()
        if status == Status.NOT_CHOSEN:
            a.move(Status.NOT_CHOSEN, by=round.village.secretary, note="择优配岗。", today=DELIBERATION_DAY)
        return a
    flow.push(round, stage)
    return Assignment.objects.get(round=round, post__grid=grid, status=status)


MOVES = [(start, to, stage) for start, moves in Assignment.TRANSITIONS.items() for to, stage in moves.items()]


@pytest.mark.parametrize(("start", "to", "stage"), MOVES, ids=[f"{s}-{t}" for s, t, _ in MOVES])
def test_every_move_of_the_table_is_logged(round_a, flow, grid_a1, sec_a, start, to, stage):
    a = _reach(flow, round_a, grid_a1, start, stage)
    assert (a.status, Round.objects.get(pk=round_a.pk).stage) == (start, stage)
    kind = {Status.PROPOSED: MeetingKind.GRID_BRANCH, Status.ON_POST: MeetingKind.INDUCTION}.get(to)
    meeting = flow.held(round_a, grid_a1, kind) if kind else None
    before, letter = len(logs(a)), a.letter_signed_on
    note = "经网格支部研究决定"

    if to == Status.NOTICED:  # the one move made by publishing the grid's notice, never by move()
        flow.publish(round_a, grid_a1)
        note = "公示：2026年11月9日至2026年11月13日"
    else:
        a.move(to, by=sec_a, meeting=meeting, note=note, letter_signed_on=INDUCTION_DAY, today=INDUCTION_DAY)

    a.refresh_from_db()
    assert a.status == to
    assert a.letter_signed_on == (INDUCTION_DAY if to == Status.ON_POST else letter)  # set only by going on post
    assert len(logs(a)) == before + 1
    log = last_log(a)
    assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (start, to, sec_a, meeting, note)


# --- wrong stage ---------------------------------------------------------------------------------------------


def test_propose_refused_before_deliberation(round_a, flow, post_a1, grid_a1, sec_a):
    flow.push(round_a, Stage.APPLICATION, applicants=False)
    a = flow.apply(round_a, post_a1)
    meeting = flow.meeting(round_a, grid_a1, MeetingKind.GRID_BRANCH)

    missing = refused_move(a, Status.PROPOSED, sec_a, meeting=meeting, today=D(2026, 11, 5))

    assert missing == ["这一步只能在“支部议岗”阶段办理，现在是“申报选岗”阶段。"]


def test_on_post_refused_while_still_deliberating(deliberating, flow, proposed, grid_a1, sec_a):
    flow.publish(deliberating, grid_a1)
    proposed.refresh_from_db()
    induction = flow.meeting(deliberating, grid_a1, MeetingKind.INDUCTION)

    missing = refused_move(
        proposed, Status.ON_POST, sec_a, meeting=induction, letter_signed_on=D(2026, 11, 10), today=D(2026, 11, 10)
    )

    assert missing == ["这一步只能在“群众定岗”阶段办理，现在是“支部议岗”阶段。"]


def test_adjusting_refused_during_confirmation(noticed, flow, sec_a):
    flow.seat(noticed)

    missing = refused_move(noticed, Status.ADJUSTED, sec_a, note="调整", today=INDUCTION_DAY)

    assert missing == ["这一步只能在“严格评岗”阶段办理，现在是“群众定岗”阶段。"]


def test_proposing_refused_once_the_round_has_moved_on(noticed, flow, post_a2, sec_a):
    latecomer = flow.apply(noticed.round, post_a2)
    meeting = flow.meeting(noticed.round, post_a2.grid, MeetingKind.GRID_BRANCH)

    missing = refused_move(latecomer, Status.PROPOSED, sec_a, meeting=meeting, today=INDUCTION_DAY)

    assert len(missing) == 1 and missing[0].startswith("本年度工作已由王建国于")
    assert missing[0].endswith("进入“群众定岗”阶段，“拟上岗”只能在“支部议岗”阶段办理。")


def test_closing_the_round_ends_its_posts(on_post, flow, sec_a):
    flow.push(on_post.round, Stage.CLOSED)

    on_post.refresh_from_db()
    assert on_post.status == Status.COMPLETED
    log = last_log(on_post)
    assert (log.from_status, log.to_status, log.by, log.meeting, log.note) == (
        Status.ON_POST,
        Status.COMPLETED,
        sec_a,
        None,
        "2026年度设岗定责工作结束，岗位期满。",
    )
    assert on_post.allowed_moves() == []


def test_no_move_after_the_round_is_closed(on_post, flow, sec_a):
    flow.push(on_post.round, Stage.CLOSED)
    on_post.refresh_from_db()

    missing = refused_move(on_post, Status.LEFT, sec_a, note="迁居外地。", today=D(2027, 1, 5))

    assert len(missing) == 1 and missing[0].endswith("登记岗位期满，现在是“期满”。")


# --- the database's own rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("second_status", HOLDING)
def test_the_database_refuses_two_holding_assignments_for_one_member(
    deliberating, flow, proposed, patrol_a1, liu, second_status
):
    second = flow.apply(deliberating, patrol_a1, liu)

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=second.pk).update(status=second_status)

    assert Assignment.objects.filter(member=liu, status__in=HOLDING).count() == 1


def test_the_database_allows_several_finished_assignments_for_one_member(deliberating, flow, proposed, patrol_a1, liu):
    second = flow.apply(deliberating, patrol_a1, liu)

    Assignment.objects.filter(pk__in=[proposed.pk, second.pk]).update(status=Status.NOT_CHOSEN)

    assert Assignment.objects.filter(member=liu, status=Status.NOT_CHOSEN).count() == 2


# --- across years ------------------------------------------------------------------------------------------


@pytest.fixture
def next_year(round_a, flow, village_a, post_a1):
    """2026 is closed, 刘海涛 having served on 村容村貌监督岗 (1 place); the 2027 round is at 支部议岗."""
    liu = flow.member(post_a1.grid, name="刘海涛")
    flow.push(round_a, Stage.APPLICATION, applicants=False)
    flow.apply(round_a, post_a1, liu)
    flow.push(round_a, Stage.CLOSED)
    assert Assignment.objects.get(round=round_a, member=liu).status == Status.COMPLETED
    round_2027 = flow.start_round(village_a, 2027)
    return flow.push(round_2027, Stage.DELIBERATION, applicants=False), liu


def test_last_years_holder_may_be_proposed_again_next_year(next_year, flow, post_a1):
    round_2027, liu = next_year
    again = flow.apply(round_2027, post_a1, liu)

    flow.propose(again)

    assert again.status == Status.PROPOSED


def test_a_post_filled_last_year_can_be_staffed_next_year(next_year, flow, post_a1):
    round_2027, _ = next_year
    newcomer = flow.apply(round_2027, post_a1)

    flow.propose(newcomer)

    assert newcomer.status == Status.PROPOSED


# --- ratings -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "score", "grade"),
    [
        ((100, 100, 100), "100.0", Grade.EXCELLENT),
        ((90, 90, 90), "90.0", Grade.EXCELLENT),
        ((95, 85, 88), "89.9", Grade.COMPETENT),  # 38 + 25.5 + 26.4
        ((75, 75, 75), "75.0", Grade.COMPETENT),
        ((80, 70, 73), "74.9", Grade.BASIC),  # 32 + 21 + 21.9
        ((60, 60, 60), "60.0", Grade.BASIC),
        ((62, 58, 58), "59.6", Grade.POOR),  # 24.8 + 17.4 + 17.4
        ((0, 0, 0), "0.0", Grade.POOR),
    ],
)
def test_rating_weighs_the_three_scores_and_grades_them(on_post, flow, scores, score, grade):
    rating = flow.rate(on_post, *scores, period="2026年第四季度")

    assert Decimal(str(rating.score)) == Decimal(score)
    assert rating.grade == grade
    rating.refresh_from_db()
    assert (rating.score, rating.grade) == (Decimal(score), grade)


def test_rating_follows_the_weights_setting(settings):
    settings.RATING_WEIGHTS = {"org": 2, "peer": 1, "resident": 1}
    rating = Rating(org_score=100, peer_score=80, resident_score=60)

    rating.compute()

    assert (rating.score, rating.grade) == (85.0, Grade.COMPETENT)  # (200 + 80 + 60) / 4


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, Grade.EXCELLENT),
        (90, Grade.EXCELLENT),
        (89.9, Grade.COMPETENT),
        (75, Grade.COMPETENT),
        (74.9, Grade.BASIC),
        (60, Grade.BASIC),
        (59.9, Grade.POOR),
        (0, Grade.POOR),
    ],
)
def test_grade_thresholds(score, grade):
    assert grade_for(score) == grade
    assert grade_for(Decimal(str(score))) == grade
