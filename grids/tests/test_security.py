"""Accounts as 等保 level 2 asks: password rules, lockout after five failures, idle sessions, headers."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def login(client, username, password, address="127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abc123", "太短"),
        ("abcdefghij", "字母和数字"),
        ("1234567890", "字母和数字"),
        ("xcun01x9z", "用户名"),
        ("password1", "太常见"),
        ("jinchen2026", "公开的演示密码"),
    ],
)
def test_password_rules_in_chinese(sec_a, password, message):
    sec_a.username = "cun01"
    with pytest.raises(ValidationError) as error:
        validate_password(password, sec_a)
    assert message in " ".join(error.value.messages)


def test_a_good_password_passes(sec_a):
    validate_password("Jincheng2026ok", sec_a)


def test_five_failures_lock_the_user_name_for_fifteen_minutes(client, sec_a):
    for _ in range(4):
        assert "用户名或密码不正确" in login(client, sec_a.username, "wrong-0000", "203.0.113.9").text
    locked = login(client, sec_a.username, "wrong-0000", "203.0.113.9")
    assert locked.status_code == 429 and "暂时锁定15分钟" in locked.text and "解除锁定" in locked.text
    refused = login(client, sec_a.username, PASSWORD, "203.0.113.9")  # even the right password, while locked
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    other = login(client, "someone-else", "wrong-0000", "203.0.113.9")  # other user names are not affected
    assert other.status_code == 200
    # Someone guessing from elsewhere does not lock the secretary out of their own office.
    assert login(client, sec_a.username, PASSWORD, "10.1.2.3").status_code == 302
    client.logout()
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert login(client, sec_a.username, PASSWORD, "203.0.113.9").status_code == 302  # 15 minutes later: again


@pytest.mark.parametrize("unlock", ["解除锁定", "重设密码"])
def test_the_town_unlocks_a_locked_account(unlock, client, sec_a, town_user):
    for _ in range(5):
        login(client, sec_a.username, "wrong-0000", "203.0.113.9")
    assert login(client, sec_a.username, PASSWORD, "203.0.113.9").status_code == 429
    client.force_login(town_user)
    listing = client.get(reverse("grids:accounts")).text
    assert listing.count("登录已锁定") == 1 and listing.count(">解除锁定<") == 1
    if unlock == "解除锁定":
        response = client.post(reverse("grids:account-unlock", args=[sec_a.pk]), follow=True)
        assert "已解除" in response.text
        password = PASSWORD
    else:
        password = "Jincheng2026ok"
        form = {"password1": password, "password2": password}
        response = client.post(reverse("grids:account-password", args=[sec_a.pk]), form, follow=True)
        assert "登录锁定同时解除" in response.text
    assert "登录已锁定" not in response.text
    client.logout()
    assert login(client, sec_a.username, password, "203.0.113.9").status_code == 302


def test_no_password_form_takes_the_published_demo_password(client, sec_a, town_user):
    client.force_login(town_user)
    form = {"password1": "jinchen2026", "password2": "jinchen2026"}
    response = client.post(reverse("grids:account-password", args=[sec_a.pk]), form)
    assert response.status_code == 200 and "公开的演示密码" in response.text
    sec_a.refresh_from_db()
    assert not sec_a.check_password("jinchen2026")
    new = {"username": "cun99", "full_name": "新书记", "role": "town", **form}
    response = client.post(reverse("grids:account-create"), new)
    assert "公开的演示密码" in response.text and not type(sec_a).objects.filter(username="cun99").exists()


def test_idle_sessions_end_and_active_ones_go_on(client, sec_a, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert login(client, sec_a.username, PASSWORD).status_code == 302
    home = reverse("posts:home")
    session = Session.objects.get()
    # Active: a request a few minutes later moves the end of the session on to 30 minutes from now.
    data = client.session
    data["_seen"] = int(time.time()) - 5 * 60
    data.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=25))
    assert client.get(home).status_code == 302  # home sends the user on to their page
    session = Session.objects.get()
    assert session.expire_date > timezone.now() + datetime.timedelta(minutes=29)
    # Idle for 30 minutes: the session has expired and the next request goes to the login page.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("posts:village", args=[sec_a.secretary_of_villages.get().pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_security_headers(client, sec_a):
    client.force_login(sec_a)
    response = client.get(reverse("posts:village", args=[sec_a.secretary_of_villages.get().pk]))
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy


def test_deploy_check_is_clean_in_production():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-secret-0123456789abcdefghijklmnop",
        "HTTPS": "1",
        "ALLOWED_HOSTS": "jinchen.example.gov.cn",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0 and "no issues" in out.stdout + out.stderr, out.stdout + out.stderr
    assert "WARNINGS" not in out.stdout + out.stderr


def test_the_wsgi_entry_point_serves_the_login_page_in_chinese(settings):
    """jinchen.wsgi is what gunicorn loads in production: it starts (no demo account keeps its password here)
    and answers a request through the whole middleware stack."""
    import io
    from wsgiref.util import setup_testing_defaults

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    from jinchen.wsgi import application

    environ = {"PATH_INFO": reverse("login"), "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(application(environ, lambda status, headers: statuses.append((status, dict(headers)))))
    status, headers = statuses[0]
    assert status.startswith("200") and headers["X-Frame-Options"] == "DENY"
    assert "登录" in body.decode()
