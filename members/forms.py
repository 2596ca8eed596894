import datetime
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.formats import date_format

from . import idcard
from .models import Gender, LeaveReason, Member, NeedRecord, Standing, VillagePlan, add_years

ID_INPUT_LENGTH = 40  # 18 characters and the spaces or dashes people paste with them

ARCHIVED_MESSAGE = "该公民身份号码属于已离开名册的党员。如该党员已转回，请在村页面的“已离开名册”中恢复。"
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def check_year(year):
    """A programme year typed by a person: four digits, within reason."""
    if not 2000 <= year <= 2100:
        raise ValidationError("请填写四位数的年度，例如 2026。")
    return year


def ends_after_start(form, start_field, end_field, message="结束日期不能早于开始日期。"):
    """Put `message` on the end field when it is before the start; True when both are there and in order."""
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, message)
        return False
    return bool(start and end)


class DateInput(forms.DateInput):
    """A date picker where the browser has one; older browsers show a text box with the format as a hint."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "如 2026-03-01", **(attrs or {})}, format="%Y-%m-%d")


def grid_field_for(form, grids):
    """Limit the grid choice to what the user may edit; a grid secretary sees only their own grid."""
    field = form.fields["grid"]
    field.queryset = grids.select_related("village").order_by("village__name", "number")
    field.label_from_instance = lambda g: f"{g.village.name} · {g.name}"
    field.empty_label = "请选择网格"


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "grid",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "education",
            "joined_on",
            "membership",
            "full_member_on",
            "standing",
            "address",
            "specialties",
            "health",
            "cadre_post",
            "is_away",
            "away_to",
            "is_lost",
            "lost_contact_on",
            "is_willing",
            "note",
        ]
        widgets = {
            "birth_date": DateInput(),
            "joined_on": DateInput(),
            "full_member_on": DateInput(),
            "lost_contact_on": DateInput(),
            "specialties": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "id_number": "18位，最后一位可以是X。出生日期和性别将按身份证号自动填写。",
            "gender": "可不填，按身份证号自动确定。",
            "birth_date": "可不填，按身份证号自动确定。",
            "cadre_post": "不担任村干部的请选“不担任（无职党员）”。",
            "is_willing": "本人是否愿意在网格内认领岗位。",
            "full_member_on": "预备党员可不填。",
            "away_to": "流动党员外出去了哪里（省市、单位），可不填。",
        }

    def __init__(self, *args, grids, full_numbers=True, **kwargs):
        """`full_numbers=False` (anyone but the village's secretary, editing a member): the ID number and phone
        are shown masked and cannot be changed; the form has no such fields, so saving keeps the stored ones."""
        super().__init__(*args, **kwargs)
        grid_field_for(self, grids)
        self.full_numbers = full_numbers or self.instance.pk is None  # a new member's numbers are typed in
        id_number, phone = "id_number", "phone"
        if not self.full_numbers:
            del self.fields["id_number"], self.fields["phone"]
            id_number, phone = "masked_id_number", "masked_phone"
            for name, label, value in (
                (id_number, "公民身份号码", self.instance.masked_id_number),
                (phone, "联系电话", self.instance.masked_phone),
            ):
                self.fields[name] = forms.CharField(
                    label=label,
                    initial=value,
                    required=False,
                    disabled=True,
                    help_text="只有本村党总支书记能看到和修改完整号码。",
                )
        self.fields["gender"].required = False
        self.fields["gender"].choices = [("", "按身份证号自动确定"), *Gender.choices]
        for name in ("education",):
            self.fields[name].choices = [("", "请选择"), *self.fields[name].choices[1:]]
        self.fields["birth_date"].required = False
        self.fields["standing"].required = False  # 正常 unless said otherwise
        self.fields["cadre_post"].choices = [("", "不担任（无职党员）"), *self.fields["cadre_post"].choices[1:]]
        # A number pasted from a document often carries spaces (110105 19491231 002X); the browser and the field
        # take a few more than 18 characters, and clean_id_number strips them before checking.
        if self.full_numbers:
            id_field = self.fields["id_number"]
            id_field.validators = [v for v in id_field.validators if not isinstance(v, MaxLengthValidator)]
            id_field.validators.append(MaxLengthValidator(ID_INPUT_LENGTH))
            id_field.widget.attrs.update({"autocomplete": "off", "inputmode": "text", "maxlength": ID_INPUT_LENGTH})
            self.fields["phone"].widget.attrs.update({"inputmode": "tel"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "基本信息",
                Row(Column("grid", css_class="col-md-6"), Column("name", css_class="col-md-6")),
                Row(Column(id_number, css_class="col-md-6"), Column("ethnicity", css_class="col-md-6")),
                Row(Column("gender", css_class="col-md-6"), Column("birth_date", css_class="col-md-6")),
                Row(Column(phone, css_class="col-md-6"), Column("education", css_class="col-md-6")),
                Row(Column("joined_on", css_class="col-md-6"), Column("membership", css_class="col-md-6")),
                Row(Column("full_member_on", css_class="col-md-6"), Column("standing", css_class="col-md-6")),
                "address",
            ),
            Fieldset(
                "设岗条件",
                Row(Column("health", css_class="col-md-6"), Column("cadre_post", css_class="col-md-6")),
                Row(Column("is_away", css_class="col-md-6"), Column("away_to", css_class="col-md-6")),
                Row(Column("is_lost", css_class="col-md-6"), Column("lost_contact_on", css_class="col-md-6")),
                "is_willing",
                Field("specialties", wrapper_class="specialties"),
                "note",
            ),
        )

    def clean_id_number(self):
        self.id_info = idcard.parse_id_number(self.cleaned_data["id_number"])  # clean() uses it again
        number = self.id_info.number
        if self.is_archived(number):
            raise ValidationError(ARCHIVED_MESSAGE)
        return number

    def is_archived(self, number):
        """Does the number belong to a member who left the roster (the roster's own check cannot see them)?"""
        return Member.everyone.filter(id_number=number, left_on__isnull=False).exclude(pk=self.instance.pk).exists()

    def clean_standing(self):
        return self.cleaned_data["standing"] or Standing.NORMAL

    def clean_phone(self):
        phone = "".join(self.cleaned_data["phone"].split())
        if phone and not PHONE_RE.match(phone):
            raise ValidationError("请输入11位手机号码，或带区号的固定电话（例如 0515-88881234）。")
        return phone

    def clean(self):
        cleaned = super().clean()
        if not self.full_numbers:  # the stored number stands; birth date and gender still follow it
            self.id_info = idcard.parse_id_number(self.instance.id_number)
        elif not cleaned.get("id_number"):
            return cleaned
        info = self.id_info
        birth, gender = cleaned.get("birth_date"), cleaned.get("gender")
        if birth and birth != info.birth_date:
            self.add_error(
                "birth_date",
                f"出生日期与身份证号不一致：身份证号显示为{date_format(info.birth_date)}，请核对。",
            )
        if gender and gender != info.gender:
            self.add_error(
                "gender", f"性别与身份证号不一致：身份证号第17位表示“{'男' if info.gender == 'M' else '女'}”。"
            )
        cleaned["birth_date"], cleaned["gender"] = info.birth_date, info.gender
        joined = cleaned.get("joined_on")
        if joined:
            eighteen = add_years(info.birth_date, 18)
            if joined < eighteen:
                self.add_error("joined_on", f"入党时间早于年满18周岁（{date_format(eighteen)}），请核对。")
            elif joined > datetime.date.today():
                self.add_error("joined_on", "入党时间不能晚于今天。")
        full = cleaned.get("full_member_on")
        if full and joined and full < joined:
            self.add_error("full_member_on", "转为正式党员日期早于入党时间，请核对。")
        elif full and full > datetime.date.today():
            self.add_error("full_member_on", "转为正式党员日期不能晚于今天。")
        lost_on = cleaned.get("lost_contact_on")
        if lost_on and lost_on > datetime.date.today():
            self.add_error("lost_contact_on", "失去联系日期不能晚于今天。")
        elif lost_on:
            cleaned["is_lost"] = True  # a date of losing contact says the member is 失联
        return cleaned


class NeedRecordForm(forms.ModelForm):
    class Meta:
        model = NeedRecord
        fields = ["grid", "recorded_on", "method", "participants", "issue", "category", "kind"]
        widgets = {"recorded_on": DateInput(), "issue": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        grid_field_for(self, grids)
        for name in ("method", "category", "kind"):
            self.fields[name].choices = [("", "请选择"), *self.fields[name].choices[1:]]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("grid", css_class="col-md-6"), Column("recorded_on", css_class="col-md-6")),
            Row(Column("method", css_class="col-md-6"), Column("participants", css_class="col-md-6")),
            "issue",
            Row(Column("category", css_class="col-md-6"), Column("kind", css_class="col-md-6")),
        )

    def clean_recorded_on(self):
        day = self.cleaned_data["recorded_on"]
        if day > datetime.date.today():
            raise ValidationError("调查日期不能晚于今天。")
        return day


class VillagePlanForm(forms.ModelForm):
    class Meta:
        model = VillagePlan
        fields = ["year", "title", "starts_on", "ends_on", "content"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "content": forms.Textarea(attrs={"rows": 18}),
        }
        help_texts = {"content": "写明调查摸底情况、岗位设置、时间安排和责任分工等。"}

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.village = village
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("year", css_class="col-md-3"), Column("title", css_class="col-md-9")),
            Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
            "content",
        )

    def clean_year(self):
        year = check_year(self.cleaned_data["year"])
        taken = VillagePlan.objects.filter(village=self.village, year=year).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"{self.village.name}{year}年度的实施方案已经存在，请直接修改那一份。")
        return year

    def clean(self):
        cleaned = super().clean()
        ends_after_start(self, "starts_on", "ends_on")
        return cleaned


class ArchiveForm(forms.Form):
    """A member leaves the roster: why and when (nothing is deleted; the history stays)."""

    leave_reason = forms.ChoiceField(label="离开原因", choices=[("", "请选择"), *LeaveReason.choices])
    left_on = forms.DateField(label="离开日期", widget=DateInput())
    leave_note = forms.CharField(
        label="说明", max_length=200, required=False, help_text="例如：组织关系转至某某镇某某村。"
    )

    def clean_left_on(self):
        day = self.cleaned_data["left_on"]
        if day > datetime.date.today():
            raise ValidationError("离开日期不能晚于今天。")
        return day
