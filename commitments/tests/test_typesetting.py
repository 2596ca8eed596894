# ruff: noqa: F811  (test functions take the imported `world` fixture as an argument)
"""Printed documents as a reader expects them (GB/T 9704, PRINTING.md): each document numbers its own pages and a
one-page document none, nothing printed where the seal goes, the signature never alone on a page, no character
alone on a line in names and headings, the body in 仿宋 with Noto CJK for rare characters."""

import io
import re
from itertools import pairwise

import pytest
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.formatting_structure import boxes

from commitments import documents, pdf, services
from commitments.models import PrintBatch
from commitments.tests.test_printing import world  # noqa: F401  (village A at 群众定岗, two members on one post)
from conftest import log_in
from grids.models import Grid
from posts.models import Assignment, Notice, Post, PostType, Round, Source, Stage, Status

pytestmark = pytest.mark.django_db

PAGE_NUMBER = re.compile(r"—(\d+)—")


def pages_of(data):
    """Per page of a PDF: its text without whitespace, its page number ("— 3 —") or None, and whether that number
    stands in the right half of the page."""
    result = []
    for page in PdfReader(io.BytesIO(data)).pages:
        dashes = []  # where the dashes around a page number are drawn (Chromium draws the digits apart)

        def visit(text, cm, tm, font, size, dashes=dashes):
            if "—" in text:
                dashes.append(tm[4] * cm[0] + cm[4])

        text = "".join(page.extract_text(visitor_text=visit).split())
        numbers = PAGE_NUMBER.findall(text)
        assert len(numbers) <= 1, numbers
        right = bool(dashes) and min(dashes) > float(page.mediabox.width) / 2
        result.append((text, int(numbers[0]) if numbers else None, right))
    return result


def documents_pages(first_pages):
    """How many pages each document takes, from flags telling which pages start a document."""
    starts = [i for i, first in enumerate(first_pages) if first] + [len(first_pages)]
    return [end - start for start, end in pairwise(starts)]


def expected_numbers(counts):
    """The page numbers a reader expects on documents of these page counts: 1… within a document that runs over
    one page, none on a one-page document."""
    return [number for n in counts for number in ([None] if n == 1 else range(1, n + 1))]


def run_batch(client, user, kind, village, capture):
    client.force_login(user)
    with capture(execute=True):
        client.post(reverse("commitments:batch-create"), {"kind": kind, "village": village.pk})
    batch = PrintBatch.objects.get()
    assert batch.status == "done", batch.error
    return batch.document.file.read()


@pytest.fixture
def post_lists(grid_a1, grid_a2, make_member):
    """Village A at 申报选岗 with three grids: eight posts in the first (a list over several pages), one in the
    second (one page), five in the third (two pages)."""
    round = Round.objects.create(village=grid_a1.village, year=2026)
    Round.objects.filter(pk=round.pk).update(stage=Stage.APPLICATION)  # set-up only
    grid_a3 = Grid.objects.create(village=grid_a1.village, number=3, name="第三网格")
    t = PostType.objects.get(name="社会治安巡逻岗", town=grid_a1.village.town_id)
    for grid, count in ((grid_a1, 8), (grid_a2, 1), (grid_a3, 5)):
        for i in range(count):
            name = f"{t.name}（{i + 1}）"
            Post.objects.create(grid=grid, post_type=t, name=name, places=1 + i % 2, duties=t.duties, reason="需要")
    return [grid_a1, grid_a2, grid_a3]


@pytest.mark.parametrize("part_size", [50, 1], ids=["one render", "a part per grid, joined"])
def test_each_post_list_of_a_batch_numbers_its_own_pages(
    part_size, monkeypatch, client, sec_a, post_lists, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "PART_KEYS", part_size)
    data = run_batch(client, sec_a, "post_list", post_lists[0].village, django_capture_on_commit_callbacks)
    pages = pages_of(data)
    counts = documents_pages([text.startswith("金城村第") for text, _, _ in pages])
    assert counts[0] >= 3 and counts[1] == 1 and counts[2] >= 2, counts  # the set-up covers what is checked
    assert [number for _, number, _ in pages] == expected_numbers(counts)
    # Odd pages carry their number on the right, even pages on the left (GB/T 9704 7.5).
    assert all(right == (number % 2 == 1) for _, number, right in pages if number)


@pytest.mark.parametrize("part_size", [50, 1], ids=["one render", "a part per grid, joined"])
def test_a_batch_has_a_bookmark_to_each_grid_document(
    part_size, monkeypatch, client, sec_a, post_lists, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "PART_KEYS", part_size)
    data = run_batch(client, sec_a, "post_list", post_lists[0].village, django_capture_on_commit_callbacks)
    reader = PdfReader(io.BytesIO(data))
    starts = [i for i, (text, _, _) in enumerate(pages_of(data)) if text.startswith("金城村第")]
    bookmarks = [(b.title, reader.get_destination_page_number(b)) for b in reader.outline if not isinstance(b, list)]
    titles = [f"金城村{g.name}无职党员设岗定责岗位公告" for g in post_lists]
    assert bookmarks == list(zip(titles, starts, strict=True))


