"""履职纪实: the phone form, its photos, who may record, and an entry closing a resident's request."""

import datetime
import io

import pytest
from django.urls import reverse
from PIL import Image

from conftest import on_day
from posts.models import DutyKind, DutyPhoto, DutyRecord, RequestState, ResidentRequest, Status

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 15))]

TODAY = datetime.date(2026, 12, 15)


def jpeg(size=(3000, 2000), orientation=None, gps=True, name="现场.jpg", color="red"):
    """A phone's photo: its EXIF says how to turn it and where it was taken."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 52.0, 12.0), 3: "E", 4: (121.0, 10.0, 5.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    out.name = name
    out.seek(0)
    return out


def named(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def entry(kind=None, **more):
    kind = kind or DutyKind.objects.get(name="巡逻", town=None)
    return {"done_on": "2026-12-14", "kind": kind.pk, "place": "村东头", "served": "张家 3 户",
            "content": "夜间巡逻一次", "result": "未发现异常", **more}  # fmt: skip


def add_url(a):
    return reverse("posts:duty-add", args=[a.pk])


def test_the_member_records_an_entry_with_a_photo_stored_upright_small_and_without_location(
    client, on_post, member_signed_in, settings
):
    a = on_post[1]
    member_signed_in(a)
    page = client.get(add_url(a))
    assert page.status_code == 200
    assert page.context["form"]["done_on"].value() == TODAY
    response = client.post(add_url(a), entry(photos=[jpeg(orientation=6)]))
    record = DutyRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("posts:duty-record", args=[record.pk])
    assert (record.assignment, record.on_behalf, record.place, record.served) == (a, False, "村东头", "张家 3 户")
    photo = DutyPhoto.objects.get(record=record)
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        # 3000×2000 turned a quarter (orientation 6) and brought down to 1600 on the long side
        assert stored.size == (1067, 1600) == (photo.width, photo.height)
        assert not stored.getexif() and "exif" not in stored.info
    with open(photo.image.path, "rb") as stored_bytes:
        assert b"PhoneMaker" not in stored_bytes.read()
    assert record.history.first().history_user == a.member.account.user


def test_the_kinds_fitting_the_post_come_first(client, on_post, member_signed_in):
    a = on_post[2]  # 社会治安巡逻岗: 巡逻 fits it
    member_signed_in(a)
    names = [label for _, label in client.get(add_url(a)).context["form"].fields["kind"].choices]
    assert names[0] == "巡逻" and names[-1] == "其他"


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"done_on": "2026-12-16"}, "日期不能晚于今天。"),
        ({"done_on": "2025-12-31"}, "日期不能早于2026年1月1日"),
        ({"content": " "}, "这个字段是必填项。"),
    ],
)
def test_bad_dates_and_an_empty_entry_are_refused(client, on_post, member_signed_in, bad, message):
    a = on_post[1]
    member_signed_in(a)
    response = client.post(add_url(a), entry(**bad))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DutyRecord.objects.exists()


def refused_photos(client, a, photos, message, tmp_path, settings):
    response = client.post(add_url(a), entry(photos=photos))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DutyRecord.objects.exists() and not DutyPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_file_that_is_no_image_is_refused_by_name_and_nothing_is_kept(
    client, on_post, member_signed_in, tmp_path, settings
):
    a = on_post[1]
    member_signed_in(a)
    fake = named(b"%PDF-1.4 not a photo at all", "伪装.jpg")
    refused_photos(client, a, [jpeg(), fake], "“伪装.jpg”不是能识别的照片", tmp_path, settings)


def test_a_photo_too_large_is_refused(client, on_post, member_signed_in, tmp_path, settings):
    settings.DUTY_PHOTO_MAX_MB = 1
    a = on_post[1]
    member_signed_in(a)
    big = named(jpeg().read() + b"\0" * 2**20, "大图.jpg")
    refused_photos(client, a, [big], "照片“大图.jpg”太大", tmp_path, settings)


def test_too_many_photos_are_refused(client, on_post, member_signed_in, tmp_path, settings):
    settings.DUTY_PHOTOS_PER_RECORD = 2
    a = on_post[1]
    member_signed_in(a)
    refused_photos(client, a, [jpeg(size=(10, 10)) for _ in range(3)], "每条纪实最多2张", tmp_path, settings)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, on_post, member_signed_in, tmp_path, settings):
    a = on_post[1]
    member_signed_in(a)
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # 100 megapixels in a few kilobytes
    assert out.tell() < 100_000
    refused_photos(client, a, [named(out.getvalue(), "炸弹.png")], "“炸弹.png”", tmp_path, settings)


def test_a_truncated_photo_is_refused(client, on_post, member_signed_in, tmp_path, settings):
    import weasyprint  # noqa: F401 — as in a process that has printed: it lets Pillow load truncated images

    a = on_post[1]
    member_signed_in(a)
    data = jpeg().read()
    refused_photos(client, a, [named(data[: len(data) // 3], "半张.jpg")], "“半张.jpg”", tmp_path, settings)


def test_a_transparent_png_is_kept_as_jpeg(client, on_post, member_signed_in):
    a = on_post[1]
    member_signed_in(a)
    out = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(out, "PNG")
    assert client.post(add_url(a), entry(photos=[named(out.getvalue(), "截图.png")])).status_code == 302
    with Image.open(DutyPhoto.objects.get().image.path) as stored:
        assert (stored.format, stored.size, stored.getpixel((5, 5))) == ("JPEG", (400, 300), (255, 255, 255))


def test_the_secretary_records_for_the_member_marked_on_behalf(client, on_post, grid_user):
    a = on_post[1]
    client.force_login(grid_user)
    assert client.post(add_url(a), entry()).status_code == 302
    record = DutyRecord.objects.get()
    assert record.on_behalf and record.recorded_by == grid_user
    assert "代记" in client.get(reverse("posts:duty-record", args=[record.pk])).content.decode()


def test_the_contact_records_for_the_member(client, on_post, member_signed_in, flow, sec_a):
    from posts.tests.conftest import sign_in_member

    a = on_post[1]
    sign_in_member(client, a.contact, sec_a)
    assert client.post(add_url(a), entry()).status_code == 302
    assert DutyRecord.objects.get().on_behalf


def test_others_meet_a_404(client, on_post, member_signed_in, sec_b, town_user):
    a1, a2 = on_post[1], on_post[2]
    member_signed_in(a1)
    assert client.get(add_url(a2)).status_code == 404  # another grid's member
    assert client.post(add_url(a2), entry()).status_code == 404
    client.force_login(sec_b)
    assert client.get(add_url(a1)).status_code == 404
    client.force_login(town_user)  # reads the town, records for nobody
    assert client.get(add_url(a1)).status_code == 404
    assert not DutyRecord.objects.exists()


def test_no_entry_for_a_member_no_longer_on_post(client, on_post, grid_user):
    a = on_post[1]
    a.__class__.objects.filter(pk=a.pk).update(status=Status.LEFT)
    client.force_login(grid_user)
    response = client.post(add_url(a), entry(), follow=True)
    assert "只有在岗党员才能记录履职纪实" in response.content.decode()
    assert not DutyRecord.objects.exists()


def dispatched(a, sec_a):
    r = ResidentRequest.submit(a.post.grid, "help", "security", "路灯坏了，晚上看不清路。", name="李大爷")
    r.dispatch_to(a, by=sec_a)
    return r


def test_an_entry_from_a_request_closes_it(client, on_post, member_signed_in, sec_a):
    a = on_post[1]
    r = dispatched(a, sec_a)
    member_signed_in(a)
    url = f"{add_url(a)}?request={r.pk}"
    assert "路灯坏了" in client.get(url).content.decode()
    assert client.post(url, entry()).status_code == 302
    r.refresh_from_db()
    assert r.state == RequestState.DONE and r.record == DutyRecord.objects.get()


def test_a_request_moved_meanwhile_saves_nothing(client, on_post, member_signed_in, sec_a):
    a = on_post[1]
    r = dispatched(a, sec_a)
    member_signed_in(a)
    url = f"{add_url(a)}?request={r.pk}"
    client.get(url)
    r.hand_back(by=sec_a, reason="另行安排")
    response = client.post(url, entry(photos=[jpeg(size=(20, 20))]))
    assert response.status_code == 200
    assert "这条诉求刚刚已有变化，现在是“待派单”" in response.content.decode()
    assert not DutyRecord.objects.exists() and not DutyPhoto.objects.exists()
    r.refresh_from_db()
    assert r.state == RequestState.NEW


def test_a_request_of_another_grid_is_a_404(client, on_post, member_signed_in, sec_a):
    r = dispatched(on_post[2], sec_a)
    member_signed_in(on_post[1])
    assert client.get(f"{add_url(on_post[1])}?request={r.pk}").status_code == 404
    assert client.get(f"{add_url(on_post[1])}?request=abc").status_code == 404
