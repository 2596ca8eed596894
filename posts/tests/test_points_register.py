"""Each member's register and the grid's quarterly register through the pages: who may open them, the entries
with their caps, the running totals and the star they point to, the member's phone, the printed 积分公示, and
the register kept current when its sources change."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from conftest import on_day
from posts import points
from posts.models import DutyKind, Feedback, FeedbackKind, PointEntry, PointSource
from posts.models.duty import create_record

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 10))]
Y = 2026


@pytest.fixture
def rules(town):
    points.add_default_rules(town, datetime.date(Y, 1, 1))


def verified(a, by, day, n=1):
    kind = DutyKind.objects.get(town=None, name="巡逻")
    for _ in range(n):
        create_record(a, by, False, done_on=day, kind=kind, content="巡逻").verify(by=by)


@pytest.fixture
def worked(on_post, rules, sec_a):
    """第一网格's member: base 50 (Y-11-18) and 9 checked ledger entries of 2, capped at 15 a quarter: 65."""
    a = on_post[1]
    verified(a, sec_a, datetime.date(Y, 12, 1), n=9)
    points.recompute(today=datetime.date(Y, 12, 10))
    return a


def register_url(a):
    return reverse("posts:point-register", args=[a.pk])


def test_the_register_shows_entries_caps_totals_and_the_next_star(client, worked, grid_user):
    client.force_login(grid_user)
    page = client.get(register_url(worked)).content.decode()
    assert '全年积分 <strong class="fs-3">65</strong>分' in page
    assert "距3星还差<strong>5</strong>分" in page
    assert page.count('text-bg-warning">封顶') == 2  # the 8th entry counted 1 of 2, the 9th 0 of 2
    assert "第四季度 65分" in page
    assert (
        reverse(
            "posts:duty-record",
            args=[
                PointEntry.objects.filter(assignment=worked, rule__source=PointSource.DUTY_VERIFIED)
                .first()
                .source_key.split(":")[1]
            ],
        )
        in page
    )
    assert grid_user.get_full_name() in page  # who checked the ledger entries approved their points


def test_the_member_sees_their_own_register_and_nobody_elses(client, worked, on_post, member_signed_in):
    member_signed_in(worked)
    home = client.get(reverse("posts:onpost-home")).content.decode()
    assert "我的积分 <strong>65分</strong> · 距3星还差5分" in home and register_url(worked) in home
    assert client.get(register_url(worked)).status_code == 200
    assert client.get(register_url(on_post[2])).status_code == 404


def test_the_contact_does_not_read_the_members_register(client, worked, sec_a):
    from posts.tests.conftest import sign_in_member

    sign_in_member(client, worked.contact, sec_a)
    assert client.get(register_url(worked)).status_code == 404


def test_staff_scope(client, worked, on_post, sec_b, town_user, grid_a2, make_user):
    client.force_login(sec_b)
    assert client.get(register_url(worked)).status_code == 404
    assert client.get(reverse("posts:grid-points", args=[worked.post.grid_id])).status_code == 404
    other = make_user("grid-a2-secretary")
    type(grid_a2).objects.filter(pk=grid_a2.pk).update(secretary=other)
    client.force_login(other)
    assert client.get(register_url(worked)).status_code == 404
    client.force_login(town_user)
    page = client.get(register_url(worked)).content.decode()
    assert "65" in page and "申报积分" not in page  # the town reads, it does not claim


def test_the_grid_register_of_a_quarter(client, worked, on_post, grid_user, grid_a1):
    client.force_login(grid_user)
    page = client.get(reverse("posts:grid-points", args=[grid_a1.pk]), {"year": Y, "quarter": 4}).content.decode()
    assert worked.member.name in page and on_post[2].member.name not in page  # 第二网格's member elsewhere
    assert '<td class="text-end">65</td><td class="text-end fw-bold">65</td>' in page
    page = client.get(reverse("posts:grid-points", args=[grid_a1.pk]), {"year": Y, "quarter": 3}).content.decode()
    assert '<td class="text-end">0</td><td class="text-end fw-bold">65</td>' in page


def test_the_printed_points_notice(client, worked, grid_user, grid_a1):
    client.force_login(grid_user)
    response = client.get(reverse("commitments:points-notice", args=[grid_a1.pk]), {"year": Y, "quarter": 4})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace(" ", "").replace("\n", "")
    assert "在岗党员积分公示" in text and "2026年第四季度" in text
    assert worked.member.name in text and "65" in text
    assert "对公示积分有异议的，请在5日内向" in text
    assert "2026年12月10日" in text


