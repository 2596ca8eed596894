from django.conf import settings
from django.db import models
from django.urls import reverse


class Town(models.Model):
    name = models.CharField("镇名称", max_length=50, unique=True)
    committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="镇党委成员",
        blank=True,
        related_name="committee_towns",
        help_text="可查看全镇数据的镇党委工作人员账号。",
    )

    class Meta:
        verbose_name = "镇"
        verbose_name_plural = "镇"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Village(models.Model):
    town = models.ForeignKey(Town, verbose_name="所属镇", on_delete=models.PROTECT, related_name="villages")
    name = models.CharField("村名称", max_length=50)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="村党总支书记",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of_villages",
    )

    class Meta:
        verbose_name = "村"
        verbose_name_plural = "村"
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="village_unique_name_in_town")]

    def __str__(self):
        return self.name

    @property
    def branch_name(self):
        return f"{self.name}党总支"


class Grid(models.Model):
    village = models.ForeignKey(Village, verbose_name="所属村", on_delete=models.PROTECT, related_name="grids")
    number = models.PositiveSmallIntegerField("网格序号")
    name = models.CharField("网格名称", max_length=50)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="网格支部书记",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of_grids",
    )
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("人口数", default=0)
    scope = models.TextField("网格范围", blank=True, help_text="例如：东至河堤，西至村道，含一组、二组。")

    class Meta:
        verbose_name = "基础网格"
        verbose_name_plural = "基础网格"
        ordering = ["number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="grid_unique_number_in_village"),
        ]

    def __str__(self):
        return f"{self.village.name}{self.name}"

    def get_absolute_url(self):
        return reverse("members:grid", args=[self.pk])

    @property
    def branch_name(self):
        return f"{self.name}党支部"
