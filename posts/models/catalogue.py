"""The post-type catalogue and the posts a grid sets up (按需设岗、因事设岗)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from grids.models import County, Grid, Town, Village
from members.models import NeedCategory, NeedRecord

# The six post types 金城镇's plan suggests (方案第四部分), with its three duties each, verbatim: each town's
# committee starts its catalogue from them (PostType.add_suggested) and edits its own copy.
SUGGESTED_TYPES = [
    ("邻里和睦示范岗", "neighbourhood", [
        "带头处理好邻里关系，能与左邻右舍和睦相处。",
        "主动搞好群众团结，发扬互助精神。",
        "协助支部处理社会矛盾，主持公道，知荣弃耻，弘扬社会美德。",
    ]),
    ("村容村貌监督岗", "appearance", [
        "保护和美化投资和人居环境，爱护好树木和花卉，保持环境整洁卫生，抵制违法用地、违章建设行为。",
        "对村容村貌和新农村规划提出合理化建议，监督和协助村委搞好道路直通、环境整洁、河道疏浚、散乱污企业整治等工程和各项公益设施。",
        "自觉参与村各项公益设施建设和环境美化活动。",
    ]),
    ("社会治安巡逻岗", "security", [
        "不定期巡逻，做好夜间巡逻，防止违法犯罪行为发生。",
        "细致巡查网格内的各类安全隐患，发现问题及时上报。",
        "认真了解、登记网格内发生的社会治安案件，及时向村或派出所报告，并支持配合案件的侦查。",
    ]),
    ("尊老爱幼示范岗", "elderly_youth", [
        "孝敬长辈，赡养老人，爱护晚辈，关心后代。",
        "家庭和睦，示范带动。",
        "协助村老年协会和关工委，做好老年工作和关心下一代工作。",
    ]),
    ("政策法律宣传岗", "policy_law", [
        "宣传党在农村的各项方针、政策和国家法律、法规以及村规民约，教育村民自觉遵纪守法，遵守社会公德。",
        "监督本村各项政策的落实情况，切实减轻农民负担，维护农民的合法权益。",
        "协助做好征地、拆迁等工作，主动做好政策的学习和宣传。",
    ]),
    ("民事纠纷调解岗", "disputes", [
        "协助民调治保处理好邻里、婚姻、房屋、土地、财产、借贷等方面的纠纷，维护本网格的稳定。",
        "主动报告民间纠纷调解工作情况，及时反映村民的意见和要求，协助化解社会各类民事矛盾。",
        "公道正派，主持正义，敢于向不良倾向和黑恶势力作斗争，弘扬社会正气。",
    ]),
]  # fmt: skip


def county_is(county_pk):
    """The condition "a type of this county"; a town without a county has no county types (not "county is null")."""
    return Q(county=county_pk) if county_pk else Q(pk__in=[])


class PostTypeQuerySet(models.QuerySet):
    def for_village(self, village):
        """What a village's forms offer: its county's types, its town's and its own (village.town loaded)."""
        return self.filter(Q(village=village) | Q(town=village.town_id) | county_is(village.town.county_id))

    def for_villages(self, villages):
        """The types any of these villages may use (a queryset or list of village pks), in one query."""
        return self.filter(
            Q(village__in=villages)
            | Q(town__in=Town.objects.filter(villages__in=villages).values("pk"))
            | Q(county__in=County.objects.filter(towns__villages__in=villages).values("pk"))
        )


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
    # Whose entry it is: exactly one of the three. A county's types are offered in all its towns and kept by the
    # county; a town's in its villages, kept by the town committee; a village's in its grids, kept by its secretary.
    county = models.ForeignKey(
        County,
        verbose_name="县统一设定",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="post_types",
    )
    town = models.ForeignKey(
        Town,
        verbose_name="镇党委设定",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="post_types",
    )
    village = models.ForeignKey(
        Village,
        verbose_name="自设村",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_post_types",
        help_text="县、镇、村三者填且只填一项。",
    )
    order = models.PositiveSmallIntegerField("排序", default=100)

    objects = PostTypeQuerySet.as_manager()

    class Meta:
        verbose_name = "岗位类型"
        verbose_name_plural = "岗位类型"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=False, town=None, village=None)
                | Q(county=None, town__isnull=False, village=None)
                | Q(county=None, town=None, village__isnull=False),
                name="posttype_one_owner",
            ),
            models.UniqueConstraint(
                fields=["county", "name"], condition=Q(county__isnull=False), name="posttype_unique_county_name"
            ),
            models.UniqueConstraint(
                fields=["town", "name"], condition=Q(town__isnull=False), name="posttype_unique_town_name"
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

    @property
    def owner(self):
        return self.village or self.town or self.county

    @property
    def owner_label(self):
        """How the catalogue names whose entry it is."""
        if self.village_id:
            return f"{self.village.name}自设"
        if self.town_id:
            return f"{self.town.name}党委设定"
        return f"{self.county.name}统一设定"

    def clashes(self, name):
        """Types with this name that a village using this one would also be offered (or that would offer it)."""
        if self.village_id:
            overlapping = PostType.objects.for_village(self.village)
        elif self.town_id:
            overlapping = PostType.objects.filter(
                Q(town=self.town_id) | Q(village__town=self.town_id) | county_is(self.town.county_id)
            )
        else:
            county = self.county_id
            overlapping = PostType.objects.filter(
                Q(county=county) | Q(town__county=county) | Q(village__town__county=county)
            )
        return overlapping.filter(name=name).exclude(pk=self.pk)

    @classmethod
    def add_suggested(cls, town):
        """Give a town the six types of the plan (those it has already are left as they are); return how many."""
        added = 0
        for order, (name, category, duties) in enumerate(SUGGESTED_TYPES, start=1):
            _, created = cls.objects.get_or_create(
                town=town,
                name=name,
                defaults={"duties": "\n".join(duties), "need_category": category, "order": order * 10},
            )
            added += created
        return added


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
