"""The ledger read back: on the assignment's page, the grid's 漏记 list, the grid's month or quarter with its
spreadsheet and printed 台账; query counts that stay flat as the data grows."""

import datetime
import io
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conftest import on_day
from posts.models import Assignment, DutyKind, DutyPhoto, DutyRecord, DutyState, Source, Status
from posts.models.duty import create_record

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 15))]


def add(a, by, day, content="夜间巡逻", kind="巡逻", **fields):
    kind = DutyKind.objects.get(name=kind, town=None)
    return create_record(a, by, True, done_on=day, kind=kind, content=content, **fields)


def test_the_assignment_page_shows_its_ledger_latest_first_with_counts(client, on_post, grid_user):
    a = on_post[1]
    older = add(a, grid_user, datetime.date(2026, 12, 1), "清理垃圾堆")
    newer = add(a, grid_user, datetime.date(2026, 12, 10), "劝导占道经营")
    older.verify(by=grid_user)
    add(on_post[2], grid_user, datetime.date(2026, 12, 11), "别的网格")
    client.force_login(grid_user)
    page = client.get(reverse("posts:assignment", args=[a.pk]))
    html = page.content.decode()
    assert [r.pk for r in page.context["ledger_records"]] == [newer.pk, older.pk]
    assert html.index("劝导占道经营") < html.index("清理垃圾堆") and "别的网格" not in html
    counts = {state: n for state, _, n in page.context["ledger_counts"]}
    assert counts == {DutyState.RECORDED: 1, DutyState.VERIFIED: 1, DutyState.RETURNED: 0}
    assert reverse("posts:duty-add", args=[a.pk]) in html


def test_the_grid_page_names_who_has_recorded_nothing_for_the_towns_days(client, on_post, grid_user, flow, town):
    from posts.models import DutyTerms

    DutyTerms.objects.create(town=town, idle_days=10)
    a = on_post[1]
    quiet = Assignment.objects.create(
        round=a.round, post=flow.post(a.post.grid, "邻里和睦示范岗"), member=flow.member(a.post.grid, "钱多多"),
        source=Source.SELF, reason="热心", created_by=grid_user, status=Status.ON_POST,
        letter_signed_on=datetime.date(2026, 11, 18),
    )  # fmt: skip
    add(quiet, grid_user, datetime.date(2026, 12, 1))
    add(a, grid_user, datetime.date(2026, 12, 10))  # 5 days ago: not idle
    client.force_login(grid_user)
    page = client.get(reverse("posts:grid", args=[a.post.grid_id]))
    idle = page.context["idle"]
    assert [(i.assignment.pk, i.days) for i in idle] == [(quiet.pk, 14)]
    assert "钱多多" in page.content.decode() and "已14天未记" in page.content.decode()


def test_a_member_who_never_recorded_is_idle_from_the_day_on_post(client, on_post, grid_user, town):
    from posts.models import DutyTerms

    DutyTerms.objects.create(town=town, idle_days=20)
    client.force_login(grid_user)
    idle = client.get(reverse("posts:grid", args=[on_post[1].post.grid_id])).context["idle"]
    assert [(i.assignment.pk, i.last, i.days) for i in idle] == [(on_post[1].pk, None, 27)]  # on post 11-18


def test_the_grid_ledger_filters_by_month_and_quarter(client, on_post, grid_user):
    a = on_post[1]
    add(a, grid_user, datetime.date(2026, 12, 3), "十二月的事")
    add(a, grid_user, datetime.date(2026, 11, 20), "十一月的事")
    add(on_post[2], grid_user, datetime.date(2026, 12, 3), "第二网格的事")
    client.force_login(grid_user)
    url = reverse("posts:grid-ledger", args=[a.post.grid_id])
    this_month = client.get(url).content.decode()
    assert "十二月的事" in this_month and "十一月的事" not in this_month and "第二网格的事" not in this_month
    november = client.get(url, {"period": "2026-11"}).content.decode()
    assert "十一月的事" in november and "十二月的事" not in november
    quarter = client.get(url, {"period": "2026-Q4"})
    assert quarter.context["period"].name == "2026年第四季度" and len(quarter.context["records"]) == 2
    assert client.get(url, {"period": "garbage"}).context["period"].key == "2026-12"


def test_the_grid_ledger_is_a_404_out_of_scope(client, on_post, sec_b, member_signed_in):
    client.force_login(sec_b)
    grid_pk = on_post[1].post.grid_id
    assert client.get(reverse("posts:grid-ledger", args=[grid_pk])).status_code == 404
    assert client.get(reverse("posts:grid-ledger-export", args=[grid_pk])).status_code == 404
    assert client.get(reverse("commitments:ledger-grid", args=[grid_pk])).status_code == 404
    assert client.get(reverse("commitments:ledger-member", args=[on_post[1].pk])).status_code == 404


