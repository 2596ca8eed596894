import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from members.forms import PHONE_RE, DateInput, check_year, ends_after_start
from members.models import Member

from .models import (
    CheckUp,
    DutyKind,
    DutyPhoto,
    DutyRecord,
    DutyTerms,
    FeedbackKind,
    Meeting,
    MeetingKind,
    PointCategory,
    PointRule,
    PointTerms,
    Post,
    PostType,
    Rating,
    RequestKind,
    Round,
    Satisfaction,
    Source,
    Stage,
    Status,
    Training,
    WorkReport,
)
from .models.duty import CODE_LENGTH, normalise_code
from .models.points import CapPeriod


def helper(*layout):
    h = FormHelper()
    h.form_tag = False
    if layout:
        h.layout = Layout(*layout)
    return h


def not_in_future(day, label):
    if day and day > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")
    return day


def owner_key(owner):
    return f"{owner._meta.model_name}:{owner.pk}"


OWNER_KINDS = {"county": "县统一设定，各镇选用", "town": "镇党委设定，本镇各村选用", "village": "本村自设"}


def owner_label(owner):
    return f"{owner.name}（{OWNER_KINDS[owner._meta.model_name]}）"


class PostTypeForm(forms.ModelForm):
    """A catalogue entry. A new one belongs to the county, town or village the user keeps the catalogue of; when
    they keep more than one (an administrator, a committee member of two towns), they choose."""

    class Meta:
        model = PostType
        fields = ["name", "need_category", "duties"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {owner_key(o): o for o in owners}
        if self.instance.pk is None and len(self.owners) == 1:
            self.set_owner(*self.owners.values())
        elif self.instance.pk is None:
            self.fields["owner"] = forms.ChoiceField(
                label="适用范围", choices=[("", "请选择"), *((k, owner_label(o)) for k, o in self.owners.items())]
            )
            self.order_fields(["owner", "name"])

    def set_owner(self, owner):
        setattr(self.instance, owner._meta.model_name, owner)

    def clean_owner(self):
        owner = self.owners[self.cleaned_data["owner"]]
        self.set_owner(owner)
        return owner

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and self.instance.owner is not None and self.instance.clashes(name).exists():
            self.add_error("name", f"已有名为“{name}”的岗位类型，请直接选用或换一个名称。")
        return cleaned

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["post_type", "name", "places", "duties", "needs", "reason"]
        widgets = {
            "duties": forms.Textarea(attrs={"rows": 4}),
            "needs": forms.CheckboxSelectMultiple,
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.instance.grid = grid
        self.fields["post_type"].queryset = PostType.objects.for_village(grid.village)
        self.fields["post_type"].empty_label = "请选择"
        self.fields["needs"].queryset = grid.needs.order_by("-recorded_on")
        self.fields["needs"].label_from_instance = lambda n: f"{n.get_category_display()}｜{n.issue}"
        self.fields["duties"].required = False
        self.fields["name"].required = False
        self.fields["name"].help_text = "可不填，默认与岗位类型同名。"
        self.fields["duties"].help_text = "可不填，默认取岗位类型的三条职责。"
        self.helper = helper(
            Row(
                Column("post_type", css_class="col-md-6"),
                Column("name", css_class="col-md-4"),
                Column("places", css_class="col-md-2"),
            ),
            "duties",
            "needs",
            "reason",
        )

    def clean(self):
        cleaned = super().clean()
        post_type = cleaned.get("post_type")
        if post_type:
            cleaned["name"] = cleaned.get("name") or post_type.name
            cleaned["duties"] = cleaned.get("duties") or post_type.duties
            if Post.objects.filter(grid=self.grid, name=cleaned["name"]).exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "name", f"本网格已有名为“{cleaned['name']}”的岗位，请换一个名称（如“{cleaned['name']}（二组）”）。"
                )
        if not cleaned.get("needs") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "按需设岗、因事设岗：请勾选该岗位回应的群众需求，或写明设岗理由。")
        return cleaned


class RoundForm(forms.ModelForm):
    """A new year's round. Posts carry over as they are (they belong to the grid); the members who were on post
    last year are offered to continue, each as an application the branch meeting decides on as usual."""

    continuing = forms.MultipleChoiceField(
        label="上年度在岗党员继续上岗",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选的党员自动登记为本年度原岗位的申报人（“上年度续任”），仍须经支部议岗、群众定岗。",
    )

    class Meta:
        model = Round
        fields = ["year"]

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.village = village
        self.instance.village = village
        self.served = Round.served_last_year(village)
        choices = [(str(a.pk), f"{a.member.name} · {a.post.grid.name}{a.post.name}") for a in self.served]
        self.fields["continuing"].choices = choices
        self.initial.setdefault("continuing", [value for value, _ in choices])
        if not choices:
            del self.fields["continuing"]

    def clean_year(self):
        year = check_year(self.cleaned_data["year"])
        if Round.objects.filter(village=self.village, year=year).exists():
            raise ValidationError(f"{self.village.name}{year}年度的设岗定责工作已经建立。")
        if Round.current_for(self.village.pk):
            raise ValidationError("本村还有未结束的年度工作，结束后才能开始新的一年。")
        return year

    def clean_continuing(self):
        chosen = set(self.cleaned_data["continuing"])
        return [a for a in self.served if str(a.pk) in chosen]


class WindowForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["applications_open_on", "applications_close_on"]
        widgets = {"applications_open_on": DateInput(), "applications_close_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = True
        self.helper = helper(
            Row(
                Column("applications_open_on", css_class="col-md-6"),
                Column("applications_close_on", css_class="col-md-6"),
            )
        )

    def clean(self):
        cleaned = super().clean()
        closes = cleaned.get("applications_close_on")
        in_order = ends_after_start(
            self, "applications_open_on", "applications_close_on", "申报截止日期不能早于开始日期。"
        )
        if in_order and closes < timezone.localdate():
            # The window is published to members: it may be extended, never cut short behind their backs.
            self.add_error("applications_close_on", "申报截止日期不能早于今天。")
        return cleaned


class ApplicationForm(forms.Form):
    """One member put forward for up to three posts (自荐 with ranked choices) or one (互荐、组织推荐)."""

    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none(), empty_label="请选择")
    source = forms.ChoiceField(label="申报方式", choices=Source.choices, initial=Source.SELF)
    first = forms.ModelChoiceField(label="第一志愿岗位", queryset=Post.objects.none(), empty_label="请选择")
    second = forms.ModelChoiceField(
        label="第二志愿岗位",
        queryset=Post.objects.none(),
        required=False,
        empty_label="（不填）",
        help_text="仅自荐时可填多个志愿。",
    )
    third = forms.ModelChoiceField(
        label="第三志愿岗位", queryset=Post.objects.none(), required=False, empty_label="（不填）"
    )
    recommended_by = forms.CharField(
        label="推荐人", max_length=50, required=False, help_text="互荐填推荐的党员姓名；组织推荐填“网格党支部”。"
    )
    reason = forms.CharField(label="申报理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, round, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.round, self.grid = round, grid
        if round.stage == Stage.DELIBERATION:  # 搞好调剂: after the window only the branch puts members forward
            self.fields["source"].choices = [(Source.BRANCH, Source.BRANCH.label)]
            self.initial["source"] = Source.BRANCH
        self.fields["member"].queryset = grid.members.order_by("name_key")
        self.fields["member"].label_from_instance = lambda m: m.name + ("" if m.is_eligible else "（不符合条件）")
        posts = grid.posts.order_by("post_type__order", "pk")
        for name in ("first", "second", "third"):
            self.fields[name].queryset = posts
        self.helper = helper(
            Row(Column("member", css_class="col-md-6"), Column("source", css_class="col-md-6")),
            Row(
                Column("first", css_class="col-md-4"),
                Column("second", css_class="col-md-4"),
                Column("third", css_class="col-md-4"),
            ),
            "recommended_by",
            "reason",
        )

    def prerequisites(self):
        """[(what is missing, link, link text)] when there is nobody, or no post, to choose."""
        grid, needs = self.grid, []
        if not self.fields["member"].queryset.exists():
            url = reverse("members:member-create", args=[grid.pk])
            needs.append((f"{grid.name}的党员名册还是空的，请先录入党员。", url, "新增党员"))
        if not self.fields["first"].queryset.exists():
            url = reverse("posts:grid-posts", args=[grid.pk])
            needs.append((f"{grid.name}还没有设置岗位，没有可申报的岗位。", url, "查看岗位设置"))
        return needs

    def clean_member(self):
        member = self.cleaned_data["member"]
        reasons = member.ineligibility_reasons()
        if reasons:
            raise ValidationError(f"{member.name}暂不能申报岗位：{'；'.join(reasons)}。")
        if self.round.assignments.filter(member=member).exists():
            raise ValidationError(f"{member.name}本年度已经登记过申报，如需修改请在支部议岗时处理。")
        return member

    def clean(self):
        cleaned = super().clean()
        choices = [cleaned.get(n) for n in ("first", "second", "third") if cleaned.get(n)]
        if len(set(choices)) != len(choices):
            self.add_error("second", "同一个岗位不能重复填报。")
        if cleaned.get("source") != Source.SELF and len(choices) > 1:
            self.add_error("second", "互荐和组织推荐只填一个岗位。")
        if cleaned.get("source") in (Source.PEER, Source.BRANCH) and not cleaned.get("recommended_by", "").strip():
            self.add_error("recommended_by", "互荐或组织推荐时，请填写推荐人。")
        cleaned["posts"] = choices
        return cleaned


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "place", "attendees", "present", "resolution"]
        widgets = {"held_on": DateInput(), "resolution": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择"), *MeetingKind.choices]
        if self.initial.get("kind") not in MeetingKind.values:  # ?kind= from a page that asked for one
            self.initial.pop("kind", None)
        self.helper = helper(
            Row(Column("kind", css_class="col-md-6"), Column("held_on", css_class="col-md-6")),
            Row(
                Column("place", css_class="col-md-6"),
                Column("attendees", css_class="col-md-3"),
                Column("present", css_class="col-md-3"),
            ),
            "resolution",
        )

    def clean_held_on(self):
        return not_in_future(self.cleaned_data["held_on"], "召开日期")

    def clean(self):
        cleaned = super().clean()
        present, attendees = cleaned.get("present"), cleaned.get("attendees")
        if present is not None and attendees is not None and present > attendees:
            self.add_error("present", "实到人数不能多于应到人数。")
        return cleaned


class MoveForm(forms.Form):
    """What a status change needs: the meeting it rests on, the letter date, or the reason."""

    meeting = forms.ModelChoiceField(label="依据的会议", queryset=Meeting.objects.none(), empty_label="请选择")
    letter_signed_on = forms.DateField(label="承诺书签订日期", widget=DateInput())
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}))

    NEEDS = {
        Status.PROPOSED: ("meeting", MeetingKind.GRID_BRANCH),
        Status.ON_POST: ("meeting", MeetingKind.INDUCTION),
    }

    def __init__(self, *args, assignment, to, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        kind = self.kind = self.NEEDS.get(to, (None, None))[1]
        if kind:
            self.fields["meeting"].queryset = Meeting.objects.filter(
                round=assignment.round_id, grid=assignment.post.grid_id, kind=kind
            ).order_by("-held_on")
            self.fields["meeting"].label = f"依据的{MeetingKind(kind).label}"
        else:
            del self.fields["meeting"]
        if to != Status.ON_POST:
            del self.fields["letter_signed_on"]
        if to in (Status.PROPOSED, Status.ON_POST):
            self.fields["note"].required = False
        else:
            self.fields["note"].label = "原因"
        self.helper = helper()

    def prerequisites(self):
        """[(what is missing, link, link text)]: the meeting this move rests on must be on record first."""
        if self.kind and not self.fields["meeting"].queryset.exists():
            a, label = self.assignment, MeetingKind(self.kind).label
            url = reverse("posts:meeting-create", args=[a.round_id, a.post.grid_id]) + f"?kind={self.kind}"
            return [(f"{a.post.grid.name}还没有登记{label}：这一步以{label}为依据，请先登记。", url, f"登记{label}")]
        return []


class NoticeForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", widget=DateInput())
    ends_on = forms.DateField(
        label="公示结束日期", widget=DateInput(), help_text=f"公示期不少于{settings.NOTICE_MIN_DAYS}天。"
    )
    place = forms.CharField(label="公示地点", max_length=100, initial="村党务公开栏、网格公示牌")
    phone = forms.CharField(label="监督电话", max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("starts_on", today)
        self.initial.setdefault("ends_on", today + datetime.timedelta(days=settings.NOTICE_MIN_DAYS - 1))
        self.helper = helper(
            Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
            Row(Column("place", css_class="col-md-6"), Column("phone", css_class="col-md-6")),
        )

    def clean(self):
        cleaned = super().clean()
        ends_after_start(self, "starts_on", "ends_on")
        return cleaned


class ObjectionForm(forms.Form):
    assignment = forms.ModelChoiceField(
        label="针对的拟上岗党员", queryset=None, required=False, empty_label="（整体意见）"
    )
    raised_by = forms.CharField(label="提出人", max_length=50, help_text="可填“匿名群众”。")
    raised_on = forms.DateField(label="提出日期", widget=DateInput())
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        self.fields["assignment"].queryset = notice.round.assignments.filter(
            post__grid=notice.grid_id, status=Status.NOTICED
        ).select_related("member", "post")
        self.fields["assignment"].label_from_instance = lambda a: f"{a.member.name}（{a.post.name}）"
        self.initial.setdefault("raised_on", timezone.localdate())
        self.helper = helper()

    def clean_raised_on(self):
        day = self.cleaned_data["raised_on"]
        if not self.notice.starts_on <= day <= self.notice.ends_on:
            raise ValidationError(
                f"异议应在公示期内（{date_format(self.notice.starts_on)}至{date_format(self.notice.ends_on)}）提出。"
            )
        return not_in_future(day, "提出日期")


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 3}))
    answered_on = forms.DateField(label="答复日期", widget=DateInput())
    upheld = forms.BooleanField(
        label="批评属实", required=False, help_text="经核实，群众对这名在岗党员的批评属实（按镇里的积分规则扣分）。"
    )

    def __init__(self, *args, criticism=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("answered_on", timezone.localdate())
        if not criticism:
            del self.fields["upheld"]
        self.helper = helper()

    def clean_answered_on(self):
        return not_in_future(self.cleaned_data["answered_on"], "答复日期")


class ContactForm(forms.Form):
    contact = forms.ModelChoiceField(
        label="联系人",
        queryset=None,
        empty_label="请选择",
        help_text="网格党支部指定一名党员经常联系、督查该上岗党员。",
    )

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        # The grid branch names someone from its own grid (a grid secretary sees no other grid's members).
        self.fields["contact"].queryset = (
            Member.objects.filter(grid=assignment.post.grid_id).exclude(pk=assignment.member_id).order_by("name_key")
        )
        self.grid = assignment.post.grid
        self.helper = helper()

    def prerequisites(self):
        if not self.fields["contact"].queryset.exists():
            url = reverse("members:member-create", args=[self.grid.pk])
            return [(f"{self.grid.name}除本人外还没有其他党员可以担任联系人，请先录入党员。", url, "新增党员")]
        return []


class CheckUpForm(forms.ModelForm):
    class Meta:
        model = CheckUp
        fields = ["held_on", "findings", "improvements"]
        widgets = {
            "held_on": DateInput(),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "improvements": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_held_on(self):
        return not_in_future(self.cleaned_data["held_on"], "督查日期")


class WorkReportForm(forms.ModelForm):
    """定期汇报 over one of the town's report periods (this one or the one before): the member's own on the phone
    (`by_member`: dated today), or a paper one the secretary enters with the meeting that heard it, if held."""

    period = forms.ChoiceField(label="汇报期间", required=False)

    class Meta:
        model = WorkReport
        fields = ["period", "reported_on", "audience", "content", "heard_on", "heard_by"]
        widgets = {
            "reported_on": DateInput(),
            "content": forms.Textarea(attrs={"rows": 6}),
            "heard_on": DateInput(),
        }

    def __init__(self, *args, assignment, by_member=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.terms = DutyTerms.for_town(assignment.post.grid.village.town_id)
        today = timezone.localdate()
        current = self.terms.period_of(today)
        previous = self.terms.period_of(current[0] - datetime.timedelta(days=1))
        self.periods = {p[0].isoformat(): p for p in (current, previous)}
        self.fields["period"].choices = [(key, p[2]) for key, p in self.periods.items()]
        self.fields["period"].initial = current[0].isoformat()
        if by_member:
            for name in ("reported_on", "heard_on", "heard_by"):
                del self.fields[name]
            self.instance.reported_on = today
        else:
            self.fields["heard_on"].help_text = "汇报已在会上听取的，填写会议日期；也可以会后再登记。"

    def clean_reported_on(self):
        return not_in_future(self.cleaned_data["reported_on"], "汇报日期")

    def clean_heard_on(self):
        return not_in_future(self.cleaned_data["heard_on"], "会议日期")

    def chosen_period(self):
        data = getattr(self, "cleaned_data", None) or {}
        key = data.get("period") or (self.data.get("period") if self.is_bound else self.initial.get("period"))
        if key in self.periods:
            return self.periods[key]
        day = data.get("reported_on") or self.instance.reported_on
        return self.terms.period_of(day) if day else self.periods[self.fields["period"].initial]

    def clean(self):
        data = super().clean()
        heard_on, heard_by = data.get("heard_on"), (data.get("heard_by") or "").strip()
        if heard_on and not heard_by:
            self.add_error("heard_by", "请写明听取汇报的会议。")
        if heard_by and not heard_on and "heard_on" not in self.errors:
            self.add_error("heard_on", "请填写会议日期。")
        reported_on = data.get("reported_on") or self.instance.reported_on
        if heard_on and reported_on and heard_on < reported_on:
            self.add_error("heard_on", "会议日期不能早于汇报日期。")
        start, end, name = self.chosen_period()
        self.instance.period_start, self.instance.period_end, self.instance.period_name = start, end, name
        return data

    def period_records(self):
        """The period's ledger entries, shown read-only above the report."""
        from .ledger import records_of_assignment

        start, end, _ = self.chosen_period()
        return records_of_assignment(self.assignment, start, end)


def excellent_limit(on_post):
    """民主评议: 优秀 at most one third of the branch's members on post (a branch of fewer than three may have one)."""
    return max(1, on_post // 3)


def excellent_refused(assignment, period, score):
    """Why a rating of `score` may not be 优秀 in this period (the one-third rule), or "" when it may."""
    from .models.evaluation import Grade, grade_for

    if grade_for(score) != Grade.EXCELLENT:
        return ""
    from .models import Assignment

    in_grid = {"round": assignment.round_id, "post__grid": assignment.post.grid_id}
    on_post = Assignment.objects.filter(status=Status.ON_POST, **in_grid).values("member").distinct().count()
    limit = excellent_limit(on_post)
    taken = (
        Rating.objects.filter(
            period=period, grade=Grade.EXCELLENT, **{f"assignment__{k}": v for k, v in in_grid.items()}
        )
        .exclude(assignment__member=assignment.member_id)
        .values("assignment__member")
        .distinct()
        .count()
    )
    if taken < limit:
        return ""
    return (
        f"本网格支部在岗党员{on_post}人，优秀最多{limit}人，已有{taken}人：“{period}”不能再评优秀"
        f"（综合得分{score}分），请按评议结果评为称职或调整其他人的等次。"
    )


class RatingForm(forms.ModelForm):
    class Meta:
        model = Rating
        fields = ["period", "org_score", "peer_score", "resident_score", "rated_on", "comment"]
        widgets = {"rated_on": DateInput(), "comment": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "org_score": "0—100分，网格党支部评价。",
            "peer_score": "0—100分，党员互评。",
            "resident_score": "0—100分，群众评价。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        w = settings.RATING_WEIGHTS
        self.helper = helper(
            Row(Column("period", css_class="col-md-6"), Column("rated_on", css_class="col-md-6")),
            Row(
                Column("org_score", css_class="col-md-4"),
                Column("peer_score", css_class="col-md-4"),
                Column("resident_score", css_class="col-md-4"),
            ),
            "comment",
        )
        self.fields["comment"].help_text = (
            f"综合得分 = 组织评×{w['org']:.0%} + 党员评×{w['peer']:.0%} + 群众评×{w['resident']:.0%}；"
            "90分以上优秀，75分以上称职，60分以上基本称职，60分以下不称职。"
        )

    def clean(self):
        cleaned = super().clean()
        for name in ("org_score", "peer_score", "resident_score"):
            if cleaned.get(name) is not None and cleaned[name] > 100:
                self.add_error(name, "分数应在0到100之间。")
        if self.instance.assignment_id and cleaned.get("period"):
            taken = Rating.objects.filter(assignment=self.instance.assignment_id, period=cleaned["period"])
            if taken.exists():
                self.add_error("period", f"“{cleaned['period']}”已经评过，不能重复评议。")
        scores = [cleaned.get(n) for n in ("org_score", "peer_score", "resident_score")]
        if self.instance.assignment_id and cleaned.get("period") and None not in scores:
            refused = excellent_refused(self.instance.assignment, cleaned["period"], Rating.weighted(*scores))
            if refused:
                self.add_error(None, refused)
        return cleaned

    def clean_rated_on(self):
        return not_in_future(self.cleaned_data["rated_on"], "评议日期")

    def save(self, commit=True):
        self.instance.compute()
        return super().save(commit)


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ["held_on", "topic", "place", "attendees"]
        widgets = {"held_on": DateInput(), "attendees": forms.CheckboxSelectMultiple}

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = Member.objects.filter(
            assignments__round=round, assignments__status=Status.ON_POST
        ).order_by("grid__number", "name_key")
        self.fields["attendees"].label_from_instance = lambda m: m.name
        self.round = round
        self.helper = helper(
            Row(Column("held_on", css_class="col-md-4"), Column("topic", css_class="col-md-8")), "place", "attendees"
        )

    def prerequisites(self):
        if not self.fields["attendees"].queryset.exists():
            text = "本年度还没有在岗党员：集中培训要登记参加的在岗党员。"
            return [(text, self.round.get_absolute_url(), "查看年度工作")]
        return []

    def clean_held_on(self):
        return not_in_future(self.cleaned_data["held_on"], "培训日期")


POINTS_OBJECTION = ("points_objection", "对积分公示有异议")


class FeedbackForm(forms.Form):
    """What a resident fills in on the grid's public page, on a phone."""

    kind = forms.ChoiceField(label="我要", widget=forms.RadioSelect)
    about = forms.ChoiceField(label="针对", required=False)
    content = forms.CharField(
        label="内容",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        help_text="最多500字。",
    )
    name = forms.CharField(label="您的称呼（可不填）", max_length=20, required=False)
    phone = forms.CharField(
        label="联系电话（可不填，便于回复）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    # A honeypot: people never see it, robots fill it in.
    website = forms.CharField(
        label="网址", required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, *args, choices, objection_open, points_open=False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(k, label) for k, label in FeedbackKind.choices if k != FeedbackKind.OBJECTION or objection_open]
        # While the quarter's points are on notice, an objection to them goes to the notice itself.
        self.fields["kind"].choices = kinds + ([POINTS_OBJECTION] if points_open else [])
        self.fields["about"].choices = [("", "整个网格"), *choices]
        self.assignments = dict(choices)

    def clean_phone(self):
        phone = "".join(self.cleaned_data["phone"].split())
        if phone and not PHONE_RE.match(phone):
            raise ValidationError("请填写11位手机号码或带区号的固定电话，也可以不填。")
        return phone

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if len(content) < 5:
            raise ValidationError("请写得具体一些（至少5个字）。")
        return content


class StageTargetsForm(forms.Form):
    """The days the town expects a village to spend at each stage (the town's home marks a village past them)."""

    def __init__(self, *args, **kwargs):
        from .models import TIMED_STAGES

        super().__init__(*args, **kwargs)
        for stage in TIMED_STAGES:
            self.fields[stage.value] = forms.IntegerField(
                label=f"{stage.label}（天）",
                min_value=1,
                max_value=999,
                help_text=f"一个村在“{stage.label}”阶段预计停留的天数。",
            )


# --- the duty ledger --------------------------------------------------------------------------------------------


class PhotoInput(forms.ClearableFileInput):
    """Several photos at once, straight from the phone's camera or gallery."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """The uploads as a list (none is fine); posts/photos.py decides whether each is a photo worth keeping."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhotoInput(attrs={"accept": "image/*"}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(u, initial) for u in uploads if u]


class DutyRecordForm(forms.ModelForm):
    """履职纪实 on a phone: the fields a member fills in standing in a neighbour's yard, photos last. Photos are
    checked and re-encoded in clean(), so a refused one stops the whole entry before anything is stored."""

    photos = PhotosField(label="照片")
    remove_photos = forms.ModelMultipleChoiceField(
        label="删除已上传的照片", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = DutyRecord
        fields = ["done_on", "kind", "place", "served", "content", "result"]
        widgets = {
            "done_on": DateInput(),
            "kind": forms.RadioSelect(attrs={"class": "btn-check"}),
            "place": forms.TextInput(attrs={"placeholder": "例如：张家门前"}),
            "served": forms.TextInput(attrs={"placeholder": "例如：张家 3 户"}),
            "content": forms.Textarea(attrs={"rows": 3}),
            "result": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"served": "服务对象（户数、人数）"}
        help_texts = {"served": ""}

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.year_start = datetime.date(assignment.round.year, 1, 1)
        town_id = assignment.post.grid.village.town_id
        kinds = DutyKind.for_post(town_id, assignment.post.post_type.need_category)
        kind = self.fields["kind"]
        kind.queryset = DutyKind.objects.filter(pk__in=[k.pk for k in kinds])
        kind.choices = [(k.pk, k.name) for k in kinds]  # the fitting kinds first, as for_post orders them
        kind.empty_label = None
        if not self.instance.pk:
            self.fields["done_on"].initial = timezone.localdate()
        self.kept = list(self.instance.photos.all()) if self.instance.pk else []
        self.fields["remove_photos"].queryset = DutyPhoto.objects.filter(record=self.instance.pk or 0)
        if not self.kept:
            del self.fields["remove_photos"]
        limit = settings.DUTY_PHOTOS_PER_RECORD
        self.fields["photos"].help_text = f"可选，最多{limit}张，每张不超过{settings.DUTY_PHOTO_MAX_MB} MB。"
        self.prepared = []

    def clean_done_on(self):
        day = not_in_future(self.cleaned_data["done_on"], "日期")
        if day < self.year_start:
            year = self.assignment.round.year
            raise ValidationError(f"日期不能早于{date_format(self.year_start)}（{year}年度上岗以前）。")
        return day

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if len(content) < 2:
            raise ValidationError("请写一写做了什么。")
        return content

    def clean(self):
        from . import photos

        data = super().clean()
        uploads = data.get("photos") or []
        kept = len(self.kept) - len(data.get("remove_photos") or [])
        if uploads:
            try:
                self.prepared = photos.prepare_all(uploads, already=kept)
            except ValidationError as error:
                self.add_error("photos", error)
        return data


class DutyReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control", "placeholder": "例如：请补充服务对象和照片"}),
        error_messages={"required": "退回时请写明原因，方便党员补充。"},
    )


class HeardForm(forms.ModelForm):
    """The meeting that heard a member's report (支部会议、群众代表会议)."""

    class Meta:
        model = WorkReport
        fields = ["heard_on", "heard_by"]
        widgets = {"heard_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True

    def clean_heard_on(self):
        day = not_in_future(self.cleaned_data["heard_on"], "会议日期")
        if day < self.instance.reported_on:
            raise ValidationError("会议日期不能早于汇报日期。")
        return day


# --- residents' requests ----------------------------------------------------------------------------------------

# The need categories as a resident says them.
PLAIN_CATEGORIES = {
    "appearance": "环境卫生、村容村貌",
    "security": "治安、安全",
    "elderly_youth": "老人、孩子",
    "neighbourhood": "邻里关系",
    "disputes": "纠纷调解",
    "policy_law": "政策、法律咨询",
    "other": "其他",
}


class RequestForm(forms.Form):
    """群众点单 on the grid's public page, on a phone: what kind, about what, what is needed."""

    kind = forms.ChoiceField(label="我要", widget=forms.RadioSelect)
    category = forms.ChoiceField(label="是哪方面的事", widget=forms.RadioSelect)
    content = forms.CharField(
        label="具体情况",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        help_text="最多500字。",
    )
    name = forms.CharField(label="怎么称呼您（可不填）", max_length=20, required=False)
    phone = forms.CharField(
        label="联系电话（可不填，便于党员联系您）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    website = forms.CharField(  # the honeypot, as on the feedback form
        label="网址", required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "ask")  # the grid's page also holds the feedback form, with the same names
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = RequestKind.choices
        self.fields["category"].choices = list(PLAIN_CATEGORIES.items())

    clean_phone = FeedbackForm.clean_phone
    clean_content = FeedbackForm.clean_content


class LookupForm(forms.Form):
    code = forms.CharField(
        label="查询码",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "placeholder": "6位"}),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise ValidationError(f"查询码是{CODE_LENGTH}位字母和数字，请核对后再输入。")
        return code


class RateForm(LookupForm):
    satisfaction = forms.ChoiceField(label="您对办理结果", widget=forms.RadioSelect)
    comment = forms.CharField(
        label="想说的话（可不填）",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 200}),
        help_text="经网格党支部审核后，可能在本页公开（不显示姓名）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()
        self.fields["satisfaction"].choices = Satisfaction.choices


class DispatchForm(forms.Form):
    assignment = forms.ChoiceField(label="派给")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].choices = choices


class HandBackForm(forms.Form):
    reason = forms.CharField(label="退单原因", max_length=200, widget=forms.TextInput())

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("退单时请写明原因。")
        return reason


class DutyTermsForm(forms.ModelForm):
    """The days a town allows for residents' requests and the ledger, and its report period."""

    class Meta:
        model = DutyTerms
        fields = ["take_days", "done_days", "confirm_days", "idle_days", "report_period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("take_days", "done_days", "confirm_days", "idle_days"):
            self.fields[name].min_value = 1
            self.fields[name].widget.attrs["min"] = 1
            self.fields[name].validators.append(MinValueValidator(1))
        town_id = self.instance.town_id
        self.own_kinds = list(DutyKind.objects.filter(town=town_id).order_by("order", "pk"))
        self.fields["kinds"] = forms.CharField(
            label="本镇增加的履职工作类别",
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            initial="\n".join(k.name for k in self.own_kinds),
            help_text="每行一个，例如：防汛、秸秆禁烧。巡逻、调解、宣传、走访、帮扶、监督、其他是各镇都有的，不用填。",
        )

    def clean_kinds(self):
        names = []
        for line in self.cleaned_data["kinds"].splitlines():
            name = line.strip()
            if not name or name in names:
                continue
            if len(name) > 20:
                raise ValidationError(f"“{name[:20]}…”太长了，工作类别最多20个字。")
            names.append(name)
        shared = set(DutyKind.objects.filter(town=None, name__in=names).values_list("name", flat=True))
        if shared:
            raise ValidationError(f"“{'、'.join(sorted(shared))}”是各镇都有的类别，不用再填。")
        kept = [k.name for k in self.own_kinds if k.name not in names and DutyRecord.objects.filter(kind=k).exists()]
        if kept:
            raise ValidationError(f"“{'、'.join(kept)}”已经有履职纪实用过，不能删去。")
        return names

    def save(self, commit=True):
        terms = super().save(commit)
        names = self.cleaned_data["kinds"]
        DutyKind.objects.filter(town=terms.town_id).exclude(name__in=names).delete()
        have = {k.name for k in self.own_kinds}
        DutyKind.objects.bulk_create(
            DutyKind(town_id=terms.town_id, name=n, order=200 + i) for i, n in enumerate(names) if n not in have
        )
        return terms


# --- stars


class StarRoundForm(forms.Form):
    year = forms.IntegerField(label="评定年度", min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("year", today.year if today.month >= 10 else today.year - 1)
        self.fields["year"].help_text = "系统按该年度积分和镇里的星级分数线，为每名在岗党员提出建议星级。"
        self.helper = helper()


class StarStepForm(forms.Form):
    held_on = forms.DateField(label="日期", widget=DateInput())
    meeting = forms.CharField(label="会议或方式", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, step, **kwargs):
        from .models.points import StarStep

        super().__init__(*args, **kwargs)
        self.initial.setdefault("held_on", timezone.localdate())
        meeting = {
            StarStep.GROUP: "党小组会议",
            StarStep.BRANCH: "网格党支部委员会会议",
            StarStep.GENERAL: "村党总支委员会会议",
            StarStep.ASSEMBLY: "支部党员大会",
            StarStep.AWARDED: "授牌仪式",
        }
        if step == StarStep.NOTICE:
            del self.fields["held_on"]
            self.fields["starts_on"] = forms.DateField(label="公示开始日期", widget=DateInput())
            self.fields["ends_on"] = forms.DateField(label="公示结束日期", widget=DateInput())
            self.fields["meeting"].label = "公示地点"
            self.initial.setdefault("meeting", "村党务公开栏、网格公示牌")
            self.helper = helper(
                Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
                "meeting",
                "note",
            )
        else:
            self.initial.setdefault("meeting", meeting.get(step, ""))
            self.helper = helper(
                Row(Column("held_on", css_class="col-md-4"), Column("meeting", css_class="col-md-8")), "note"
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", "结束日期不能早于开始日期。")
        return cleaned


class StarChangeForm(forms.Form):
    """A member's star changed: before 党员大会表决 (the branch's adjustment) or after 授牌 (lowered, withdrawn)."""

    stars = forms.TypedChoiceField(label="星级", coerce=int)
    reason = forms.CharField(label="理由", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))
    held_on = forms.DateField(label="决定日期", widget=DateInput())
    meeting = forms.CharField(label="会议或方式", max_length=100, required=False)

    def __init__(self, *args, rating, after_award, **kwargs):
        from .models.points import STARS

        super().__init__(*args, **kwargs)
        choices = [(s, label) for s, label in STARS if not after_award or s < rating.stars]
        self.fields["stars"].choices = choices
        self.fields["reason"].help_text = "必填，会记入修改记录" + ("，并张榜公示。" if after_award else "。")
        if after_award:
            self.fields["stars"].label = "降为"
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("meeting", "网格党支部委员会会议")
            self.helper = helper(
                "stars",
                Row(Column("held_on", css_class="col-md-4"), Column("meeting", css_class="col-md-8")),
                "reason",
            )
        else:
            del self.fields["held_on"], self.fields["meeting"]
            self.initial.setdefault("stars", rating.stars)
            self.helper = helper("stars", "reason")


class StarObjectionForm(forms.Form):
    rating = forms.ModelChoiceField(label="针对的党员", queryset=None, required=False, empty_label="（整体意见）")
    raised_by = forms.CharField(label="提出人", max_length=30, help_text="可填“匿名群众”。")
    raised_on = forms.DateField(label="提出日期", widget=DateInput())
    content = forms.CharField(label="异议内容", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, star_round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = star_round.ratings.select_related("assignment__member")
        self.fields["rating"].label_from_instance = lambda r: f"{r.assignment.member.name}（{r.get_stars_display()}）"
        self.initial.setdefault("raised_on", timezone.localdate())
        self.helper = helper()


class StarAnswerForm(forms.Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 3}))
    answered_on = forms.DateField(label="答复日期", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("answered_on", timezone.localdate())
        self.helper = helper()


# --- points


def check_rule_points(category, points, cap):
    """扣分 are negative, the other categories positive; a cap is a number of points, never below zero."""
    errors = {}
    if points is not None:
        if category == PointCategory.DEDUCTION and points >= 0:
            errors["points"] = "扣分项的分值要填负数，例如 -2。"
        elif category and category != PointCategory.DEDUCTION and points <= 0:
            errors["points"] = "基础分、履职分和加分的分值要填正数，例如 2。"
    if cap is not None and cap < 0:
        errors["cap"] = "上限不能小于0（扣分项也填正数，表示最多扣多少分）。"
    return errors


class PointRuleForm(forms.ModelForm):
    """A new line of the town's catalogue."""

    class Meta:
        model = PointRule
        fields = ["category", "name", "source", "points", "cap", "cap_period", "valid_from"]
        widgets = {"valid_from": DateInput()}

    def clean(self):
        data = super().clean()
        for name, error in check_rule_points(data.get("category"), data.get("points"), data.get("cap")).items():
            self.add_error(name, error)
        if data.get("cap") is not None and not data.get("cap_period"):
            self.add_error("cap_period", "填了上限，请选择每季度还是每年。")
        return data


class PointRuleChangeForm(forms.Form):
    """A rule changed from a date: entries before it keep their points."""

    on = forms.DateField(label="从哪天起按新规则计分", widget=DateInput())
    name = forms.CharField(label="积分事项", max_length=60)
    points = forms.DecimalField(label="分值", max_digits=5, decimal_places=1, help_text="扣分填负数，例如 -2。")
    cap = forms.DecimalField(label="上限", max_digits=5, decimal_places=1, required=False)
    cap_period = forms.ChoiceField(label="上限周期", required=False)

    def __init__(self, *args, rule, **kwargs):
        self.rule = rule
        initial = {"name": rule.name, "points": rule.points, "cap": rule.cap, "cap_period": rule.cap_period}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["cap_period"].choices = CapPeriod.choices

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on < self.rule.valid_from:
            raise ValidationError(f"不能早于这条规则的生效日期（{self.rule.valid_from:%Y年%-m月%-d日}）。")
        return on

    def clean(self):
        data = super().clean()
        for name, error in check_rule_points(self.rule.category, data.get("points"), data.get("cap")).items():
            self.add_error(name, error)
        if data.get("cap") is not None and not data.get("cap_period"):
            self.add_error("cap_period", "填了上限，请选择每季度还是每年。")
        if data.get("cap") is None:
            data["cap_period"] = ""
        return data


class PointRuleEndForm(forms.Form):
    last_day = forms.DateField(label="最后一天", widget=DateInput(), help_text="这天以后不再按这条规则计分。")


class PointTermsForm(forms.ModelForm):
    class Meta:
        model = PointTerms
        fields = ["duty_cap_year", "bonus_cap_quarter", "five_star", "four_star", "three_star", "notice_days"]

    def clean(self):
        data = super().clean()
        for name in ("duty_cap_year", "bonus_cap_quarter"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, "上限不能小于0。")
        five, four, three = data.get("five_star"), data.get("four_star"), data.get("three_star")
        if None not in (five, four, three) and not five > four > three:
            self.add_error("four_star", "分数线要从高到低：五星高于四星，四星高于三星。")
        if data.get("notice_days") is not None and data["notice_days"] < 1:
            self.add_error("notice_days", "公示至少1天。")
        return data


GROUP_MIN, GROUP_MAX = 3, 5


class ScoringGroupForm(forms.Form):
    """评分小组: three to five members of the grid branch."""

    members = forms.ModelMultipleChoiceField(
        label="评分小组成员", queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Member.objects.filter(grid=grid, left_on=None).order_by("name_key", "pk")
        self.fields["members"].help_text = f"选{GROUP_MIN}至{GROUP_MAX}名本网格党支部的党员。"
        self.fields["members"].error_messages["required"] = f"请选{GROUP_MIN}至{GROUP_MAX}名党员。"

    def clean_members(self):
        chosen = self.cleaned_data["members"]
        if not GROUP_MIN <= len(chosen) <= GROUP_MAX:
            raise ValidationError(f"评分小组要有{GROUP_MIN}至{GROUP_MAX}名成员，现在选了{len(chosen)}名。")
        return chosen


class RuleOnDayForm(forms.Form):
    """A rule of the town's catalogue and the day it applies to (not after today, the rule in force that day)."""

    rule = forms.ModelChoiceField(label="积分事项", queryset=None, empty_label=None)
    on = forms.DateField(label="事情发生日期", widget=DateInput())

    def __init__(self, *args, rules, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["rule"].queryset = rules
        self.fields["rule"].label_from_instance = lambda r: f"{r.name}（{float(r.points):+g}分）"
        self.fields["on"].initial = today

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > self.today:
            raise ValidationError("日期不能晚于今天。")
        return on

    def clean(self):
        data = super().clean()
        rule, on = data.get("rule"), data.get("on")
        if rule is not None and on is not None and not rule.in_force(on):
            self.add_error("on", f"“{rule.name}”在这一天还没有生效或已经停用。")
        return data


class PointClaimForm(RuleOnDayForm):
    reason = forms.CharField(label="申报理由", max_length=500, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(
        label="证明材料", max_length=200, required=False, help_text="例如：镇党委表彰文件、证明人。"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].label = "申报事项"


class BranchPointsForm(RuleOnDayForm):
    """支部积分: the town's committee or the village's secretary records a grid branch's own points."""

    note = forms.CharField(label="事由", max_length=200, help_text="写明事情和依据，例如：镇党委2026年第3号通报表扬。")


class PointClaimDecisionForm(forms.Form):
    reason = forms.CharField(label="审核意见", max_length=200, required=False, help_text="不通过时必须写明理由。")


# --- the quarter's points on notice (积分公示)


class PointsNoticeForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", widget=DateInput())
    ends_on = forms.DateField(label="公示结束日期", widget=DateInput())
    place = forms.CharField(label="公示地点", max_length=100, initial="村党务公开栏、网格公示牌")
    phone = forms.CharField(label="监督电话", max_length=20)


class PointsObjectionForm(forms.Form):
    assignment = forms.ModelChoiceField(label="针对的党员", queryset=None, required=False, empty_label="（整个公示）")
    raised_by = forms.CharField(label="提出人", max_length=30)
    raised_on = forms.DateField(label="提出日期", widget=DateInput())
    content = forms.CharField(label="异议内容", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments
        self.fields["assignment"].label_from_instance = lambda a: f"{a.member.name}（{a.post.name}）"


class PointsObjectionAnswerForm(forms.Form):
    answer = forms.CharField(label="答复", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    answered_on = forms.DateField(label="答复日期", widget=DateInput())
