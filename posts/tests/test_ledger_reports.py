"""定期汇报: the member writes theirs on the phone over the period's ledger; a secretary enters a paper one and
records the meeting that heard it."""

import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from posts.models import DutyKind, WorkReport
from posts.models.duty import create_record

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 15))]


def url(a):
    return reverse("posts:report-add", args=[a.pk])


def test_the_member_writes_the_report_over_the_periods_ledger(client, on_post, member_signed_in, grid_user):
    a = on_post[1]
    kind = DutyKind.objects.get(name="巡逻", town=None)
    create_record(a, grid_user, True, done_on=datetime.date(2026, 11, 2), kind=kind, content="本季度的巡逻")
    create_record(a, grid_user, True, done_on=datetime.date(2026, 9, 30), kind=kind, content="上季度的巡逻")
    user = member_signed_in(a)
    page = client.get(url(a))
    html = page.content.decode()
    assert "本季度的巡逻" in html and "上季度的巡逻" not in html
    assert "reported_on" not in page.context["form"].fields and "heard_on" not in page.context["form"].fields
    response = client.post(url(a), {"audience": "branch", "content": "本季度巡逻12次。"})
    assert response.status_code == 302
    report = WorkReport.objects.get()
    assert (report.reported_on, report.period_start, report.period_end, report.period_name) == (
        datetime.date(2026, 12, 15), datetime.date(2026, 10, 1), datetime.date(2026, 12, 31), "2026年第四季度",
    )  # fmt: skip
    assert not report.on_paper and report.recorded_by == user and report.history.first().history_user == user


def test_the_previous_period_may_be_chosen_and_its_ledger_shown(client, on_post, member_signed_in, grid_user):
    a = on_post[1]
    kind = DutyKind.objects.get(name="巡逻", town=None)
    create_record(a, grid_user, True, done_on=datetime.date(2026, 9, 30), kind=kind, content="上季度的巡逻")
    member_signed_in(a)
    assert "上季度的巡逻" in client.get(url(a), {"period": "2026-07-01"}).content.decode()
    client.post(url(a), {"period": "2026-07-01", "audience": "representatives", "content": "补交上季度汇报。"})
    assert WorkReport.objects.get().period_name == "2026年第三季度"


def test_the_secretary_enters_a_paper_report_then_the_meeting_that_heard_it(client, on_post, grid_user):
    a = on_post[1]
    client.force_login(grid_user)
    data = {"reported_on": "2026-12-10", "audience": "branch", "content": "纸质汇报：本季度走访20户。"}
    assert client.post(url(a), {**data, "heard_by": "支部会议"}).status_code == 200  # a meeting without its date
    assert client.post(url(a), data).status_code == 302
    report = WorkReport.objects.get()
    assert report.on_paper and report.period_name == "2026年第四季度" and report.heard_on is None
    heard = reverse("posts:report-heard", args=[report.pk])
    page = client.post(heard, {"heard_on": "2026-12-09", "heard_by": "第一网格支部会议"})
    assert "会议日期不能早于汇报日期" in page.content.decode()
    assert client.post(heard, {"heard_on": "2026-12-16", "heard_by": "第一网格支部会议"}).status_code == 200
    assert client.post(heard, {"heard_on": "2026-12-12", "heard_by": "第一网格支部会议，到会12人"}).status_code == 302
    report.refresh_from_db()
    assert (report.heard_on, report.heard_by) == (datetime.date(2026, 12, 12), "第一网格支部会议，到会12人")
    assert report.history.count() == 2 and report.history.first().history_user == grid_user
    assert "第一网格支部会议，到会12人听取" in client.get(reverse("posts:assignment", args=[a.pk])).content.decode()


def test_the_meeting_is_the_secretarys_to_record(client, on_post, member_signed_in, grid_user, sec_b):
    a = on_post[1]
    client.force_login(grid_user)
    client.post(url(a), {"reported_on": "2026-12-10", "audience": "branch", "content": "纸质汇报。"})
    heard = reverse("posts:report-heard", args=[WorkReport.objects.get().pk])
    member_signed_in(a)
    assert client.get(heard).status_code == 404
    client.force_login(sec_b)
    assert client.get(heard).status_code == 404
    assert client.get(url(a)).status_code == 404


def test_another_member_may_not_report_for_this_one(client, on_post, member_signed_in):
    member_signed_in(on_post[2])
    assert client.get(url(on_post[1])).status_code == 404
    assert client.post(url(on_post[1]), {"audience": "branch", "content": "冒名"}).status_code == 404
    assert not WorkReport.objects.exists()