@pytest.mark.parametrize("part_size", [50, 1], ids=["one render", "a part per letter, joined"])
def test_letters_of_a_batch_count_their_pages_each(
    part_size,
    monkeypatch,
    client,
    sec_a,
    grid_a1,
    world,
    django_capture_on_commit_callbacks,
):
    post = world["post"]  # both members' post: duties long enough for a letter of two pages each
    post.duties = "\n".join(f"第{i}条：" + "认真巡查网格内的安全隐患并及时上报，" * 6 for i in range(1, 8))
    post.save()
    monkeypatch.setattr(services, "PART_KEYS", part_size)
    pages = pages_of(run_batch(client, sec_a, "letter", grid_a1.village, django_capture_on_commit_callbacks))
    counts = documents_pages([text.startswith("设岗定责承诺书") for text, _, _ in pages])
    assert len(counts) == 2 and counts[0] == counts[1] > 1, counts
    assert [number for _, number, _ in pages] == expected_numbers(counts)  # 1, 2, 1, 2: not 3, 4 for the second


def test_one_page_letters_carry_no_number(client, sec_a, grid_a1, world, django_capture_on_commit_callbacks):
    pages = pages_of(run_batch(client, sec_a, "letter", grid_a1.village, django_capture_on_commit_callbacks))
    assert [number for _, number, _ in pages] == [None, None]


def stroke_colours_and_dashes(data):
    """Every stroke colour and dash pattern set on the pages of a PDF."""
    colours, dashes = set(), []
    for page in PdfReader(io.BytesIO(data)).pages:
        for operands, operator in page.get_contents().operations:
            if operator in (b"RG", b"G", b"K", b"SC", b"SCN"):
                colours.add(tuple(round(float(v), 3) for v in operands))
            elif operator == b"d" and list(operands[0]):
                dashes.append(operands)
    return colours, dashes


@pytest.mark.parametrize("kind", ["notice", "post_list", "letter"])
def test_nothing_prints_where_the_seal_goes(kind, client, sec_a, grid_a1, world):
    client.force_login(sec_a)
    if kind == "letter":
        url = reverse("commitments:print-letter", args=[world["assignments"][0].pk])
    else:
        url = reverse("commitments:print-grid", args=[grid_a1.pk, kind])
    data = b"".join(client.post(url, follow=True).streaming_content)
    [(text, _, _)] = pages_of(data)
    assert "盖章" not in text and "第一网格党支部" in text
    colours, dashes = stroke_colours_and_dashes(data)
    assert not dashes  # no dashed circle
    assert colours <= {(0.0,), (0.0, 0.0, 0.0)}  # lines in black only: table rules and signature lines, no grey


def test_the_notice_signature_stays_with_the_end_of_the_text(grid_a1, world, make_member, sec_a):
    round, post = world["round"], world["post"]
    sections, tails = [], []
    for count in range(2, 12):  # from well within page 1 to well over it, past where the signature no longer fits
        member = make_member(grid_a1, name=f"党员{count}")
        a = Assignment.objects.create(
            round=round, post=post, member=member, source=Source.SELF, reason="愿意", created_by=sec_a
        )
        Assignment.objects.filter(pk=a.pk).update(status=Status.NOTICED)
        section = documents.notice(grid_a1)
        sections.append(section)
        # The last paragraph's last characters, from the HTML (whatever the notice's wording).
        last = re.findall(r"<p>(.*?)</p>", section, re.S)[-1]
        tails.append("".join(re.sub(r"<[^>]+>", "", last).split())[-8:])
    assert Notice.objects.count() == 1
    data, _ = pdf.render_pdf(sections, "公示")
    pages = pages_of(data)
    starts = [i for i, (text, _, _) in enumerate(pages) if text.startswith("关于金城村第一网格")]
    assert len(starts) == len(sections)
    lasts = [start - 1 for start in starts[1:]] + [len(pages) - 1]
    assert any(last > start for start, last in zip(starts, lasts, strict=True))  # some run over to page 2
    for last, tail in zip(lasts, tails, strict=True):
        text = pages[last][0]
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日$", text) or PAGE_NUMBER.search(text), text  # the issuer's date
        assert tail in text, f"signature without the end of the text: {text}"


