"""Pages reused from the cache (jinchen/versions.py): per person, only while no write has happened since."""

import re

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.access import RoleBackend
from grids.models import DataVersion, Village
from jinchen import versions
from members.models import Member

pytestmark = pytest.mark.django_db

# savepoint + release (the request's transaction), session, user with roles, the data version, the page
REUSED = 6


def warm(client, url):
    """The first visit sets the CSRF cookie (as for a browser), the second keeps the page."""
    client.get(url)
    client.get(url)


def get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


@pytest.fixture
def grid_page(login, grid_user, grid_a1, make_member):
    make_member(grid_a1, name="张三")
    client = login(grid_user)
    url = reverse("members:grid", args=[grid_a1.pk])
    client.get(url)  # the first page sets the CSRF cookie, as for a browser
    return client, url


def test_a_page_is_reused_until_anything_is_written(grid_page, grid_a1):
    client, url = grid_page
    computed, computed_queries = get(client, url)
    reused, reused_queries = get(client, url)
    assert reused.content == computed.content
    assert computed_queries > 10 and reused_queries == REUSED
    # A write that sends no signal at all still counts: the new name shows on the next request.
    Member.objects.filter(grid=grid_a1, name="张三").update(name="张三丰")
    changed, queries = get(client, url)
    assert "张三丰" in changed.text and queries > REUSED


def test_each_person_has_their_own_page(grid_page, login, town_user, sec_a, village_a, client):
    url = reverse("members:village", args=[village_a.pk])
    secretary = Client()
    secretary.force_login(sec_a)
    warm(secretary, url)
    client.force_login(town_user)
    warm(client, url)
    mine, theirs = secretary.get(url).text, client.get(url).text
    assert "从Excel导入党员" in mine and "从Excel导入党员" not in theirs  # only the secretary edits
    assert sec_a.get_full_name() in mine


def test_a_changed_role_is_seen_at_once(login, sec_a, village_a):
    client = login(sec_a)
    url = reverse("members:village", args=[village_a.pk])
    warm(client, url)
    assert get(client, url)[1] == REUSED
    Village.objects.filter(pk=village_a.pk).update(secretary=None)
    assert client.get(url).status_code == 404


def test_the_form_tokens_of_a_reused_page_are_accepted(login, grid_user, grid_a1):
    client = Client(enforce_csrf_checks=True)
    client.force_login(grid_user)
    url = reverse("members:grid", args=[grid_a1.pk])
    warm(client, url)
    page, queries = get(client, url)
    assert queries == REUSED
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # not 403: the token from the reused page is valid


def test_without_a_csrf_cookie_the_page_is_computed(login, grid_user, grid_a1):
    client = login(grid_user)
    url = reverse("members:grid", args=[grid_a1.pk])
    client.get(url)
    del client.cookies["csrftoken"]
    assert get(client, url)[1] > REUSED


def test_a_new_day_computes_the_page_afresh(grid_page, monkeypatch):
    client, url = grid_page
    client.get(url)
    assert get(client, url)[1] == REUSED
    monkeypatch.setattr(versions.timezone, "localdate", lambda: "2099-01-01")
    assert get(client, url)[1] > REUSED


def test_another_release_computes_the_page_afresh(grid_page, monkeypatch):
    client, url = grid_page
    client.get(url)
    assert get(client, url)[1] == REUSED
    monkeypatch.setattr(versions, "code_version", lambda: "another release")
    assert get(client, url)[1] > REUSED


def test_without_a_version_nothing_is_reused_until_the_next_write(grid_page):
    client, url = grid_page
    DataVersion.objects.all().delete()  # as in a database emptied by hand
    client.get(url)
    assert get(client, url)[1] > REUSED
    assert not DataVersion.objects.exists()  # a reader never writes the version (only committed writes do)
    versions.data_changed()  # what the next write does when it commits
    client.get(url)
    assert get(client, url)[1] == REUSED


def test_switched_off(grid_page, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client, url = grid_page
    client.get(url)
    assert get(client, url)[1] > REUSED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_version_moves_when_a_transaction_commits(grid_a1, make_member):
    before = versions.data_changed()
    with transaction.atomic():
        make_member(grid_a1, name="李四")
        make_member(grid_a1, name="李五")
        assert [f for _, f, _ in connection.run_on_commit] == [versions.data_changed]  # once per transaction
        assert committed() == before  # nobody else may see it before the rows are committed
        assert versions.current_version().startswith(before + "+")  # the transaction itself sees its writes
    assert committed() != before


def committed():
    return DataVersion.objects.get(pk=1).version


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writes_outside_a_transaction_move_the_version(grid_a1, make_member):
    before = committed()
    member = make_member(grid_a1, name="王五")  # INSERT … RETURNING in autocommit: its row is read first
    versions.catch_up()  # what the next statement, the end of the request, the task or the process does
    assert committed() != before
    before = committed()
    Member.objects.filter(pk=member.pk).update(name="王五一")
    assert committed() != before  # at once
    before = committed()
    SessionStore().create()  # sessions are not data any page shows
    cache.set("x", 1)
    versions.catch_up()
    assert committed() == before


def test_what_counts_as_a_write():
    for sql in [
        'INSERT INTO "members_member" (…)',
        'UPDATE "posts_round" SET',
        "\n DELETE FROM posts_post",
        'INSERT OR IGNORE INTO "auth_user_groups"',
        'TRUNCATE "members_member"',
        "REPLACE INTO x",
    ]:
        assert versions.counted(sql), sql
    for sql in [
        'SELECT "x" FROM "members_member"',
        'UPDATE "django_session" SET',
        'INSERT INTO "jinchen_cache"',
        'UPDATE "django_tasks_database_dbtaskresult"',
        'SAVEPOINT "s1"',
        "RELEASE SAVEPOINT x",
    ]:
        assert not versions.counted(sql), sql


def test_messages_are_never_reused_nor_kept(rf: RequestFactory, grid_user):
    calls = []

    @versions.reused_page
    def view(request):
        calls.append(1)
        if request.GET.get("say"):
            messages.success(request, "已保存")
        return HttpResponse("<p>页</p>")

    def request(path, pending=False):
        r = rf.get(path)
        r.user, r.session = grid_user, SessionStore()
        r.COOKIES["csrftoken"] = r.META["CSRF_COOKIE"] = "a" * 32
        r._messages = FallbackStorage(r)
        if pending:
            messages.info(r, "上一页留下的消息")
        return r

    view(request("/x/"))
    view(request("/x/"))
    assert len(calls) == 1  # kept and reused
    view(request("/x/", pending=True))
    assert len(calls) == 2  # a message waiting to be shown: the view itself
    view(request("/y/?say=1"))
    view(request("/y/?say=1"))
    assert len(calls) == 4  # the view left a message: not kept


def test_the_user_of_each_request_comes_with_their_roles(town_user, sec_a, grid_user, django_user_model):
    backend = RoleBackend()
    for user, role in [(town_user, "town"), (sec_a, "village"), (grid_user, "grid")]:
        with CaptureQueriesContext(connection) as ctx:
            loaded = backend.get_user(user.pk)
        assert len(ctx.captured_queries) == 1
        assert loaded == user
        assert [r for r in ("county", "town", "village", "grid") if getattr(loaded, f"is_{r}_role")] == [role]
    get_user_model().objects.filter(pk=sec_a.pk).update(is_active=False)
    assert backend.get_user(sec_a.pk) is None
    assert backend.get_user(987654) is None
    assert backend.get_user(2**70) is None
