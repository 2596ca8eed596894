"""The days a town expects a village to spend at each stage: the town's home ranks its villages against them,
and a village past them is reminded (posts/services.py)."""

from django.conf import settings
from django.db import models, transaction

from grids.models import Town

from .workflow import Stage

# The stages a village spends days at: every stage but the end.
TIMED_STAGES = [s for s in Stage if s != Stage.CLOSED]


class StageTarget(models.Model):
    town = models.ForeignKey(Town, verbose_name="镇", on_delete=models.CASCADE, related_name="stage_targets")
    stage = models.CharField("阶段", max_length=16, choices=[(s.value, s.label) for s in TIMED_STAGES])
    days = models.PositiveSmallIntegerField("预期天数")

    class Meta:
        verbose_name = "阶段预期天数"
        verbose_name_plural = "阶段预期天数"
        constraints = [models.UniqueConstraint(fields=["town", "stage"], name="stage_target_once_per_town")]

    def __str__(self):
        return f"{self.town.name}·{self.get_stage_display()}{self.days}天"

    @staticmethod
    def expected_days(town_ids):
        """{town id: {stage: days}} for these towns in one query: the town's own, else settings.STAGE_EXPECTED_DAYS."""
        days = {t: dict(settings.STAGE_EXPECTED_DAYS) for t in town_ids}
        for town_id, stage, n in StageTarget.objects.filter(town__in=days).values_list("town_id", "stage", "days"):
            days[town_id][stage] = n
        return days

    @staticmethod
    def set_for(town, days_by_stage):
        """Keep the town's expected days, one row a stage."""
        with transaction.atomic():
            for stage, days in days_by_stage.items():
                StageTarget.objects.update_or_create(town=town, stage=stage, defaults={"days": days})
