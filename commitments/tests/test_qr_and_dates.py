"""QR codes that open and dates that stay: the 公示 and the wall sheet read back as a resident's phone reads them,
the address their codes carry, the warning when that address is this machine, and reprints a month later."""

import datetime
import io
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from commitments.documents import is_local_address
from commitments.models import BatchStatus, PrintBatch
from commitments.tests import test_printing
from commitments.tests.test_printing import pdf_text, qr_codes_on_page
from conftest import log_in
from posts.models import Assignment, Notice, Post, PostType, Round, RoundLog, Source, Stage, Status

pytestmark = pytest.mark.django_db
world = test_printing.world  # village A at 群众定岗: one post, two members on it, a notice that has run

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLIC_HOST = "jinchen.example.gov.cn"
# A day inside the notice period of `on_notice` below; pages and prints happen at 10 o'clock on it.
NOTICE_DAY = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def on_notice(grid_a1, sec_a, make_member):
    """Village A's round at 支部议岗: two members on notice (1–7 November, published on 30 October) for two posts,
    and one applicant the branch did not choose."""
    round = Round.objects.create(village=grid_a1.village, year=2026)
    Round.objects.filter(pk=round.pk).update(stage=Stage.DELIBERATION)  # set-up only; pages never set stages
    round.refresh_from_db()
    posts = []
    for name in ("社会治安巡逻岗", "民事纠纷调解岗"):
        t = PostType.objects.get(name=name, town=grid_a1.village.town_id)
        posts.append(
            Post.objects.create(grid=grid_a1, post_type=t, name=name, places=1, duties=t.duties, reason="需要")
        )
    people = [(make_member(grid_a1, name="王䶮"), posts[0]), (make_member(grid_a1, name="张𠈌"), posts[1])]
    people.append((make_member(grid_a1, name="李未选"), posts[0]))
    assignments = [
        Assignment.objects.create(round=round, post=post, member=m, source=Source.SELF, reason="愿意", created_by=sec_a)
        for m, post in people
    ]
    Assignment.objects.filter(pk__in=[a.pk for a in assignments[:2]]).update(status=Status.NOTICED)
    Assignment.objects.filter(pk=assignments[2].pk).update(status=Status.NOT_CHOSEN)
    notice = Notice.objects.create(
        round=round,
        grid=grid_a1,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 7),
        phone="0515-88881234",
        place="村党务公开栏",
        published_by=sec_a,
    )
    Notice.objects.filter(pk=notice.pk).update(published_at=datetime.datetime(2026, 10, 30, 16, 0, tzinfo=SHANGHAI))
    return {"round": round, "posts": posts, "assignments": assignments}


def print_grid(client, grid, kind, host="testserver"):
    response = client.post(reverse("commitments:print-grid", args=[grid.pk, kind]), HTTP_HOST=host, follow=True)
    assert response["Content-Type"] == "application/pdf", response
    return b"".join(response.streaming_content)


def notice_box(html):
    """The 正在公示 box of the public page, where residents read who is on notice (not the form's list)."""
    match = re.search(r'<div class="box notice" id="on-notice">(.*?)</div>', html, re.S)
    assert match, "公开页没有“正在公示”一栏"
    return match.group(1)


def pypdf_text(pdf):
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- the 公示 carries its own QR code, which opens the grid's page naming who is on notice -------------------------


