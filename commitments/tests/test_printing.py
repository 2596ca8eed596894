"""PDFs read back as a resident or a secretary would see them: text, page size, fonts, QR target, no ID numbers."""

import hashlib
import subprocess
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse

from commitments import services
from commitments.models import BatchPart, BatchStatus, IssuedDocument, PrintBatch
from posts.models import Assignment, Notice, Post, PostType, Round, Source, Stage, Status
from posts.views.public import public_grid

pytestmark = pytest.mark.django_db

A4 = "595.276 x 841.89"
A3_PORTRAIT = "841.89 x 1190.55"


def pdf_text(pdf, tmp_path, name="doc.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return "".join(text.split()), info, fonts  # lines wrap anywhere in Chinese: compare without whitespace


def qr_codes_on_page(pdf, tmp_path, page=1):
    """The texts of the QR codes on one page of a PDF, rendered at 150 dpi as a printer would."""
    import zxingcpp
    from PIL import Image

    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(path), str(prefix)],
        check=True,
    )
    with Image.open(f"{prefix}.png") as image:
        found = zxingcpp.read_barcodes(image)
    return [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]


def page_size(info):
    return next(
        line.split(":", 1)[1].split("pts")[0].strip() for line in info.splitlines() if line.startswith("Page size")
    )


def page_count(info):
    return int(next(line.split(":")[1] for line in info.splitlines() if line.startswith("Pages")))


@pytest.fixture
def world(grid_a1, sec_a, make_member):
    """Village A's round at 群众定岗: one post with two members on it and a notice that has run."""
    round = Round.objects.create(village=grid_a1.village, year=2026)
    Round.objects.filter(pk=round.pk).update(stage=Stage.CONFIRMATION)  # set-up only; pages never set stages
    round.refresh_from_db()
    t = PostType.objects.get(name="社会治安巡逻岗", town=grid_a1.village.town_id)
    post = Post.objects.create(grid=grid_a1, post_type=t, name=t.name, places=2, duties=t.duties, reason="需要")
    members = [make_member(grid_a1, name="王䶮", phone="13912345678"), make_member(grid_a1, name="张𠈌")]
    assignments = [
        Assignment.objects.create(round=round, post=post, member=m, source=Source.SELF, reason="愿意", created_by=sec_a)
        for m in members
    ]
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).update(status=Status.ON_POST)
    Notice.objects.create(
        round=round,
        grid=grid_a1,
        starts_on="2026-11-01",
        ends_on="2026-11-07",
        phone="0515-88881234",
        place="村党务公开栏",
        published_by=sec_a,
    )
    return {"round": round, "post": post, "members": members, "assignments": assignments}


def test_harfbuzz_subsetting_is_available():
    # Without libharfbuzz-subset0 WeasyPrint falls back to a pure-Python subsetter, about 30 times slower.
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None, "请安装 libharfbuzz-subset0（make test 会自动安装）"
    assert harfbuzz.hb_version_atleast(4, 1, 0)


def test_wall_sheet_is_a3_portrait_with_qr_to_the_public_page(client, sec_a, grid_a1, world, tmp_path):
    client.force_login(sec_a)
    response = client.post(reverse("commitments:print-grid", args=[grid_a1.pk, "wall_sheet"]), follow=True)
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    text, info, fonts = pdf_text(pdf, tmp_path)
    assert page_size(info) == A3_PORTRAIT and page_count(info) == 1
    for words in ("金城村第一网格党员设岗定责公示牌", "社会治安巡逻岗", "王䶮", "张𠈌", "0515-88881234", "不定期巡逻"):
        assert words in text, words
    # The QR code as a phone reads it: rasterise the printed page and decode what is on it.
    [code] = qr_codes_on_page(pdf, tmp_path)
    # PUBLIC_BASE_URL unset: the address the secretary's request came to (the test client's), printed beside it too.
    assert code.startswith("http://testserver/p/") and code in text
    path = urlsplit(code).path
    match = resolve(path)
    assert match.func is public_grid and match.kwargs == {"token": grid_a1.public_token}
    assert "CJK" in fonts and "Noto" in fonts
    for m in world["members"]:
        assert m.id_number not in text and m.id_number[-6:] not in text
    # Archived as issued: same bytes, their SHA-256, who and what for.
    doc = IssuedDocument.objects.get()
    assert doc.sha256 == hashlib.sha256(pdf).hexdigest() and doc.issued_by == sec_a and doc.purpose.endswith("公示上墙")
    assert doc.file.read() == pdf
    # The QR target works for residents without logging in, and it is this grid's page.
    client.logout()
    public = client.get(path)
    assert public.status_code == 200 and "<h1>金城村第一网格</h1>" in public.text
    assert "王䶮" in public.text and "社会治安巡逻岗" in public.text


