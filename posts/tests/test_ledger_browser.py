"""The ledger form on a 390 px phone: it fits, a kind is tapped, a photo attached, and the entry is saved."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from conftest import log_in
from posts.models import DutyRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("viewport", ["phone"])
def test_a_ledger_entry_on_a_phone(live_server, page, on_post, grid_user, tmp_path):
    a = on_post[1]
    photo = tmp_path / "现场.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), "green").save(out, "JPEG")
    photo.write_bytes(out.getvalue())
    log_in(page, live_server, grid_user)
    page.goto(live_server.url + reverse("posts:duty-add", args=[a.pk]))
    expect(page.get_by_role("heading", name="记履职纪实")).to_be_visible()
    page.get_by_text("监督", exact=True).click()  # 村容村貌监督岗: 监督 comes first
    page.get_by_label("做了什么").fill("劝导村民清理门前杂物")
    page.get_by_label("服务对象（户数、人数）").fill("张家 3 户")
    page.get_by_label("照片").set_input_files(str(photo))
    page.screenshot(path="/tmp/ledger/form-390.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存履职纪实")).to_be_visible()
    expect(page.locator("#duty-photos img")).to_have_count(1)
    record = DutyRecord.objects.get()
    assert (record.kind.name, record.served, record.photos.count()) == ("监督", "张家 3 户", 1)