def test_notice_qr_opens_the_grid_page_that_names_who_is_on_notice(
    client, settings, sec_a, grid_a1, on_notice, tmp_path
):
    settings.ALLOWED_HOSTS = [PUBLIC_HOST]
    with time_machine.travel(NOTICE_DAY, tick=False):
        client.force_login(sec_a)
        pdf = print_grid(client, grid_a1, "notice", host=PUBLIC_HOST)
        text = pdf_text(pdf, tmp_path)[0]
        # The code as a phone reads it off the printed page, and the line saying what it opens.
        [code] = qr_codes_on_page(pdf, tmp_path)
        assert code == f"http://{PUBLIC_HOST}" + reverse("posts:public-grid", args=[grid_a1.public_token])
        assert "扫码打开本网格公开页，查看拟上岗人选，在线提出异议" in text and code in text
        assert "扫描下方二维码" in text and "网格公示牌二维码" not in text  # it points at its own code now
        # What the code opens, for a resident who is not logged in.
        client.logout()
        page = client.get(urlsplit(code).path, HTTP_HOST=PUBLIC_HOST)
    assert page.status_code == 200 and "<h1>金城村第一网格</h1>" in page.text
    box = notice_box(page.text)
    assert "2026年11月1日至2026年11月7日" in box
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"names\">(.*?)</td></tr>", box)
    assert rows == [("社会治安巡逻岗", "王䶮"), ("民事纠纷调解岗", "张𠈌")]
    assert "李未选" not in page.text  # not chosen: not on notice, not to be named
    # The objection form is still there, and may name those on notice.
    assert 'value="objection"' in page.text and "对公示人选有异议" in page.text
    noticed = on_notice["assignments"][0]
    assert f'<option value="{noticed.pk}">王䶮 · 社会治安巡逻岗</option>' in page.text


def test_public_page_lists_nobody_on_notice_when_no_notice_runs(client, grid_a1, on_notice):
    with time_machine.travel(NOTICE_DAY + datetime.timedelta(days=10), tick=False):  # the notice ended
        page = client.get(reverse("posts:public-grid", args=[grid_a1.public_token]))
    assert page.status_code == 200 and 'id="on-notice"' not in page.text
    assert "王䶮" not in page.text and 'value="objection"' not in page.text


# --- the address in the codes: derived from the request, the setting wins, batches keep it -------------------------


def test_wall_sheet_qr_uses_the_host_the_secretary_opened(client, settings, sec_a, grid_a1, world, tmp_path):
    settings.ALLOWED_HOSTS = [PUBLIC_HOST]
    client.force_login(sec_a)
    pdf = print_grid(client, grid_a1, "wall_sheet", host=PUBLIC_HOST)
    [code] = qr_codes_on_page(pdf, tmp_path)
    assert code == f"http://{PUBLIC_HOST}/p/{grid_a1.public_token}/"
    page = client.get(urlsplit(code).path, HTTP_HOST=PUBLIC_HOST)
    assert page.status_code == 200 and "<h1>金城村第一网格</h1>" in page.text and "王䶮" in page.text


@pytest.mark.parametrize("kind", ["notice", "wall_sheet"])
def test_public_base_url_setting_wins_over_the_request(
    client,
    settings,
    sec_a,
    grid_a1,
    world,
    kind,
    tmp_path,
):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PUBLIC_BASE_URL = "https://dangjian.example.cn"
    if kind == "notice":  # the notice world has run its notice; a 公示 prints at 支部议岗 and after
        Round.objects.filter(pk=world["round"].pk).update(stage=Stage.DELIBERATION)
    client.force_login(sec_a)
    pdf = print_grid(client, grid_a1, kind, host="127.0.0.1")
    assert qr_codes_on_page(pdf, tmp_path) == [f"https://dangjian.example.cn/p/{grid_a1.public_token}/"]


