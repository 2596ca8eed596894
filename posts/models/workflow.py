"""Rounds of the five-step programme, meetings, public notices, objections and assignments.

The five steps are a transition table on Round, in the manner of django-oscar's order pipeline: each
move is checked against the table and its guard, saved with the old stage in the filter (so a repeated
click or a race cannot move a round twice), and logged in the same transaction; the version it wrote is kept
in the record's history as well (record_version), beside the field changes of everything else. Assignments work the
same way with their own table.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format as cn_date  # 2026年11月28日, the project's DATE_FORMAT
from simple_history.models import HistoricalRecords

from grids import figures
from grids.models import Grid, Village
from members.models import Member, VillagePlan, eligible_q

from .catalogue import Post


class TransitionError(Exception):
    """A move the rules forbid; `missing` lists, in Chinese, what must be done first.

    A move lost to someone faster (a race, or a page left open) says instead `what_happened`, from the log row the
    winner wrote ("已由王书记于12月2日 10:31确认上岗。"), and `refresh`, the page that shows where things stand now.
    """

    def __init__(self, missing, what_happened="", refresh=""):
        self.missing = list(missing) if isinstance(missing, list | tuple) else [missing]
        self.what_happened, self.refresh = what_happened, refresh
        super().__init__("；".join(self.missing))

    @classmethod
    def overtaken(cls, what_happened, refresh):
        return cls([what_happened], what_happened=what_happened, refresh=refresh)


def who_when(by, at):
    """ "王书记于12月2日 10:31", as a race loser is told who was faster."""
    at = timezone.localtime(at)
    name = (by.get_full_name() or by.username) if by else "他人"
    return f"{name}于{at.month}月{at.day}日 {at:%H:%M}"


def record_version(obj, by=None, at=None):
    """Keep in the record's history the version a compare-and-set update() has just written: update() goes
    around save(), so django-simple-history would not see it. `by` is who (else the request's user); `at` is
    the time of the move's log row, which lets 操作日志 show the version and the log row as one entry."""
    type(obj).history.bulk_history_create([obj], update=True, default_user=by, default_date=at)


def create_as(by, model, **fields):
    """model.objects.create(**fields), with its first version in the history kept as `by`'s (outside a request,
    in a command, the history has no user to go by)."""
    obj = model(**fields)
    if by is not None:
        obj._history_user = by
    obj.save(force_insert=True)
    return obj


def group(rows, key):
    """{key: [rows in their order]}; `key` is an attribute path such as "notice.round_id"."""
    grouped = {}
    for row in rows:
        value = row
        for name in key.split("."):
            value = getattr(value, name)
        grouped.setdefault(value, []).append(row)
    return grouped


class Stage(models.TextChoices):
    SURVEY = "survey", "制定方案"
    APPLICATION = "application", "申报选岗"
    DELIBERATION = "deliberation", "支部议岗"
    CONFIRMATION = "confirmation", "群众定岗"
    EVALUATION = "evaluation", "严格评岗"
    CLOSED = "closed", "已结束"


STAGE_ORDER = list(Stage.values)


class Round(models.Model):
    """One year's run of the programme in one village."""

    # stage → the stage it may move to; there is no way back.
    TRANSITIONS = {
        Stage.SURVEY: Stage.APPLICATION,
        Stage.APPLICATION: Stage.DELIBERATION,
        Stage.DELIBERATION: Stage.CONFIRMATION,
        Stage.CONFIRMATION: Stage.EVALUATION,
        Stage.EVALUATION: Stage.CLOSED,
    }

    # What each stage asks for before the round may move on, in the plan's words; the guards below check them.
    REQUIREMENTS = {
        Stage.SURVEY: [
            "摸清各网格无职党员底数，走访、座谈了解群众需求，每个网格都有需求记录",
            "制定本年度实施方案",
            "按需设岗、因事设岗：每个网格设置岗位，每个岗位写明回应的群众需求或设岗理由",
            "设定申报时间",
        ],
        Stage.APPLICATION: ["公布岗位名称、职数和工作责任，党员自荐、互荐或组织推荐", "申报时间截止"],
        Stage.DELIBERATION: [
            "网格支部会议择优配岗、搞好调剂：每份申报议定为拟上岗或未选中，一人一岗，不超过职数",
            "确保每个岗位申报党员上岗",
            "拟上岗人选公示期满，异议全部答复",
            "召开支部党员大会和群众代表会议确定上岗对象",
        ],
        Stage.CONFIRMATION: [
            "举行上岗仪式，签订《设岗定责承诺书》，或写明不上岗的原因",
            "召开群众代表会议，让群众了解上岗党员的岗位和职责",
        ],
        Stage.EVALUATION: [
            "组织在岗党员集中培训",
            "为每名在岗党员指定联系人（联系人督查了解的情况随时登记）",
            "完成评岗；不称职的作出调整决定",
        ],
    }

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="rounds")
    year = models.PositiveSmallIntegerField("年度")
    stage = models.CharField("当前阶段", max_length=16, choices=Stage.choices, default=Stage.SURVEY, editable=False)
    applications_open_on = models.DateField("申报开始日期", null=True, blank=True)
    applications_close_on = models.DateField("申报截止日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="设岗定责年度工作修改记录")

    class Meta:
        verbose_name = "设岗定责年度工作"
        verbose_name_plural = "设岗定责年度工作"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="round_one_per_village_year"),
            models.CheckConstraint(
                condition=Q(applications_close_on__gte=models.F("applications_open_on"))
                | Q(applications_close_on__isnull=True)
                | Q(applications_open_on__isnull=True),
                name="round_application_window_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.village.name}{self.year}年度设岗定责"

    def get_absolute_url(self):
        return reverse("posts:round", args=[self.pk])

    @classmethod
    def start(cls, village, year, by, continuing=()):
        """A new year's round, at 制定方案. Posts carry over (they are the grid's); each of last year's members on
        post in `continuing` (from served_last_year) applies again for their post, as 上年度续任, for the branch
        meeting to decide on as usual."""
        with transaction.atomic():
            try:
                with transaction.atomic():
                    round = create_as(by, cls, village=village, year=year, created_by=by)
            except IntegrityError:  # a second click, or another secretary at the same moment
                raise TransitionError(f"{village.name}{year}年度的设岗定责工作已经建立。") from None
            for old in continuing:
                reason, note = f"{old.round.year}年度在岗，继续上岗。", f"上年度续任（{old.round.year}年度在岗）"
                Assignment.register(round, old.post, old.member, Source.CONTINUE, reason, by, note)
        return round

    @classmethod
    def served_last_year(cls, village):
        """Who held a post until the village's last round ended, and is still on the roster."""
        last = cls.objects.filter(village=village).order_by("-year").first()
        if last is None:
            return []
        return list(
            last.assignments.filter(status=Status.COMPLETED, member__in=Member.objects.all())
            .select_related("member", "post__grid", "round")
            .order_by("post__grid__number", "post__name", "pk")
        )

    @classmethod
    def current_for(cls, village_id):
        """The village's round that is still running, if any."""
        return cls.objects.filter(village=village_id).exclude(stage=Stage.CLOSED).order_by("-year").first()

    # The round residents, printouts and the dashboard refer to: the running one, else the last one.
    SHOWN_ORDER = (models.Case(models.When(stage=Stage.CLOSED, then=1), default=0), "-year")

    @classmethod
    def current_or_latest(cls, village_id):
        """The round residents and printouts refer to: the running one, else the last one."""
        return cls.objects.filter(village=village_id).order_by(*cls.SHOWN_ORDER).first()

    def members_on_post(self, grid):
        """{post id: [names of its members on post]} for one grid, in the order they went on post."""
        names = {}
        rows = self.assignments.filter(post__grid=grid, status=Status.ON_POST).select_related("member")
        for a in rows.order_by("pk"):
            names.setdefault(a.post_id, []).append(a.member.name)
        return names

    @classmethod
    def posts_locked_reason(cls, village_id):
        """Posts are published when applications open; after that they may not change until the round ends."""
        current = cls.current_for(village_id)
        if current and current.stage != Stage.SURVEY:
            stage = current.get_stage_display()
            return f"本村{current.year}年度设岗定责已进入“{stage}”阶段，岗位已向党员群众公布，不能再增删改。"
        return ""

    @property
    def next_stage(self):
        return self.TRANSITIONS.get(self.stage)

    @property
    def requirements(self):
        return self.REQUIREMENTS.get(self.stage, [])

    def stage_index(self):
        return STAGE_ORDER.index(self.stage)

    def is_at(self, stage):
        return self.stage == stage

    def applications_open(self, today=None):
        today = today or timezone.localdate()
        return (
            self.stage == Stage.APPLICATION
            and self.applications_open_on is not None
            and self.applications_open_on <= today <= self.applications_close_on
        )

    # --- guards: each returns what is missing before the round may leave its stage --------------------

    def missing_to_leave(self, today=None):
        return Round.missing_to_leave_of([self], today)[self.pk]

    @classmethod
    def missing_to_leave_of(cls, rounds, today=None):
        """{round pk: what still keeps it in its stage} for many rounds in a few queries a stage, whatever their
        number (the dashboard's export lists every village's); a round's own checklist is this for one round."""
        today = today or timezone.localdate()
        missing = {}
        for stage in Stage.values:
            at_stage = [r for r in rounds if r.stage == stage]
            if at_stage and stage == Stage.CLOSED:
                missing.update({r.pk: ["本年度工作已结束。"] for r in at_stage})
            elif at_stage:
                missing.update(getattr(cls, f"_missing_to_leave_{stage}")(at_stage, today))
        return missing

    # Each guard below takes the rounds at its stage and returns {round pk: [what is missing, in Chinese]}.

    @staticmethod
    def _missing_to_leave_survey(rounds, today):
        villages = {r.village_id for r in rounds}
        plans = set(VillagePlan.objects.filter(village__in=villages).values_list("village_id", "year"))
        grids = Grid.objects.filter(village__in=villages).annotate(
            need_count=models.Count("needs", distinct=True), post_count=models.Count("posts", distinct=True)
        )
        unjustified = (
            Post.objects.filter(grid__village__in=villages, needs__isnull=True, reason="")
            .select_related("grid")
            .order_by("grid__number", "pk")
        )
        grids, unjustified = group(grids.order_by("number"), "village_id"), group(unjustified, "grid.village_id")
        result = {}
        for r in rounds:
            missing = result[r.pk] = []
            if (r.village_id, r.year) not in plans:
                missing.append(f"还没有制定{r.year}年度的实施方案。")
            for grid in grids.get(r.village_id, []):
                if not grid.need_count:
                    missing.append(f"{grid.name}还没有记录群众需求。")
                if not grid.post_count:
                    missing.append(f"{grid.name}还没有设置岗位。")
            for post in unjustified.get(r.village_id, []):
                missing.append(f"{post.grid.name}的“{post.name}”没有写明回应的群众需求或设岗理由。")
            if not (r.applications_open_on and r.applications_close_on):
                missing.append("还没有设定申报时间（申报开始和截止日期）。")
        return result

    @staticmethod
    def _missing_to_leave_application(rounds, today):
        result = {}
        for r in rounds:
            if not r.applications_close_on:
                result[r.pk] = ["还没有设定申报截止日期。"]
            elif today <= r.applications_close_on:
                result[r.pk] = [f"申报时间到{cn_date(r.applications_close_on)}截止，截止后才能进入支部议岗。"]
            else:
                result[r.pk] = []
        return result

    @staticmethod
    def _missing_to_leave_deliberation(rounds, today):
        assignments = Assignment.objects.filter(round__in=rounds).select_related("member", "post__grid")
        assignments = group(assignments.order_by("post__grid__number", "post_id", "pk"), "round_id")
        notices = group(Notice.objects.filter(round__in=rounds).order_by("pk"), "round_id")
        meetings = Meeting.objects.filter(round__in=rounds, stage=Stage.DELIBERATION)
        held = set(meetings.values_list("round_id", "grid_id", "kind"))
        unanswered = Objection.objects.filter(notice__round__in=rounds, answer="").select_related("notice__grid")
        unanswered = group(unanswered.order_by("raised_on", "pk"), "notice.round_id")
        result = {}
        for r in rounds:
            if not assignments.get(r.pk):
                result[r.pk] = ["还没有党员申报岗位，不能进入群众定岗。"]
                continue
            missing = result[r.pk] = []
            for a in assignments[r.pk]:
                if a.status == Status.APPLIED:
                    missing.append(
                        f"{a.post.grid.name}：{a.member.name}申报“{a.post.name}”还没有议定（拟上岗或未选中）。"
                    )
                elif a.status == Status.PROPOSED:
                    missing.append(f"{a.post.grid.name}：{a.member.name}拟上岗“{a.post.name}”，还没有公示。")
            # 确保每个岗位申报党员上岗: a post that someone applied for, and who got no other post, must be filled.
            staffed = {a.post_id for a in assignments[r.pk] if a.status in HOLDING}
            placed = {a.member_id for a in assignments[r.pk] if a.status in HOLDING}
            for a in assignments[r.pk]:
                if a.post_id not in staffed and a.member_id not in placed:
                    missing.append(f"{a.post.grid.name}：“{a.post.name}”有党员申报，但还没有确定上岗人选。")
                    staffed.add(a.post_id)
            noticed = {a.post.grid for a in assignments[r.pk] if a.status == Status.NOTICED}
            for grid in sorted(noticed, key=lambda g: g.number):
                grid_notices = [n for n in notices.get(r.pk, []) if n.grid_id == grid.pk]
                if not grid_notices:
                    missing.append(f"{grid.name}还没有公示拟上岗人选。")
                elif max(n.ends_on for n in grid_notices) >= today:
                    end = max(n.ends_on for n in grid_notices)
                    missing.append(
                        f"{grid.name}的公示期到{end.year}年{end.month}月{end.day}日结束，期满后才能进入下一步。"
                    )
                for kind in (MeetingKind.GENERAL_ASSEMBLY, MeetingKind.REPRESENTATIVES):
                    if (r.pk, grid.pk, kind) not in held:
                        missing.append(f"{grid.name}还没有召开{MeetingKind(kind).label}确定上岗对象。")
            for o in unanswered.get(r.pk, []):
                missing.append(
                    f"{o.notice.grid.name}：{o.raised_by}于{o.raised_on.month}月{o.raised_on.day}日提出的异议还没有答复。"
                )
        return result

    @staticmethod
    def _missing_to_leave_confirmation(rounds, today):
        assignments = Assignment.objects.filter(round__in=rounds, status__in=[Status.NOTICED, Status.ON_POST])
        assignments = group(
            assignments.select_related("member", "post__grid").order_by("post__grid__number", "pk"), "round_id"
        )
        meetings = Meeting.objects.filter(round__in=rounds, stage=Stage.CONFIRMATION)
        held = set(meetings.values_list("round_id", "grid_id", "kind"))
        result = {}
        for r in rounds:
            missing = result[r.pk] = []
            for a in assignments.get(r.pk, []):
                if a.status == Status.NOTICED:
                    missing.append(f"{a.post.grid.name}：{a.member.name}还没有签订承诺书确认上岗，或登记不上岗的原因。")
            on_post = {a.post.grid for a in assignments.get(r.pk, []) if a.status == Status.ON_POST}
            for grid in sorted(on_post, key=lambda g: g.number):
                for kind in (MeetingKind.INDUCTION, MeetingKind.REPRESENTATIVES):
                    if (r.pk, grid.pk, kind) not in held:
                        verb = "举行" if kind == MeetingKind.INDUCTION else "召开"
                        missing.append(f"{grid.name}还没有{verb}{MeetingKind(kind).label}。")
        return result

    @staticmethod
    def _missing_to_leave_evaluation(rounds, today):
        from .evaluation import Grade, Training, latest_grade  # evaluation builds on assignments

        trained = set(Training.objects.filter(round__in=rounds).values_list("round_id", flat=True))
        on_post = Assignment.objects.filter(round__in=rounds, status=Status.ON_POST).annotate(grade=latest_grade())
        rows = on_post.order_by("post__grid__number", "pk").values_list(
            "round_id", "post__grid__name", "member__name", "contact_id", "grade"
        )
        result = {r.pk: [] if r.pk in trained else ["还没有组织在岗党员集中培训。"] for r in rounds}
        for round_id, grid_name, member_name, contact_id, grade in rows:
            who = f"{grid_name}：{member_name}"
            if contact_id is None:
                result[round_id].append(f"{who}还没有指定联系人。")
            if grade is None:
                result[round_id].append(f"{who}还没有评岗。")
            elif grade == Grade.POOR:
                result[round_id].append(f"{who}评为不称职，需要作出调整决定。")
        return result

    def checklist(self, missing=None, grids=None):
        """What still keeps the round in its stage, grid by grid, each item with the page that fixes it:
        [(grid name or "", grid page or "", [(text, url)])], village-wide items first. The one grouping that the
        round page, a refused move and the dashboard show."""
        missing = self.missing_to_leave() if missing is None else missing
        grids = list(self.village.grids.order_by("number")) if grids is None else grids
        names = sorted(grids, key=lambda g: len(g.name), reverse=True)  # 第十一网格 before 第一网格
        groups = {}
        for item in missing:
            grid = next((g for g in names if item.startswith(g.name)), None)
            text = item[len(grid.name) :].lstrip("：的") if grid else item
            groups.setdefault(grid, []).append((text.rstrip("。"), self._fix_url(item, grid)))
        order = sorted(groups, key=lambda g: -1 if g is None else g.number)
        return [
            (g.name if g else "", reverse("posts:round-grid", args=[self.pk, g.pk]) if g else "", groups[g])
            for g in order
        ]

    # Words of a checklist item → the page where it is done: (words, url name, takes the grid).
    FIXES = [
        ("实施方案", "members:plan-create", False),
        ("群众需求", "members:grid-survey", True),
        ("设置岗位", "posts:grid-posts", True),
        ("设岗理由", "posts:grid-posts", True),
        ("申报时间", "posts:round-window", False),
        ("申报截止", "posts:round-window", False),
        ("集中培训", "posts:training-create", False),
    ]

    def _fix_url(self, item, grid):
        for words, name, by_grid in self.FIXES:
            if words in item and (grid is not None or not by_grid):
                if name == "members:plan-create":
                    return reverse(name, args=[self.village_id])
                return reverse(name, args=[grid.pk] if by_grid else [self.pk])
        return reverse("posts:round-grid", args=[self.pk, grid.pk]) if grid else self.get_absolute_url()

    # --- the transition ---------------------------------------------------------------------------------

    def overtaken(self, seen_stage):
        """The refusal of a move made from a page that still showed `seen_stage`: who moved the round on, and when."""
        log = self.stage_moves().filter(to_stage=self.stage).select_related("by").order_by("-at", "-pk").first()
        who = f"已由{who_when(log.by, log.at)}" if log else "已"
        return TransitionError.overtaken(
            f"本年度工作{who}从“{Stage(seen_stage).label}”进入“{self.get_stage_display()}”阶段。",
            self.get_absolute_url(),
        )

    def stage_moves(self):
        """The round's log rows that changed its stage (an early close of applications is logged in its stage)."""
        return self.logs.exclude(from_stage=models.F("to_stage"))

    def missing_to_close_applications(self, today=None):
        """What keeps the application window open until its date: every eligible member of the village must have
        applied (or been put forward); one who declined is recorded as 本人暂不愿参加, which makes them ineligible."""
        today = today or timezone.localdate()
        if self.stage != Stage.APPLICATION:
            return ["只有在“申报选岗”阶段才能提前截止申报。"]
        if not self.applications_open(today):
            return ["现在不在申报时间内，无需提前截止。"]
        if self.applications_open_on >= today:
            return ["申报今天才开始，明天起才能提前截止。"]
        waiting = (
            Member.objects.filter(eligible_q(), grid__village=self.village_id)
            .exclude(assignments__round=self)
            .select_related("grid")
            .order_by("grid__number", "name_key")
        )
        return [f"{m.grid.name}：{m.name}还没有申报，也没有登记为本人暂不愿参加。" for m in waiting]

    def close_applications(self, by, note, today=None, seen_stage=None):
        """申报提前截止: the window ends yesterday, so the round may move on today; logged in its stage, with why."""
        today = today or timezone.localdate()
        with transaction.atomic():
            current = Round.objects.select_for_update().select_related("village").get(pk=self.pk)
            if current.stage != (seen_stage or self.stage):
                raise current.overtaken(seen_stage or self.stage)
            missing = current.missing_to_close_applications(today)
            if not note.strip():
                missing.append("请写明提前截止申报的原因（例如：符合条件的党员都已申报或表示暂不参加）。")
            if missing:
                raise TransitionError(missing)
            planned, closes = current.applications_close_on, today - datetime.timedelta(days=1)
            at = timezone.now()
            if not Round.objects.filter(pk=self.pk, applications_close_on=planned).update(applications_close_on=closes):
                raise current.overtaken(current.stage)
            current.applications_close_on = closes
            record_version(current, by=by, at=at)
            RoundLog.objects.create(
                round=self,
                from_stage=Stage.APPLICATION,
                to_stage=Stage.APPLICATION,
                by=by,
                at=at,
                note=f"提前截止申报（原定{cn_date(planned)}截止，截止到{cn_date(closes)}）：{note.strip()}",
            )
            figures.changed(Village, [self.village_id], "town_id")
        self.applications_close_on = closes
        return closes

    def advance(self, by, note="", meeting="", today=None, seen_stage=None, at=None):
        """Move to the next stage if the rules allow; raise TransitionError with what is missing otherwise.
        `seen_stage` is the stage the person's page showed: a page left open does not move the round twice.
        `at`: when the move was made, for the demo's year (default now); the log keeps it, as it keeps any."""
        with transaction.atomic():
            current = Round.objects.select_for_update().get(pk=self.pk)
            if current.stage != (seen_stage or self.stage):
                raise current.overtaken(seen_stage or self.stage)
            target = current.next_stage
            if target is None:
                raise TransitionError("本年度工作已结束，不能再进入下一阶段。")
            missing = current.missing_to_leave(today)
            if missing:
                raise TransitionError(missing)
            at = at or timezone.now()
            if not Round.objects.filter(pk=self.pk, stage=current.stage).update(stage=target):
                raise Round.objects.get(pk=self.pk).overtaken(current.stage)
            from_stage, current.stage = current.stage, target
            record_version(current, by=by, at=at)
            if target == Stage.CLOSED:  # the year's posts end with the round; next year's round starts afresh
                for a in current.assignments.select_for_update().filter(status=Status.ON_POST):
                    a._move(Status.COMPLETED, by=by, note=f"{current.year}年度设岗定责工作结束，岗位期满。", at=at)
            RoundLog.objects.create(
                round=self, from_stage=from_stage, to_stage=target, by=by, at=at, meeting=meeting, note=note
            )
            figures.changed(Village, [self.village_id], "town_id")  # the update above sends no signal
        self.stage = target
        return target


class RoundLog(models.Model):
    """Append-only: one row per stage change, written in the same transaction as the change."""

    round = models.ForeignKey(Round, verbose_name="年度工作", on_delete=models.PROTECT, related_name="logs")
    from_stage = models.CharField("原阶段", max_length=16, choices=Stage.choices)
    to_stage = models.CharField("新阶段", max_length=16, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    meeting = models.CharField("依据的会议", max_length=100, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "阶段变更记录"
        verbose_name_plural = "阶段变更记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class MeetingKind(models.TextChoices):
    GRID_BRANCH = "grid_branch", "网格支部会议"
    GENERAL_ASSEMBLY = "general_assembly", "支部党员大会"
    REPRESENTATIVES = "representatives", "群众代表会议"
    INDUCTION = "induction", "上岗仪式"


class Meeting(models.Model):
    round = models.ForeignKey(Round, verbose_name="年度工作", on_delete=models.PROTECT, related_name="meetings")
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField("会议类型", max_length=20, choices=MeetingKind.choices)
    stage = models.CharField("所处阶段", max_length=16, choices=Stage.choices, editable=False)
    held_on = models.DateField("召开日期")
    place = models.CharField("地点", max_length=100, blank=True)
    attendees = models.PositiveSmallIntegerField("应到人数")
    present = models.PositiveSmallIntegerField("实到人数")
    resolution = models.TextField("会议决定", help_text="会议议定的事项，例如：同意张三为村容村貌监督岗拟上岗人选。")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="会议修改记录")

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(present__lte=models.F("attendees")), name="meeting_present_not_above_attendees"
            )
        ]

    def __str__(self):
        return f"{cn_date(self.held_on)} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("posts:round-grid", args=[self.round_id, self.grid_id])

    @property
    def kind_label(self):
        return self.get_kind_display()


