"""Accounts and roles, managed by the town committee in its own pages (not only in the admin).

A role is a place in the organisation tree: a member of the town committee, the secretary of a village,
or the secretary of a grid. Giving a village or grid a new secretary takes the post from the previous one.
"""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.db.models import Q

from .access import Role
from .models import Grid, Village

USERNAME_TAKEN = "这个用户名已经有人使用。"
ROLE_CHOICES = [(Role.TOWN, "镇党委（查看全镇）"), (Role.VILLAGE, "村党总支书记"), (Role.GRID, "网格支部书记")]


class AccountForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=30, help_text="登录用，字母、数字，例如 cun18。")
    full_name = forms.CharField(label="姓名", max_length=30)
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)
    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none(), required=False, empty_label="请选择")
    grid = forms.ModelChoiceField(label="网格", queryset=Grid.objects.none(), required=False, empty_label="请选择")
    password1 = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput,
        strip=False,
        help_text="至少8位，同时包含字母和数字，不能包含用户名。",
    )
    password2 = forms.CharField(label="再输入一次", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, town, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.town, self.account = town, account
        self.fields["village"].queryset = Village.objects.filter(town=town).order_by("name_key")
        self.fields["grid"].queryset = (
            Grid.objects.filter(village__town=town).select_related("village").order_by("village__name", "number")
        )
        self.fields["grid"].label_from_instance = lambda g: f"{g.village.name} · {g.name}"
        if account is not None:
            del self.fields["password1"], self.fields["password2"]
            self.fields["username"].disabled = True
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        # Case-insensitively, as Django's own sign-up form: cun01 and CUN01 would be two people nobody tells apart.
        taken = get_user_model().objects.filter(username__iexact=name)
        if self.account is not None:
            taken = taken.exclude(pk=self.account.pk)
        if taken.exists():
            raise forms.ValidationError(USERNAME_TAKEN)
        return name

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == Role.VILLAGE and not cleaned.get("village"):
            self.add_error("village", "村党总支书记需要选择所在的村。")
        if role == Role.GRID and not cleaned.get("grid"):
            self.add_error("grid", "网格支部书记需要选择所在的网格。")
        if "password1" in self.fields:
            first, second = cleaned.get("password1"), cleaned.get("password2")
            if first and second and first != second:
                self.add_error("password2", "两次输入的密码不一致。")
            elif first:
                probe = get_user_model()(username=cleaned.get("username", ""), first_name=cleaned.get("full_name", ""))
                try:
                    password_validation.validate_password(first, probe)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return cleaned

    @transaction.atomic
    def save(self):
        data = self.cleaned_data
        user = self.account or get_user_model()(username=data["username"])
        user.first_name = data["full_name"]
        if self.account is None:
            user.set_password(data["password1"])
        user.save()
        set_role(user, self.town, data["role"], data.get("village"), data.get("grid"))
        return user


def set_role(user, town, role, village=None, grid=None):
    """Give `user` exactly one role in `town`, taking away the ones they held there. The user, and whoever held
    the village or grid before, stay accounts of the town."""
    previous = getattr(village if role == Role.VILLAGE else grid if role == Role.GRID else None, "secretary_id", None)
    town.accounts.add(user, *([previous] if previous else []))
    town.committee.remove(user)
    Village.objects.filter(town=town, secretary=user).update(secretary=None)
    Grid.objects.filter(village__town=town, secretary=user).update(secretary=None)
    if role == Role.TOWN:
        town.committee.add(user)
    elif role == Role.VILLAGE:
        village.secretary = user
        village.save(update_fields=["secretary"])
    elif role == Role.GRID:
        grid.secretary = user
        grid.save(update_fields=["secretary"])


def role_in(user, town):
    """(role, village, grid) the user holds in `town`, for the account form and the list."""
    if town.committee.filter(pk=user.pk).exists():
        return Role.TOWN, None, None
    village = Village.objects.filter(town=town, secretary=user).first()
    if village:
        return Role.VILLAGE, village, None
    grid = Grid.objects.filter(village__town=town, secretary=user).select_related("village").first()
    return (Role.GRID, None, grid) if grid else (None, None, None)


class PasswordForm(forms.Form):
    password1 = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput(attrs={"class": "form-control"}),
        strip=False,
        help_text="至少8位，同时包含字母和数字，不能包含用户名。",
    )
    password2 = forms.CharField(
        label="再输入一次", widget=forms.PasswordInput(attrs={"class": "form-control"}), strip=False
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "两次输入的密码不一致。")
        elif first:
            try:
                password_validation.validate_password(first, self.account)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def town_people(towns):
    """Accounts that belong to these towns: committee members, the secretaries of their villages and grids, and
    everyone who held such a role before (Town.accounts)."""
    return (
        get_user_model()
        .objects.filter(
            Q(account_towns__in=towns)
            | Q(committee_towns__in=towns)
            | Q(secretary_of_villages__town__in=towns)
            | Q(secretary_of_grids__village__town__in=towns)
        )
        .distinct()
        .order_by("username")
    )


def village_people(villages):
    """Accounts that belong to these villages: their secretaries and the secretaries of their grids."""
    return (
        get_user_model()
        .objects.filter(Q(secretary_of_villages__in=villages) | Q(secretary_of_grids__village__in=villages))
        .distinct()
        .order_by("username")
    )
