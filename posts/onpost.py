"""Members on post signing in for themselves: their access, who they are, and who may act for them.

A member's account (members.MemberAccount) is a user whose name is the code on their slip (签到码). It lets the
member in only while they hold a post in a round, or are the contact (联系人) of someone who does, and are on the
roster: the check runs on every request (the role's subquery in grids.access.ROLE_UNITS) and at every sign-in
(MemberBackend), so access ends the day the member leaves the post or the roster, with no job to run.

The first password is a 6-digit PIN printed on the slip. A PIN is short, so it is kept safe by what is around
it: the sign-in locks for 15 minutes after 5 failures from one address (django-axes, as every account), counted
together for the code and the phone number (lockout_name); the member must replace the printed PIN at first
sign-in (FirstUseMiddleware); the new one may not be a run such as 123456 or 000000, nor the end of their phone
number or their birthday; and the account reaches nothing but the member's own post.
"""

import secrets
import unicodedata

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from grids.access import ROLE_UNITS, Role, RoleBackend
from members.models import Member, MemberAccount

from .models import Assignment, Status

UserModel = get_user_model()

# The slip's code: a prefix no staff account uses, then characters that survive being read off paper.
CODE_PREFIX = "DY"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PIN_LENGTH = 6


def serving():
    """Members who may use their phone pages: on the roster, on post in a round, or contact of someone on post."""
    on_post = Assignment.objects.filter(status=Status.ON_POST)
    return Member.objects.filter(left_on=None).filter(
        Exists(on_post.filter(member=OuterRef("pk"))) | Exists(on_post.filter(contact=OuterRef("pk")))
    )


def register_role():
    """Members on post are a role of their own, loaded with every request's user like the others."""
    ROLE_UNITS[Role.MEMBER] = lambda: (
        serving().filter(account__user=OuterRef("pk")).order_by().values("grid__village__town__name")[:1]
    )


def member_of(user):
    """The member a signed-in user is, while they serve; else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_serving_member"):
        user._serving_member = serving().filter(account__user=user.pk).select_related("grid__village").first()
    return user._serving_member


def assignments_of(member):
    """A member's posts this year (on post), latest round first."""
    return (
        Assignment.objects.filter(member=member, status=Status.ON_POST)
        .select_related("post__post_type", "post__grid__village__town", "post__grid__secretary", "round", "contact")
        .order_by("-round__year", "-pk")
    )


def new_code():
    while True:
        code = CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not UserModel.objects.filter(username=code).exists():
            return code


def new_pin():
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
        try:
            PinValidator().validate(pin)
            return pin
        except ValidationError:
            continue


@transaction.atomic
def issue_access(member, by):
    """Give a member their sign-in, or a fresh PIN if they have one: returns (account, PIN). The PIN is shown
    once, on the slip; only its hash is kept."""
    pin = new_pin()
    account = MemberAccount.objects.select_for_update().filter(member=member).select_related("user").first()
    if account is None:
        user = UserModel(username=new_code(), first_name=member.name[:150], is_active=True)
        user.set_password(pin)
        user._history_user = by
        user.save()
        account = MemberAccount(member=member, user=user, issued_by=by)
    else:
        account.user.set_password(pin)
        account.user.is_active = True
        account.user._history_user = by
        account.user.save(update_fields=["password", "is_active"])
        account.issued_by = by
    account.must_change = True
    account._history_user = by
    account.save()
    town = member.grid.village.town
    town.accounts.add(account.user)
    return account, pin


def find_account_user(login):
    """The member's user for what they type at sign-in: the slip's code, or the phone number on the roster."""
    login = (login or "").strip()
    if not login:
        return None
    code = login.upper().replace(" ", "").replace("-", "")
    if code.startswith(CODE_PREFIX):
        return UserModel.objects.filter(username=code, member_account__isnull=False).first()
    phone = "".join(ch for ch in unicodedata.normalize("NFKC", login) if ch.isdigit())
    if len(phone) != 11:
        return None
    found = list(serving().filter(phone=phone, account__isnull=False).values_list("account__user", flat=True)[:2])
    if len(found) != 1:  # a phone shared by two members signs in by code
        return None
    return UserModel.objects.filter(pk=found[0]).first()


