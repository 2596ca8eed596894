"""Personas and small factories shared by every app's tests.

金城镇 has village A (grids A1, A2) and village B (grid B1). The personas: a town committee user,
the secretaries of villages A and B, and the secretary of grid A1.
"""

import datetime
import itertools
import os

import pytest
from django.core.cache import caches

from grids.models import Grid, Town, Village
from members import idcard
from members.models import Education, Member, NeedCategory, NeedKind, NeedMethod, NeedRecord

# Playwright runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "test-pass-123"
_sequence = itertools.count(1)


@pytest.fixture
def make_user(django_user_model):
    def make(username, full_name=""):
        return django_user_model.objects.create_user(username=username, password=PASSWORD, first_name=full_name)

    return make


@pytest.fixture
def town(make_user):
    town = Town.objects.create(name="金城镇")
    return town


@pytest.fixture
def town_user(town, make_user):
    user = make_user("zhen", "镇党委 周明")
    town.committee.add(user)
    return user


@pytest.fixture
def village_a(town, make_user):
    return Village.objects.create(town=town, name="金城村", secretary=make_user("cun_a", "王建国"))


@pytest.fixture
def village_b(town, make_user):
    return Village.objects.create(town=town, name="新河村", secretary=make_user("cun_b", "李秀英"))


@pytest.fixture
def grid_a1(village_a, make_user):
    return Grid.objects.create(
        village=village_a, number=1, name="第一网格", secretary=make_user("wg_a1", "张志强"), households=120
    )


@pytest.fixture
def grid_a2(village_a):
    return Grid.objects.create(village=village_a, number=2, name="第二网格")


@pytest.fixture
def grid_b1(village_b):
    return Grid.objects.create(village=village_b, number=1, name="第一网格")


@pytest.fixture
def sec_a(village_a):
    return village_a.secretary


@pytest.fixture
def sec_b(village_b):
    return village_b.secretary


@pytest.fixture
def grid_user(grid_a1):
    return grid_a1.secretary


def new_id_number(birth=datetime.date(1970, 5, 17), male=True):
    """A valid, never-used ID number for the given birth date and gender."""
    n = next(_sequence)
    return idcard.make_id_number("320981", birth, (n * 2 + (1 if male else 0)) % 1000)


@pytest.fixture
def make_member():
    def make(grid, **fields):
        birth = fields.pop("birth_date", datetime.date(1970, 5, 17))
        values = {
            "name": "陈德福",
            "gender": idcard.MALE,
            "birth_date": birth,
            "id_number": new_id_number(birth),
            "education": Education.JUNIOR_HIGH,
            "joined_on": datetime.date(1995, 7, 1),
        }
        values.update(fields)
        return Member.objects.create(grid=grid, **values)

    return make


@pytest.fixture
def make_need():
    def make(grid, **fields):
        values = {
            "recorded_on": datetime.date(2026, 10, 8),
            "method": NeedMethod.VISIT,
            "participants": "走访农户10户",
            "issue": "村东河道垃圾堆积，希望定期清理。",
            "category": NeedCategory.APPEARANCE,
            "kind": NeedKind.HOT,
        }
        values.update(fields)
        return NeedRecord.objects.create(grid=grid, **values)

    return make


@pytest.fixture
def login(client):
    """Log the test client in as a persona: `login(sec_a)`."""

    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The real hasher takes ~0.3 s per password by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings, tmp_path):
    # Background tasks run inside the request in tests; archived PDFs go to a throwaway folder.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    caches["ratelimit"].clear()  # rate limits count in memory: each test starts afresh
