"""In Chromium, as each role: every 打印 button on every page that has one prints.

A document's button issues the PDF and the tab goes on to the document's own address (a GET), where the PDF opens
(or downloads); a batch button goes to the batch's page, whose 下载PDF gives the whole village's or town's PDF; a
page's own 打印 calls the browser's print dialog (window.print, stubbed to count calls). A print that is refused
says so on the page the person is on, and no tab is left on a POST address.
"""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import IssuedDocument, PrintBatch
from commitments.tests.test_printing import world  # noqa: F401  (village A at 群众定岗 with members on post)
from conftest import log_in
from members.models import VillagePlan

# Counts the calls of window.print() instead of opening the dialog (which would block a headless page).
STUB_PRINT = "window.__printCalls = 0; window.print = () => { window.__printCalls += 1; };"
DOCUMENT_ADDRESS = re.compile(r"/documents/(\d+)/$")
BATCH_ADDRESS = re.compile(r"/batches/(\d+)/$")


def is_pdf(response):
    return response.headers.get("content-type") == "application/pdf"


def print_buttons(page):
    """The buttons of the page that print: a document's, a batch's, the page's own."""
    return {
        "document": page.locator("form[action*='/print/'] button"),
        "batch": page.locator(f"form[action='{reverse('commitments:batch-create')}'] button"),
        "page": page.locator("[data-print]"),
    }


def click_document_print(page, button):
    """Click a document's print button: the same tab goes on to the archived PDF's GET address."""
    before = IssuedDocument.objects.count()
    with page.context.expect_event("response", is_pdf) as pdf:
        button.click()
    response = pdf.value
    assert response.request.method == "GET" and DOCUMENT_ADDRESS.search(response.url), response.url
    assert len(page.context.pages) == 1, "the PDF opened in another tab"
    document = IssuedDocument.objects.get(pk=DOCUMENT_ADDRESS.search(response.url).group(1))
    # Chromium's viewer takes over the body; the length says it is the archived file.
    assert IssuedDocument.objects.count() == before + 1 and response.headers["content-length"] == str(document.size)
    assert page.url == response.url  # the tab shows the PDF at its GET address
    return document


def click_batch_print(page, button):
    """Click a batch button: its page shows the progress, then 下载PDF gives the batch's PDF."""
    button.click()
    expect(page).to_have_url(BATCH_ADDRESS)
    batch = PrintBatch.objects.get(pk=BATCH_ADDRESS.search(page.url).group(1))
    expect(page.get_by_role("heading", name=f"批量打印：{batch}")).to_be_visible()
    link = page.get_by_role("link", name="下载PDF")
    expect(link).to_be_visible(timeout=30000)  # the page polls until the batch is done
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"{batch}.pdf"
    batch.refresh_from_db()
    assert download.value.path().read_bytes() == batch.document.file.read()
    return batch


def click_page_print(page, button):
    calls = page.evaluate("window.__printCalls")
    button.click()
    assert page.evaluate("window.__printCalls") == calls + 1


def print_everything_on(page, url):
    """Open the page, click each of its print buttons in turn (reopening the page after each); what was printed."""
    page.goto(url)
    buttons = print_buttons(page)
    counts = {kind: locator.count() for kind, locator in buttons.items()}
    # Every button that says 打印 is one of those handled here (batch buttons carry the document's name only).
    labelled = page.get_by_role("button", name=re.compile("打印"))
    assert labelled.count() == counts["document"] + counts["page"], url
    done = []
    for kind, click in (("document", click_document_print), ("batch", click_batch_print), ("page", click_page_print)):
        for i in range(counts[kind]):
            if page.url != url:
                page.goto(url)
            button = print_buttons(page)[kind].nth(i)
            name = button.inner_text().strip()
            done.append((name, click(page, button)))
    return counts, done


@pytest.fixture
def plan(world, sec_a):  # noqa: F811
    village = world["round"].village
    return VillagePlan.objects.create(
        village=village,
        year=2026,
        title=f"{village.name}2026年度无职党员设岗定责实施方案",
        content="按需设岗、因事设岗。",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
        updated_by=sec_a,
    )


