"""The year on post (严格评岗 all year): the duty ledger (履职纪实) and residents' requests (群众点单 → 支部派单 →
党员接单 → 群众评单), with the days each town allows (DutyTerms).

A request moves new → dispatched (the branch gave it to a member) or taken (a member took it) → done (the
member's ledger entry says what was done) → confirmed (the resident rated it with the receipt code) or closed
(nobody confirmed within the town's days). A member or the secretary may hand it back with a reason: it is new
again. Every move is a compare-and-set on the state it starts from, so two clicks or two people never move a
request twice, and each move is kept as a RequestStep beside the request's history.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from grids import figures
from grids.models import Grid, Town
from members.models import NeedCategory

from .workflow import Assignment, TransitionError, create_as, record_version

# --- the town's terms -------------------------------------------------------------------------------------------


class ReportPeriod(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    HALF = "half", "每半年"
    YEAR = "year", "每年"


PERIOD_MONTHS = {ReportPeriod.MONTH: 1, ReportPeriod.QUARTER: 3, ReportPeriod.HALF: 6, ReportPeriod.YEAR: 12}


class DutyTerms(models.Model):
    """What a town sets for its year on post; a town without its own row has the defaults below."""

    town = models.OneToOneField(Town, verbose_name="镇", on_delete=models.CASCADE, related_name="duty_terms")
    take_days = models.PositiveSmallIntegerField(
        "接单时限（天）", default=2, help_text="群众点单后几天内须有党员接单。"
    )
    done_days = models.PositiveSmallIntegerField("办结时限（天）", default=7, help_text="接单后几天内须办结。")
    confirm_days = models.PositiveSmallIntegerField(
        "评单期限（天）", default=7, help_text="办结后群众几天内未评价的，自动关闭并注明“未评价”。"
    )
    idle_days = models.PositiveSmallIntegerField(
        "漏记提醒（天）", default=30, help_text="在岗党员连续几天没有履职纪实，在网格页提示。"
    )
    report_period = models.CharField(
        "定期汇报周期", max_length=8, choices=ReportPeriod.choices, default=ReportPeriod.QUARTER
    )

    class Meta:
        verbose_name = "履职与点单时限"
        verbose_name_plural = "履职与点单时限"

    def __str__(self):
        return f"{self.town.name}履职与点单时限"

    @staticmethod
    def for_town(town_id):
        """The town's terms (unsaved defaults when it has set none)."""
        return DutyTerms.objects.filter(town=town_id).first() or DutyTerms(town_id=town_id)

    @staticmethod
    def for_towns(town_ids):
        """{town id: terms} in one query."""
        found = {t.town_id: t for t in DutyTerms.objects.filter(town__in=town_ids)}
        return {t: found.get(t) or DutyTerms(town_id=t) for t in town_ids}

    def period_of(self, day):
        """(first day, last day, name) of the report period `day` falls in."""
        months = PERIOD_MONTHS[self.report_period]
        first_month = (day.month - 1) // months * months + 1
        start = datetime.date(day.year, first_month, 1)
        end_month = first_month + months
        end = (
            datetime.date(day.year + 1, 1, 1) if end_month > 12 else datetime.date(day.year, end_month, 1)
        ) - datetime.timedelta(days=1)
        return start, end, period_name(start, months)


def period_name(start, months):
    if months == 12:
        return f"{start.year}年"
    if months == 6:
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    if months == 3:
        return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"
    return f"{start.year}年{start.month}月"


# --- the duty ledger ---------------------------------------------------------------------------------------------


# The kinds of duty work every town starts from, each with the need category of the post types it fits best
# (a kind without one fits every post).
DEFAULT_KINDS = [
    ("巡逻", NeedCategory.SECURITY),
    ("调解", NeedCategory.DISPUTES),
    ("宣传", NeedCategory.POLICY_LAW),
    ("走访", NeedCategory.ELDERLY_YOUTH),
    ("帮扶", NeedCategory.ELDERLY_YOUTH),
    ("监督", NeedCategory.APPEARANCE),
    ("其他", ""),
]


class DutyKind(models.Model):
    """A kind of duty work a ledger entry names: the defaults (no town) and what a town adds."""

    town = models.ForeignKey(
        Town, verbose_name="镇", on_delete=models.CASCADE, null=True, blank=True, related_name="duty_kinds"
    )
    name = models.CharField("工作类别", max_length=20)
    need_category = models.CharField(
        "适合的岗位方向", max_length=16, choices=NeedCategory.choices, blank=True, help_text="为空表示各类岗位都适用。"
    )
    order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "履职工作类别"
        verbose_name_plural = "履职工作类别"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="dutykind_unique_town_name"),
            models.UniqueConstraint(fields=["name"], condition=Q(town=None), name="dutykind_unique_default_name"),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def for_post(town_id, need_category=""):
        """The kinds a town's member may record, those fitting the post first, 其他 last."""
        kinds = list(DutyKind.objects.filter(Q(town=None) | Q(town=town_id)))
        fits = need_category or None

        def rank(kind):
            return (kind.name == "其他", kind.need_category != fits if fits else False, kind.order, kind.pk)

        return sorted(kinds, key=rank)


