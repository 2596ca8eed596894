"""The post-type catalogue and the posts a grid sets up (按需设岗、因事设岗)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from grids.models import Grid, Village
from members.models import NeedCategory, NeedRecord


def duty_lines(duties):
    """Duties are kept one per line; printed and shown as a numbered list."""
    return [line.strip() for line in duties.splitlines() if line.strip()]


class PostType(models.Model):
    name = models.CharField("岗位类型", max_length=30)
    duties = models.TextField("工作责任", help_text="每行一条。")
    need_category = models.CharField(
        "对应需求类别",
        max_length=16,
        choices=NeedCategory.choices,
        blank=True,
        help_text="用于提示该岗位回应哪类群众需求。",
    )
    village = models.ForeignKey(
        Village,
        verbose_name="自设村",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_post_types",
        help_text="为空表示镇党委统一建议的岗位类型；填写表示该村自行设定。",
    )
    order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "岗位类型"
        verbose_name_plural = "岗位类型"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(village__isnull=True), name="posttype_unique_town_name"
            ),
            models.UniqueConstraint(fields=["village", "name"], name="posttype_unique_village_name"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("posts:post-types")

    @property
    def duty_lines(self):
        return duty_lines(self.duties)


class Post(models.Model):
    grid = models.ForeignKey(Grid, verbose_name="所在网格", on_delete=models.PROTECT, related_name="posts")
    post_type = models.ForeignKey(PostType, verbose_name="岗位类型", on_delete=models.PROTECT, related_name="posts")
    name = models.CharField("岗位名称", max_length=50)
    places = models.PositiveSmallIntegerField("职数", default=1, help_text="该岗位可以安排几名党员（一岗可多人）。")
    duties = models.TextField("工作责任", help_text="每行一条，默认取自岗位类型，可按网格实际修改。")
    needs = models.ManyToManyField(NeedRecord, verbose_name="回应的群众需求", blank=True, related_name="posts")
    reason = models.TextField("设岗理由", blank=True, help_text="没有对应的群众需求记录时，写明设岗理由（因事设岗）。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="岗位修改记录")

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["post_type__order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1) & Q(places__lte=20), name="post_places_1_to_20"),
            models.UniqueConstraint(fields=["grid", "name"], name="post_unique_name_in_grid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("posts:grid-posts", args=[self.grid_id])

    @property
    def duty_lines(self):
        return duty_lines(self.duties)