def pages_of(role, world, plan, town):  # noqa: F811
    """The pages with print buttons that a person of `role` opens, with the buttons each must have."""
    round, grid = world["round"], world["post"].grid
    village = round.village
    assignment = world["assignments"][0]
    document, batch, own = "document", "batch", "page"
    grid_pages = [
        (reverse("posts:round-grid", args=[round.pk, grid.pk]), {document: 3}),
        (reverse("posts:assignment", args=[assignment.pk]), {document: 1}),
    ]
    village_pages = [
        (reverse("posts:round", args=[round.pk]), {batch: 4}),
        *grid_pages,
        (reverse("members:village-survey", args=[village.pk]), {own: 1}),
        (reverse("members:plan", args=[plan.pk]), {own: 1}),
        (reverse("posts:village-dashboard", args=[village.pk]), {own: 1}),
    ]
    return {
        "grid": [*grid_pages, (reverse("members:grid-survey", args=[grid.pk]), {own: 1})],
        "village": village_pages,
        "town": [
            (reverse("posts:town", args=[town.pk]), {batch: 4}),
            (reverse("posts:town-dashboard", args=[town.pk]), {own: 1}),
            *village_pages,
        ],
    }[role]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("role", "viewport"), [("grid", "desktop"), ("village", "desktop"), ("town", "desktop"), ("grid", "phone")]
)
def test_every_print_button_prints(
    live_server,
    page,
    role,
    grid_user,
    sec_a,
    town_user,
    town,
    world,  # noqa: F811
    plan,
):
    page.add_init_script(script=STUB_PRINT)
    log_in(page, live_server, {"grid": grid_user, "village": sec_a, "town": town_user}[role])
    printed = []
    for path, expected in pages_of(role, world, plan, town):
        counts, done = print_everything_on(page, live_server.url + path)
        assert {k: n for k, n in counts.items() if n} == expected, path
        printed += done
    names = [name for name, _ in printed]
    if role == "grid":  # the grid's three documents and a letter, each archived once
        assert names == ["打印岗位公告", "打印公示", "打印公示牌", "打印承诺书", "打印"]
        assert sorted(IssuedDocument.objects.values_list("kind", flat=True)) == sorted(
            ["post_list", "notice", "wall_sheet", "letter"]
        )
    else:  # every batch finished with its PDF
        assert PrintBatch.objects.exclude(status="done").count() == 0
        assert PrintBatch.objects.count() == (4 if role == "village" else 8)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_print_says_why_on_the_page_printed_from(live_server, page, sec_a, grid_a2, world):  # noqa: F811
    log_in(page, live_server, sec_a)
    # 第二网格 has no posts: no wall sheet yet.
    url = live_server.url + reverse("posts:round-grid", args=[world["round"].pk, grid_a2.pk])
    page.goto(url)
    page.get_by_role("button", name="打印公示牌").click()
    # (the page may also carry the warning that its QR codes point at this machine: another alert)
    expect(page.get_by_role("alert").filter(has_text="不能打印网格公示牌")).to_contain_text(
        "不能打印网格公示牌：金城村第二网格还没有党员确认上岗"
    )
    assert page.url == url and len(page.context.pages) == 1
    # A letter whose member stopped being under notice meanwhile (another secretary, another tab).
    a = world["assignments"][0]
    url = live_server.url + reverse("posts:assignment", args=[a.pk])
    page.goto(url)
    type(a).objects.filter(pk=a.pk).update(status="applied")
    page.get_by_role("button", name="打印承诺书").click()
    expect(page.get_by_role("alert").filter(has_text="不能打印承诺书")).to_contain_text(
        "不能打印承诺书：王䶮现在是“已申报”，没有要签订承诺书的岗位"
    )
    assert page.url == url and len(page.context.pages) == 1
    assert not IssuedDocument.objects.exists()
