"""Points and stars (积分管理、星级评定): the town's point rules, each member's register, claims the grid's scoring
group decides, and the year's star ratings.

The register is derived: every entry comes from a record (a training, a checked ledger entry, a request rated
满意, residents' praise, a criticism found true, a request overdue, a report not handed in) or from an approved
claim, under the rule in force on the entry's day. `posts.points.recompute()` rebuilds it from scratch, so it
always says what the records say; a rule changed mid-year is a new rule from its date (the old one ends the
day before), and entries dated before keep the old points.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from grids.models import Grid, Town
from members.models import Member

from .workflow import Assignment


class PointCategory(models.TextChoices):
    BASE = "base", "基础分"
    DUTY = "duty", "履职分"
    BONUS = "bonus", "加分"
    DEDUCTION = "deduction", "扣分"


class PointSource(models.TextChoices):
    """Where a rule's points come from: a kind of record the system counts, or a claim someone makes."""

    ON_POST = "on_post", "在岗（每年一次）"
    TRAINING_ATTENDED = "training_attended", "参加集中培训"
    TRAINING_MISSED = "training_missed", "缺席集中培训"
    DUTY_VERIFIED = "duty_verified", "履职纪实经核实"
    REQUEST_SATISFIED = "request_satisfied", "群众点单办结且评价满意"
    PRAISE = "praise", "群众表扬"
    CRITICISM_UPHELD = "criticism_upheld", "群众批评经核实属实"
    REQUEST_OVERDUE = "request_overdue", "群众点单超期"
    REPORT_MISSING = "report_missing", "未按期汇报"
    CLAIM = "claim", "申报（经评分小组审核）"
    BRANCH = "branch", "支部积分（镇党委或村党组织记载）"