# --- the register kept current -----------------------------------------------------------------------------------


def test_checking_a_ledger_entry_updates_the_register(client, on_post, rules, grid_user, sec_a,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    a = on_post[1]
    kind = DutyKind.objects.get(town=None, name="巡逻")
    record = create_record(a, sec_a, False, done_on=datetime.date(Y, 12, 1), kind=kind, content="巡逻")
    client.force_login(grid_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("posts:duty-verify", args=[record.pk, "verify"]))
    assert PointEntry.objects.filter(assignment=a, source_key=f"duty:{record.pk}", points=2).exists()


def test_a_criticism_found_true_deducts(client, on_post, rules, grid_user, grid_a1,
                                        django_capture_on_commit_callbacks):  # fmt: skip
    a = on_post[1]
    item = Feedback.submit(grid_a1, FeedbackKind.CRITICISM, "巡逻走过场", about=a)
    praise = Feedback.submit(grid_a1, FeedbackKind.SUGGESTION, "多装路灯")
    client.force_login(grid_user)
    assert "批评属实" in client.get(reverse("posts:feedback-answer", args=[item.pk])).content.decode()
    assert "批评属实" not in client.get(reverse("posts:feedback-answer", args=[praise.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("posts:feedback-answer", args=[item.pk]),
                    {"answer": "经核实属实，已批评教育。", "answered_on": "2026-12-05", "upheld": "on"})  # fmt: skip
    item.refresh_from_db()
    assert item.upheld
    entry = PointEntry.objects.get(assignment=a, rule__source=PointSource.CRITICISM_UPHELD)
    assert entry.points == -3 and entry.on == datetime.date(Y, 12, 5)


def test_send_reminders_recomputes_everyone(on_post, rules):
    assert not PointEntry.objects.exists()
    call_command("send_reminders")
    assert set(PointEntry.objects.values_list("assignment", flat=True)) == {a.pk for a in on_post.values()}


def test_the_dashboard_shows_points_by_grid_the_spread_and_who_has_none(client, worked, on_post, sec_a, village_a,
                                                                        town_user, settings):  # fmt: skip
    settings.DASHBOARD_CACHE_SECONDS = 0
    points.recompute(today=datetime.date(Y, 12, 10))  # 第二网格's member: the base alone
    client.force_login(sec_a)
    page = client.get(reverse("posts:village-dashboard", args=[village_a.pk])).content.decode()
    section = page[page.index('id="point-figures"') :]
    total = " ".join(section[section.index("<tfoot>") : section.index("</tfoot>")].split())
    assert '<td class="text-end">57.5</td> <td class="text-end">50</td><td class="text-end">65</td>' in total
    none_url = reverse("posts:points-none") + f"?village={village_a.pk}"
    assert f'<a class="text-danger" href="{none_url}">1</a>' in section
    assert "支部得分 = 支部自身积分" in section
    client.force_login(town_user)
    listed = client.get(none_url).content.decode()
    assert on_post[2].member.name in listed and worked.member.name not in listed


def test_a_request_rated_satisfied_and_a_training_update_the_register(
    client, on_post, rules, grid_a1, sec_a, flow, round_a, django_capture_on_commit_callbacks
):
    from members.models import NeedCategory
    from posts.models import RequestKind, ResidentRequest
    from posts.tests.test_requests_public import finish, rate

    a = on_post[1]
    req = ResidentRequest.submit(grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, "门前垃圾")
    finish(req, a, sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        rate(client, grid_a1, req.code, "satisfied")
    assert PointEntry.objects.filter(assignment=a, source_key=f"request:{req.pk}", points=3).exists()

    client.force_login(sec_a)
    form = {"held_on": datetime.date(Y, 12, 5), "topic": "调解实务", "place": "村部", "attendees": [a.member_id]}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("posts:training-create", args=[round_a.pk]), form)
    assert PointEntry.objects.filter(assignment=a, rule__source=PointSource.TRAINING_ATTENDED).exists()
    assert PointEntry.objects.filter(assignment=on_post[2], rule__source=PointSource.TRAINING_MISSED).exists()
