"""严格评岗: training, check-ups, members' reports and ratings of members on post."""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from members.models import Member

from .workflow import Assignment, Round


class Training(models.Model):
    round = models.ForeignKey(Round, verbose_name="年度工作", on_delete=models.PROTECT, related_name="trainings")
    held_on = models.DateField("培训日期")
    topic = models.CharField("培训内容", max_length=200)
    place = models.CharField("地点", max_length=100, blank=True)
    attendees = models.ManyToManyField(Member, verbose_name="参加的在岗党员", related_name="trainings")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "集中培训"
        verbose_name_plural = "集中培训"
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"{date_format(self.held_on)} {self.topic}"

    def get_absolute_url(self):
        return reverse("posts:round", args=[self.round_id])


class CheckUp(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name="在岗党员", on_delete=models.PROTECT, related_name="checkups"
    )
    held_on = models.DateField("督查日期")
    findings = models.TextField("履职情况")
    improvements = models.TextField("存在问题及改进措施", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "工作督查"
        verbose_name_plural = "工作督查"
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{date_format(self.held_on)} 督查"

    def get_absolute_url(self):
        return reverse("posts:assignment", args=[self.assignment_id])


class Audience(models.TextChoices):
    BRANCH = "branch", "向党支部汇报"
    REPRESENTATIVES = "representatives", "向群众代表汇报"


class WorkReport(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name="在岗党员", on_delete=models.PROTECT, related_name="reports"
    )
    reported_on = models.DateField("汇报日期")
    audience = models.CharField("汇报对象", max_length=16, choices=Audience.choices)
    content = models.TextField("汇报内容")
    # The period the report covers (DutyTerms.report_period): it lists that period's ledger entries.
    period_start = models.DateField("汇报期间自", null=True, blank=True)
    period_end = models.DateField("汇报期间至", null=True, blank=True)
    period_name = models.CharField("汇报期间", max_length=20, blank=True)
    heard_on = models.DateField("听取汇报的会议日期", null=True, blank=True)
    heard_by = models.CharField(
        "听取汇报的会议", max_length=100, blank=True, help_text="例如：第一网格支部会议和群众代表会议，到会12人。"
    )
    on_paper = models.BooleanField("纸质汇报代录", default=False, help_text="党员交的是纸质汇报，由书记录入。")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(verbose_name="定期汇报修改记录")

    class Meta:
        verbose_name = "定期汇报"
        verbose_name_plural = "定期汇报"
        ordering = ["-reported_on", "-pk"]

    def __str__(self):
        return f"{date_format(self.reported_on)} {self.get_audience_display()}"

    def get_absolute_url(self):
        return reverse("posts:assignment", args=[self.assignment_id])


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    POOR = "poor", "不称职"


# Lowest weighted score for each grade, highest first.
GRADE_THRESHOLDS = [(90, Grade.EXCELLENT), (75, Grade.COMPETENT), (60, Grade.BASIC), (0, Grade.POOR)]


def grade_for(score):
    return next(grade for floor, grade in GRADE_THRESHOLDS if score >= floor)


class Rating(models.Model):
    """评岗: the branch's, fellow members' and residents' scores, weighted per settings.RATING_WEIGHTS."""

    assignment = models.ForeignKey(
        Assignment, verbose_name="在岗党员", on_delete=models.PROTECT, related_name="ratings"
    )
    period = models.CharField("评议期间", max_length=30, help_text="例如：2026年上半年")
    org_score = models.PositiveSmallIntegerField("组织评分")
    peer_score = models.PositiveSmallIntegerField("党员评分")
    resident_score = models.PositiveSmallIntegerField("群众评分")
    score = models.DecimalField("综合得分", max_digits=5, decimal_places=1, editable=False)
    grade = models.CharField("评定等次", max_length=10, choices=Grade.choices, editable=False)
    comment = models.TextField("评语")
    rated_on = models.DateField("评议日期")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "评岗结果"
        verbose_name_plural = "评岗结果"
        ordering = ["rated_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(org_score__lte=100) & Q(peer_score__lte=100) & Q(resident_score__lte=100),
                name="rating_scores_at_most_100",
            ),
            models.UniqueConstraint(fields=["assignment", "period"], name="rating_once_per_period"),
        ]

    def __str__(self):
        return f"{self.period} {self.get_grade_display()}"

    def get_absolute_url(self):
        return reverse("posts:assignment", args=[self.assignment_id])

    @property
    def grade_label(self):
        return self.get_grade_display()

    @staticmethod
    def weighted(org, peer, resident):
        w = settings.RATING_WEIGHTS
        total = w["org"] + w["peer"] + w["resident"]
        return round((org * w["org"] + peer * w["peer"] + resident * w["resident"]) / total, 1)

    def compute(self):
        """Fill in the weighted score and the grade from the three scores."""
        self.score = self.weighted(self.org_score, self.peer_score, self.resident_score)
        self.grade = grade_for(self.score)


def latest_grade():
    """An assignment's grade from its latest rating, as an annotation on assignments (None when not rated)."""
    return Subquery(Rating.objects.filter(assignment=OuterRef("pk")).order_by("-rated_on", "-pk").values("grade")[:1])
