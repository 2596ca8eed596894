"""The duty ledger (履职纪实) read back: a month's or quarter's entries of a grid or a member, the grid's members on
post who have recorded nothing for a while (漏记), and an assignment's ledger with its counts. The pages, the
spreadsheet and the printed 台账 (commitments) all read it from here, so they list the same entries."""

import dataclasses
import datetime

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404

from grids.access import grids_for_user

from .models import Assignment, DutyRecord, DutyState, DutyTerms, Status
from .onpost import assignments_for_member_user


@dataclasses.dataclass(frozen=True)
class Period:
    key: str  # "2026-11" or "2026-Q4", as the page's filter sends it
    start: datetime.date
    end: datetime.date
    name: str  # "2026年11月", "2026年第四季度"


def month(year, number):
    start = datetime.date(year, number, 1)
    end = (datetime.date(year + number // 12, number % 12 + 1, 1)) - datetime.timedelta(days=1)
    return Period(f"{year}-{number:02d}", start, end, f"{year}年{number}月")


def quarter(year, number):
    start = datetime.date(year, 3 * number - 2, 1)
    end = month(year, 3 * number).end
    return Period(f"{year}-Q{number}", start, end, f"{year}年第{'一二三四'[number - 1]}季度")


def parse_period(text, today):
    """The period a filter names ("2026-11", "2026-Q4"); this month for anything else."""
    text = (text or "").strip().upper()
    try:
        year, rest = text.split("-")
        year = int(year)
        if 2000 <= year <= 2100:
            if rest.startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
                return quarter(year, int(rest[1:]))
            if rest.isdigit() and 1 <= int(rest) <= 12:
                return month(year, int(rest))
    except ValueError:
        pass
    return month(today.year, today.month)


def period_choices(today, months=12, quarters=4):
    """The filter's choices: this month and those before it, then this quarter and those before it."""
    found, year, number = [], today.year, today.month
    for _ in range(months):
        found.append(month(year, number))
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    year, number = today.year, (today.month - 1) // 3 + 1
    for _ in range(quarters):
        found.append(quarter(year, number))
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return found


def records():
    """Ledger entries with what every list shows of them loaded."""
    return DutyRecord.objects.select_related(
        "kind", "recorded_by", "checked_by", "assignment__member", "assignment__post"
    ).annotate(photo_count=Count("photos"))


def records_of_grid(grid, period):
    return (
        records()
        .filter(assignment__post__grid=grid, done_on__range=(period.start, period.end))
        .order_by("done_on", "assignment__member__name_key", "pk")
    )


def records_of_assignment(assignment, start, end):
    return records().filter(assignment=assignment, done_on__range=(start, end)).order_by("done_on", "pk")


def state_counts(assignment):
    """[(state label, number)] of an assignment's entries, every state shown."""
    counts = dict(assignment.duty_records.values_list("state").annotate(n=Count("pk")).order_by())
    return [(state, label, counts.get(state, 0)) for state, label in DutyState.choices]


@dataclasses.dataclass
class Idle:
    assignment: Assignment
    last: datetime.date | None  # the latest entry's date, None when there is none
    days: int  # since the latest entry, or since the member took the post


def idle_on_post(grid, today, terms=None):
    """The grid's members on post without an entry for the town's idle_days (漏记), the longest silent first."""
    terms = terms or DutyTerms.for_town(grid.village.town_id)
    on_post = (
        Assignment.objects.filter(post__grid=grid, status=Status.ON_POST)
        .select_related("member", "post")
        .annotate(last=Max("duty_records__done_on"))
    )
    idle = []
    for a in on_post:
        since = a.last or a.letter_signed_on
        days = (today - since).days if since else terms.idle_days
        if days >= terms.idle_days:
            idle.append(Idle(a, a.last, days))
    return sorted(idle, key=lambda i: (-i.days, i.assignment.member.name_key, i.assignment.pk)), terms


# --- who reaches the ledger -------------------------------------------------------------------------------------


def ledger_assignments_for_user(user):
    """Assignments whose ledger a user reads: those of their grids (secretaries, the town), or, for a member on
    post, their own and those they are the contact of."""
    return Assignment.objects.filter(
        Q(post__grid__in=grids_for_user(user).values("pk")) | Q(pk__in=assignments_for_member_user(user).values("pk"))
    )


def get_ledger_assignment_for_user(user, pk):
    qs = ledger_assignments_for_user(user).select_related(
        "round__village__town", "post__grid__village", "post__grid__secretary", "post__post_type", "member", "contact"
    )
    return get_object_or_404(qs, pk=pk)


def get_duty_record_for_user(user, pk):
    qs = DutyRecord.objects.filter(assignment__in=ledger_assignments_for_user(user).values("pk")).select_related(
        "kind",
        "recorded_by",
        "checked_by",
        "assignment__round__village__town",
        "assignment__post__grid__village",
        "assignment__post__post_type",
        "assignment__member",
        "assignment__contact",
    )
    return get_object_or_404(qs, pk=pk)