def line_texts(box):
    """The text of each line box under a layout box."""
    if isinstance(box, boxes.LineBox):
        text = "".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox))
        return ["".join(text.replace("\u200b", "").split())]
    return [line for child in getattr(box, "children", []) for line in line_texts(child)]


def cells(document, tag, column):
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableCellBox) and box.element_tag == tag and box.grid_x == column:
                yield box


def test_post_names_and_headings_keep_their_characters_together(grid_a1, world):
    post = world["post"]
    names = ["社会治安巡逻示范岗", "尊老爱幼示范岗", "邻里和睦岗"]
    for name in names:
        Post.objects.create(grid=grid_a1, post_type=post.post_type, name=name, duties=post.duties, reason="需要")
    document = pdf.lay_out([documents.post_list(grid_a1)], "岗位公告")
    printed = [line_texts(cell) for cell in cells(document, "td", 1)]  # the narrow 岗位名称 column
    assert ["".join(lines) for lines in printed] == ["社会治安巡逻岗", *names]
    assert any(len(lines) > 1 for lines in printed)  # the column is narrow enough to wrap
    for lines in printed:
        assert all(len(line) > 1 for line in lines), lines  # never "社会治安巡逻/岗"
    headers = [line_texts(cell) for cell in cells(document, "th", 0)]
    assert headers and all(lines == ["序号"] for lines in headers)  # not "序/号"
    title = next(b for b in document.pages[0]._page_box.descendants() if getattr(b, "element_tag", "") == "h1")
    assert all(len(line) > 1 for line in line_texts(title))


def fonts_drawing(data, char):
    """BaseFont names of the fonts in a PDF whose glyphs stand for `char` (read from their ToUnicode maps)."""
    code = f"<{ord(char):04X}>" if ord(char) <= 0xFFFF else None
    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1").upper()
            if code and code in cmap or code is None and char.encode("utf-16-be").hex().upper() in cmap:
                found.add(str(font["/BaseFont"]))
    return found


def test_body_in_fangsong_with_rare_characters_from_noto(client, sec_a, world):
    client.force_login(sec_a)
    a = world["assignments"][0]  # 王䶮
    data = b"".join(client.post(reverse("commitments:print-letter", args=[a.pk]), follow=True).streaming_content)
    body = fonts_drawing(data, "诺")  # 本人承诺: body text
    assert any("FandolFang" in name for name in body), f"正文应为仿宋（FandolFang，make fonts 安装）：{body}"
    rare = fonts_drawing(data, "䶮")  # not in GB 2312, so not in FandolFang
    assert rare and all("Noto" in name for name in rare), rare


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the other browser tests (live_server)
def test_survey_printed_from_the_browser_numbers_its_pages(live_server, page, sec_a, grid_a1, make_member, tmp_path):
    for i in range(30):  # a village's survey over several landscape pages
        make_member(grid_a1, name=f"党员{i}")
    for number in range(2, 12):
        Grid.objects.create(village=grid_a1.village, number=number, name=f"第{number}网格")
    log_in(page, live_server, sec_a)
    page.goto(live_server.url + reverse("members:village-survey", args=[grid_a1.village_id]))
    pages = pages_of(page.pdf(prefer_css_page_size=True))  # what 打印 gives on paper
    assert len(pages) > 1
    assert [number for _, number, _ in pages] == list(range(1, len(pages) + 1))
    assert [right for _, _, right in pages] == [n % 2 == 1 for n in range(1, len(pages) + 1)]


def classes(box):
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def test_the_letter_signatures_end_at_the_right_of_the_text_under_its_last_paragraph(world):
    document = pdf.lay_out([documents.letter(Assignment.objects.get(pk=world["assignments"][0].pk))], "承诺书")
    assert len(document.pages) == 1
    page = document.pages[0]._page_box
    body = next(b for b in page.descendants() if getattr(b, "element_tag", "") == "section")
    block = next(b for b in page.descendants() if "signatures" in classes(b))
    lines = [line for p in block.children for line in p.children if isinstance(line, boxes.LineBox)]
    signed = ["承诺人（签字）：", "第一网格党支部书记（签字）：", "日期：年月日"]
    assert [line_texts(line)[0] for line in lines] == signed
    text_right = body.content_box_x() + body.width
    for line in lines:  # each line's last box (the line to sign on, or 日) ends at the text's right edge
        last = line.children[-1]
        assert abs(last.position_x + last.margin_width() - text_right) < 1, line_texts(line)
    signing = [b for line in lines[:2] for b in line.descendants() if "sign-line" in classes(b)]
    assert len(signing) == 2 and all(b.padding_left > 100 and b.border_bottom_width > 0 for b in signing)
    paragraphs = [b for b in body.children if getattr(b, "element_tag", "") == "p"]
    assert block.position_y > paragraphs[-1].position_y + paragraphs[-1].margin_height() - 1