def test_commitment_letter_is_one_a4_page_with_signature_lines(client, sec_a, world, tmp_path):
    client.force_login(sec_a)
    a = world["assignments"][0]
    pdf = b"".join(client.post(reverse("commitments:print-letter", args=[a.pk]), follow=True).streaming_content)
    text, info, _ = pdf_text(pdf, tmp_path)
    flat = text
    assert page_size(info) == A4 and page_count(info) == 1
    for words in ("设岗定责承诺书", "王䶮", "社会治安巡逻岗", "承诺人（签字）", "第一网格党支部书记（签字）"):
        assert words in flat, words
    assert "盖章" not in flat  # the seal is pressed where nothing is printed (GB/T 9704)
    assert "—1—" not in flat  # a one-page document carries no page number (PRINTING.md)
    duties = [  # 社会治安巡逻岗's three duties in the town's plan, numbered in order on the letter
        "1.不定期巡逻，做好夜间巡逻，防止违法犯罪行为发生。",
        "2.细致巡查网格内的各类安全隐患，发现问题及时上报。",
        "3.认真了解、登记网格内发生的社会治安案件，及时向村或派出所报告，并支持配合案件的侦查。",
    ]
    assert all(duty in flat for duty in duties), flat
    assert flat.index(duties[0]) < flat.index(duties[1]) < flat.index(duties[2])
    assert a.member.id_number not in flat and a.member.phone not in flat


def test_notice_and_post_list(client, sec_a, grid_a1, world, tmp_path):
    client.force_login(sec_a)
    pdf = b"".join(
        client.post(reverse("commitments:print-grid", args=[grid_a1.pk, "notice"]), follow=True).streaming_content
    )
    text = pdf_text(pdf, tmp_path)[0]
    assert "无职党员拟上岗人选的公示" in text and "2026年11月1日至2026年11月7日" in text and "0515-88881234" in text
    pdf = b"".join(
        client.post(reverse("commitments:print-grid", args=[grid_a1.pk, "post_list"]), follow=True).streaming_content
    )
    text = pdf_text(pdf, tmp_path)[0]
    assert "设岗定责岗位公告" in text and "社会治安巡逻岗" in text
    assert "—1—" not in text  # one page: no number (test_typesetting numbers the longer ones)


def test_long_duties_and_names_still_print(client, sec_a, grid_a1, world, tmp_path):
    post = world["post"]
    post.duties = "\n".join(f"第{i}条：" + "认真巡查网格内的安全隐患并及时上报，" * 12 for i in range(1, 9))
    post.save()
    member = world["members"][0]
    member.name = "欧阳𠈌䶮堃喆"
    member.save()
    client.force_login(sec_a)
    pdf = b"".join(
        client.post(
            reverse("commitments:print-letter", args=[world["assignments"][0].pk]), follow=True
        ).streaming_content
    )
    text, info, _ = pdf_text(pdf, tmp_path)
    assert "欧阳𠈌䶮堃喆" in text and page_count(info) >= 2 and "第8条" in text


