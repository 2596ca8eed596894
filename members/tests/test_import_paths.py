"""The import's fast paths against the ordinary ones: the quick row check against MemberForm, and the bulk
insert against what a typed save leaves in the database (members, specialties, history)."""

import datetime
import itertools

import pytest
from django.db import connection

from conftest import new_id_number
from grids.models import Grid
from members import imports
from members.models import Member, Specialty

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def base_row(grid):
    return {
        "grid": grid.pk,
        "name": "赵红梅",
        "id_number": new_id_number(datetime.date(1968, 3, 9), male=False),
        "gender": "",
        "ethnicity": "汉族",
        "birth_date": "",
        "phone": "13912345678",
        "education": "high_school",
        "joined_on": "1992-07-01",
        "membership": "full",
        "address": "一组12号",
        "health": "good",
        "cadre_post": "",
        "note": "",
        "specialties": [],
        "is_willing": "on",
    }


def variants(grid, specialty):
    """Valid rows in several shapes, and each way a row can be wrong."""
    base = base_row(grid)
    number = base["id_number"]
    changes = [
        {},
        {"id_number": number.translate(FULL_WIDTH)},
        {"id_number": number.lower()},
        {"gender": "F"},
        {"birth_date": "1968-03-09"},
        {"phone": "139 1234 5678"},
        {"phone": ""},
        {"phone": "0515-88881234"},
        {"specialties": [specialty.pk]},
        {"is_away": "on"},
        {"is_willing": None},
        {"cadre_post": "village_secretary"},
        {"ethnicity": "回族"},
        {"membership": "probationary"},
        {"name": "名" * 50},
        {"address": "址" * 200},
        {"joined_on": "1992/07/01"},
        {"joined_on": "1992-7-1"},
        {"birth_date": "1968年03月09日"},
        # and wrong
        {"id_number": number[:-1] + ("0" if number[-1] != "0" else "1")},
        {"id_number": number[:17]},
        {"id_number": ""},
        {"gender": "M"},
        {"gender": "X"},
        {"birth_date": "1968-03-10"},
        {"birth_date": "不详"},
        {"joined_on": "1980-01-01"},
        {"joined_on": "2999-01-01"},
        {"joined_on": ""},
        {"joined_on": "1992-02-30"},
        {"phone": "12345"},
        {"education": ""},
        {"education": "博士后"},
        {"name": ""},
        {"name": "名" * 51},
        {"name": "赵\x00红梅"},
        {"address": "址" * 201},
        {"ethnicity": "火星族"},
        {"membership": ""},
        {"health": "无"},
        {"cadre_post": "主任"},
        {"grid": ""},
        {"grid": 999999},
        {"specialties": [999999]},
    ]
    for change in changes:
        row = {**base, **change}
        yield {k: v for k, v in row.items() if v is not None}


def form_for(grid, taken_ids):
    grids = Grid.objects.filter(pk=grid.pk)
    return imports.ImportMemberForm(
        {},
        instance=Member(),
        grids=grids,
        grid_objects={grid.pk: grid},
        specialty_objects={s.pk: s for s in Specialty.objects.all()},
        taken_ids=taken_ids,
    )


def test_quick_check_accepts_only_what_the_form_accepts_with_the_same_values(grid_a1, make_member):
    taken = make_member(grid_a1)
    specialty = Specialty.objects.first()
    taken_ids = {taken.id_number: taken.pk}
    quick = imports.QuickClean(form_for(grid_a1, taken_ids))
    rows = [*variants(grid_a1, specialty), {**base_row(grid_a1), "id_number": taken.id_number}]
    accepted = 0
    for data, instance in itertools.product(rows, [None, taken]):
        form = form_for(grid_a1, taken_ids)
        form.instance, form.data = instance or Member(), data
        valid = form.is_valid()
        quick.form.instance = instance or Member()
        cleaned = quick(dict(data))
        if cleaned is not None:
            accepted += 1
            assert valid, (data, form.errors)
            assert cleaned == form.cleaned_data, data
    # The plainly valid shapes (ISO dates) take the quick path; the rest fall back to the form.
    assert accepted == 2 * 16 + 1  # every plain valid row, twice; the taken ID only for its own member