def test_batch_keeps_the_address_it_was_requested_from(
    client,
    settings,
    sec_a,
    grid_a1,
    world,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.ALLOWED_HOSTS = [PUBLIC_HOST]
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs when the request commits
        client.post(
            reverse("commitments:batch-create"),
            {"kind": "wall_sheet", "village": grid_a1.village_id},
            HTTP_HOST=PUBLIC_HOST,
        )
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.base_url == f"http://{PUBLIC_HOST}"
    assert qr_codes_on_page(batch.document.file.read(), tmp_path) == [f"http://{PUBLIC_HOST}/p/{grid_a1.public_token}/"]


def test_retried_batch_takes_the_address_it_is_retried_from(
    client, settings, sec_a, grid_a1, world, tmp_path, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["*"]
    Assignment.objects.update(status=Status.NOTICED)  # nobody on post yet: the wall sheet batch fails
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        data = {"kind": "wall_sheet", "village": grid_a1.village_id}
        client.post(reverse("commitments:batch-create"), data, HTTP_HOST="127.0.0.1:8000")
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and batch.base_url == "http://127.0.0.1:8000"
    # The secretary saw the warning, opened the site at its public address and retried from there.
    Assignment.objects.update(status=Status.ON_POST)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commitments:batch-retry", args=[batch.pk]), HTTP_HOST=PUBLIC_HOST)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.base_url == f"http://{PUBLIC_HOST}"
    assert qr_codes_on_page(batch.document.file.read(), tmp_path) == [f"http://{PUBLIC_HOST}/p/{grid_a1.public_token}/"]


# --- the warning before anyone prints codes that point at this machine ------------------------------------------------


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("127.8.9.10", "http://127.8.9.10"),
        ("localhost:8000", "http://localhost:8000"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("0.0.0.0:8000", "http://0.0.0.0:8000"),
    ],
)
def test_print_pages_warn_when_codes_would_point_at_this_machine(client, settings, sec_a, world, host, shown):
    settings.ALLOWED_HOSTS = ["*"]
    client.force_login(sec_a)
    round = world["round"]
    warning = (
        f"二维码指向本机地址 {shown}，居民手机扫码打不开："
        + "请从居民能访问的地址打开本系统，或请管理员设置 PUBLIC_BASE_URL"
    )
    for url in (  # the grid's print buttons, the village's batch buttons
        reverse("posts:round-grid", args=[round.pk, round.village.grids.get(number=1).pk]),
        reverse("posts:round", args=[round.pk]),
    ):
        assert warning in client.get(url, HTTP_HOST=host).text, url
        assert "二维码指向本机地址" not in client.get(url, HTTP_HOST=PUBLIC_HOST).text, url


def test_no_warning_when_the_setting_names_a_public_address(client, settings, sec_a, world):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = "https://dangjian.example.cn"
    client.force_login(sec_a)
    round = world["round"]
    page = client.get(reverse("posts:round", args=[round.pk]), HTTP_HOST="127.0.0.1:8000")
    assert page.status_code == 200 and "二维码指向本机地址" not in page.text
    settings.PUBLIC_BASE_URL = "http://localhost:8000"  # set, but to this machine: the advice is to change it
    page = client.get(reverse("posts:round", args=[round.pk]), HTTP_HOST=PUBLIC_HOST)
    assert "二维码指向本机地址 http://localhost:8000" in page.text and "改为居民能访问的地址" in page.text


def test_batch_page_warns_for_codes_but_not_for_letters(
    client,
    settings,
    sec_a,
    grid_a1,
    world,
    django_capture_on_commit_callbacks,
):
    settings.ALLOWED_HOSTS = ["*"]
    client.force_login(sec_a)
    pages = {}
    for kind in ("wall_sheet", "letter"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("commitments:batch-create"),
                {"kind": kind, "village": grid_a1.village_id},
                HTTP_HOST="localhost",
            )
        pages[kind] = client.get(response.url, HTTP_HOST=PUBLIC_HOST).text  # what the batch stored counts
    assert "二维码指向本机地址 http://localhost，居民手机扫码打不开" in pages["wall_sheet"]
    assert "二维码指向本机地址" not in pages["letter"]  # a letter has no QR code


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.255.0.1", True),
        ("http://LOCALHOST.", True),
        ("http://app.localhost:8000", True),
        ("http://[::1]", True),
        ("http://[::ffff:127.0.0.1]", True),
        ("http://0.0.0.0", True),
        ("http://[::]:8000", True),
        ("http://10.1.2.3:8000", False),  # a village intranet's address: reachable there
        ("https://jinchen.example.gov.cn", False),
        ("http://127.0.0.1.example.cn", False),
        ("http://localhost-town.cn", False),
    ],
)
def test_which_addresses_count_as_this_machine(url, local):
    assert is_local_address(url) is local


# --- dates: a reprint a month later is the same document ----------------------------------------------------------


def issuer_date(text):
    # no （盖章） after the date: the seal is pressed on the paper, not printed
    flat = "".join(text.split())
    match = re.search(r"第一网格党支部(\d{4}年\d{1,2}月\d{1,2}日)(—\d+—)?$", flat)
    assert match, flat[-60:]
    return match.group(1)


def print_on(client, user, grid, kind, when):
    with time_machine.travel(when, tick=False):
        client.force_login(user)  # a session does not last 40 days
        return pypdf_text(print_grid(client, grid, kind))


