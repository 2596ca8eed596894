"""Two secretaries clicking at the same moment: the locks and the database constraint let exactly one through.

Only meaningful on PostgreSQL: SQLite serialises every write and ignores SELECT … FOR UPDATE. CI runs the suite
on PostgreSQL as well. Each thread works on its own connection and closes it at the end; the transactional
database (with serialized_rollback, so the suggested post types come back after the flush) lets the threads see
the fixtures' rows.
"""

import re
import threading
import time

import pytest
from django.db import connection

from posts.models import (
    HOLDING,
    Assignment,
    AssignmentLog,
    MeetingKind,
    Round,
    RoundLog,
    Stage,
    Status,
    TransitionError,
)

from .conftest import leave_on, on

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL (row locks, concurrent writers); SQLite serialises all writes",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DELIBERATION_DAY = on(2026, (11, 8))


def at_once(*calls):
    """Run each call in its own thread, released together by a barrier; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as error:  # the test inspects it
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting (deadlock?)"
    return results


def one_through(results):
    """Exactly one call succeeded and the other was refused with TransitionError; return the refusal."""
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], TransitionError), results
    return errors[0]


@pytest.fixture
def slow_checks(monkeypatch):
    """Hold each transaction open a moment after its checks, so the two really overlap."""
    original = Assignment._missing_place

    def missing_place_then_pause(self):
        missing = original(self)
        time.sleep(0.3)
        return missing

    monkeypatch.setattr(Assignment, "_missing_place", missing_place_then_pause)


@pytest.fixture
def deliberating(round_a, flow):
    return flow.push(round_a, Stage.DELIBERATION, applicants=False)


def proposer(assignment_pk, by, meeting):
    """What one secretary's request does: load the assignment, then propose it."""

    def propose():
        a = Assignment.objects.get(pk=assignment_pk)
        return a.move(Status.PROPOSED, by=by, meeting=meeting, today=DELIBERATION_DAY)

    return propose


def test_two_members_for_the_last_place_of_a_post(deliberating, flow, post_a1, sec_a, grid_user, slow_checks):
    post_a1.places = 2
    post_a1.save()
    flow.propose(flow.apply(deliberating, post_a1))  # one place left
    first, second = flow.apply(deliberating, post_a1), flow.apply(deliberating, post_a1)
    meeting = flow.held(deliberating, post_a1.grid, MeetingKind.GRID_BRANCH)

    results = at_once(proposer(first.pk, sec_a, meeting), proposer(second.pk, grid_user, meeting))

    error = one_through(results)
    assert error.missing == ["“村容村貌监督岗”职数为2人，已经安排满了。"]
    assert Assignment.objects.filter(post=post_a1, status__in=HOLDING).count() == post_a1.places
    proposals = AssignmentLog.objects.filter(assignment__in=[first, second], to_status=Status.PROPOSED)
    assert proposals.count() == 1


@pytest.fixture
def one_member_two_posts(deliberating, flow, post_a1, grid_a1, sec_a, grid_user, slow_checks):
    """刘海涛 applied for two posts of 第一网格; two secretaries propose him for each at the same moment."""
    patrol = flow.post(grid_a1, "社会治安巡逻岗", reason="网格紧邻集镇，夜间治安压力大。")
    member = flow.member(grid_a1, name="刘海涛")
    on_a = flow.apply(deliberating, post_a1, member, rank=1)
    on_b = flow.apply(deliberating, patrol, member, rank=2)
    meeting = flow.held(deliberating, grid_a1, MeetingKind.GRID_BRANCH)

    results = at_once(proposer(on_a.pk, sec_a, meeting), proposer(on_b.pk, grid_user, meeting))

    return member, results


def test_one_member_for_two_posts_at_once(one_member_two_posts):
    member, results = one_member_two_posts

    assert len([r for r in results if not isinstance(r, Exception)]) == 1, results
    assert Assignment.objects.filter(member=member, status__in=HOLDING).count() == 1
    proposals = AssignmentLog.objects.filter(assignment__member=member, to_status=Status.PROPOSED)
    assert proposals.count() == 1


def test_one_member_for_two_posts_the_other_secretary_is_told_why(one_member_two_posts):
    _, results = one_member_two_posts

    error = one_through(results)
    # Whoever comes second finds him placed (一人一岗), or finds his application already settled as 未选中.
    assert any(words in str(error) for words in ("一人一岗", "一人只能一岗", "已被他人处理", "已由")), error


def test_two_clicks_on_advance(round_a, sec_a, grid_user, monkeypatch):
    original = Round.missing_to_leave

    def check_then_pause(self, today=None):
        missing = original(self, today)
        time.sleep(0.3)
        return missing

    monkeypatch.setattr(Round, "missing_to_leave", check_then_pause)
    mine, theirs = Round.objects.get(pk=round_a.pk), Round.objects.get(pk=round_a.pk)
    day = leave_on(round_a)

    results = at_once(lambda: mine.advance(by=sec_a, today=day), lambda: theirs.advance(by=grid_user, today=day))

    error = one_through(results)
    # The loser is told who moved the round, when, and where it stands now (issue 19), from the log row.
    assert len(error.missing) == 1 and re.fullmatch(
        r"本年度工作已由(王建国|.+)于\d+月\d+日 \d+:\d+从“制定方案”进入“申报选岗”阶段。", error.missing[0]
    ), error.missing
    round_a.refresh_from_db()
    assert round_a.stage == Stage.APPLICATION
    assert RoundLog.objects.filter(round=round_a).count() == 1