class Notice(models.Model):
    """公示: the proposed members of one grid, shown to residents for a period during which they may object."""

    round = models.ForeignKey(Round, verbose_name="年度工作", on_delete=models.PROTECT, related_name="notices")
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="notices")
    starts_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示结束日期")
    place = models.CharField("公示地点", max_length=100, default="党务公开栏")
    phone = models.CharField("监督电话", max_length=20)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="公示修改记录")

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["starts_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="notice_in_order")]

    def __str__(self):
        return f"{self.grid.name}公示（{self.starts_on:%m月%d日}至{self.ends_on:%m月%d日}）"

    @classmethod
    def latest_for(cls, grid, round=None):
        """The grid's most recent notice (in `round`, if given): its phone is the grid's supervision phone."""
        notices = cls.objects.filter(grid=grid) if round is None else cls.objects.filter(grid=grid, round=round)
        return notices.order_by("-starts_on", "-pk").first()

    def assignments_noticed(self):
        """Whether members of the grid went under notice with this notice (its log rows say so)."""
        return AssignmentLog.objects.filter(
            assignment__round=self.round_id, assignment__post__grid=self.grid_id, to_status=Status.NOTICED
        ).exists()

    def is_running(self, today=None):
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on

    def raise_objection(self, assignment, raised_by, raised_on, content, by, today=None):
        """Record an objection raised within the notice period (it may be written down a little later)."""
        today = today or timezone.localdate()
        if not (self.starts_on <= raised_on <= self.ends_on) or raised_on > today:
            raise TransitionError(
                f"公示期为{cn_date(self.starts_on)}至{cn_date(self.ends_on)}，只能登记公示期内提出的异议。"
            )
        if self.round.stage != Stage.DELIBERATION:
            raise TransitionError("支部议岗阶段已经结束，不能再登记异议。")
        return create_as(
            by,
            Objection,
            notice=self,
            assignment=assignment,
            raised_by=raised_by,
            raised_on=raised_on,
            content=content,
            recorded_by=by,
        )

    @classmethod
    def publish(cls, round, grid, starts_on, ends_on, phone, place, by, today=None, at=None):
        """Put every proposed member of the grid under notice; refuse with reasons otherwise. `at`: when, for the
        demo's year (default now)."""
        today = today or timezone.localdate()
        missing = []
        days = (ends_on - starts_on).days + 1
        if round.stage != Stage.DELIBERATION:
            missing.append("只有在“支部议岗”阶段才能发布公示。")
        if days < settings.NOTICE_MIN_DAYS:
            missing.append(f"公示期不能少于{settings.NOTICE_MIN_DAYS}天（现在是{days}天）。")
        if starts_on < today - datetime.timedelta(days=30):
            missing.append("公示开始日期不能早于30天前。")
        if ends_on < today:
            missing.append("公示结束日期不能早于今天：公示要让群众看到，期满才能进入下一步。")
        with transaction.atomic():
            Round.objects.select_for_update().filter(pk=round.pk).first()  # same lock order as Assignment.move
            proposed = list(
                Assignment.objects.select_for_update(of=("self",))
                .filter(round=round, post__grid=grid, status=Status.PROPOSED)
                .select_related("member")
            )
            if not proposed and not missing:
                last = cls.latest_for(grid, round)
                if last and last.assignments_noticed():  # someone published it a moment ago (or before)
                    raise TransitionError.overtaken(
                        f"{grid.name}的拟上岗人选已由{who_when(last.published_by, last.published_at)}发布公示"
                        f"（{cn_date(last.starts_on)}至{cn_date(last.ends_on)}），不用再发布。",
                        reverse("posts:round-grid", args=[round.pk, grid.pk]),
                    )
                missing.append(f"{grid.name}还没有拟上岗人选，无需公示。")
            if missing:
                raise TransitionError(missing)
            notice = create_as(
                by,
                cls,
                round=round,
                grid=grid,
                starts_on=starts_on,
                ends_on=ends_on,
                phone=phone,
                place=place,
                published_by=by,
            )
            for a in proposed:
                a._move(Status.NOTICED, by=by, note=f"公示：{cn_date(starts_on)}至{cn_date(ends_on)}", at=at)
            figures.changed(Village, [round.village_id], "town_id")
        return notice


class Objection(models.Model):
    notice = models.ForeignKey(Notice, verbose_name="公示", on_delete=models.PROTECT, related_name="objections")
    assignment = models.ForeignKey(
        "Assignment",
        verbose_name="针对的拟上岗党员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
    )
    raised_by = models.CharField("提出人", max_length=50, help_text="可填“匿名群众”。")
    raised_on = models.DateField("提出日期")
    content = models.TextField("异议内容")
    answer = models.TextField("答复", blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text="为空表示群众通过网格公开页直接提出。",
    )

    history = HistoricalRecords(verbose_name="异议修改记录")

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["raised_on", "pk"]

    def __str__(self):
        return f"{self.raised_by}：{self.content[:20]}"

    @property
    def is_answered(self):
        return bool(self.answer)

    def answer_with(self, answer, answered_on, by):
        """Answer once; a resident's objection from the public page is answered in their feedback too."""
        from .feedback import Feedback, FeedbackState  # feedback builds on objections

        with transaction.atomic():
            updated = Objection.objects.filter(pk=self.pk, answer="").update(
                answer=answer, answered_on=answered_on, answered_by=by
            )
            if not updated:
                done = Objection.objects.select_related("answered_by", "notice").get(pk=self.pk)
                who = done.answered_by.get_full_name() or done.answered_by.username if done.answered_by else "他人"
                day = done.answered_on
                raise TransitionError.overtaken(
                    f"这条异议已经答复过了：{who}于{day.month}月{day.day}日答复“{done.answer[:30]}”。",
                    reverse("posts:round-grid", args=[done.notice.round_id, done.notice.grid_id]),
                )
            self.answer, self.answered_on, self.answered_by = answer, answered_on, by
            record_version(self, by=by)
            figures.changed(Notice, [self.notice_id], "round__village__town_id")
            for feedback in Feedback.objects.filter(objection=self).exclude(state=FeedbackState.ANSWERED):
                feedback.record_answer(answer, answered_on, by)


class Status(models.TextChoices):
    APPLIED = "applied", "已申报"
    NOT_CHOSEN = "not_chosen", "未选中"
    PROPOSED = "proposed", "拟上岗"
    NOTICED = "noticed", "公示中"
    ON_POST = "on_post", "在岗"
    ADJUSTED = "adjusted", "已调整"
    LEFT = "left", "已离岗"
    COMPLETED = "completed", "期满"


# A member holds at most one of these at a time (一人一岗); a post holds at most `places` of them.
HOLDING = [Status.PROPOSED, Status.NOTICED, Status.ON_POST]
# Someone who went on post in a round, whatever became of it: the year's holders, and who may be rated.
SERVED = [Status.ON_POST, Status.COMPLETED, Status.ADJUSTED, Status.LEFT]


class Source(models.TextChoices):
    SELF = "self", "自荐"
    PEER = "peer", "互荐"
    BRANCH = "branch", "组织推荐"
    CONTINUE = "continue", "上年度续任"


class Assignment(models.Model):
    """A member put forward for a post in one round, and what became of it."""

    # status → {next status: stage of the round in which that move is allowed}
    TRANSITIONS = {
        Status.APPLIED: {Status.PROPOSED: Stage.DELIBERATION, Status.NOT_CHOSEN: Stage.DELIBERATION},
        # 搞好调剂: the branch may reconsider someone it passed over while it is still deliberating.
        Status.NOT_CHOSEN: {Status.PROPOSED: Stage.DELIBERATION},
        Status.PROPOSED: {Status.NOTICED: Stage.DELIBERATION, Status.NOT_CHOSEN: Stage.DELIBERATION},
        # An objection upheld during the notice takes a member off the list (NOT_CHOSEN) before confirmation.
        Status.NOTICED: {
            Status.ON_POST: Stage.CONFIRMATION,
            Status.LEFT: Stage.CONFIRMATION,
            Status.NOT_CHOSEN: Stage.DELIBERATION,
        },
        Status.ON_POST: {Status.ADJUSTED: Stage.EVALUATION, Status.LEFT: Stage.EVALUATION},
    }

    round = models.ForeignKey(Round, verbose_name="年度工作", on_delete=models.PROTECT, related_name="assignments")
    post = models.ForeignKey(Post, verbose_name="岗位", on_delete=models.PROTECT, related_name="assignments")
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="assignments")
    source = models.CharField("申报方式", max_length=8, choices=Source.choices)
    rank = models.PositiveSmallIntegerField("志愿顺序", default=1, help_text="自荐时第几志愿。")
    recommended_by = models.CharField("推荐人", max_length=50, blank=True)
    reason = models.TextField("申报理由")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.APPLIED, editable=False)
    letter_signed_on = models.DateField("承诺书签订日期", null=True, blank=True, editable=False)
    contact = models.ForeignKey(
        Member, verbose_name="联系人", on_delete=models.PROTECT, null=True, blank=True, related_name="contact_for"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="申报与定岗修改记录")

    class Meta:
        verbose_name = "申报与定岗"
        verbose_name_plural = "申报与定岗"
        ordering = ["rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status__in=HOLDING), name="assignment_one_post_per_member"
            ),
            models.UniqueConstraint(fields=["round", "member", "post"], name="assignment_once_per_post"),
        ]

    def __str__(self):
        return f"{self.member.name} · {self.post.name}"

    def get_absolute_url(self):
        return reverse("posts:assignment", args=[self.pk])

    @classmethod
    def apply(cls, round, member, posts, source, recommended_by, reason, by, today=None):
        """Register a member for one post or, when self-applying, up to three in order of preference."""
        missing = []
        branch_adjusting = round.stage == Stage.DELIBERATION and source == Source.BRANCH
        if not (round.applications_open(today) or branch_adjusting):
            missing.append("现在不在申报时间内，不能登记申报（支部议岗阶段只能由党支部推荐，以便调剂）。")
        missing += [f"{member.name}{r}" for r in member.ineligibility_reasons()]
        if any(p.grid_id != member.grid_id for p in posts) or member.grid.village_id != round.village_id:
            missing.append("只能申报本人所在网格的岗位（就近便利）。")
        if round.assignments.filter(member=member).exists():
            missing.append(f"{member.name}本年度已经登记过申报。")
        if missing:
            raise TransitionError(missing)
        created = []
        with transaction.atomic():
            for rank, post in enumerate(posts, start=1):
                note = f"{Source(source).label}，第{rank}志愿"
                created.append(cls.register(round, post, member, source, reason, by, note, rank, recommended_by))
        return created

    @classmethod
    def register(cls, round, post, member, source, reason, by, note, rank=1, recommended_by=""):
        """One application, 已申报, with its first log row: the start of every assignment (no checks here)."""
        a = create_as(
            by,
            cls,
            round=round,
            post=post,
            member=member,
            source=source,
            rank=rank,
            recommended_by=recommended_by,
            reason=reason,
            created_by=by,
        )
        AssignmentLog.objects.create(assignment=a, from_status="", to_status=Status.APPLIED, by=by, note=note)
        return a

    @property
    def status_label(self):
        """The status as people read it: a member whose notice period is over is 公示期满, no longer 公示中.
        Lists annotate `notice_ends_on` (notice_end()); one record looks it up."""
        if self.status == Status.NOTICED:
            if not hasattr(self, "notice_ends_on"):
                notices = Notice.objects.filter(round=self.round_id, grid=self.post.grid_id)
                self.notice_ends_on = notices.aggregate(end=models.Max("ends_on"))["end"]
            if self.notice_ends_on and self.notice_ends_on < timezone.localdate():
                return "公示期满"
        return self.get_status_display()

    def assign_contact(self, contact, by):
        if self.status != Status.ON_POST:
            raise TransitionError("只能为在岗党员指定联系人。")
        if contact.pk == self.member_id:
            raise TransitionError("联系人不能是本人。")
        self.contact = contact
        self._history_user = by  # simple-history's hook; without it the version names the request's user
        self.save(update_fields=["contact"])

    def missing_for_records(self):
        """Check-ups, reports and ratings are kept for members on post while the round is being evaluated."""
        missing = []
        if self.status != Status.ON_POST:
            missing.append(f"{self.member.name}现在是“{self.get_status_display()}”，只有在岗党员才能登记。")
        if self.round.stage != Stage.EVALUATION:
            missing.append(f"只能在“严格评岗”阶段登记，现在是“{self.round.get_stage_display()}”阶段。")
        return missing

    @classmethod
    def moves_for(cls, status, stage):
        """The statuses an assignment in `status` may move to while its round is at `stage`."""
        return [to for to, at in cls.TRANSITIONS.get(status, {}).items() if at == stage]

    def allowed_moves(self):
        return self.moves_for(self.status, self.round.stage)

    def _move(self, to, by, note="", meeting=None, at=None, **fields):
        """Change status with the old status in the filter (a repeated click changes nothing) and log it; `at` is
        when (default now: only the demo's year gives another)."""
        at = at or timezone.now()
        changed = Assignment.objects.filter(pk=self.pk, status=self.status).update(status=to, **fields)
        if not changed:
            raise TransitionError("这条记录已被他人处理，请刷新页面后再操作。")
        from_status, self.status = self.status, to
        for name, value in fields.items():
            setattr(self, name, value)
        record_version(self, by=by, at=at)
        AssignmentLog.objects.create(
            assignment=self, from_status=from_status, to_status=to, by=by, at=at, meeting=meeting, note=note
        )

    def move(self, to, by, note="", meeting=None, letter_signed_on=None, today=None, at=None):
        """The one door for every status change of an assignment (`at`: as for _move)."""
        today = today or timezone.localdate()
        with transaction.atomic():
            # Lock in one order everywhere (round, then assignment rows), or two proposals of one member for two
            # posts deadlock: each would hold an application row the other wants to mark 未选中.
            Round.objects.select_for_update().filter(pk=self.round_id).first()
            current = (
                Assignment.objects.select_for_update(of=("self",))
                .select_related("round", "member", "post")
                .get(pk=self.pk)
            )
            overtaken = current.overtaken(to, seen_status=self.status)
            if overtaken:
                raise overtaken
            missing = current.missing_for(
                to, note=note, meeting=meeting, letter_signed_on=letter_signed_on, today=today
            )
            if missing:
                raise TransitionError(missing)
            fields = {"letter_signed_on": letter_signed_on} if to == Status.ON_POST else {}
            try:
                with transaction.atomic():
                    current._move(to, by=by, note=note, meeting=meeting, at=at, **fields)
            except IntegrityError:
                raise TransitionError(f"{current.member.name}已经有岗位（一人一岗），不能重复安排。") from None
            if to == Status.PROPOSED:  # the member's other choices are settled by this one (择优配岗)
                others = Assignment.objects.filter(
                    round=current.round_id, member=current.member_id, status=Status.APPLIED
                )
                for other in others.exclude(pk=current.pk):
                    other._move(Status.NOT_CHOSEN, by=by, meeting=meeting, note=f"已安排到“{current.post.name}”", at=at)
            figures.changed(Village, [current.round.village_id], "town_id")  # _move's updates send no signal
        self.status = current.status
        self.letter_signed_on = current.letter_signed_on
        return to

    # What a log row's new status says was done, for a person whose page was overtaken.
    DONE = {
        Status.APPLIED: "登记申报",
        Status.PROPOSED: "确定为拟上岗人选",
        Status.NOT_CHOSEN: "议定为未选中",
        Status.NOTICED: "发布公示",
        Status.ON_POST: "确认上岗",
        Status.LEFT: "登记为不上岗（离岗）",
        Status.ADJUSTED: "调整岗位",
        Status.COMPLETED: "登记岗位期满",
    }

    def overtaken(self, to, seen_status=None):
        """The refusal of a move someone else made impossible since the person's page was drawn, or None.

        The page offered the move, so it is no longer there because someone changed the record (`seen_status` is
        what the page showed) or moved the round past the move's stage: say who, when and what, from the log."""
        stage = self.TRANSITIONS.get(self.status, {}).get(to)
        if (seen_status is None or seen_status == self.status) and stage is not None:
            if STAGE_ORDER.index(self.round.stage) <= STAGE_ORDER.index(stage):
                return None
            moves = self.round.stage_moves().filter(to_stage=self.round.stage).select_related("by")
            log = moves.order_by("-at", "-pk").first()
            who = f"已由{who_when(log.by, log.at)}" if log else "已"
            return TransitionError.overtaken(
                f"本年度工作{who}进入“{self.round.get_stage_display()}”阶段，"
                f"“{Status(to).label}”只能在“{Stage(stage).label}”阶段办理。",
                self.get_absolute_url(),
            )
        log = self.logs.select_related("by").order_by("-at", "-pk").first()
        if log is None or (seen_status is None and stage is None and log.to_status == Status.APPLIED):
            return None
        return TransitionError.overtaken(
            f"{self.member.name}的“{self.post.name}”已由{who_when(log.by, log.at)}{self.DONE[log.to_status]}，"
            f"现在是“{self.status_label}”。",
            self.get_absolute_url(),
        )

    def missing_for(self, to, note="", meeting=None, letter_signed_on=None, today=None):
        """Everything that stands in the way of moving this assignment to `to`, in Chinese."""
        if to == Status.NOTICED:
            return ["拟上岗人选通过“发布公示”进入公示期，不能单独办理。"]
        stage = self.TRANSITIONS.get(self.status, {}).get(to)
        if stage is None:
            return [f"“{self.get_status_display()}”的记录不能改为“{Status(to).label}”。"]
        if self.round.stage != stage:
            return [f"这一步只能在“{Stage(stage).label}”阶段办理，现在是“{self.round.get_stage_display()}”阶段。"]
        missing = []
        needs_meeting = {Status.PROPOSED: MeetingKind.GRID_BRANCH, Status.ON_POST: MeetingKind.INDUCTION}.get(to)
        if needs_meeting and (
            meeting is None
            or meeting.kind != needs_meeting
            or meeting.round_id != self.round_id
            or meeting.grid_id != self.post.grid_id
        ):
            missing.append(f"请选择本网格的{MeetingKind(needs_meeting).label}记录作为依据。")
        if to == Status.PROPOSED:
            missing += [f"{self.member.name}{r}" for r in self.member.ineligibility_reasons()]
            missing += self._missing_place()
        if to == Status.ON_POST:
            if letter_signed_on is None:
                missing.append("请填写承诺书签订日期。")
            elif letter_signed_on > today:
                missing.append("承诺书签订日期不能晚于今天。")
        if to in (Status.NOT_CHOSEN, Status.LEFT, Status.ADJUSTED) and not note.strip():
            missing.append(f"请写明{Status(to).label}的原因。")
        return missing

    def _missing_place(self):
        """Lock the post and count who already holds it, so two people cannot both take the last place."""
        posts = Post.objects.select_for_update() if transaction.get_connection().in_atomic_block else Post.objects
        post = posts.get(pk=self.post_id)
        holders = Assignment.objects.filter(post=post, status__in=HOLDING).exclude(pk=self.pk)
        missing = []
        if holders.count() >= post.places:
            missing.append(f"“{post.name}”职数为{post.places}人，已经安排满了。")
        other = Assignment.objects.filter(member=self.member_id, status__in=HOLDING).exclude(pk=self.pk).first()
        if other:
            missing.append(
                f"{self.member.name}已是“{other.post.name}”的{other.get_status_display()}党员，一人只能一岗。"
            )
        return missing


def notice_end():
    """The end of the latest notice of an assignment's grid in its round, as an annotation (`notice_ends_on`)."""
    notices = Notice.objects.filter(round=models.OuterRef("round"), grid=models.OuterRef("post__grid"))
    return models.Subquery(notices.order_by("-ends_on").values("ends_on")[:1])


class AssignmentLog(models.Model):
    """Append-only: one row per status change of an assignment, written in the same transaction."""

    assignment = models.ForeignKey(Assignment, verbose_name="申报与定岗", on_delete=models.PROTECT, related_name="logs")
    from_status = models.CharField("原状态", max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    meeting = models.ForeignKey(Meeting, verbose_name="依据的会议", on_delete=models.PROTECT, null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "定岗变更记录"
        verbose_name_plural = "定岗变更记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display() or '新建'} → {self.get_to_status_display()}"