class CapPeriod(models.TextChoices):
    NONE = "", "不封顶"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class PointRule(models.Model):
    """积分规则: one line of the town's catalogue. Points are negative for 扣分. A rule is in force from
    `valid_from` until `valid_to` (open-ended when empty)."""

    town = models.ForeignKey(Town, verbose_name="镇", on_delete=models.CASCADE, related_name="point_rules")
    category = models.CharField("类别", max_length=10, choices=PointCategory.choices)
    name = models.CharField("积分事项", max_length=60)
    source = models.CharField("计分方式", max_length=20, choices=PointSource.choices)
    points = models.DecimalField("分值", max_digits=5, decimal_places=1, help_text="扣分填负数，例如 -2。")
    cap = models.DecimalField(
        "上限",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="每个周期最多计多少分（扣分为最多扣多少分）。",
    )
    cap_period = models.CharField("上限周期", max_length=8, choices=CapPeriod.choices, blank=True, default="")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("停用日期", null=True, blank=True, editable=False)
    order = models.PositiveSmallIntegerField("排序", default=100)

    history = HistoricalRecords(verbose_name="积分规则修改记录")

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="pointrule_valid_period",
            ),
        ]

    def __str__(self):
        return self.name

    def in_force(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def is_claimed(self):
        return self.source == PointSource.CLAIM


class PointTerms(models.Model):
    """A town's scale: the caps of its categories and its star thresholds (the defaults below without a row)."""

    town = models.OneToOneField(Town, verbose_name="镇", on_delete=models.CASCADE, related_name="point_terms")
    duty_cap_year = models.DecimalField("履职分每年上限", max_digits=5, decimal_places=1, default=Decimal(50))
    bonus_cap_quarter = models.DecimalField("加分每季度上限", max_digits=5, decimal_places=1, default=Decimal(20))
    five_star = models.PositiveSmallIntegerField("五星分数线", default=90)
    four_star = models.PositiveSmallIntegerField("四星分数线", default=80)
    three_star = models.PositiveSmallIntegerField("三星分数线", default=70)
    notice_days = models.PositiveSmallIntegerField("星级公示天数", default=5)

    class Meta:
        verbose_name = "积分与星级标准"
        verbose_name_plural = "积分与星级标准"

    def __str__(self):
        return f"{self.town.name}积分与星级标准"

    @staticmethod
    def for_towns(town_ids):
        found = {t.town_id: t for t in PointTerms.objects.filter(town__in=town_ids)}
        return {t: found.get(t) or PointTerms(town_id=t) for t in town_ids}

    def star_for(self, total):
        for stars, floor in ((5, self.five_star), (4, self.four_star), (3, self.three_star)):
            if total >= floor:
                return stars
        return 0


# The catalogue every town starts from (practice in public sources: 基础分 50 + 履职分 50, 加分 at most 20 a
# quarter, deductions for duties not done). (category, name, source, points, cap, cap period)
DEFAULT_RULES = [
    (PointCategory.BASE, "在岗党员基础分", PointSource.ON_POST, 50, None, ""),
    (PointCategory.DUTY, "履职纪实经联系人核实", PointSource.DUTY_VERIFIED, 2, 15, CapPeriod.QUARTER),
    (PointCategory.DUTY, "群众点单办结且评价满意", PointSource.REQUEST_SATISFIED, 3, None, ""),
    (PointCategory.DUTY, "参加集中培训", PointSource.TRAINING_ATTENDED, 2, None, ""),
    (PointCategory.BONUS, "群众表扬", PointSource.PRAISE, 2, None, ""),
    (PointCategory.BONUS, "受到表彰或做出突出贡献（申报）", PointSource.CLAIM, 5, None, ""),
    (PointCategory.DEDUCTION, "无故缺席集中培训", PointSource.TRAINING_MISSED, -2, None, ""),
    (PointCategory.DEDUCTION, "群众批评经核实属实", PointSource.CRITICISM_UPHELD, -3, None, ""),
    (PointCategory.DEDUCTION, "群众点单超期未办", PointSource.REQUEST_OVERDUE, -1, 5, CapPeriod.QUARTER),
    (PointCategory.DEDUCTION, "未按期向支部汇报", PointSource.REPORT_MISSING, -3, None, ""),
    (PointCategory.DEDUCTION, "履职不力（申报）", PointSource.CLAIM, -5, None, ""),
    (PointCategory.BONUS, "支部工作受到镇党委通报表扬", PointSource.BRANCH, 5, 10, CapPeriod.YEAR),
    (PointCategory.DEDUCTION, "支部未按时组织党员汇报、评岗", PointSource.BRANCH, -5, None, ""),
]


class PointEntry(models.Model):
    """积分记录: one line of a member's register. `source_key` names the record or claim it comes from (one entry
    per rule and source), `points` what it counts after the caps, `raw` what the rule gave."""

    assignment = models.ForeignKey(
        Assignment, verbose_name="在岗党员", on_delete=models.CASCADE, related_name="point_entries"
    )
    rule = models.ForeignKey(PointRule, verbose_name="积分规则", on_delete=models.PROTECT, related_name="entries")
    on = models.DateField("日期")
    raw = models.DecimalField("规则分值", max_digits=5, decimal_places=1)
    points = models.DecimalField("计入分数", max_digits=5, decimal_places=1)
    source_key = models.CharField("来源", max_length=40)
    note = models.CharField("说明", max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "rule", "source_key"], name="pointentry_once_per_source")
        ]
        indexes = [models.Index(fields=["assignment", "on"])]

    def __str__(self):
        return f"{self.on} {self.rule.name} {self.points:+}"

    @property
    def capped(self):
        return self.points != self.raw


class BranchPointEntry(models.Model):
    """支部积分: points of a grid branch itself under the town's rules for branches (计分方式 支部积分), recorded by
    the town's committee or the village's secretary. The branch's score is their sum for the year plus its members'
    average; `points` is what counts after the rule's cap, `raw` what the rule gave."""

    grid = models.ForeignKey(Grid, verbose_name="网格支部", on_delete=models.CASCADE, related_name="branch_points")
    rule = models.ForeignKey(
        PointRule, verbose_name="积分事项", on_delete=models.PROTECT, related_name="branch_entries"
    )
    on = models.DateField("日期")
    raw = models.DecimalField("规则分值", max_digits=5, decimal_places=1)
    points = models.DecimalField("计入分数", max_digits=5, decimal_places=1)
    note = models.CharField("事由", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记载人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记载时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="支部积分修改记录")

    class Meta:
        verbose_name = "支部积分"
        verbose_name_plural = "支部积分"
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.on} {self.rule.name} {self.points:+}"

    @property
    def capped(self):
        return self.points != self.raw


