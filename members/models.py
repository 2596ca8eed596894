import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from grids.models import Grid, Village
from grids.names import sort_key

from . import idcard

ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]


class Gender(models.TextChoices):
    MALE = idcard.MALE, "男"
    FEMALE = idcard.FEMALE, "女"


class Education(models.TextChoices):
    # Ordered from highest to lowest, as the party-member information system lists them.
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中专（中技）"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR_HIGH = "junior_high", "初中"
    PRIMARY = "primary", "小学及以下"


class Membership(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class Standing(models.TextChoices):
    """党籍状态 as the national party-member information system records it."""

    NORMAL = "normal", "正常"
    SUSPENDED = "suspended", "停止党籍"


class Health(models.TextChoices):
    GOOD = "good", "良好"
    FAIR = "fair", "一般"
    POOR = "poor", "较差（体弱多病）"


class CadrePost(models.TextChoices):
    """Village cadre posts: a member holding one is not 无职 and gets no post in this programme."""

    VILLAGE_SECRETARY = "village_secretary", "村党总支书记"
    VILLAGE_DEPUTY_SECRETARY = "village_deputy_secretary", "村党总支副书记"
    VILLAGE_BRANCH_MEMBER = "village_branch_member", "村党总支委员"
    COMMITTEE_DIRECTOR = "committee_director", "村委会主任"
    COMMITTEE_MEMBER = "committee_member", "村委委员"
    SUPERVISION_DIRECTOR = "supervision_director", "村务监督委员会主任"
    SUPERVISION_MEMBER = "supervision_member", "村务监督委员会委员"
    GRID_SECRETARY = "grid_secretary", "网格支部书记"
    OTHER = "other", "其他村干部职务"


class Specialty(models.Model):
    name = models.CharField("特长", max_length=30, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "特长"
        verbose_name_plural = "特长"
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class EligibilityRule:
    """One reason a member is not 无职党员 eligible for a post, as a database filter and as a check on a row."""

    key: str
    label: str
    excludes: Q
    applies: Callable[["Member"], bool]
    reason: Callable[["Member"], str]


# The plan's 设岗对象: good health, keen on public service, able to exercise a member's rights and
# duties, holding no village cadre post. The survey page counts each rule with `excludes`; the member
# page explains each with `reason`. Keep both sides of a rule together here.
ELIGIBILITY_RULES = [
    EligibilityRule(
        "cadre",
        "担任村干部职务",
        ~Q(cadre_post=""),
        lambda m: bool(m.cadre_post),
        lambda m: f"担任{m.get_cadre_post_display()}",
    ),
    EligibilityRule(
        "health", "身体状况较差", Q(health=Health.POOR), lambda m: m.health == Health.POOR, lambda m: "身体状况较差"
    ),
    EligibilityRule(
        "away", "长期外出（流动党员）", Q(is_away=True), lambda m: m.is_away, lambda m: "长期外出（流动党员）"
    ),
    EligibilityRule(
        "suspended",
        "停止党籍",
        Q(standing=Standing.SUSPENDED),
        lambda m: m.standing == Standing.SUSPENDED,
        lambda m: "停止党籍",
    ),
    EligibilityRule("lost", "失联党员", Q(is_lost=True), lambda m: m.is_lost, lambda m: "失联党员（失去联系）"),
    EligibilityRule(
        "unwilling", "本人暂不愿参加", Q(is_willing=False), lambda m: not m.is_willing, lambda m: "本人暂不愿参加"
    ),
]


class LeaveReason(models.TextChoices):
    TRANSFERRED = "transferred", "组织关系转出"
    DECEASED = "deceased", "去世"
    EXPELLED = "expelled", "出党"
    OTHER = "other", "其他"


class MemberQuerySet(models.QuerySet):
    def eligible(self):
        return self.filter(eligible_q())


class CurrentMemberManager(models.Manager.from_queryset(MemberQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(left_on__isnull=True)


def eligible_q():
    """A filter matching members who may take a post (no rule excludes them)."""
    q = Q()
    for rule in ELIGIBILITY_RULES:
        q &= ~rule.excludes
    return q


class Member(models.Model):
    grid = models.ForeignKey(Grid, verbose_name="所在网格", on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=50)
    # The name as rosters sort it: by pinyin, numbers by value (grids.names); kept by save() and the import.
    name_key = models.CharField(max_length=400, editable=False, default="")
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=10, choices=[(e, e) for e in ETHNICITIES], default="汉族")
    id_number = models.CharField(
        "公民身份号码",
        max_length=18,
        unique=True,
        error_messages={"unique": "该公民身份号码已登记，同一党员不能重复录入。"},
    )
    birth_date = models.DateField("出生日期")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    education = models.CharField("文化程度", max_length=24, choices=Education.choices)
    joined_on = models.DateField("入党时间")
    membership = models.CharField("党员类别", max_length=16, choices=Membership.choices, default=Membership.FULL)
    full_member_on = models.DateField("转为正式党员日期", null=True, blank=True)
    standing = models.CharField("党籍状态", max_length=12, choices=Standing.choices, default=Standing.NORMAL)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    specialties = models.ManyToManyField(Specialty, verbose_name="特长", blank=True, related_name="members")
    health = models.CharField("身体状况", max_length=8, choices=Health.choices, default=Health.GOOD)
    cadre_post = models.CharField("现任村干部职务", max_length=32, choices=CadrePost.choices, blank=True)
    is_away = models.BooleanField("长期外出（流动党员）", default=False)
    away_to = models.CharField("外出流向", max_length=100, blank=True)
    is_lost = models.BooleanField("失联党员", default=False)
    lost_contact_on = models.DateField("失去联系日期", null=True, blank=True)
    is_willing = models.BooleanField("愿意参加设岗定责", default=True)
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Nobody is deleted from the roster: a member who leaves is archived with the reason and keeps history.
    left_on = models.DateField("离开名册日期", null=True, blank=True, editable=False)
    leave_reason = models.CharField("离开原因", max_length=16, choices=LeaveReason.choices, blank=True, editable=False)
    leave_note = models.CharField("说明", max_length=200, blank=True, editable=False)

    # The roster: members who have not left. `everyone` includes those archived.
    objects = CurrentMemberManager()
    everyone = MemberQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="党员修改记录", m2m_fields=[specialties])

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["name_key", "pk"]
        indexes = [models.Index(fields=["grid", "name_key"])]
        base_manager_name = "everyone"  # a member's assignments, history and documents still reach them

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = sort_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("members:member", args=[self.pk])

    @property
    def masked_id_number(self):
        return idcard.mask(self.id_number)

    @property
    def masked_phone(self):
        return idcard.mask_phone(self.phone)

    def shows_full_numbers_to(self, user):
        """Only the secretary of the member's village sees and edits the whole ID number and phone (DOMAIN.md);
        everyone else, the grid's secretary included, sees them masked (grid.village loaded: no query)."""
        return user.is_superuser or self.grid.village.secretary_id == user.pk

    def age_on(self, day):
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def age(self):
        return self.age_on(datetime.date.today())

    def ineligibility_reasons(self):
        """Why this member cannot take a post, as '不符合：…' lines; empty when eligible."""
        return [f"不符合：{rule.reason(self)}" for rule in ELIGIBILITY_RULES if rule.applies(self)]

    @property
    def is_eligible(self):
        return not self.ineligibility_reasons()


class MemberAccount(models.Model):
    """A member's own sign-in for the year on post (their phone pages): a user whose name is the slip's code
    (签到码), with a first PIN printed on the slip that the member must change on first use. Whether it lets the
    member in is decided each request from the post they hold (posts/onpost.py), so access ends the day the
    member leaves the post or the roster."""

    member = models.OneToOneField(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="account")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", on_delete=models.PROTECT, related_name="member_account"
    )
    must_change = models.BooleanField("首次登录须修改密码", default=True)
    issued_at = models.DateTimeField("发放时间", auto_now=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发放人", on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords(verbose_name="党员登录账号修改记录")

    class Meta:
        verbose_name = "党员登录账号"
        verbose_name_plural = "党员登录账号"

    def __str__(self):
        return f"{self.member.name}（{self.user.username}）"


class NeedCategory(models.TextChoices):
    """What a need is about; the first six match the plan's suggested post types."""

    NEIGHBOURHOOD = "neighbourhood", "邻里和睦"
    APPEARANCE = "appearance", "村容村貌"
    SECURITY = "security", "社会治安"
    ELDERLY_YOUTH = "elderly_youth", "尊老爱幼"
    POLICY_LAW = "policy_law", "政策法律宣传"
    DISPUTES = "disputes", "民事纠纷调解"
    OTHER = "other", "其他"


class NeedMethod(models.TextChoices):
    VISIT = "visit", "入户走访"
    FORUM = "forum", "座谈会"
    OTHER = "other", "其他方式"


class NeedKind(models.TextChoices):
    FOCUS = "focus", "焦点问题"
    HOT = "hot", "热点问题"
    HARD = "hard", "难点问题"


class NeedRecord(models.Model):
    grid = models.ForeignKey(Grid, verbose_name="所在网格", on_delete=models.PROTECT, related_name="needs")
    recorded_on = models.DateField("调查日期")
    method = models.CharField("调查方式", max_length=8, choices=NeedMethod.choices)
    participants = models.CharField(
        "参与人员", max_length=200, help_text="走访对象或参加座谈的人员，例如：三组村民代表8人。"
    )
    issue = models.TextField("群众反映的问题或意见")
    category = models.CharField("问题类别", max_length=16, choices=NeedCategory.choices)
    kind = models.CharField("问题性质", max_length=8, choices=NeedKind.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="群众需求修改记录")

    class Meta:
        verbose_name = "群众需求"
        verbose_name_plural = "群众需求"
        ordering = ["-recorded_on", "-pk"]

    def __str__(self):
        return f"{self.get_category_display()}：{self.issue[:20]}"

    def get_absolute_url(self):
        return reverse("posts:grid", args=[self.grid_id]) + "#needs"


class VillagePlan(models.Model):
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("方案标题", max_length=100)
    content = models.TextField("方案内容")
    starts_on = models.DateField("活动开始日期")
    ends_on = models.DateField("活动结束日期")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="最后修改人", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="实施方案修改记录")

    class Meta:
        verbose_name = "实施方案"
        verbose_name_plural = "实施方案"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="plan_one_per_village_year"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="plan_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("members:plan", args=[self.pk])


def first_free_year(taken, year):
    """The first year from `year` on that is not in `taken`: what a form for a new year's record offers."""
    taken = set(taken)
    while year in taken:
        year += 1
    return year


def count_subquery(qs, outer_field):
    """Count rows of `qs` per outer row in one correlated subquery, so several counts never multiply joins."""
    counted = qs.filter(**{outer_field: models.OuterRef("pk")}).order_by().values(outer_field)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


AGE_BANDS = [(None, 35), (36, 45), (46, 55), (56, 60), (61, 70), (71, None)]


def age_band_label(low, high):
    if low is None:
        return f"{high}岁及以下"
    if high is None:
        return f"{low}岁及以上"
    return f"{low}—{high}岁"


def age_band_q(low, high, today):
    """Members whose age today lies in [low, high]; an age of n means born after today minus n+1 years."""
    q = Q()
    if high is not None:
        q &= Q(birth_date__gt=add_years(today, -(high + 1)))
    if low is not None:
        q &= Q(birth_date__lte=add_years(today, -low))
    return q


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "正在检查"
    CHECKED = "checked", "检查完成"
    SAVING = "saving", "正在导入"
    DONE = "done", "导入完成"
    FAILED = "failed", "无法导入"


class ImportJob(models.Model):
    """A large upload checked and imported in the background (`db_worker`), its progress shown on its page.

    The same two steps as a small file: check every row and show the result, then import on confirmation,
    all rows or none. Only the person who uploaded it sees it.
    """

    kind = models.CharField("导入内容", max_length=16)
    file_name = models.CharField("文件名", max_length=200)
    token = models.CharField("暂存文件", max_length=64)
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.CASCADE, null=True, related_name="+")
    status = models.CharField("状态", max_length=8, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_checked = models.PositiveIntegerField("已检查行数", default=0)
    counts = models.JSONField("结果", default=dict, help_text="新增、更新、不变的行数")
    error_rows = models.PositiveIntegerField("有错误的行数", default=0)
    errors = models.JSONField("错误", default=list, help_text="[行号, 列, 说明]，最多保存前几百条")
    message = models.TextField("说明", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    worker = models.CharField("处理进程", max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField("领取次数", default=0)
    lease_until = models.DateTimeField(
        "租约到期", null=True, blank=True, help_text="处理进程定时续期；过期未续（进程已停止）则由其他进程重做。"
    )

    class Meta:
        verbose_name = "后台导入"
        verbose_name_plural = "后台导入"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("members:import-job", args=[self.pk])

    @property
    def upload_url(self):
        """The import page this job came from, to upload a corrected file."""
        scope = f"grid={self.grid_id}" if self.grid_id else f"village={self.village_id}"
        return f"{reverse('members:import', args=[self.kind])}?{scope}"

    @property
    def percent(self):
        return round(100 * self.rows_checked / self.rows_total) if self.rows_total else 0

    @property
    def is_running(self):
        return self.status in (ImportStatus.CHECKING, ImportStatus.SAVING)

    @property
    def can_confirm(self):
        return self.status == ImportStatus.CHECKED and not self.error_rows