def lockout_name(request, credentials=None):
    """The name django-axes counts failures under: a member's code whichever way they typed it (code or phone),
    so that guessing a PIN gets 5 tries in all, not 5 per spelling; anyone else's name as typed."""
    typed = (credentials or {}).get("username") if credentials else None
    if typed is None:
        typed = getattr(request, "POST", {}).get("username", "")
    user = find_account_user(typed) if typed else None
    return user.username if user is not None else typed


class MemberBackend(RoleBackend):
    """Sign-in for members: the slip's code or their phone number, and their PIN or password. Refused once the
    member no longer serves, whatever the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_account_user(username)
        if user is None or password is None:
            UserModel().set_password(password or "")  # the same time whether or not the account exists
            return None
        if (
            user.check_password(password)
            and self.user_can_authenticate(user)
            and serving().filter(account__user=user).exists()
        ):
            return user
        return None

    def get_user(self, user_id):
        """The member's user with their roles, while they serve: the day they stop, their session ends."""
        user = super().get_user(user_id)
        return user if user is not None and getattr(user, f"{Role.MEMBER}_unit", None) is not None else None


class PinValidator:
    """A member's PIN or password: 6 digits at least, not one digit repeated nor a run (123456, 654321), not
    the end of their phone number nor their birthday."""

    def validate(self, password, user=None):
        if len(password) < PIN_LENGTH:
            raise ValidationError(f"密码至少{PIN_LENGTH}位。", code="pin_too_short")
        if password.isdigit():
            steps = {int(b) - int(a) for a, b in zip(password, password[1:], strict=False)}
            if len(set(password)) == 1 or steps in ({1}, {-1}):
                raise ValidationError("密码太简单（同一个数字或连续数字），请换一个。", code="pin_too_simple")
        member = getattr(getattr(user, "member_account", None), "member", None)
        if member is not None:
            if member.phone and member.phone[-len(password) :] == password:
                raise ValidationError("密码不能是手机号码的后几位。", code="pin_is_phone")
            birthday = {member.birth_date.strftime(f) for f in ("%Y%m%d", "%y%m%d", "%m%d%y", "%Y%m")}
            if password in birthday:
                raise ValidationError("密码不能是出生日期。", code="pin_is_birthday")

    def get_help_text(self):
        return "至少6位；不能是同一个数字或连续数字，也不能是手机号后几位或出生日期。"


def validate_pin(password, user):
    """A member's new PIN against the member rules, and the house rules that still apply to it."""
    from jinchen.security import NotDemoPasswordValidator, NotUsernameValidator

    password_validation.validate_password(
        password, user, password_validators=[PinValidator(), NotUsernameValidator(), NotDemoPasswordValidator()]
    )


# --- who may act for a member on post ---------------------------------------------------------------------------


def grid_secretaries(grid):
    return {grid.secretary_id, grid.village.secretary_id} - {None}


def may_record_for(user, assignment):
    """The member themself, their contact, or the grid's or village's secretary (assignment.post.grid loaded)."""
    if user.is_superuser or user.pk in grid_secretaries(assignment.post.grid):
        return True
    member = member_of(user)
    return member is not None and member.pk in (assignment.member_id, assignment.contact_id)


def may_verify(user, assignment):
    """核实: the member's contact or the grid's secretaries, never the member themself."""
    if user.is_superuser or user.pk in grid_secretaries(assignment.post.grid):
        return True
    member = member_of(user)
    return member is not None and member.pk == assignment.contact_id and member.pk != assignment.member_id


def on_behalf(user, assignment):
    """Whether an entry by `user` is written for the member by someone else (marked 代记)."""
    member = member_of(user)
    return member is None or member.pk != assignment.member_id


def assignments_for_member_user(user):
    """What a member user may open: their own posts and those they are contact for."""
    member = member_of(user)
    if member is None:
        return Assignment.objects.none()
    return Assignment.objects.filter(Q(member=member) | Q(contact=member), status=Status.ON_POST)


class FirstUseMiddleware:
    """A member signed in with the PIN printed on their slip replaces it before anything else opens. Costs one
    query on members' requests only (staff users have no member role)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect
        from django.urls import reverse

        user = getattr(request, "user", None)
        if user is not None and getattr(user, f"{Role.MEMBER}_unit", None) is not None:
            allowed = (reverse("posts:onpost-pin"), reverse("logout"))
            if request.path not in allowed and MemberAccount.objects.filter(user=user.pk, must_change=True).exists():
                return redirect("posts:onpost-pin")
        return self.get_response(request)
