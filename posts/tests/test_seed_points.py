"""seed_demo's points and stars: the towns' rules, the registers of the villages at 严格评岗 and closed, claims in
every state, criticisms found true, and the closed villages' star ratings run through to 授牌."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from grids.models import Grid, Town
from posts.models import (
    STAR_STEPS,
    Assignment,
    BranchPointEntry,
    ClaimState,
    Feedback,
    FeedbackKind,
    PointCategory,
    PointClaim,
    PointEntry,
    PointRule,
    PointSource,
    PointTerms,
    ScoringGroup,
    Stage,
    StarRating,
    StarRound,
    StarStep,
)
from posts.models.points import DEFAULT_RULES
from posts.models.workflow import SERVED

pytestmark = pytest.mark.django_db


def seed(*args):
    call_command("seed_demo", *args, stdout=StringIO())


def served(*stages):
    return Assignment.objects.filter(round__stage__in=stages, status__in=SERVED)


def test_registers_claims_and_scoring_groups_of_the_villages_on_post():
    seed()
    today = timezone.localdate()
    town = Town.objects.get(name="金城镇")
    # the town's catalogue from January 1, one rule changed in the middle of the year
    rules = PointRule.objects.filter(town=town)
    assert rules.filter(valid_to=None).count() == len(DEFAULT_RULES)
    old = rules.exclude(valid_to=None).get()
    new = rules.get(name=old.name, valid_from=old.valid_to + datetime.timedelta(days=1))
    assert (old.valid_from.month, old.valid_from.day) == (1, 1) and new.points == old.points + 1
    assert old.valid_to < today and (old.entries.exists() or new.entries.exists())
    # every member on post (or who served) in those villages has a register: the base points and more
    rows = served(Stage.EVALUATION, Stage.CLOSED)
    assert rows.filter(round__stage=Stage.EVALUATION).count() > 40 and rows.filter(round__stage=Stage.CLOSED)
    assert not rows.filter(point_entries=None).exists()
    assert not rows.exclude(point_entries__rule__source=PointSource.ON_POST).exists()
    counted = rows.annotate(n=Count("point_entries")).values_list("n", flat=True)
    assert min(counted) >= 5
    assert not PointEntry.objects.filter(on__gt=today).exists()
    # each grid with members on post has its scoring group of three to five
    grids = Grid.objects.filter(posts__assignments__in=rows).distinct()
    assert ScoringGroup.objects.filter(grid__in=grids).count() == grids.count()
    sizes = ScoringGroup.objects.annotate(n=Count("members")).values_list("n", flat=True)
    assert set(sizes) <= {3, 4, 5}
    # some branches have points of their own: praised by the town, or marked down by the village, on the timeline
    branch = BranchPointEntry.objects.select_related("grid__village__town", "rule")
    assert {e.rule.category for e in branch} == {PointCategory.BONUS, PointCategory.DEDUCTION}
    assert all(e.rule.source == PointSource.BRANCH and e.on <= today for e in branch)
    assert all(0 <= (e.on - timezone.localdate(e.recorded_at)).days <= 1 for e in branch)  # on the day recorded
    assert 5 < branch.count() < Grid.objects.filter(posts__assignments__in=rows).distinct().count()
    # claims in each state: decided by the grid's secretary, refused with the reason, pending only while on post
    claims = PointClaim.objects.select_related("assignment__post__grid", "rule")
    states = {c.state for c in claims}
    assert states == {ClaimState.APPROVED, ClaimState.REFUSED, ClaimState.PENDING}
    for c in claims:
        assert c.rule.source == PointSource.CLAIM and c.rule.town_id == town.pk and c.reason
        assert c.assignment.letter_signed_on <= c.on <= today
        if c.state == ClaimState.PENDING:
            assert c.decided_by_id is None and c.assignment.round.stage == Stage.EVALUATION
        else:
            assert c.decided_by == c.assignment.post.grid.secretary and c.decided_at and c.decision
            assert c.decided_at >= c.created_at and c.decided_at <= timezone.now()
    approved = claims.filter(state=ClaimState.APPROVED)
    assert PointEntry.objects.filter(source_key__startswith="claim:").count() == approved.count()
    assert approved.filter(rule__points__lt=0).exists()  # 履职不力, claimed by the secretary
    # criticisms found true cost points on the day they were answered
    upheld = Feedback.objects.filter(kind=FeedbackKind.CRITICISM, upheld=True)
    assert upheld.count() >= 5 and not upheld.filter(answered_on=None).exists()
    lost = PointEntry.objects.filter(rule__source=PointSource.CRITICISM_UPHELD)
    assert sorted(lost.values_list("on", flat=True)) == sorted(upheld.values_list("answered_on", flat=True))
    assert Feedback.objects.filter(kind=FeedbackKind.CRITICISM, upheld=False).exists()
    assert Feedback.objects.filter(kind=FeedbackKind.PRAISE).count() >= 10
    # nothing for villages not yet on post; a second run leaves it all alone
    assert not ScoringGroup.objects.exclude(grid__village__rounds__stage__in=[Stage.EVALUATION, Stage.CLOSED])
    counts = (PointClaim.objects.count(), Feedback.objects.count(), ScoringGroup.objects.count(), rules.count())
    seed()
    assert (PointClaim.objects.count(), Feedback.objects.count(), ScoringGroup.objects.count(), rules.count()) == counts


def test_the_closed_villages_star_ratings_ran_every_step_to_the_plaque():
    seed()
    today = timezone.localdate()
    town = Town.objects.get(name="金城镇")
    terms = PointTerms.for_towns([town.pk])[town.pk]
    rows = served(Stage.CLOSED)
    # The closed villages' grids as a list: nested IN (SELECT …) over rows just bulk-inserted (no statistics yet)
    # made PostgreSQL's planner loop for many minutes.
    grids = set(
        Grid.objects.filter(posts__assignments__in=list(rows.values_list("pk", flat=True))).values_list("pk", flat=True)
    )
    rounds = StarRound.objects.filter(grid__in=grids)
    assert rounds.count() == len(grids) and StarRound.objects.count() == len(grids)  # none yet at 严格评岗
    for star_round in rounds.prefetch_related("records"):
        assert star_round.step == StarStep.AWARDED and star_round.year == today.year
        records = list(star_round.records.all())
        assert [r.step for r in records] == STAR_STEPS  # in the order they were held
        days = [r.held_on for r in records]
        assert days == sorted(days) and days[-1] <= today and all(r.at.date() == r.held_on for r in records)
        notice = next(r for r in records if r.step == StarStep.NOTICE)
        assert star_round.notice_starts_on == notice.held_on
        assert (star_round.notice_ends_on - star_round.notice_starts_on).days + 1 == terms.notice_days
        assert star_round.notice_ends_on < days[-1]
        for objection in star_round.objections.all():
            assert objection.answer and star_round.notice_starts_on <= objection.raised_on <= objection.answered_on
            assert objection.answered_on <= days[-1]
    # every member who served has a rating: the year's points, the star they propose, a reason where it differs
    ratings = StarRating.objects.filter(star_round__in=rounds)
    assert ratings.count() == rows.count()
    totals = dict(rows.annotate(t=Sum("point_entries__points")).values_list("pk", "t"))
    for r in ratings:
        assert r.total == totals[r.assignment_id] and r.proposed == terms.star_for(r.total)
        assert (r.stars != r.proposed) == bool(r.change_reason)
    assert 1 <= ratings.exclude(change_reason="").count() <= 2 * 2
    assert len({r.stars for r in ratings}) >= 2
