"""What an import checks and leaves behind: each row judged as the on-screen MemberForm judges it, and the
saved members, specialties and history rows as a typed save leaves them (simple-history's own rows)."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from conftest import new_id_number, on_day
from grids.models import Grid
from members import imports
from members.forms import MemberForm
from members.models import Member, Specialty

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
BIRTH = datetime.date(1968, 3, 9)


def row_variants(specialty):
    """(row, should it pass) in many shapes: valid ones and each way a row can be wrong, good and bad mixed."""
    wrong_digit = lambda n: n[:-1] + ("0" if n[-1] != "0" else "1")  # noqa: E731
    changes = [
        ({}, True),
        ({"公民身份号码": lambda n: n.translate(FULL_WIDTH)}, True),
        ({"公民身份号码": wrong_digit}, False),
        ({"性别": "女"}, True),
        ({"公民身份号码": lambda n: n[:17]}, False),
        ({"出生日期": "1968-03-09"}, True),
        ({"公民身份号码": ""}, False),
        ({"联系电话": "139 1234 5678"}, True),
        ({"性别": "男"}, False),
        ({"联系电话": ""}, True),
        ({"性别": "X"}, False),
        ({"联系电话": "0515-88881234"}, True),
        ({"出生日期": "1968-03-10"}, False),
        ({"特长": specialty.name}, True),
        ({"出生日期": "不详"}, False),
        ({"长期外出": "是"}, True),
        ({"入党时间": "1980-01-01"}, False),
        ({"愿意参加设岗定责": "否"}, True),
        ({"入党时间": "2999-01-01"}, False),
        ({"现任村干部职务": "村委委员"}, True),
        ({"入党时间": ""}, False),
        ({"民族": "回族"}, True),
        ({"入党时间": "1992-02-30"}, False),
        ({"党员类别": "预备党员"}, True),
        ({"联系电话": "12345"}, False),
        ({"姓名": "名" * 50}, True),
        ({"文化程度": ""}, False),
        ({"家庭住址": "址" * 200}, True),
        ({"文化程度": "博士后"}, False),
        ({"入党时间": "1992/07/01"}, True),
        ({"姓名": ""}, False),
        ({"入党时间": "1992-7-1"}, True),
        ({"姓名": "名" * 51}, False),
        ({"出生日期": "1968年03月09日"}, True),
        ({"姓名": "赵\x00红梅"}, False),
        ({"家庭住址": "址" * 201}, False),
        ({"民族": "火星族"}, False),
        ({"身体状况": "很差"}, False),
        ({"现任村干部职务": "主任"}, False),
    ]
    for change, valid in changes:
        number = new_id_number(BIRTH, male=False)
        row = {
            "所在网格": "第一网格",
            "姓名": "赵红梅",
            "公民身份号码": number,
            "联系电话": "13912345678",
            "文化程度": "高中",
            "入党时间": "1992-07-01",
            "家庭住址": "一组12号",
        }
        row.update({k: v(number) if callable(v) else v for k, v in change.items()})
        yield row, valid


def test_each_row_is_judged_as_the_on_screen_form_judges_it(sec_a, village_a, grid_a1):
    """One form instance checks the whole file; no row's verdict, message or value leaks into the next."""
    specialty = Specialty.objects.first()
    variants = list(row_variants(specialty))
    rows = [(n, row) for n, (row, _valid) in enumerate(variants, start=2)]
    grids = Grid.objects.filter(pk=grid_a1.pk)
    checks = imports.check_member_rows(rows, grids, sec_a)
    reader, specialties = imports.GridReader(grids), {s.name: s.pk for s in Specialty.objects.all()}
    for check, (row, valid) in zip(checks, variants, strict=True):
        data, _notes, _problems = imports.member_data(row, reader, specialties)
        typed = MemberForm(data, instance=Member(), grids=grids)
        assert typed.is_valid() == valid == (not check.errors), (row, check.errors)
        # the same fields refused (a refused choice's message also lists what may be written)
        assert check.field_errors.keys() == typed.errors.keys(), row
        if valid:
            typed.cleaned_data["specialties"] = list(typed.cleaned_data["specialties"])  # a queryset on screen
            assert check.cleaned == typed.cleaned_data, row


def tracked(record):
    """A history row's copy of the member, without what differs between any two saves."""
    skip = {"phone", "updated_at"}
    return {f.attname: getattr(record, f.attname) for f in Member.history.model.tracked_fields if f.name not in skip}


