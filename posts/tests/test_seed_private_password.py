"""seed_demo --private-password: demo accounts on a server shown to others never keep the published password."""

import re
import stat
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from jinchen.security import DEMO_PASSWORD, demo_accounts_unchanged, refuse_demo_accounts

pytestmark = pytest.mark.django_db

ACCOUNTS = ("zhen", "cun01", "wg0101")


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def signs_in(username, password):
    return authenticate(RequestFactory().post("/login/"), username=username, password=password) is not None


def test_private_password_replaces_the_published_one_and_stays(tmp_path):
    path = tmp_path / "secret" / "demo_password"
    out = seed("--private-password", str(path))
    password = path.read_text().strip()
    assert password != DEMO_PASSWORD and len(password) >= 8
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # only the administrator reads it
    # Its output goes into make serve's log: it says where the password is, never the password.
    assert f"密码见 {path}" in out and password not in out and DEMO_PASSWORD not in out
    # The members' slips (code and PIN) go to a file beside it, not into the log either.
    members = path.with_name(f"{path.name}-members")
    assert f"签到码和PIN见 {members}" in out and not re.search(r"PIN \d{6}", out)
    assert (
        stat.S_IMODE(members.stat().st_mode) == 0o600
        and len(re.findall(r"DY\w{6}  PIN \d{6}", members.read_text())) == 3
    )
    for username in ACCOUNTS:
        assert signs_in(username, password) and not signs_in(username, DEMO_PASSWORD), username
    assert demo_accounts_unchanged() == []
    with override_settings(DEBUG=False):
        refuse_demo_accounts()  # production starts
    # Safe twice: the second run keeps the password it gave (and says where it is again).
    again = seed("--private-password", str(path))
    assert path.read_text().strip() == password and f"密码见 {path}" in again and password not in again
    assert all(signs_in(username, password) for username in ACCOUNTS)
    # Without the option afterwards, it does not claim the published password works.
    plain = seed()
    assert DEMO_PASSWORD not in plain and "已修改" in plain


def test_an_account_the_administrator_changed_is_left_alone(tmp_path):
    seed()
    assert {*ACCOUNTS} <= set(demo_accounts_unchanged())
    with override_settings(DEBUG=False), pytest.raises(RuntimeError, match="演示账号"):
        refuse_demo_accounts()  # the published password: production refuses to start
    zhen = get_user_model().objects.get(username="zhen")
    zhen.set_password("Jinchen-2027-own")
    zhen.save()
    seed("--private-password", str(tmp_path / "demo_password"))
    password = (tmp_path / "demo_password").read_text().strip()
    assert signs_in("zhen", "Jinchen-2027-own") and not signs_in("zhen", password)
    assert signs_in("cun01", password) and signs_in("wg0101", password)