class ClaimState(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REFUSED = "refused", "未通过"


class PointClaim(models.Model):
    """积分申报: points claimed under a claimable rule, with a reason and evidence, decided by the grid's scoring
    group (评分小组); approved, it becomes an entry of the register."""

    assignment = models.ForeignKey(Assignment, verbose_name="在岗党员", on_delete=models.PROTECT, related_name="claims")
    rule = models.ForeignKey(PointRule, verbose_name="积分事项", on_delete=models.PROTECT, related_name="claims")
    on = models.DateField("事情发生日期")
    reason = models.TextField("申报理由", max_length=500)
    evidence = models.CharField("证明材料", max_length=200, blank=True, help_text="例如：镇党委表彰文件、证明人。")
    state = models.CharField("审核状态", max_length=10, choices=ClaimState.choices, default=ClaimState.PENDING)
    decision = models.CharField("审核意见", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申报时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="积分申报修改记录")

    class Meta:
        verbose_name = "积分申报"
        verbose_name_plural = "积分申报"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.rule.name}（{self.get_state_display()}）"


class ScoringGroup(models.Model):
    """评分小组: three to five members of the grid branch who decide its members' claims."""

    grid = models.OneToOneField(Grid, verbose_name="网格", on_delete=models.CASCADE, related_name="scoring_group")
    members = models.ManyToManyField(Member, verbose_name="评分小组成员", related_name="scoring_groups")

    history = HistoricalRecords(verbose_name="评分小组修改记录", m2m_fields=[members])

    class Meta:
        verbose_name = "评分小组"
        verbose_name_plural = "评分小组"

    def __str__(self):
        return f"{self.grid}评分小组"


# --- stars ---------------------------------------------------------------------------------------------------------


class StarStep(models.TextChoices):
    PROPOSED = "proposed", "系统按积分提出建议"
    GROUP = "group", "党小组初评"
    BRANCH = "branch", "支部初定"
    GENERAL = "general", "总支核查"
    ASSEMBLY = "assembly", "党员大会表决"
    NOTICE = "notice", "张榜公示"
    AWARDED = "awarded", "授牌"


STAR_STEPS = list(StarStep)


class StarRound(models.Model):
    """星级评定: a grid branch's star rating of its members on post for a year, step by step."""

    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="star_rounds")
    year = models.PositiveSmallIntegerField("年度")
    step = models.CharField("当前步骤", max_length=10, choices=StarStep.choices, default=StarStep.PROPOSED)
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示结束", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="星级评定修改记录")

    class Meta:
        verbose_name = "星级评定"
        verbose_name_plural = "星级评定"
        ordering = ["-year", "grid"]
        constraints = [models.UniqueConstraint(fields=["grid", "year"], name="starround_once_per_grid_year")]

    def __str__(self):
        return f"{self.grid}{self.year}年度星级评定"

    def get_absolute_url(self):
        return reverse("posts:star-round", args=[self.pk])


