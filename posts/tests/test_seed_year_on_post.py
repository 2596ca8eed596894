"""seed_demo's year on post: the ledger, residents' requests and reports of 金城镇's villages at 严格评岗 and closed,
and the sign-ins it prints for members on post."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max
from django.urls import reverse
from django.utils import timezone

from grids.models import Town
from posts.models import (
    Assignment,
    DutyPhoto,
    DutyRecord,
    DutyState,
    DutyTerms,
    RequestState,
    RequestStep,
    ResidentRequest,
    Satisfaction,
    Stage,
    Status,
    StepAction,
    WorkReport,
)
from posts.models.duty import overdue_condition

pytestmark = pytest.mark.django_db

SERVED = [Status.ON_POST, Status.COMPLETED, Status.ADJUSTED]
LOGIN = re.compile(r"(DY[0-9A-Z]{6})\s+PIN (\d{6})")


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def sign_in(client, username, password):
    client.post(reverse("login"), {"username": username, "password": password})
    user = client.get(reverse("login")).wsgi_request.user
    return user if user.is_authenticated else None


def test_every_member_on_post_has_a_year_of_ledger_entries_requests_and_reports():
    seed()
    today, now = timezone.localdate(), timezone.now()
    town = Town.objects.get(name="金城镇")
    terms = DutyTerms.for_town(town.pk)
    served = Assignment.objects.filter(round__stage__in=[Stage.EVALUATION, Stage.CLOSED], status__in=SERVED)
    assert served.filter(round__stage=Stage.EVALUATION).count() > 40 and served.filter(round__stage=Stage.CLOSED)
    assert not served.filter(duty_records=None).exists()  # everyone has entries
    # ...about one to four a month since they went on post, between their first day and the last
    for a in served.select_related("post__post_type").annotate(n=Count("duty_records")):
        months = max((min(today, a.duty_records.aggregate(m=Max("done_on"))["m"]) - a.letter_signed_on).days, 30) / 30
        assert 0.7 <= a.n / months <= 4.5, (a, a.n, months)
        assert not a.duty_records.filter(done_on__lt=a.letter_signed_on).exists()
    records = DutyRecord.objects.filter(assignment__in=served)
    assert not records.filter(done_on__gt=today).exists() and not records.filter(created_at__gt=now).exists()
    # ...of the kinds their post is for: a patrol post mostly patrols
    kinds = Counter(
        records.filter(assignment__post__post_type__need_category="security").values_list("kind__name", flat=True)
    )
    assert kinds.most_common(1)[0][0] == "巡逻"
    assert len({r.content for r in records}) > 40 and not records.filter(place="").count() > records.count() // 10
    # ...most checked by the contact or the grid's secretary, a few waiting, one or two sent back with a reason
    states = Counter(records.values_list("state", flat=True))
    assert states[DutyState.VERIFIED] > 0.85 * records.count() and states[DutyState.RECORDED] >= 5
    assert 1 <= states[DutyState.RETURNED] <= 2 and not records.filter(state=DutyState.RETURNED, return_reason="")
    assert not records.filter(state=DutyState.RECORDED, assignment__round__stage=Stage.CLOSED).exists()
    checked = records.exclude(state=DutyState.RECORDED)
    assert not checked.filter(checked_at=None).exists() and not checked.filter(checked_at__lt=F("created_at"))
    assert not checked.filter(checked_by=F("recorded_by")).exists()
    by_contact = checked.filter(checked_by__member_account__member=F("assignment__contact")).count()
    by_secretary = checked.filter(checked_by=F("assignment__post__grid__secretary")).count()
    assert by_contact > 0.3 * checked.count() and by_secretary > 0.2 * checked.count()
    # ...some written for the member by the grid's secretary (代记), the rest by the member on their phone
    behalf = records.filter(on_behalf=True)
    assert 0.05 * records.count() < behalf.count() < 0.3 * records.count()
    assert not behalf.exclude(recorded_by=F("assignment__post__grid__secretary")).exists()
    assert not records.filter(on_behalf=False).exclude(recorded_by__member_account__member=F("assignment__member"))
    # ...and each entry's first version and its check in the history
    assert DutyRecord.history.filter(history_type="+").count() == DutyRecord.objects.count()
    assert DutyRecord.history.filter(history_type="~").count() == checked.count()
    assert 1 <= DutyPhoto.objects.count() <= 10 and DutyPhoto.objects.filter(width__gt=0).exists()

    # A couple of members on post have recorded nothing for more than the town's idle days (漏记).
    on_post = served.filter(status=Status.ON_POST).annotate(last=Max("duty_records__done_on"))
    idle = [a for a in on_post if (today - a.last).days > terms.idle_days]
    assert 2 <= len(idle) <= 4

    # Residents' requests in every state, one new past the days to take it, one handed back and dispatched again.
    requests = ResidentRequest.objects.filter(grid__village__town=town)
    assert set(requests.values_list("state", flat=True)) == set(RequestState.values)
    overdue = requests.filter(overdue_condition(terms, now))
    assert overdue.filter(state=RequestState.NEW).exists() and requests.filter(state=RequestState.NEW).exclude(
        pk__in=overdue
    )
    assert set(requests.exclude(satisfaction="").values_list("satisfaction", flat=True)) == set(Satisfaction.values)
    assert 1 <= requests.filter(comment_public=True).count() < requests.filter(state=RequestState.CONFIRMED).count() / 3
    handed_back = requests.filter(steps__action=StepAction.HAND_BACK)
    assert handed_back.count() == 1
    actions = list(handed_back.get().steps.values_list("action", flat=True))
    assert actions == [StepAction.SUBMIT, StepAction.DISPATCH, StepAction.HAND_BACK, StepAction.DISPATCH]
    for r in requests.prefetch_related("steps"):
        steps = list(r.steps.all())  # in time order
        assert steps[0].action == StepAction.SUBMIT and abs((steps[0].at - r.created_at).total_seconds()) < 1
        assert [s.at for s in steps] == sorted(s.at for s in steps) and steps[-1].at <= now
        if r.state in (RequestState.DONE, RequestState.CONFIRMED, RequestState.CLOSED):
            assert r.record.assignment_id == r.assignment_id and r.created_at < r.with_member_at < r.done_at
            assert r.done_at.date() >= r.record.done_on or timezone.localtime(r.done_at).date() == r.record.done_on
        if r.state in (RequestState.CONFIRMED, RequestState.CLOSED):
            assert r.done_at < r.finished_at <= now
        if r.state == RequestState.DONE:
            assert not r.is_overdue(terms) and (now - r.done_at).days < terms.confirm_days  # still to be rated
        if r.state in (RequestState.DISPATCHED, RequestState.TAKEN):
            assert r.assignment.status == Status.ON_POST and r.assignment.post.grid_id == r.grid_id
    assert RequestStep.objects.filter(action=StepAction.CLOSE, note=f"{terms.confirm_days}天内未评价").exists()
    assert ResidentRequest.history.count() == RequestStep.objects.count() + requests.filter(comment_public=True).count()

    # Reports for each quarter past, heard at a meeting, some handed in on paper.
    reports = WorkReport.objects.filter(assignment__in=served)
    assert reports.count() > served.count()
    assert not reports.filter(period_name="").exists() and not reports.filter(period_end__gte=today).exists()
    assert not reports.filter(reported_on__lte=F("period_end")).exists()
    assert reports.exclude(heard_on=None).filter(heard_on__lte=today).exclude(heard_by="").exists()
    assert 0 < reports.filter(on_paper=True).count() < reports.count() / 2
    assert not reports.filter(on_paper=True).exclude(recorded_by=F("assignment__post__grid__secretary")).exists()
    report = reports.exclude(content__contains="点单").first() or reports.first()
    start, end, name = terms.period_of(report.period_start)
    assert (report.period_end, report.period_name) == (end, name) and "履职纪实" in report.content


def test_the_members_logins_it_prints_sign_in_and_a_second_run_gives_fresh_pins(client):
    out = seed()
    logins = LOGIN.findall(out)
    assert len(logins) == 3 and "在岗党员" in out
    user = sign_in(client, *logins[0])
    assert user is not None and user.username == logins[0][0] and user.member_account.must_change
    assert user.member_account.member.assignments.filter(status=Status.ON_POST).exists()
    client.logout()
    counts = (DutyRecord.objects.count(), ResidentRequest.objects.count(), WorkReport.objects.count())
    again = LOGIN.findall(seed())
    assert (DutyRecord.objects.count(), ResidentRequest.objects.count(), WorkReport.objects.count()) == counts
    assert [code for code, _ in again] == [code for code, _ in logins]  # the same slips, fresh PINs
    assert sign_in(client, *again[1]) is not None