def test_the_grid_ledger_exports_to_excel(client, on_post, grid_user):
    a = on_post[1]
    r = add(
        a, grid_user, datetime.date(2026, 12, 3), "=HYPERLINK(1)", place="村口", served="李家 2 户", result="已修好"
    )
    r.verify(by=grid_user)
    client.force_login(grid_user)
    response = client.get(reverse("posts:grid-ledger-export", args=[a.post.grid_id]), {"period": "2026-Q4"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "履职纪实台账（2026年第四季度）" in rows[0][0]
    assert rows[1][:4] == ("日期", "党员", "岗位", "类别")
    assert rows[2][0] == datetime.datetime(2026, 12, 3)
    assert rows[2][1:] == (a.member.name, a.post.name, "巡逻", "村口", "李家 2 户", "'=HYPERLINK(1)", "已修好", 0,
                           "已核实", "代记")  # fmt: skip


def pdf_text(content, tmp_path):
    path = tmp_path / "ledger.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_printed_ledger_of_a_grid_and_of_a_member(client, on_post, grid_user, tmp_path):
    a = on_post[1]
    add(a, grid_user, datetime.date(2026, 12, 3), "修补路灯两盏", place="村东头", served="张家 3 户").verify(
        by=grid_user
    )
    add(on_post[2], grid_user, datetime.date(2026, 12, 4), "另一网格巡逻")
    client.force_login(grid_user)
    response = client.get(reverse("commitments:ledger-grid", args=[a.post.grid_id]), {"period": "2026-12"})
    assert response["Content-Type"] == "application/pdf"
    (tmp_path / "grid.pdf").write_bytes(response.content)
    text = pdf_text(response.content, tmp_path)
    for words in ("履职纪实台账", "2026年12月", "日期", "类别", "地点", "服务对象", "工作内容及结果", "核实",
                  "修补路灯两盏", "村东头", "张家 3 户", "已核实", "网格党支部书记（签字）"):  # fmt: skip
        assert words in text, words
    assert "另一网格巡逻" not in text
    member = client.get(reverse("commitments:ledger-member", args=[a.pk]), {"period": "2026-Q4"})
    text = pdf_text(member.content, tmp_path)
    assert f"{a.member.name}履职纪实台账" in text and "2026年第四季度" in text and "在岗党员（签字）" in text


# --- query counts ---------------------------------------------------------------------------------------------


def grow(a, by, posts, records, flow):
    """`posts` more members on post in the grid, each with `records` entries of one photo each."""
    kind = DutyKind.objects.get(name="走访", town=None)
    assignments = [a]
    for n in range(posts):
        post = flow.post(a.post.grid, "尊老爱幼示范岗", name=f"尊老爱幼示范岗{n}")
        assignments.append(Assignment.objects.create(
            round=a.round, post=post, member=flow.member(a.post.grid), source=Source.SELF, reason="热心",
            created_by=by, status=Status.ON_POST, contact=a.contact, letter_signed_on=datetime.date(2026, 11, 18),
        ))  # fmt: skip
    for assignment in assignments:
        rows = DutyRecord.objects.bulk_create(
            DutyRecord(assignment=assignment, done_on=datetime.date(2026, 12, 1 + i % 10), kind=kind, content="走访",
                       recorded_by=by, state=DutyState.VERIFIED if i % 2 else DutyState.RECORDED, checked_by=by)
            for i in range(records)
        )  # fmt: skip
        DutyPhoto.objects.bulk_create(DutyPhoto(record=r, image=f"duty/{r.pk}.jpg", width=1, height=1) for r in rows)


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["assignment", "grid", "grid-ledger"])
def test_query_counts_stay_flat_when_the_ledger_grows_tenfold(client, on_post, grid_user, flow, page):
    a = on_post[1]
    grow(a, grid_user, 0, 2, flow)
    url = reverse(f"posts:{page}", args=[a.pk if page == "assignment" else a.post.grid_id])
    client.force_login(grid_user)
    small = count(client, url)
    grow(a, grid_user, 9, 20, flow)
    # The ledger adds to its page: the entries (with kind, member, post, recorder and checker joined, photos
    # counted) and their counts by state (the assignment page); the town's days and the members on post with
    # their latest entry (the grid page); the entries and the members on post (the grid's ledger).
    assert count(client, url) == small
