"""The year on post as its people walk it, on 390 px phones in Chromium, by the labels they read:

a resident asks from the grid's public page (what the wall sheet's QR code opens) and notes the receipt code; the
grid secretary dispatches the request and prints the member's sign-in slip; the member scans the slip's QR code,
signs in with its PIN, replaces it, takes the request and records the work with a photo; the resident confirms
and rates it with the code; the town's dashboard counts it done and satisfied.
"""

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from commitments.documents import public_url
from commitments.tests.test_printing import qr_codes_on_page
from conftest import log_in, log_out, open_menu_link
from posts.models import DutyRecord, RequestState, ResidentRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


# Submit the button's form with fetch() and return the answer's bytes in base64.
SUBMIT_FOR_BYTES = """async (button) => {
    const form = button.form;
    const response = await fetch(form.action || location.href, {method: "POST", body: new FormData(form)});
    const bytes = new Uint8Array(await response.arrayBuffer());
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
}"""


def phone_photo(path):
    """A phone's photo: large, with the place it was taken in its EXIF data."""
    image = Image.new("RGB", (3000, 2000), "olive")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (32.0, 30.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("viewport", ["phone"])
def test_a_request_from_the_wall_to_the_member_and_back(
    live_server, page, settings, on_post, grid_a1, grid_user, town_user, town, tmp_path
):
    settings.PUBLIC_BASE_URL = live_server.url
    a = on_post[1]  # 第一网格's 村容村貌监督岗

    # A resident asks.
    page.goto(public_url(grid_a1))
    ask = page.locator("#ask")
    ask.get_by_label("求助").check()
    ask.get_by_label("环境卫生、村容村貌").check()
    ask.get_by_label("具体情况").fill("村口垃圾堆了好几天，请党员帮忙清理。")
    ask.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("已收到，请记下查询码")).to_be_visible()
    code = page.locator("#code").inner_text().strip()
    request = ResidentRequest.objects.get()
    assert code == request.code

    # The grid secretary finds it from their home page and dispatches it to the member on the fitting post.
    log_in(page, live_server, grid_user)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("^群众点单")).first.click()
    page.get_by_role("link", name=re.compile("村口垃圾堆了好几天")).click()
    page.get_by_label(re.compile(a.member.name)).check()
    page.get_by_role("button", name="派单").click()
    expect(page.get_by_text("已派单").first).to_be_visible()

    # ... and prints the member's sign-in slip from the grid's page.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="在岗党员手机登录").click()
    page.get_by_label(a.member.name).check()
    # What the button sends, as the browser sends it: the browser's PDF viewer would show the answer, which a test
    # cannot read, and each print gives new PINs (the one printed before is void).
    pdf = base64.b64decode(page.get_by_role("button", name="打印登录条").evaluate(SUBMIT_FOR_BYTES))
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    member_code, pin = re.search(rf"{a.member.name}.*?登录编码：(DY\w{{6}})初始密码：(\d{{6}})", text).groups()
    [slip_url] = [url for url in qr_codes_on_page(pdf, tmp_path) if url.endswith(f"/m/{member_code}/")]
    log_out(page)

    # The member scans the slip, signs in, replaces the PIN and takes the request.
    page.goto(slip_url)
    page.get_by_label("密码").fill(pin)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="第一次登录，请设置自己的密码")).to_be_visible()
    page.get_by_label("新密码").fill("470129")
    page.get_by_label("再输一遍").fill("470129")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("heading", name=f"{a.member.name}，您好")).to_be_visible()
    page.screenshot(path="/tmp/journey-member-home.png", full_page=True)
    page.get_by_role("link", name="查看和办理").click()
    page.get_by_role("button", name="接单").click()
    page.get_by_role("link", name="记录办理情况").click()
    page.get_by_text("监督", exact=True).click()
    page.get_by_label("做了什么").fill("和村保洁员一起清运村口垃圾，劝导附近农户不再乱倒。")
    page.get_by_label("照片").set_input_files(str(phone_photo(tmp_path / "村口.jpg")))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存履职纪实")).to_be_visible()
    request.refresh_from_db()
    assert request.state == RequestState.DONE and request.record.photos.count() == 1
    with Image.open(request.record.photos.get().image.path) as stored:
        assert max(stored.size) <= settings.DUTY_PHOTO_PIXELS and not stored.getexif()
    assert DutyRecord.objects.get().on_behalf is False
    open_menu_link(page, "退出登录")

    # The resident confirms and rates it with the code.
    page.goto(public_url(grid_a1))
    page.locator("#lookup").get_by_label("输入查询码").fill(code.lower())
    page.locator("#lookup").get_by_role("button", name="查询").click()
    page.get_by_role("button", name="满意", exact=True).click()
    expect(page.get_by_text("谢谢您的评价！")).to_be_visible()

    # The town's dashboard counts it: one request, done, none overdue, all satisfied.
    log_in(page, live_server, town_user)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="工作看板").click()
    total = page.locator("#request-figures tfoot tr")
    expect(total).to_contain_text("合计")
    cells = [c.strip() for c in total.locator("td, th").all_inner_texts()]
    assert cells[1:4] == ["1", "1", "0"] and cells[-1].startswith("100"), cells
