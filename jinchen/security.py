"""Account rules a level-2 protected system (等保2.0 二级) is held to: passwords and idle sessions."""

import time

from django.contrib.auth import password_validation
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver

# The demo accounts (seed_demo) share this group and this published password; production refuses to start
# while any of them keeps it (refuse_demo_accounts).
DEMO_GROUP = "演示账号"
DEMO_PASSWORD = "jinchen2026"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule, with its message in Chinese (Django's own translation of this one is missing)."""

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(f"密码太短，至少需要{self.min_length}个字符。", code="password_too_short")

    def get_help_text(self):
        return f"密码至少需要{self.min_length}个字符。"


class LettersAndDigitsValidator:
    """A password holds both letters and digits."""

    def validate(self, password, user=None):
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_letters_and_digits")

    def get_help_text(self):
        return "密码必须同时包含字母和数字。"


class NotUsernameValidator:
    """A password is not the user name, nor contains it."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self):
        return "密码不能包含用户名。"


class NotDemoPasswordValidator:
    """The demo accounts' password is published in the README: no form may give it to any account, or the next
    start in production would refuse to boot (refuse_demo_accounts) after it had let that account in."""

    def validate(self, password, user=None):
        if password == DEMO_PASSWORD:
            raise ValidationError("这是公开的演示密码，任何人都知道，不能使用。", code="password_is_demo")

    def get_help_text(self):
        return "不能使用公开的演示密码。"


class IdleTimeoutMiddleware:
    """Sessions end after SESSION_IDLE_MINUTES without a request.

    The session's expiry (SESSION_COOKIE_AGE) is pushed back as the user works, but at most once a minute,
    so that an active user costs one session write a minute rather than one per request.
    """

    TOUCH_EVERY = 60  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get("_seen", 0) >= self.TOUCH_EVERY:
                session["_seen"] = now  # saving the session sets its expiry to now + SESSION_COOKIE_AGE
        return response


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    if getattr(request, "session", None) is not None:
        request.session["_seen"] = int(time.time())


def demo_accounts_unchanged():
    """User names of active demo accounts (group 演示账号) that still have the published demo password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password

    users = get_user_model().objects.filter(groups__name=DEMO_GROUP, is_active=True)
    # Demo accounts share one password hash: check each distinct hash once, not each account.
    weak = [h for h in set(users.values_list("password", flat=True)) if check_password(DEMO_PASSWORD, h)]
    return sorted(users.filter(password__in=weak).values_list("username", flat=True))


def refuse_demo_accounts():
    """Production (DEBUG off) does not start while demo accounts keep the password printed in the README."""
    from django.conf import settings

    if settings.DEBUG:
        return
    names = demo_accounts_unchanged()
    if names:
        shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
        raise RuntimeError(
            f"拒绝启动：{len(names)}个演示账号（{shown}）仍使用公开的演示密码。请停用这些账号或修改其密码后再启动"
            "（python manage.py changepassword 用户名）。"
        )