def test_notice_is_dated_the_day_it_was_issued_and_reprints_the_same(client, sec_a, grid_a1, on_notice):
    first = print_on(client, sec_a, grid_a1, "notice", NOTICE_DAY)
    later = print_on(client, sec_a, grid_a1, "notice", NOTICE_DAY + datetime.timedelta(days=40))
    assert first == later
    assert issuer_date(first) == "2026年10月30日"  # published on 30 October
    flat = "".join(first.split())
    assert "2026年11月3日" not in flat and "2026年12月13日" not in flat  # neither day it was printed


def test_notice_recorded_after_it_went_up_is_dated_its_first_day(client, sec_a, grid_a1, on_notice):
    Notice.objects.update(published_at=datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    assert issuer_date(print_on(client, sec_a, grid_a1, "notice", NOTICE_DAY)) == "2026年11月1日"


@pytest.fixture
def applying(grid_a1, on_notice):
    """The same round back at 申报选岗, applications open 5–20 November."""
    round = on_notice["round"]
    Round.objects.filter(pk=round.pk).update(
        stage=Stage.APPLICATION,
        applications_open_on=datetime.date(2026, 11, 5),
        applications_close_on=datetime.date(2026, 11, 20),
    )
    return round


def test_post_list_is_dated_the_day_applications_open_and_reprints_the_same(client, sec_a, grid_a1, applying):
    day = datetime.datetime(2026, 11, 8, 10, 0, tzinfo=SHANGHAI)
    first = print_on(client, sec_a, grid_a1, "post_list", day)
    later = print_on(client, sec_a, grid_a1, "post_list", day + datetime.timedelta(days=40))
    assert first == later and issuer_date(first) == "2026年11月5日"


def test_post_list_without_an_opening_day_is_dated_the_day_applications_began(client, sec_a, grid_a1, applying):
    Round.objects.filter(pk=applying.pk).update(applications_open_on=None, applications_close_on=None)
    RoundLog.objects.create(
        round=applying,
        from_stage=Stage.SURVEY,
        to_stage=Stage.APPLICATION,
        by=sec_a,
        at=datetime.datetime(2026, 11, 4, 7, 30, tzinfo=SHANGHAI),  # in UTC still 3 November: Shanghai counts
    )
    day = datetime.datetime(2026, 11, 8, 10, 0, tzinfo=SHANGHAI)
    first = print_on(client, sec_a, grid_a1, "post_list", day)
    later = print_on(client, sec_a, grid_a1, "post_list", day + datetime.timedelta(days=40))
    assert first == later and issuer_date(first) == "2026年11月4日"


# --- in Chromium: what a resident's phone shows, and what the secretary sees before printing --------------------------


# serialized_rollback: see members/tests/test_browser.py.
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_in_chromium_who_is_on_notice_and_the_loopback_warning(live_server, page, sec_a, grid_a1, on_notice):
    from playwright.sync_api import expect

    today = timezone.localdate()  # Chromium keeps the real time: the notice runs now
    Notice.objects.update(starts_on=today - datetime.timedelta(days=2), ends_on=today + datetime.timedelta(days=4))
    page.goto(live_server.url + reverse("posts:public-grid", args=[grid_a1.public_token]))
    box = page.locator("#on-notice")
    expect(box.get_by_role("row")).to_have_count(3)  # the header and one row a post
    expect(box.get_by_role("row").nth(1)).to_have_text("社会治安巡逻岗王䶮")
    expect(box.get_by_role("row").nth(2)).to_have_text("民事纠纷调解岗张𠈌")
    expect(page.get_by_label("对公示人选有异议")).to_be_visible()  # the objection form is still there

    # The live server answers at 127.0.0.1: the page offering the print says the codes would not open.
    log_in(page, live_server, sec_a)
    page.goto(live_server.url + reverse("posts:round-grid", args=[on_notice["round"].pk, grid_a1.pk]))
    warning = page.get_by_role("alert").filter(has_text="二维码指向本机地址")
    expect(warning).to_contain_text(f"{live_server.url}，居民手机扫码打不开")
    expect(page.get_by_role("button", name="打印公示", exact=True)).to_be_visible()
