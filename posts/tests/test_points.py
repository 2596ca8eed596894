"""The points register computed from the records under the town's rules: every kind of rule, caps, a rule
changed mid-year, claims, thresholds — against totals counted by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from members.models import NeedCategory
from posts import points
from posts.models import (
    ClaimState,
    DutyKind,
    DutyState,
    Feedback,
    FeedbackKind,
    PointClaim,
    PointEntry,
    PointRule,
    PointSource,
    PointTerms,
    RequestKind,
    ResidentRequest,
)
from posts.models.duty import create_record

pytestmark = pytest.mark.django_db
Y = 2026


@pytest.fixture
def rules(town):
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    return {r.source: r for r in PointRule.objects.filter(town=town) if r.source != PointSource.CLAIM}


def verified(a, by, day, n=1):
    kind = DutyKind.objects.get(town=None, name="巡逻")
    for _ in range(n):
        record = create_record(a, by, False, done_on=day, kind=kind, content="巡逻")
        record.verify(by=by)


def register(a):
    return list(PointEntry.objects.filter(assignment=a).select_related("rule").order_by("on", "pk"))


def total(a, year=Y):
    return points.totals([a.pk], year)[a.pk]["year"]


def test_base_training_and_a_rule_capped_per_quarter(on_post, rules, sec_a, flow, round_a):
    a, absent = on_post[1], on_post[2]  # on post since Y-11-18
    flow.train(round_a, attendees=[a.member_id])  # on Y-12-05
    verified(a, sec_a, datetime.date(Y, 12, 10), n=9)  # 9 × 2 = 18, capped at 15 a quarter
    points.recompute(today=datetime.date(Y, 12, 28))
    lines = register(a)
    duty = [e for e in lines if e.rule.source == PointSource.DUTY_VERIFIED]
    assert [e.points for e in duty] == [2] * 7 + [1, 0] and duty[-1].capped and duty[-1].raw == 2
    assert total(a) == 50 + 2 + 15  # base, training, ledger
    assert total(absent) == 50 - 2  # missed the training


def test_deductions_overdue_missed_reports_and_upheld_criticism(on_post, rules, sec_a, grid_a1):
    a = on_post[1]
    q = ResidentRequest.submit(grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, "路灯坏了")
    q.dispatch_to(a, by=sec_a)
    ResidentRequest.objects.filter(pk=q.pk).update(with_member_at=timezone.now() - datetime.timedelta(days=9))
    criticism = Feedback.submit(grid_a1, FeedbackKind.CRITICISM, "巡逻走过场", about=a)
    Feedback.objects.filter(pk=criticism.pk).update(upheld=True, answered_on=datetime.date(Y, 12, 1))
    praise = Feedback.submit(grid_a1, FeedbackKind.PRAISE, "热心肠", about=a)
    Feedback.objects.filter(pk=praise.pk).update(created_at=datetime.datetime(Y, 12, 7, 10, tzinfo=datetime.UTC))
    # the report of Y's fourth quarter is due by Y-12-31: counted missing once the quarter is over
    points.recompute(today=datetime.date(Y + 1, 1, 5))
    sources = sorted(e.rule.source for e in register(a))
    assert sources == sorted(
        [PointSource.ON_POST, PointSource.REQUEST_OVERDUE, PointSource.CRITICISM_UPHELD, PointSource.PRAISE,
         PointSource.REPORT_MISSING]
    )  # fmt: skip
    assert total(a) == 50 - 1 - 3 + 2 - 3


def test_a_rule_changed_mid_year_counts_old_entries_the_old_way(on_post, rules, sec_a, town):
    a = on_post[1]
    verified(a, sec_a, datetime.date(Y, 11, 20), n=2)
    new = points.change_rule(rules[PointSource.DUTY_VERIFIED], datetime.date(Y, 12, 1), by=sec_a, points=Decimal(3))
    verified(a, sec_a, datetime.date(Y, 12, 2), n=2)
    points.recompute(today=datetime.date(Y, 12, 28))
    duty = [(e.on.month, e.points) for e in register(a) if e.rule.source == PointSource.DUTY_VERIFIED]
    assert duty == [(11, 2), (11, 2), (12, 3), (12, 3)]
    assert PointRule.objects.get(pk=rules[PointSource.DUTY_VERIFIED].pk).valid_to == datetime.date(Y, 11, 30)
    assert new.valid_from == datetime.date(Y, 12, 1)


def test_claims_count_once_approved_and_bonus_is_capped_per_quarter(on_post, rules, sec_a, town):
    a = on_post[1]
    bonus = PointRule.objects.get(town=town, source=PointSource.CLAIM, category="bonus")
    claims = [
        PointClaim.objects.create(assignment=a, rule=bonus, on=datetime.date(Y, 12, d), reason="救火", claimed_by=sec_a)
        for d in (2, 3, 4, 5, 6)
    ]
    PointClaim.objects.filter(pk=claims[0].pk).update(state=ClaimState.REFUSED)
    PointClaim.objects.filter(pk__in=[c.pk for c in claims[1:]]).update(state=ClaimState.APPROVED, decided_by=sec_a)
    praise = Feedback.submit(a.post.grid, FeedbackKind.PRAISE, "好", about=a)  # +2 in the same quarter
    Feedback.objects.filter(pk=praise.pk).update(created_at=datetime.datetime(Y, 12, 7, 10, tzinfo=datetime.UTC))
    points.recompute(today=datetime.date(Y, 12, 28))
    bonus_points = sum(e.points for e in register(a) if e.rule.category == "bonus")
    assert bonus_points == 20  # 4 claims × 5 + praise 2 = 22, at most 20 a quarter
    assert total(a) == 50 + 20


def test_stars_by_the_towns_thresholds(town):
    terms = PointTerms(town=town)
    assert [terms.star_for(Decimal(t)) for t in (95, 90, 89.5, 80, 70, 69.9)] == [5, 5, 4, 4, 3, 0]
    assert points.next_star(Decimal(84), terms) == (5, Decimal(6))
    assert points.next_star(Decimal(90), terms) == (None, 0)


def test_recompute_is_idempotent_and_follows_the_records(on_post, rules, sec_a):
    a = on_post[1]
    verified(a, sec_a, datetime.date(Y, 12, 10), n=2)
    points.recompute(today=datetime.date(Y, 12, 28))
    first = total(a)
    points.recompute(today=datetime.date(Y, 12, 28))
    assert total(a) == first
    a.duty_records.filter(state=DutyState.VERIFIED).update(state=DutyState.RETURNED)
    points.recompute(today=datetime.date(Y, 12, 28))
    assert total(a) == first - 4
