"""The public page's limits hold back floods, not residents: the client's address behind the reverse proxy,
counts every web process shares, and objections to a running notice that no flood can silence."""

import datetime

import pytest
from django.db import connection

from conftest import on_day
from posts.models import Feedback, Notice, Objection, Stage, Status
from posts.tests.test_dashboard import with_status
from posts.tests.test_feedback import TODAY, page_url
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]
PROXY = "10.0.0.5"


@pytest.fixture
def noticed(grid_a1, sec_a, make_member):
    """Grid A1 at 支部议岗 with a notice running and one member on it."""
    round = make_round(grid_a1.village, Stage.DELIBERATION)
    a = with_status(apply(round, make_member(grid_a1, name="赵国庆"), make_post(grid_a1), sec_a), Status.NOTICED)
    Notice.objects.create(
        round=round, grid=grid_a1, starts_on=TODAY(), ends_on=TODAY(), phone="0515-1234567", published_by=sec_a
    )
    return a


def send(client, grid, headers=None, **data):
    form = {"kind": "suggestion", "content": "路灯坏了好几天，请帮忙修一下。", **data}
    return client.post(page_url(grid), form, **(headers or {}))


def from_resident(address):
    """Request headers as nginx in front of the site sends them for a resident at `address`."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


def test_behind_the_trusted_proxy_each_resident_has_their_own_budget(client, grid_a1, noticed, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.FEEDBACK_PER_ADDRESS = 2
    for _ in range(2):
        assert send(client, grid_a1, headers=from_resident("198.51.100.7")).status_code == 302
    assert "留言太频繁" in send(client, grid_a1, headers=from_resident("198.51.100.7")).text
    assert send(client, grid_a1, headers=from_resident("198.51.100.8")).status_code == 302  # a neighbour is not held up
    assert sorted(Feedback.objects.values_list("address", flat=True)) == ["198.51.100.7"] * 2 + ["198.51.100.8"]


def test_a_forwarded_address_from_anyone_else_is_not_believed(client, grid_a1, noticed, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.FEEDBACK_PER_ADDRESS = 2
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):  # a robot writing a new address in each request
        send(client, grid_a1, {"REMOTE_ADDR": "203.0.113.66", "HTTP_X_FORWARDED_FOR": forged})
    assert Feedback.objects.count() == 2
    assert set(Feedback.objects.values_list("address", flat=True)) == {"203.0.113.66"}
    # Behind the proxy, the address the proxy appended counts, not what the client wrote before it.
    send(client, grid_a1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "9.9.9.9, 198.51.100.20"})
    assert Feedback.objects.filter(address="198.51.100.20").count() == 1


def test_the_counts_are_in_the_database_every_web_process_reads(client, grid_a1, noticed, settings):
    settings.FEEDBACK_PER_ADDRESS = 1
    send(client, grid_a1)
    with connection.cursor() as cursor:  # not in one process's memory: another process sees the same count
        cursor.execute("SELECT cache_key FROM jinchen_ratelimit")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("feedback:127.0.0.1" in key for key in keys), keys
    assert any(f"feedback-grid:{grid_a1.pk}" in key for key in keys), keys


def test_a_flood_never_silences_an_objection_to_the_running_notice(client, grid_a1, noticed, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.FEEDBACK_PER_GRID = 30
    for i in range(100):  # 100 posts from 100 addresses use up the grid's hourly budget
        send(client, grid_a1, headers=from_resident(f"198.51.100.{i + 1}"))
    assert Feedback.objects.count() == 30
    assert "留言太频繁" in send(client, grid_a1, headers=from_resident("192.0.2.1")).text  # other feedback waits
    objection = {"kind": "objection", "about": noticed.pk, "content": "赵国庆常年在外打工，没法履职。"}
    response = send(client, grid_a1, from_resident("192.0.2.1"), **objection)
    assert response.status_code == 302
    assert Objection.objects.get().assignment == noticed
    # Even one resident's own budget, spent on suggestions, leaves the objection through.
    settings.FEEDBACK_PER_ADDRESS = 1
    send(client, grid_a1, headers=from_resident("192.0.2.2"))
    assert send(client, grid_a1, from_resident("192.0.2.2"), **objection).status_code == 302
    assert Objection.objects.count() == 2
