"""The dashboard's kept figures move on with every change they count, whichever way it is written, and only
for the town it happened in (grids/figures.py, posts/dashboard.py)."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conftest import on_day
from grids import figures
from grids.models import Grid, Town, Village
from members.models import Member
from members.tests.test_imports import good_rows  # noqa: F401, F811 (a fixture)
from posts.models import Assignment, Feedback, FeedbackKind, Meeting, MeetingKind, Notice, Objection, Stage, Status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]

# Read when used, not at import: the fixtures here serve other modules too, on whatever day they run.
TODAY = timezone.localdate


def generation(town):
    return figures.generations([town.pk])[town.pk]


@pytest.fixture
def deliberating(grid_a1, sec_a, make_member):
    round = make_round(grid_a1.village, Stage.DELIBERATION)
    post = make_post(grid_a1)
    a = apply(round, make_member(grid_a1), post, sec_a)
    meeting = Meeting.objects.create(
        round=round,
        grid=grid_a1,
        kind=MeetingKind.GRID_BRANCH,
        stage=Stage.DELIBERATION,
        held_on=TODAY(),
        attendees=5,
        present=5,
        resolution="议定",
        recorded_by=sec_a,
    )
    return round, a, meeting


@pytest.fixture
def moves(django_capture_on_commit_callbacks):
    """moves(town, change): whether `change`, once committed, gives the town's figures a new generation."""

    def moves(town, change):
        before = generation(town)
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return generation(town) != before

    return moves


def test_each_way_of_writing_moves_the_towns_figures(moves, town, grid_a1, sec_a, deliberating, make_member):
    round, a, meeting = deliberating
    assert moves(town, lambda: make_member(grid_a1))  # a save
    assert moves(town, lambda: a.move(Status.PROPOSED, by=sec_a, meeting=meeting))  # a compare-and-set move
    notice = Notice.objects.create(
        round=round, grid=grid_a1, starts_on=TODAY(), ends_on=TODAY(), phone="1", published_by=sec_a
    )
    objection = Objection.objects.create(notice=notice, raised_by="群众", raised_on=TODAY(), content="有意见")
    assert moves(town, lambda: objection.answer_with("已核实", TODAY(), by=sec_a))
    item = Feedback.objects.create(grid=grid_a1, kind=FeedbackKind.SUGGESTION, content="路灯坏了")
    assert moves(town, item.take_up)
    assert moves(town, lambda: item.answer_with("已修好", by=sec_a))
    Round = type(round)
    Round.objects.filter(pk=round.pk).update(
        stage=Stage.APPLICATION, applications_close_on=TODAY() - datetime.timedelta(1)
    )
    round.refresh_from_db()
    assert moves(town, lambda: round.advance(by=sec_a))  # the stage, written with the old stage in the filter


def test_a_change_in_another_town_keeps_this_towns_figures(moves, town, make_member):
    other = Town.objects.create(name="银川镇")
    grid = Grid.objects.create(village=Village.objects.create(town=other, name="河东村"), number=1, name="第一网格")
    assert not moves(town, lambda: make_member(grid))
    assert moves(other, lambda: make_member(grid))


def test_the_page_shows_a_move_at_once(moves, client, town, town_user, sec_a, deliberating):
    round, a, meeting = deliberating
    client.force_login(town_user)
    url = reverse("posts:town-dashboard", args=[town.pk])
    before = client.get(url).context["body"]
    assert client.get(url).context["body"] == before  # kept
    assert moves(town, lambda: a.move(Status.PROPOSED, by=sec_a, meeting=meeting))
    assert Assignment.objects.get(pk=a.pk).status == Status.PROPOSED
    assert client.get(url).context["body"] != before  # the 已配职数 figure moved


def test_a_roster_import_moves_the_towns_figures(moves, client, town, village_a, grid_a1, grid_a2, sec_a, good_rows):  # noqa: F811
    from members.tests.test_imports import confirm, upload, xlsx

    client.force_login(sec_a)
    preview = upload(client, village_a, xlsx(good_rows))
    assert moves(town, lambda: confirm(client, village_a, preview))  # bulk writes, no signals


def test_many_changes_in_one_transaction_move_the_figures_once(
    town, grid_a1, grid_a2, make_member, monkeypatch, django_capture_on_commit_callbacks
):
    figures.flush()  # what the fixtures noted (the test's own transaction never commits)
    calls = []
    monkeypatch.setattr(figures, "move", lambda pending: calls.append({k: set(v) for k, v in pending.items()}))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        members = [make_member(grid) for grid in (grid_a1, grid_a2) for _ in range(10)]
        assert calls == []  # nothing before the commit
    assert calls == [{(Grid, "village__town_id"): {grid_a1.pk, grid_a2.pk}}]  # once, both grids noted
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_member(grid_a1)
                raise RuntimeError
        except RuntimeError:
            pass
        Member.objects.filter(pk=members[0].pk).update(phone="1")  # no signal, nothing noted
    assert calls == []  # a rolled-back change moves nothing at once
