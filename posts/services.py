"""Messages (消息) the programme raises for the people whose scope they concern.

Events raise theirs where they are recorded (a resident's feedback, an objection written down): the views call
the functions below instead of the model's door, so the message goes out with the record. Dates raise theirs in
`send_reminders(today)`, run daily by `manage.py send_reminders`. Every message has a key naming what it is
about; grids.inbox.send keeps one per person and key, so nothing is sent twice, however often the command runs.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format as cn_date

from grids import inbox
from grids.models import Grid
from members.models import VillagePlan

from .homes import days_at_stage, with_stage_since
from .models import Assignment, Feedback, FeedbackKind, Grade, Notice, Round, Stage, StageTarget, Status
from .models.evaluation import latest_grade


def grid_people(grid):
    """Who answers for a grid: its secretary and its village's."""
    return [grid.secretary, grid.village.secretary]


def round_grid_url(round_id, grid_id):
    return reverse("posts:round-grid", args=[round_id, grid_id])


# --- events --------------------------------------------------------------------------------------------------


def submit_feedback(grid, kind, content, **fields):
    """A resident's feedback (Feedback.submit), and the message that it arrived for the grid's secretaries."""
    feedback = Feedback.submit(grid, kind, content, **fields)
    what = "对公示人选的异议" if kind == FeedbackKind.OBJECTION else f"群众{feedback.get_kind_display()}"
    text = f"{grid.village.name}{grid.name}收到{what}：{content[:40]}"
    inbox.send(grid_people(grid), f"feedback:{feedback.pk}", text, reverse("posts:feedback", args=[grid.pk]))
    return feedback


def record_objection(notice, by, **fields):
    """An objection written down by a secretary (Notice.raise_objection); the grid's other secretary is told."""
    objection = notice.raise_objection(by=by, **fields)
    grid = notice.grid
    text = f"{grid.village.name}{grid.name}登记了{objection.raised_by}对公示人选的异议，请调查核实并答复。"
    others = [u for u in grid_people(grid) if u is not None and u.pk != by.pk]
    inbox.send(others, f"objection:{objection.pk}", text, round_grid_url(notice.round_id, grid.pk))
    return objection


# --- dates ---------------------------------------------------------------------------------------------------


def send_reminders(today=None):
    """Every reminder due on `today`; returns how many messages went out now (0 on a second run the same day)."""
    today = today or timezone.localdate()
    sent = 0
    for remind in (notices_ending, windows_closing, villages_overdue, evaluation_gaps, poor_ratings):
        sent += remind(today)
    return sent


def notices_ending(today):
    """A notice ends tomorrow (or, if yesterday's run was missed, today): the grid's secretaries are told."""
    notices = Notice.objects.filter(
        round__stage=Stage.DELIBERATION, ends_on__in=[today, today + datetime.timedelta(days=1)]
    ).select_related("grid__secretary", "grid__village__secretary")
    sent = 0
    for n in notices:
        when = "明天" if n.ends_on > today else "今天"
        text = (
            f"{n.grid.village.name}{n.grid.name}的拟上岗人选公示{when}（{cn_date(n.ends_on)}）期满；"
            "期满后请答复全部异议，召开支部党员大会和群众代表会议。"
        )
        sent += len(inbox.send(grid_people(n.grid), f"notice-ends:{n.pk}", text, round_grid_url(n.round_id, n.grid_id)))
    return sent


def windows_closing(today):
    """The application window closes within WINDOW_REMINDER_DAYS: the village's secretaries are told."""
    last = today + datetime.timedelta(days=settings.WINDOW_REMINDER_DAYS)
    rounds = Round.objects.filter(
        stage=Stage.APPLICATION, applications_close_on__gte=today, applications_close_on__lte=last
    ).select_related("village__secretary")
    grids = Grid.objects.filter(village__in=[r.village_id for r in rounds]).select_related("secretary")
    sent = 0
    for r in rounds:
        key = f"window-closes:{r.pk}:{r.applications_close_on}"
        text = (
            f"{r.village.name}{r.year}年度申报时间{cn_date(r.applications_close_on)}截止，"
            f"还有{(r.applications_close_on - today).days}天；请提醒符合条件的党员及时申报。"
        )
        sent += len(inbox.send([r.village.secretary], key, text, r.get_absolute_url()))
        for g in grids:
            if g.village_id == r.village_id:
                sent += len(inbox.send([g.secretary], key, text, round_grid_url(r.pk, g.pk)))
    return sent


