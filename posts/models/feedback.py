"""Residents' feedback from the grid's public page (the QR code on the wall sheet): praise, criticism,
suggestions and, while a notice runs, objections — which become the workflow's objection records."""

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from grids import figures
from grids.models import Grid

from .workflow import Assignment, Notice, Objection, Stage, TransitionError, record_version


class FeedbackKind(models.TextChoices):
    PRAISE = "praise", "表扬"
    CRITICISM = "criticism", "批评"
    SUGGESTION = "suggestion", "意见建议"
    OBJECTION = "objection", "对公示人选有异议"


class FeedbackState(models.TextChoices):
    NEW = "new", "待处理"
    HANDLING = "handling", "处理中"
    ANSWERED = "answered", "已答复"


class Feedback(models.Model):
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="feedback")
    kind = models.CharField("类型", max_length=12, choices=FeedbackKind.choices)
    about = models.ForeignKey(
        Assignment,
        verbose_name="针对的上岗党员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
        help_text="为空表示针对整个网格。",
    )
    content = models.TextField("内容", max_length=500)
    name = models.CharField("留言人", max_length=20, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    state = models.CharField("处理状态", max_length=10, choices=FeedbackState.choices, default=FeedbackState.NEW)
    answer = models.TextField("答复", blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    # A criticism the branch looked into and found true costs the member points (posts/points.py).
    upheld = models.BooleanField("批评经核实属实", default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="答复人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    objection = models.OneToOneField(
        Objection, verbose_name="登记的异议", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    address = models.GenericIPAddressField("来源地址", null=True, help_text="只用于防止恶意刷留言，不公开。")
    created_at = models.DateTimeField("留言时间", auto_now_add=True, db_index=True)

    # The address only guards against floods of messages; it is not part of what was said or done.
    history = HistoricalRecords(verbose_name="群众反馈修改记录", excluded_fields=["address"])

    class Meta:
        verbose_name = "群众反馈"
        verbose_name_plural = "群众反馈"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.content[:20]}"

    @staticmethod
    def objection_window(notice, today=None):
        """`notice` (the grid's latest) if it is running in 支部议岗: only then may residents raise an objection."""
        if notice and notice.is_running(today) and notice.round.stage == Stage.DELIBERATION:
            return notice
        return None

    @classmethod
    @transaction.atomic
    def submit(cls, grid, kind, content, about=None, name="", phone="", address=None, today=None):
        """A resident's feedback; an objection during a notice is also recorded as the notice's objection."""
        today = today or timezone.localdate()
        objection = None
        if kind == FeedbackKind.OBJECTION:
            notice = cls.objection_window(Notice.latest_for(grid), today)
            if notice is None:
                raise TransitionError("现在没有正在公示的拟上岗人选，不能提出异议；可以选择“意见建议”。")
            objection = notice.raise_objection(
                assignment=about, raised_by=name or "匿名群众", raised_on=today, content=content, by=None, today=today
            )
        return cls.objects.create(
            grid=grid,
            kind=kind,
            content=content,
            about=about,
            name=name,
            phone=phone,
            address=address,
            objection=objection,
        )

    def take_up(self, by=None):
        """The secretary starts handling it (新 → 处理中); a second click changes nothing."""
        with transaction.atomic():
            if Feedback.objects.filter(pk=self.pk, state=FeedbackState.NEW).update(state=FeedbackState.HANDLING):
                self.state = FeedbackState.HANDLING
                record_version(self, by=by)
                figures.changed(Grid, [self.grid_id], "village__town_id")
            else:
                self.refresh_from_db(fields=["state"])

    @transaction.atomic
    def answer_with(self, answer, by, today=None):
        """Record the answer; an objection's answer is the objection's answer too."""
        today = today or timezone.localdate()
        if not self.record_answer(answer, today, by):
            done = Feedback.objects.select_related("answered_by").get(pk=self.pk)
            who = (done.answered_by.get_full_name() or done.answered_by.username) if done.answered_by else "他人"
            day = done.answered_on
            raise TransitionError.overtaken(
                f"这条反馈已经答复过了：{who}于{day.month}月{day.day}日答复“{done.answer[:30]}”。",
                reverse("posts:feedback", args=[self.grid_id]),
            )
        if self.objection_id and not self.objection.is_answered:
            self.objection.answer_with(answer=answer, answered_on=today, by=by)  # this feedback is answered already

    def record_answer(self, answer, answered_on, by):
        """Write the answer unless someone answered first; True if it was written."""
        fields = {"state": FeedbackState.ANSWERED, "answer": answer, "answered_on": answered_on, "answered_by": by}
        if not Feedback.objects.filter(pk=self.pk).exclude(state=FeedbackState.ANSWERED).update(**fields):
            return False
        for name, value in fields.items():
            setattr(self, name, value)
        record_version(self, by=by)
        figures.changed(Grid, [self.grid_id], "village__town_id")
        return True
