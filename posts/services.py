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
from members.models import MemberAccount, VillagePlan

from . import points
from .homes import days_at_stage, overdue_requests_q, with_stage_since
from .models import (
    Assignment,
    DutyTerms,
    Feedback,
    FeedbackKind,
    Grade,
    Notice,
    RequestState,
    ResidentRequest,
    Round,
    Satisfaction,
    Stage,
    StageTarget,
    Status,
)
from .models.duty import WITH_MEMBER
from .models.evaluation import latest_grade


def grid_people(grid):
    """Who answers for a grid: its secretary and its village's."""
    return [grid.secretary, grid.village.secretary]


def round_grid_url(round_id, grid_id):
    return reverse("posts:round-grid", args=[round_id, grid_id])


# --- events --------------------------------------------------------------------------------------------------


def object_to_points(notice, content, about, name, phone):
    """A resident's objection to the quarter's points on notice, made on the grid's public page, and the message
    that it arrived for the grid's secretaries (it is answered on the grid's register)."""
    grid = notice.grid
    objection = points.raise_objection(
        notice, None, timezone.localdate(), assignment=about, raised_by=name or "群众（未留名）", phone=phone,
        content=content,
    )  # fmt: skip
    about_whom = f"对{about.member.name}的积分" if about else "对积分公示"
    text = f"{grid.village.name}{grid.name}收到群众{about_whom}的异议：{content[:40]}"
    url = reverse("posts:grid-points", args=[grid.pk]) + f"?year={notice.year}&quarter={notice.quarter}#points-notice"
    inbox.send(grid_people(grid), f"points-objection:{objection.pk}", text, url)
    return objection


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


def submit_request(grid, kind, category, content, **fields):
    """A resident's request (ResidentRequest.submit), and the message that it waits for dispatch."""
    req = ResidentRequest.submit(grid, kind, category, content, **fields)
    text = f"{grid.village.name}{grid.name}收到群众点单（{req.get_kind_display()}）：{content[:40]}，请派单。"
    inbox.send(grid_people(grid), f"request:{req.pk}", text, req.get_absolute_url())
    return req


def rate_request(req, satisfaction, comment=""):
    """评单 (ResidentRequest.rate); a resident not satisfied is heard by the grid's secretaries."""
    req.rate(satisfaction, comment)
    if satisfaction == Satisfaction.UNSATISFIED:
        grid = req.grid
        said = req.comment[:40] or req.content[:40]
        text = f"{grid.village.name}{grid.name}群众对点单（查询码{req.code}）的办理结果不满意：{said}"
        inbox.send(grid_people(grid), f"request-unsatisfied:{req.pk}", text, req.get_absolute_url())


def last_step(req):
    return req.steps.order_by("-pk").first()


def dispatch_request(req, assignment, by):
    """派单 (ResidentRequest.dispatch_to); the member is told when they have their own sign-in."""
    req.dispatch_to(assignment, by=by)
    account = MemberAccount.objects.filter(member=assignment.member_id).select_related("user").first()
    if account is not None:
        grid = req.grid
        text = f"{grid.village.name}{grid.name}党支部给您派单（{req.get_kind_display()}）：{req.content[:40]}"
        inbox.send([account.user], f"request-dispatch:{last_step(req).pk}", text, req.get_absolute_url())


def hand_back_request(req, by, reason):
    """退单 (ResidentRequest.hand_back); the grid's secretaries are told, except the one who did it."""
    member = req.assignment.member.name if req.assignment_id else ""
    req.hand_back(by=by, reason=reason)
    grid = req.grid
    text = f"{grid.village.name}{grid.name}的群众点单被{member}退回：{reason.strip()[:40]}，请重新派单。"
    others = [u for u in grid_people(grid) if u is not None and u.pk != by.pk]
    inbox.send(others, f"request-hand-back:{last_step(req).pk}", text, req.get_absolute_url())


# --- dates ---------------------------------------------------------------------------------------------------


def send_reminders(today=None):
    """Every reminder due on `today`; returns how many messages went out now (0 on a second run the same day)."""
    today = today or timezone.localdate()
    sent = 0
    for remind in (notices_ending, windows_closing, villages_overdue, evaluation_gaps, poor_ratings, requests_overdue):
        sent += remind(today)
    ResidentRequest.close_unconfirmed(now=moment_of(today))
    # time moves points too: a report period has ended unreported, a request has run over its days
    points.recompute(today=today)
    return sent


def moment_of(today):
    """Now, or the end of `today` when reminders are sent for another day."""
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(23, 59)))


def requests_overdue(today):
    """A request not taken or not done within its town's days: the grid's secretaries are told, once for each
    request and each of the two."""
    now = moment_of(today)
    open_requests = ResidentRequest.objects.filter(state__in=[RequestState.NEW, *WITH_MEMBER])
    towns = set(open_requests.values_list("grid__village__town", flat=True).distinct())
    terms = DutyTerms.for_towns(towns)
    rows = open_requests.filter(overdue_requests_q(terms, now))
    rows = rows.select_related("grid__village", "grid__secretary", "grid__village__secretary")
    sent = 0
    for req in rows:
        t = terms[req.grid.village.town_id]
        if req.state == RequestState.NEW:
            what, key = f"超过{t.take_days}天没有党员接单", f"request-overdue:{req.pk}:take"
        else:
            what, key = f"接单超过{t.done_days}天还没有办结", f"request-overdue:{req.pk}:done"
        text = f"{req.grid.village.name}{req.grid.name}的群众点单（查询码{req.code}）{what}：{req.content[:30]}"
        sent += len(inbox.send(grid_people(req.grid), key, text, req.get_absolute_url()))
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
