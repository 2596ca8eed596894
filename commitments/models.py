"""Printed documents: the archive of every PDF issued, and batches printed in the background."""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import models
from django.urls import reverse
from django.utils import timezone

from grids.models import Grid, Town, Village
from posts.models import Assignment, Round


class DocumentKind(models.TextChoices):
    POST_LIST = "post_list", "岗位公告"
    NOTICE = "notice", "拟上岗人选公示"
    LETTER = "letter", "设岗定责承诺书"
    WALL_SHEET = "wall_sheet", "网格公示牌"


def archive_path(document, filename):
    day = timezone.localdate()
    return f"archive/{day:%Y/%m}/{document.sha256[:16]}-{filename}"


class IssuedDocument(models.Model):
    """A PDF as it was issued: kept with its SHA-256 so the town can show exactly what was posted or signed."""

    kind = models.CharField("文件类型", max_length=16, choices=DocumentKind.choices)
    title = models.CharField("标题", max_length=200)
    town = models.ForeignKey(
        Town, verbose_name="镇", on_delete=models.PROTECT, null=True, related_name="+", help_text="为空表示全县的文件。"
    )
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, null=True, related_name="+")
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, null=True, related_name="+")
    assignment = models.ForeignKey(
        Assignment, verbose_name="上岗党员", on_delete=models.PROTECT, null=True, related_name="documents"
    )
    round = models.ForeignKey(Round, verbose_name="年度工作", on_delete=models.PROTECT, null=True, related_name="+")
    file = models.FileField("PDF文件", upload_to=archive_path, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False, db_index=True)
    pages = models.PositiveIntegerField("页数", editable=False)
    size = models.PositiveIntegerField("字节数", editable=False)
    purpose = models.CharField("用途", max_length=100)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="打印人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("打印时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "已打印文件"
        verbose_name_plural = "已打印文件"
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("commitments:document", args=[self.pk])

    @classmethod
    def archive(cls, pdf, pages, filename, **fields):
        """Store a new PDF (bytes, or a binary file, read from its start) in the archive; a file already there is
        never overwritten (names carry the hash). A batch's PDF comes as a file, not copied into memory."""
        content = ContentFile(pdf) if isinstance(pdf, bytes) else File(pdf)
        content.seek(0)
        sha256 = hashlib.file_digest(content, "sha256").hexdigest()
        doc = cls(sha256=sha256, pages=pages, size=content.size, **fields)
        doc.file.save(filename, content, save=False)
        doc.save()
        return doc


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PrintBatch(models.Model):
    """A village- or town-wide PDF made in the background, with its progress for the page to show."""

    kind = models.CharField("文件类型", max_length=16, choices=DocumentKind.choices)
    town = models.ForeignKey(
        Town,
        verbose_name="镇",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="为空表示全县（本系统的所有镇）。",
    )
    village = models.ForeignKey(
        Village,
        verbose_name="村",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="为空表示全镇。",
    )
    status = models.CharField("状态", max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    pages_done = models.PositiveIntegerField("已完成页数", default=0)
    pages_total = models.PositiveIntegerField("总页数", default=0)
    error = models.TextField("失败原因", blank=True)
    base_url = models.CharField(
        "二维码网址",
        max_length=200,
        blank=True,
        help_text="申请时居民访问本系统的地址（PUBLIC_BASE_URL，未设置时为申请人打开本系统的地址），印在二维码里。",
    )
    document = models.ForeignKey(IssuedDocument, verbose_name="生成的文件", on_delete=models.PROTECT, null=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    lease_until = models.DateTimeField(
        "规划租约到期", null=True, blank=True, help_text="规划本批的进程在此之前没有排好各部分时，由其他进程重新规划。"
    )

    class Meta:
        verbose_name = "批量打印"
        verbose_name_plural = "批量打印"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.scope_name}{self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("commitments:batch", args=[self.pk])

    @property
    def scope_name(self):
        return self.village.name if self.village_id else self.town.name if self.town_id else "全县"

    @property
    def percent(self):
        return round(100 * self.pages_done / self.pages_total) if self.pages_total else 0

    @property
    def is_finished(self):
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class BatchPart(models.Model):
    """One slice of a batch, printed by whichever worker claims it first; the last one done joins them all.

    Its sections are frozen when the batch is planned (`keys`), so every letter is printed exactly once even
    while two workers print side by side and the data changes meanwhile.
    """

    batch = models.ForeignKey(PrintBatch, verbose_name="批量打印", on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField("序号")
    keys = models.JSONField("内容", help_text="本部分要印的承诺书（申报记录）或网格，按顺序。")
    status = models.CharField("状态", max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    pages = models.PositiveIntegerField("页数", default=0)
    file = models.FileField("PDF", upload_to="batches/", blank=True)
    worker = models.CharField("打印进程", max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField("领取次数", default=0)
    lease_until = models.DateTimeField(
        "租约到期", null=True, blank=True, help_text="打印进程定时续期；过期未续（进程已停止）则由其他进程重印。"
    )
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量打印的部分"
        verbose_name_plural = "批量打印的部分"
        ordering = ["batch", "index"]
        constraints = [models.UniqueConstraint(fields=["batch", "index"], name="batch_part_once")]

    def __str__(self):
        return f"{self.batch} 第{self.index + 1}部分"
