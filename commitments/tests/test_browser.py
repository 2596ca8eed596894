"""In Chromium: print a grid's wall sheet from its page, then a village batch, downloaded when its progress ends."""

import subprocess

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import IssuedDocument, PrintBatch
from commitments.tests.test_printing import world  # noqa: F401  (village A at 群众定岗 with members on post)
from conftest import log_in


def pdf_text(path):
    return "".join(subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True).stdout.split())


# serialized_rollback: see members/tests/test_browser.py.
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_print_wall_sheet_and_download_village_batch(live_server, page, sec_a, grid_a1, world, tmp_path):  # noqa: F811
    log_in(page, live_server, sec_a)
    page.goto(live_server.url + reverse("posts:round-grid", args=[world["round"].pk, grid_a1.pk]))
    # The print button opens the PDF in the same tab, at the archived document's address.
    with page.context.expect_event("response", lambda r: "/documents/" in r.url) as response_info:
        page.get_by_role("button", name="打印公示牌").click()
    assert response_info.value.headers["content-type"] == "application/pdf"  # Chromium shows it in its viewer
    issued = IssuedDocument.objects.get(kind="wall_sheet", grid=grid_a1)
    (tmp_path / "wall-sheet.pdf").write_bytes(issued.file.read())
    assert "金城村第一网格党员设岗定责公示牌" in pdf_text(tmp_path / "wall-sheet.pdf")

    page.goto(live_server.url + reverse("posts:round", args=[world["round"].pk]))
    page.get_by_role("button", name="承诺书").click()
    expect(page.get_by_role("heading", name="批量打印：金城村设岗定责承诺书")).to_be_visible()
    download_link = page.get_by_role("link", name="下载PDF")
    expect(download_link).to_be_visible(timeout=30000)  # the page polls until the batch is done
    with page.expect_download() as download_info:
        download_link.click()
    path = tmp_path / "village-letters.pdf"
    download_info.value.save_as(path)
    text = pdf_text(path)
    assert text.count("设岗定责承诺书") == 2 and "王䶮" in text and "张𠈌" in text
    assert PrintBatch.objects.get().status == "done"