@pytest.mark.parametrize(
    ("setup", "url_name", "message"),
    [
        ("applied", "letter", "没有要签订承诺书的岗位"),
        ("survey", "post_list", "到“申报选岗”阶段才能打印"),
        ("no_posts", "wall_sheet", "还没有党员确认上岗"),
    ],
)
def test_premature_documents_are_refused_with_a_message(
    client, sec_a, grid_a1, grid_a2, world, setup, url_name, message
):
    client.force_login(sec_a)
    if setup == "applied":
        a = world["assignments"][0]
        Assignment.objects.filter(pk=a.pk).update(status=Status.APPLIED)
        response = client.post(reverse("commitments:print-letter", args=[a.pk]), follow=True)
    elif setup == "survey":
        Round.objects.filter(pk=world["round"].pk).update(stage=Stage.SURVEY)
        response = client.post(reverse("commitments:print-grid", args=[grid_a1.pk, url_name]), follow=True)
    else:
        response = client.post(reverse("commitments:print-grid", args=[grid_a2.pk, url_name]), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert any(message in str(m) for m in response.context["messages"])
    assert not IssuedDocument.objects.exists()


def test_village_batch_of_letters(client, sec_a, grid_a1, world, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued when the request commits
        response = client.post(reverse("commitments:batch-create"), {"kind": "letter", "village": grid_a1.village_id})
    batch = PrintBatch.objects.get()
    assert response.url == reverse("commitments:batch", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and (batch.pages_done, batch.pages_total) == (2, 2)
    partial = client.get(response.url, headers={"HX-Request": "true"})
    assert "下载PDF" in partial.text and "hx-trigger" not in partial.text  # polling stops when done
    pdf = b"".join(client.get(reverse("commitments:document", args=[batch.document_id])).streaming_content)
    text, info, _ = pdf_text(pdf, tmp_path)
    assert page_count(info) == 2 and "王䶮" in text and "张𠈌" in text
    assert "—2—" not in text  # no letter of a batch is numbered as page 2 of something


def test_batch_in_several_parts_is_one_pdf_in_order(
    monkeypatch, client, sec_a, grid_a1, world, tmp_path, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "PART_KEYS", 1)  # one letter per part: the parts are joined
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commitments:batch-create"), {"kind": "letter", "village": grid_a1.village_id})
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.parts.count() == 2
    pdf = batch.document.file.read()
    assert batch.document.size == len(pdf) and batch.document.sha256 == hashlib.sha256(pdf).hexdigest()
    text, info, _ = pdf_text(pdf, tmp_path)
    assert page_count(info) == batch.document.pages == 2
    first, second = (a.member.name for a in sorted(world["assignments"], key=lambda a: a.pk))
    assert text.index(first) < text.index(second)
    parts = BatchPart.objects.all()
    assert not any(p.file.storage.exists(p.file.name) for p in parts)  # only the archive keeps the PDF


def test_failed_batch_says_why_and_can_be_retried(client, sec_a, grid_a1, world, django_capture_on_commit_callbacks):
    Assignment.objects.update(status=Status.NOTICED)  # nobody on post yet: no wall sheet to print
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commitments:batch-create"), {"kind": "wall_sheet", "village": grid_a1.village_id})
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and "还没有党员确认上岗" in batch.error
    assert "重新生成" in client.get(reverse("commitments:batch", args=[batch.pk])).text
    Assignment.objects.update(status=Status.ON_POST)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commitments:batch-retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.document.pages == 1


def test_printing_is_scoped(client, sec_b, grid_a1, world):
    client.force_login(sec_b)
    assert client.post(reverse("commitments:print-grid", args=[grid_a1.pk, "wall_sheet"])).status_code == 404
    assert client.post(reverse("commitments:print-letter", args=[world["assignments"][0].pk])).status_code == 404
    response = client.post(reverse("commitments:batch-create"), {"kind": "letter", "village": grid_a1.village_id})
    assert response.status_code == 404 and not PrintBatch.objects.exists()


def test_printing_twice_keeps_both_archived_files(client, sec_a, grid_a1, world):
    client.force_login(sec_a)
    url = reverse("commitments:print-grid", args=[grid_a1.pk, "wall_sheet"])
    first = b"".join(client.post(url, follow=True).streaming_content)
    second = b"".join(client.post(url, follow=True).streaming_content)
    docs = list(IssuedDocument.objects.order_by("pk"))
    assert len(docs) == 2 and docs[0].file.name != docs[1].file.name
    assert docs[0].file.read() == first and docs[1].file.read() == second
    listing = client.get(reverse("commitments:documents")).text
    assert listing.count("金城村第一网格网格公示牌") == 2


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "letter", "village": "abc"},
        {"kind": "letter", "town": "x"},
        {"kind": "letter"},
        {"kind": "secret", "village": "1"},
    ],
)
def test_malformed_batch_requests_are_404_not_500(client, sec_a, village_a, data):
    client.force_login(sec_a)
    assert client.post(reverse("commitments:batch-create"), data).status_code == 404
    assert not PrintBatch.objects.exists()
