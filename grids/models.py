import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .names import sort_key


class County(models.Model):
    """Several towns in one deployment: the county's committee reads all of them (town users see their own)."""

    name = models.CharField("县名称", max_length=50, unique=True)
    committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="县级工作人员",
        blank=True,
        related_name="county_committees",
        help_text="可查看全县各镇数据的账号。",
    )

    class Meta:
        verbose_name = "县"
        verbose_name_plural = "县"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Town(models.Model):
    county = models.ForeignKey(
        County, verbose_name="所属县", on_delete=models.PROTECT, null=True, blank=True, related_name="towns"
    )
    name = models.CharField("镇名称", max_length=50, unique=True)
    committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="镇党委成员",
        blank=True,
        related_name="committee_towns",
        help_text="可查看全镇数据的镇党委工作人员账号。",
    )
    # Everyone who has held a role in the town stays its account when the role passes to someone else, so that
    # the town can still see, reset and deactivate it in 账号管理 (a former secretary must not keep a login
    # nobody can find).
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="本镇账号",
        blank=True,
        related_name="account_towns",
        help_text="在本镇担任过职务的账号，卸任后仍由镇党委管理。",
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

    # The name as lists sort it: by pinyin, numbers by value (grids.names); kept by save().
    name_key = models.CharField(max_length=400, editable=False, default="")

    history = HistoricalRecords(verbose_name="村修改记录")

    class Meta:
        verbose_name = "村"
        verbose_name_plural = "村"
        ordering = ["name_key", "pk"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="village_unique_name_in_town")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = sort_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    @property
    def branch_name(self):
        return f"{self.name}党总支"


def new_public_token():
    return secrets.token_urlsafe(12)


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
    secretary_phone = models.CharField(
        "网格书记联系电话", max_length=20, blank=True, help_text="在岗党员手机页上显示，方便一键拨打。"
    )
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("人口数", default=0)
    scope = models.TextField("网格范围", blank=True, help_text="例如：东至河堤，西至村道，含一组、二组。")
    # Residents reach the grid's public page by this, printed as the wall sheet's QR code: not guessable.
    public_token = models.CharField("公开页标识", max_length=32, unique=True, default=new_public_token, editable=False)

    history = HistoricalRecords(verbose_name="网格修改记录")

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
        return reverse("posts:grid", args=[self.pk])

    @property
    def branch_name(self):
        return f"{self.name}党支部"


class AuditKind(models.TextChoices):
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    DOWNLOAD = "download", "导出/下载"


class AuditEvent(models.Model):
    """What the change history does not hold: logins, failed logins and downloads (exports, PDFs)."""

    kind = models.CharField("事件", max_length=16, choices=AuditKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, null=True, related_name="+"
    )
    username = models.CharField("用户名", max_length=150, help_text="登录失败时为输入的用户名。")
    address = models.GenericIPAddressField("IP地址", null=True)
    path = models.CharField("地址", max_length=500, blank=True)
    detail = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "登录与导出记录"
        verbose_name_plural = "登录与导出记录"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.username} {self.get_kind_display()}"


class Message(models.Model):
    """消息: a warning for one person in the app, about something in their scope (posts/services.py raises them).

    `key` names what the message is about (an objection, a notice ending, a village overdue at a stage): one
    message per person and key, held by the database, so a reminder run twice, or by two timers at once,
    never sends anything twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="messages"
    )
    key = models.CharField("消息标识", max_length=120)
    text = models.CharField("内容", max_length=300)
    url = models.CharField("办理地址", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="message_once_per_recipient")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="message_unread")]

    def __str__(self):
        return self.text[:30]