def test_bulk_saved_members_have_what_a_typed_save_leaves(client, sec_a, village_a, grid_a1):
    """ID numbers, timestamps, specialties, a history row by the importer with the specialties at that time."""
    specialties = list(Specialty.objects.order_by("pk")[:2])
    rows = [
        (
            n,
            {
                "所在网格": "第一网格",
                "姓名": f"党员{n}",
                "公民身份号码": new_id_number(),
                "文化程度": "高中",
                "入党时间": "1990-05-01",
                "特长": "、".join(s.name for s in specialties[: n % 3]),
            },
        )
        for n in range(2, 40)
    ]
    grids = Grid.objects.filter(village=village_a)
    checks = imports.check_member_rows(rows, grids, sec_a)
    assert imports.save_rows(checks, sec_a) == {"新增": 38, "更新": 0, "不变": 0}
    for n, values in rows:
        member = Member.objects.get(id_number=values["公民身份号码"])
        assert member.name == f"党员{n}" and member.grid == grid_a1 and member.created_at and member.updated_at
        expected = {s.pk for s in specialties[: n % 3]}
        assert {s.pk for s in member.specialties.all()} == expected
        record = member.history.get()
        assert record.history_type == "+" and record.history_user == sec_a and record.name == member.name
        assert {s.specialty_id for s in record.specialties.all()} == expected
    # Typed afterwards, the member's history goes on from the imported row.
    member = Member.objects.get(name="党员5")
    member.phone = "13900001111"
    member.save()
    assert [h.history_type for h in member.history.order_by("history_date", "history_id")] == ["+", "~"]


def test_a_changed_row_is_an_update_with_its_history(client, sec_a, village_a, grid_a1, grid_a2, make_member):
    member = make_member(grid_a1, name="钱国强")
    member.specialties.add(Specialty.objects.first())
    row = {
        "所在网格": "第二网格",
        "姓名": "钱国强",
        "公民身份号码": member.id_number,
        "文化程度": "大专",
        "入党时间": member.joined_on.isoformat(),
        "联系电话": "13900002222",
    }
    grids = Grid.objects.filter(village=village_a)
    checks = imports.check_member_rows([(2, row)], grids, sec_a)
    assert [c.action for c in checks] == ["更新"]
    assert imports.save_rows(checks, sec_a) == {"新增": 0, "更新": 1, "不变": 0}
    member.refresh_from_db()
    assert member.grid == grid_a2 and member.phone == "13900002222" and not member.specialties.exists()
    latest = member.history.latest("history_date")
    assert latest.history_type == "~" and latest.history_user == sec_a and latest.grid_id == grid_a2.pk
    assert [c.action for c in imports.check_member_rows([(2, row)], grids, sec_a)] == ["不变"]


def test_a_changed_need_is_an_update(sec_a, village_a, grid_a1):
    row = {
        "所在网格": "第一网格",
        "调查日期": "2026-10-08",
        "调查方式": "入户走访",
        "参与人员": "农户10户",
        "群众反映的问题或意见": "河道垃圾堆积。",
        "问题类别": "村容村貌",
        "问题性质": "热点问题",
    }
    grids = Grid.objects.filter(village=village_a)
    imports.save_rows(imports.check_need_rows([(2, row)], grids, sec_a), sec_a)
    changed = {**row, "问题性质": "难点问题"}
    checks = imports.check_need_rows([(2, changed)], grids, sec_a)
    assert [c.action for c in checks] == ["更新"]
    imports.save_rows(checks, sec_a)
    assert grid_a1.needs.get().kind == "hard"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_uses_its_real_parameter_limit():
    connection.ensure_connection()
    assert connection.features.max_query_params > 999