class StarRecord(models.Model):
    """A step of a star round as it was held: the date, the meeting and what it decided."""

    star_round = models.ForeignKey(StarRound, verbose_name="星级评定", on_delete=models.CASCADE, related_name="records")
    step = models.CharField("步骤", max_length=10, choices=StarStep.choices)
    held_on = models.DateField("日期")
    meeting = models.CharField("会议或方式", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "星级评定步骤"
        verbose_name_plural = "星级评定步骤"
        ordering = ["at", "pk"]

    def __str__(self):
        return self.get_step_display()


STARS = [(5, "五星"), (4, "四星"), (3, "三星"), (0, "未评星")]


class StarRating(models.Model):
    """A member's star for the year: proposed from the points, set by the branch's steps, changed with a reason."""

    star_round = models.ForeignKey(StarRound, verbose_name="星级评定", on_delete=models.CASCADE, related_name="ratings")
    assignment = models.ForeignKey(Assignment, verbose_name="在岗党员", on_delete=models.PROTECT, related_name="stars")
    total = models.DecimalField("年度积分", max_digits=6, decimal_places=1)
    proposed = models.PositiveSmallIntegerField("建议星级", choices=STARS)
    stars = models.PositiveSmallIntegerField("评定星级", choices=STARS)
    change_reason = models.CharField("调整理由", max_length=200, blank=True)

    history = HistoricalRecords(verbose_name="星级修改记录")

    class Meta:
        verbose_name = "党员星级"
        verbose_name_plural = "党员星级"
        ordering = ["-stars", "-total", "pk"]
        constraints = [models.UniqueConstraint(fields=["star_round", "assignment"], name="star_once_per_member")]

    def __str__(self):
        return f"{self.assignment.member.name} {self.get_stars_display()}"


class StarObjection(models.Model):
    """An objection to the star list while it is on notice; answered before 授牌."""

    star_round = models.ForeignKey(
        StarRound, verbose_name="星级评定", on_delete=models.CASCADE, related_name="objections"
    )
    rating = models.ForeignKey(
        StarRating, verbose_name="针对", on_delete=models.CASCADE, null=True, blank=True, related_name="objections"
    )
    raised_by = models.CharField("提出人", max_length=30)
    raised_on = models.DateField("提出日期", default=datetime.date.today)
    content = models.TextField("异议内容", max_length=500)
    answer = models.TextField("答复", blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)

    history = HistoricalRecords(verbose_name="星级异议修改记录")

    class Meta:
        verbose_name = "星级异议"
        verbose_name_plural = "星级异议"
        ordering = ["raised_on", "pk"]

    def __str__(self):
        return f"{self.raised_by}的异议"


# --- the quarter's register on notice ------------------------------------------------------------------------------


class PointsNotice(models.Model):
    """积分公示: a grid's register for a quarter put up on the wall for its days, with the objections it drew,
    each answered before the notice can be closed."""

    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="points_notices")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    starts_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示结束日期")
    place = models.CharField("公示地点", max_length=100, default="村党务公开栏、网格公示牌")
    phone = models.CharField("监督电话", max_length=20)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="积分公示修改记录")

    class Meta:
        verbose_name = "积分公示"
        verbose_name_plural = "积分公示"
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "year", "quarter"], name="pointsnotice_once_per_quarter"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="pointsnotice_dates"),
        ]

    def __str__(self):
        return f"{self.grid}{self.year}年第{self.quarter}季度积分公示"

    def is_running(self, day):
        return self.starts_on <= day <= self.ends_on

    @staticmethod
    def running_for(grid, day):
        """The grid's points notice running on `day`, if any (the latest quarter's)."""
        return PointsNotice.objects.filter(grid=grid, starts_on__lte=day, ends_on__gte=day).first()


class PointsObjection(models.Model):
    """An objection to a member's points while the quarter's register is on notice."""

    notice = models.ForeignKey(
        PointsNotice, verbose_name="积分公示", on_delete=models.CASCADE, related_name="objections"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name="针对的党员", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_by = models.CharField("提出人", max_length=30)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    raised_on = models.DateField("提出日期")
    content = models.TextField("异议内容", max_length=500)
    answer = models.TextField("答复", blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="空：群众在网格公开页上自己提出。",
    )

    history = HistoricalRecords(verbose_name="积分异议修改记录")

    class Meta:
        verbose_name = "积分异议"
        verbose_name_plural = "积分异议"
        ordering = ["raised_on", "pk"]

    def __str__(self):
        return f"{self.raised_by}对积分公示的异议"

    @property
    def from_public(self):
        return self.recorded_by_id is None