def links(record):
    """A history row's specialties, every column simple-history keeps but the keys of the row itself."""
    rows = record.specialties.order_by("specialty_id").values()
    return [{k: v for k, v in row.items() if k not in ("m2m_history_id", "history_id")} for row in rows]


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
    started = timezone.now()
    assert imports.save_rows(checks, sec_a) == {"新增": 38, "更新": 0, "不变": 0}
    for n, values in rows:
        member = Member.objects.get(id_number=values["公民身份号码"])
        assert member.name == f"党员{n}" and member.grid == grid_a1 and member.created_at and member.updated_at
        expected = {s.pk for s in specialties[: n % 3]}
        assert {s.pk for s in member.specialties.all()} == expected
        record = member.history.get()
        assert record.history_type == "+" and record.history_user == sec_a and record.name == member.name
        assert {s.specialty_id for s in record.specialties.all()} == expected
    # One import, one moment: every row's history has the same time, when it was saved.
    (when,) = {h.history_date for h in Member.history.all()}
    assert started <= when <= timezone.now()
    # Typed afterwards, the member's history goes on from the imported row, and simple-history's own row for
    # that save copies the member and its specialties exactly as the import's row did.
    member = Member.objects.get(name="党员5")
    member.phone = "13900001111"
    member.save()
    imported, typed = member.history.order_by("history_date", "history_id")
    assert (imported.history_type, typed.history_type) == ("+", "~")
    assert tracked(imported) == tracked(typed) and len(links(imported)) == 2
    assert links(imported) == links(typed)
    assert not typed.diff_against(imported, excluded_fields=["phone", "updated_at"]).changes


def test_a_changed_row_is_an_update_with_its_history(client, sec_a, village_a, grid_a1, grid_a2, make_member):
    first, second = Specialty.objects.order_by("pk")[:2]
    member = make_member(grid_a1, name="钱国强")
    member.specialties.add(first)
    row = {
        "所在网格": "第二网格",
        "姓名": "钱国强",
        "公民身份号码": member.id_number,
        "文化程度": "大专",
        "入党时间": member.joined_on.isoformat(),
        "联系电话": "13900002222",
        "特长": second.name,
    }
    grids = Grid.objects.filter(village=village_a)
    checks = imports.check_member_rows([(2, row)], grids, sec_a)
    assert [c.action for c in checks] == ["更新"]
    assert imports.save_rows(checks, sec_a) == {"新增": 0, "更新": 1, "不变": 0}
    member.refresh_from_db()
    assert member.grid == grid_a2 and member.phone == "13900002222" and list(member.specialties.all()) == [second]
    assert member.updated_at > member.created_at
    latest, before = member.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_type == "~" and latest.history_user == sec_a and latest.grid_id == grid_a2.pk
    assert latest.phone == "13900002222" and [s["specialty_id"] for s in links(latest)] == [second.pk]
    assert [s["specialty_id"] for s in links(before)] == [first.pk]  # the earlier row keeps what was true then
    assert [c.action for c in imports.check_member_rows([(2, row)], grids, sec_a)] == ["不变"]


def test_a_file_that_fails_while_saving_leaves_nothing_behind(sec_a, village_a, grid_a1, make_member):
    """A member typed in while the file waited: the database refuses the ID twice, and none of the file is
    saved, neither the changed member nor the new ones, their specialties or any history row."""
    specialty = Specialty.objects.first()
    changed = make_member(grid_a1, name="钱国强")
    rows = [
        (2, {"姓名": "钱国强", "公民身份号码": changed.id_number, "文化程度": "大专", "入党时间": "1995-07-01"}),
        *(
            (n, {"姓名": f"党员{n}", "公民身份号码": new_id_number(), "文化程度": "高中", "入党时间": "1990-05-01"})
            for n in range(3, 13)
        ),
    ]
    for _, row in rows:
        row["特长"] = specialty.name
    grids = Grid.objects.filter(pk=grid_a1.pk)
    checks = imports.check_member_rows(rows, grids, sec_a)
    assert imports.count_actions(checks) == {"新增": 10, "更新": 1, "不变": 0}
    make_member(grid_a1, name="后来录入", id_number=rows[-1][1]["公民身份号码"])

    def counts():
        link_history = Member.history.model.specialties.model
        models = (Member.everyone, Member.history, Member.specialties.through.objects, link_history.objects)
        return [m.count() for m in models]

    before = counts()
    with pytest.raises(IntegrityError):
        imports.save_rows(checks, sec_a)
    assert counts() == before
    changed.refresh_from_db()
    assert changed.education != "college" and not changed.specialties.exists()


# The need was recorded on 2026-10-08: a day in the future is refused.
@on_day(datetime.date(2026, 11, 20))
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