class DutyState(models.TextChoices):
    RECORDED = "recorded", "待核实"
    VERIFIED = "verified", "已核实"
    RETURNED = "returned", "已退回"


class DutyRecord(models.Model):
    """履职纪实: one piece of work a member on post did. Written by the member on their phone, or by the grid's
    secretary or the member's contact on their behalf (`on_behalf`); checked by the contact or the secretary."""

    assignment = models.ForeignKey(
        Assignment, verbose_name="在岗党员", on_delete=models.PROTECT, related_name="duty_records"
    )
    done_on = models.DateField("日期")
    kind = models.ForeignKey(DutyKind, verbose_name="工作类别", on_delete=models.PROTECT, related_name="+")
    place = models.CharField("地点", max_length=100, blank=True)
    served = models.CharField("服务对象", max_length=100, blank=True, help_text="服务的农户或群众，例如：张家 3 户。")
    content = models.TextField("做了什么", max_length=1000)
    result = models.TextField("结果", max_length=500, blank=True)
    state = models.CharField("核实状态", max_length=10, choices=DutyState.choices, default=DutyState.RECORDED)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核实人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    checked_at = models.DateTimeField("核实时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField("代为记录", default=False, editable=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True, db_index=True)

    history = HistoricalRecords(verbose_name="履职纪实修改记录")

    class Meta:
        verbose_name = "履职纪实"
        verbose_name_plural = "履职纪实"
        ordering = ["-done_on", "-pk"]
        indexes = [models.Index(fields=["assignment", "done_on"])]

    def __str__(self):
        return f"{date_format(self.done_on)} {self.kind}"

    def get_absolute_url(self):
        return reverse("posts:assignment", args=[self.assignment_id])

    def verify(self, by, verified=True, reason=""):
        """核实 the entry, or send it back with a reason; a second click changes nothing."""
        if not verified and not reason.strip():
            raise TransitionError("退回时请写明原因，方便党员补充。")
        fields = {
            "state": DutyState.VERIFIED if verified else DutyState.RETURNED,
            "return_reason": "" if verified else reason.strip()[:200],
            "checked_by": by,
            "checked_at": timezone.now(),
        }
        with transaction.atomic():
            if not DutyRecord.objects.filter(pk=self.pk, state=DutyState.RECORDED).update(**fields):
                self.refresh_from_db()
                raise TransitionError(f"这条纪实现在是“{self.get_state_display()}”，不用再处理。")
            for name, value in fields.items():
                setattr(self, name, value)
            record_version(self, by=by)

    def resubmit(self, by):
        """The member has amended an entry sent back: it waits for checking again."""
        if self.state == DutyState.RETURNED:
            self.state = DutyState.RECORDED
            self._history_user = by
            self.save(update_fields=["state"])


def photo_path(photo, filename):
    return f"duty/{photo.record.assignment_id}/{secrets.token_hex(8)}.jpg"


class DutyPhoto(models.Model):
    """A photo of a ledger entry, as stored: re-encoded as JPEG, at most settings.DUTY_PHOTO_PIXELS on its long
    side, without any metadata (no location)."""

    record = models.ForeignKey(DutyRecord, verbose_name="履职纪实", on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = "纪实照片"
        verbose_name_plural = "纪实照片"
        ordering = ["pk"]

    def __str__(self):
        return f"照片{self.pk}"


# --- residents' requests ---------------------------------------------------------------------------------------------


class RequestKind(models.TextChoices):
    HELP = "help", "求助"
    WISH = "wish", "微心愿"
    PROBLEM = "problem", "问题反映"


class RequestState(models.TextChoices):
    NEW = "new", "待派单"
    DISPATCHED = "dispatched", "已派单"
    TAKEN = "taken", "已接单"
    DONE = "done", "已办结待评价"
    CONFIRMED = "confirmed", "已评价"
    CLOSED = "closed", "已关闭（未评价）"


# A request a member is working on; and one that is finished, rated or not.
OPEN_STATES = [RequestState.NEW, RequestState.DISPATCHED, RequestState.TAKEN]
WITH_MEMBER = [RequestState.DISPATCHED, RequestState.TAKEN]
FINISHED = [RequestState.DONE, RequestState.CONFIRMED, RequestState.CLOSED]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    FAIRLY = "fairly", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


# Receipt codes: no 0/O, 1/I/L, so that a code read aloud or copied off paper is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """A receipt code as typed: spaces and dashes away, upper case, O read as 0 is not in the alphabet."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[: CODE_LENGTH * 2]


class ResidentRequest(models.Model):
    """群众点单: a resident's request from the grid's public page, followed with its receipt code (查询码)."""

    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="requests")
    code = models.CharField("查询码", max_length=CODE_LENGTH, unique=True, editable=False)
    kind = models.CharField("类型", max_length=10, choices=RequestKind.choices)
    category = models.CharField("事项类别", max_length=16, choices=NeedCategory.choices)
    content = models.TextField("诉求内容", max_length=500)
    name = models.CharField("称呼", max_length=20, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    state = models.CharField("办理状态", max_length=12, choices=RequestState.choices, default=RequestState.NEW)
    assignment = models.ForeignKey(
        Assignment,
        verbose_name="承办党员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    record = models.OneToOneField(
        DutyRecord, verbose_name="办理纪实", on_delete=models.PROTECT, null=True, blank=True, related_name="request"
    )
    with_member_at = models.DateTimeField("派单或接单时间", null=True, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    satisfaction = models.CharField("评价", max_length=12, choices=Satisfaction.choices, blank=True)
    comment = models.CharField("评价意见", max_length=200, blank=True)
    comment_public = models.BooleanField("评价意见可公开", default=False, help_text="经网格书记审核后才在公开页显示。")
    finished_at = models.DateTimeField("评价或关闭时间", null=True, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, help_text="只用于防止恶意刷单，不公开。")
    created_at = models.DateTimeField("点单时间", auto_now_add=True, db_index=True)

    history = HistoricalRecords(verbose_name="群众点单修改记录", excluded_fields=["address"])

    class Meta:
        verbose_name = "群众点单"
        verbose_name_plural = "群众点单"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["grid", "state"])]

    def __str__(self):
        return f"{self.code} {self.get_kind_display()}：{self.content[:20]}"

    def get_absolute_url(self):
        return reverse("posts:request", args=[self.pk])

    # --- the moves ----------------------------------------------------------------------------------------------

    @classmethod
    @transaction.atomic
    def submit(cls, grid, kind, category, content, name="", phone="", address=None):
        """点单: the request, with a receipt code no other request has."""
        for _ in range(10):
            code = new_code()
            if not cls.objects.filter(code=code).exists():
                break
        request = cls.objects.create(
            grid=grid, code=code, kind=kind, category=category, content=content, name=name, phone=phone,
            address=address,
        )  # fmt: skip
        RequestStep.objects.create(request=request, action=StepAction.SUBMIT, by=None)
        figures.changed(Grid, [grid.pk], "village__town_id")
        return request

    def _move(self, from_states, by, action, note="", **fields):
        """Compare-and-set from `from_states`; the step and the version are kept. False when someone was first."""
        with transaction.atomic():
            if not ResidentRequest.objects.filter(pk=self.pk, state__in=from_states).update(**fields):
                return False
            for name, value in fields.items():
                setattr(self, name, value)
            record_version(self, by=by)
            RequestStep.objects.create(request=self, action=action, by=by, note=note[:200])
            figures.changed(Grid, [self.grid_id], "village__town_id")
        return True

    def _overtaken(self):
        self.refresh_from_db()
        who = f"（{self.assignment.member.name}）" if self.assignment_id else ""
        return TransitionError.overtaken(
            f"这条诉求刚刚已有变化，现在是“{self.get_state_display()}”{who}。请刷新后再看。",
            reverse("posts:request", args=[self.pk]),
        )

    def dispatch_to(self, assignment, by):
        """派单: the branch gives a new request to a member on post in the grid."""
        self._check_member(assignment)
        fields = {"state": RequestState.DISPATCHED, "assignment": assignment, "with_member_at": timezone.now()}
        if not self._move([RequestState.NEW], by, StepAction.DISPATCH, note=assignment.member.name, **fields):
            raise self._overtaken()

    def take(self, assignment, by):
        """接单: a member on post takes a new request, or accepts one dispatched to them."""
        self._check_member(assignment)
        if self.state == RequestState.DISPATCHED and self.assignment_id == assignment.pk:
            moved = self._move(
                [RequestState.DISPATCHED], by, StepAction.TAKE, state=RequestState.TAKEN, assignment=assignment
            )
        else:
            fields = {"state": RequestState.TAKEN, "assignment": assignment, "with_member_at": timezone.now()}
            moved = self._move([RequestState.NEW], by, StepAction.TAKE, **fields)
        if not moved:
            raise self._overtaken()

    def hand_back(self, by, reason):
        """A member (or the secretary) hands a request back with a reason: it waits for dispatch again."""
        if not reason.strip():
            raise TransitionError("退单时请写明原因。")
        fields = {"state": RequestState.NEW, "assignment": None, "with_member_at": None}
        if not self._move(WITH_MEMBER, by, StepAction.HAND_BACK, note=reason.strip(), **fields):
            raise self._overtaken()

    def complete(self, record, by):
        """The member's ledger entry says what was done: the request waits for the resident's rating."""
        if record.assignment_id != self.assignment_id:
            raise TransitionError("办理纪实必须是承办党员本人的。")
        fields = {"state": RequestState.DONE, "record": record, "done_at": timezone.now()}
        if not self._move(WITH_MEMBER, by, StepAction.COMPLETE, **fields):
            raise self._overtaken()

    def rate(self, satisfaction, comment=""):
        """评单: the resident, with the receipt code, confirms it was done and rates it."""
        if satisfaction not in Satisfaction.values:
            raise TransitionError("请选择满意、基本满意或不满意。")
        fields = {
            "state": RequestState.CONFIRMED,
            "satisfaction": satisfaction,
            "comment": comment.strip()[:200],
            "finished_at": timezone.now(),
        }
        if not self._move([RequestState.DONE], None, StepAction.RATE, note=Satisfaction(satisfaction).label, **fields):
            if self.state == RequestState.CONFIRMED:
                raise TransitionError("这条诉求已经评价过了，谢谢！")
            raise TransitionError("这条诉求还没有办结，办结后才能评价。")

    def approve_comment(self, by):
        if self.comment and not self.comment_public:
            self.comment_public = True
            self._history_user = by
            self.save(update_fields=["comment_public"])

    def _check_member(self, assignment):
        if assignment.post.grid_id != self.grid_id or assignment.status != "on_post":
            raise TransitionError("只能交给本网格的在岗党员办理。")

    # --- dates -------------------------------------------------------------------------------------------------

    def due_at(self, terms):
        """When the request is overdue if it has not moved on: taken within take_days, done within done_days."""
        if self.state == RequestState.NEW:
            return self.created_at + datetime.timedelta(days=terms.take_days)
        if self.state in WITH_MEMBER and self.with_member_at:
            return self.with_member_at + datetime.timedelta(days=terms.done_days)
        return None

    def is_overdue(self, terms, now=None):
        due = self.due_at(terms)
        return due is not None and due < (now or timezone.now())

    @property
    def days_to_done(self):
        return (self.done_at - self.created_at).total_seconds() / 86400 if self.done_at else None

    @staticmethod
    def close_unconfirmed(now=None):
        """Requests done and not rated within their town's confirm_days close themselves, marked as such."""
        now = now or timezone.now()
        closed = 0
        done = ResidentRequest.objects.filter(state=RequestState.DONE).select_related("grid__village")
        terms = DutyTerms.for_towns({r.grid.village.town_id for r in done})
        for request in done:
            days = terms[request.grid.village.town_id].confirm_days
            if request.done_at + datetime.timedelta(days=days) <= now:
                fields = {"state": RequestState.CLOSED, "finished_at": now}
                closed += request._move([RequestState.DONE], None, StepAction.CLOSE, note=f"{days}天内未评价", **fields)
        return closed


def overdue_condition(terms, now=None):
    """The database condition "overdue" for requests of one town (its terms)."""
    now = now or timezone.now()
    return Q(state=RequestState.NEW, created_at__lt=now - datetime.timedelta(days=terms.take_days)) | Q(
        state__in=WITH_MEMBER, with_member_at__lt=now - datetime.timedelta(days=terms.done_days)
    )


class StepAction(models.TextChoices):
    SUBMIT = "submit", "群众点单"
    DISPATCH = "dispatch", "支部派单"
    TAKE = "take", "党员接单"
    HAND_BACK = "hand_back", "退单"
    COMPLETE = "complete", "办结"
    RATE = "rate", "群众评单"
    CLOSE = "close", "到期未评价，自动关闭"


class RequestStep(models.Model):
    """One move of a request, as the resident's page and the secretary's list show its course."""

    request = models.ForeignKey(ResidentRequest, verbose_name="诉求", on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("环节", max_length=10, choices=StepAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "诉求办理环节"
        verbose_name_plural = "诉求办理环节"
        ordering = ["at", "pk"]

    def __str__(self):
        return self.get_action_display()


def create_record(assignment, by, on_behalf, **fields):
    """A ledger entry, its first version kept as `by`'s."""
    return create_as(by, DutyRecord, assignment=assignment, recorded_by=by, on_behalf=on_behalf, **fields)