def villages_overdue(today):
    """A village has stayed past the town's expected days at its stage: the town committee and the village's
    secretary are told, once a stage."""
    running = Round.objects.exclude(stage=Stage.CLOSED).select_related("village__town", "village__secretary")
    rounds = list(with_stage_since(running))
    expected = StageTarget.expected_days({r.village.town_id for r in rounds})
    committees = {}
    sent = 0
    for r in rounds:
        days, limit = days_at_stage(r, today), expected[r.village.town_id].get(r.stage)
        if not limit or days <= limit:
            continue
        town = r.village.town
        if town.pk not in committees:
            committees[town.pk] = list(town.committee.all())
        key = f"overdue:{r.pk}:{r.stage}"
        text = f"{r.village.name}在“{r.get_stage_display()}”阶段已停留{days}天，超过镇里预期的{limit}天。"
        village_url = reverse("posts:village", args=[r.village_id])
        sent += len(inbox.send(committees[town.pk], key, text, village_url))
        sent += len(inbox.send([r.village.secretary], key, text, village_url))
    return sent


def evaluation_gaps(today):
    """When the evaluation period (the village plan's end) is within EVALUATION_REMINDER_DAYS, each grid with members
    on post who have no contact or no rating: its secretaries are told."""
    soon = today + datetime.timedelta(days=settings.EVALUATION_REMINDER_DAYS)
    ending = VillagePlan.objects.filter(ends_on__lte=soon).values_list("village_id", "year", "ends_on")
    ends = {(v, y): e for v, y, e in ending}
    rounds = [r for r in Round.objects.filter(stage=Stage.EVALUATION) if (r.village_id, r.year) in ends]
    gaps = (
        Assignment.objects.filter(round__in=rounds, status=Status.ON_POST)
        .annotate(grade=latest_grade())
        .filter(Q(contact=None) | Q(grade=None))
        .select_related("post__grid__secretary", "post__grid__village__secretary", "round")
    )
    by_grid = {}
    for a in gaps:
        by_grid.setdefault((a.round, a.post.grid), []).append(a)
    sent = 0
    for (r, grid), rows in by_grid.items():
        no_contact, unrated = sum(a.contact_id is None for a in rows), sum(a.grade is None for a in rows)
        parts = [f"{n}名{what}" for n, what in ((no_contact, "没有联系人"), (unrated, "没有评岗")) if n]
        text = (
            f"{grid.village.name}{grid.name}的评岗期{cn_date(ends[r.village_id, r.year])}结束，"
            f"在岗党员中还有{'、'.join(parts)}。"
        )
        key, url = f"evaluation-gaps:{r.pk}:{grid.pk}", round_grid_url(r.pk, grid.pk)
        sent += len(inbox.send(grid_people(grid), key, text, url))
    return sent


def poor_ratings(today):
    """A member on post rated 不称职 waits for an adjustment decision: the grid's secretaries are told."""
    waiting = (
        Assignment.objects.filter(round__stage=Stage.EVALUATION, status=Status.ON_POST)
        .annotate(grade=latest_grade())
        .filter(grade=Grade.POOR)
        .select_related("member", "post__grid__secretary", "post__grid__village__secretary")
    )
    sent = 0
    for a in waiting:
        grid = a.post.grid
        text = f"{grid.village.name}{grid.name}：{a.member.name}评岗为不称职，等待作出调整决定（调整岗位或离岗）。"
        sent += len(inbox.send(grid_people(grid), f"poor-rating:{a.pk}", text, a.get_absolute_url()))
    return sent
