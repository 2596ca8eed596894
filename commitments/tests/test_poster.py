"""The wall sheet (网格公示牌) is a poster: one A3 portrait page for a grid of one post or of twelve, every post on
it (vacant places marked), names large enough to read from two metres, the grid secretary, the supervision phone
and a QR code that opens the grid's public page."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from commitments import documents
from commitments.tests.test_printing import pdf_text, qr_codes_on_page
from posts.models import Assignment, Notice, Post, PostType, Round, Source, Stage, Status

pytestmark = pytest.mark.django_db

A3_PORTRAIT_MM = (297, 420)
PX_PER_PT = 96 / 72  # WeasyPrint lays out in CSS pixels
LONG_NAME = "阿卜杜热合曼·买买提艾力"
RARE_NAME = "欧阳𬌗"


@pytest.fixture
def confirmed(grid_a1, sec_a):
    """Village A at 群众定岗, with the notice whose phone is the grid's supervision phone."""
    round = Round.objects.create(village=grid_a1.village, year=2026)
    Round.objects.filter(pk=round.pk).update(stage=Stage.CONFIRMATION)  # set-up only; pages never set stages
    round.refresh_from_db()
    Notice.objects.create(
        round=round,
        grid=grid_a1,
        starts_on="2026-11-01",
        ends_on="2026-11-07",
        phone="0515-86661234",
        place="村党务公开栏",
        published_by=sec_a,
    )
    return round


@pytest.fixture
def add_post(grid_a1, sec_a, make_member, confirmed):
    """A post of grid A1 with `places` places and these members on it (names), in type order after the others."""
    types = list(PostType.objects.filter(town=grid_a1.village.town_id).order_by("order"))

    def add(name, places, names=()):
        # A post named as a suggested type is of that type, with its duties; others take the types in turn.
        post_type = next((t for t in types if t.name == name), types[Post.objects.count() % len(types)])
        post = Post.objects.create(
            grid=grid_a1, post_type=post_type, name=name, places=places, duties=post_type.duties, reason="需要"
        )
        for member_name in names:
            a = Assignment.objects.create(
                round=confirmed,
                post=post,
                member=make_member(grid_a1, name=member_name),
                source=Source.SELF,
                reason="愿意",
                created_by=sec_a,
            )
            Assignment.objects.filter(pk=a.pk).update(status=Status.ON_POST)
        return post

    return add


@pytest.fixture
def small(add_post):
    """One post of two places, one of them held by a member with a rare character in the name."""
    return [add_post("社会治安巡逻岗", 2, [RARE_NAME])]


@pytest.fixture
def large(add_post):
    """Twelve posts of two places: eleven full (rare characters among the names), one nobody holds yet."""
    names = iter(
        [RARE_NAME, "王䶮", "张𠈌", "李堃", "赵喆", "欧阳𬌗明"]
        + [f"{surname}{given}" for surname in "陈周吴郑孙钱冯褚" for given in ("德福", "秀兰")]
    )
    posts = [add_post(f"第{n}号网格服务岗", 2, [next(names), next(names)]) for n in range(1, 12)]
    posts.append(add_post("第12号网格服务岗", 2))
    return posts


@pytest.fixture
def long_names(large, add_post):
    """The twelve posts and a thirteenth whose long name cannot share a line with another at the sheet's size."""
    return [*large, add_post("矛盾纠纷调解岗", 3, [LONG_NAME, "司马德福"])]


@pytest.fixture
def too_many(add_post):
    """Thirty posts with long names, three long-named members each: more than one sheet can hold at 16 pt."""
    return [
        add_post(f"第{n}号岗位名称比较长的综合服务岗", 3, [f"{LONG_NAME}{n}", f"欧阳{n}𬌗明", f"司马{n}德福"])
        for n in range(1, 31)
    ]


def wall_sheet_pdf(client, grid):
    client.force_login(grid.village.secretary)
    response = client.post(reverse("commitments:print-grid", args=[grid.pk, "wall_sheet"]), follow=True)
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def page_box(grid):
    """The laid-out page of the grid's wall sheet, as WeasyPrint's boxes."""
    from weasyprint import CSS, HTML

    from commitments.pdf import STYLESHEET

    html = f"<!doctype html><html><body>{documents.wall_sheet(grid)}</body></html>"
    document = HTML(string=html).render(stylesheets=[CSS(filename=str(STYLESHEET))])
    assert len(document.pages) == 1
    return document.pages[0]._page_box


def boxes_with_class(box, name, seen=None):
    """The outermost box of each element of this class (its line and text boxes share the element)."""
    seen = set() if seen is None else seen
    element = box.element
    if element is not None and name in element.get("class", "").split() and id(element) not in seen:
        seen.add(id(element))
        yield box
    for child in getattr(box, "children", []):
        yield from boxes_with_class(child, name, seen)


def border_box(box):
    x, y = box.border_box_x(), box.border_box_y()
    return x, y, x + box.border_width(), y + box.border_height()


def descendants(box):
    for child in getattr(box, "children", []):
        yield child
        yield from descendants(child)


def members_on_sheet(posts):
    return [a.member.name for p in posts for a in p.assignments.all()]


@pytest.mark.parametrize("world", ["small", "large", "long_names"])
def test_one_a3_portrait_page_with_every_post_member_secretary_and_phone(client, grid_a1, world, request, tmp_path):
    posts = request.getfixturevalue(world)
    pdf = wall_sheet_pdf(client, grid_a1)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == A3_PORTRAIT_MM
    text, _, _ = pdf_text(pdf, tmp_path)
    assert "金城村第一网格党员设岗定责公示牌" in text
    for post in posts:
        assert post.name in text, post.name
    names = members_on_sheet(posts)
    assert names
    for name in names:
        assert name in text, name
    assert "网格党支部书记张志强" in text and "监督电话0515-86661234" in text
    assert "中共金城村总支部委员会" in text


def test_unfilled_places_are_shown_as_vacant_and_empty_posts_as_pending(client, grid_a1, long_names, tmp_path):
    text, _, _ = pdf_text(wall_sheet_pdf(client, grid_a1), tmp_path)
    assert "第12号网格服务岗职数2名待定" in text  # nobody on it yet
    assert f"矛盾纠纷调解岗职数3名{LONG_NAME}司马德福空缺" in text  # two of three places held
    assert f"第1号网格服务岗职数2名{RARE_NAME}王䶮第" in text  # a full post shows no vacancy


def test_small_grid_shows_duties_and_vacancy(client, grid_a1, small, tmp_path):
    text, _, _ = pdf_text(wall_sheet_pdf(client, grid_a1), tmp_path)
    assert f"{RARE_NAME}空缺" in text and "1.不定期巡逻" in text


@pytest.mark.parametrize("world", ["small", "large"])
def test_qr_code_opens_the_public_page(client, grid_a1, world, request, tmp_path):
    request.getfixturevalue(world)
    pdf = wall_sheet_pdf(client, grid_a1)
    assert qr_codes_on_page(pdf, tmp_path) == [documents.public_url(grid_a1, "http://testserver")]  # the address in use
    text, _, _ = pdf_text(pdf, tmp_path)
    assert "扫码：查看本网格岗位、提出意见建议、评价党员履职" in text


@pytest.mark.parametrize(("world", "at_least_pt"), [("small", 72), ("large", 28), ("long_names", 16)])
def test_names_are_large_and_every_card_holds_its_text(grid_a1, world, at_least_pt, request):
    posts = request.getfixturevalue(world)
    page = page_box(grid_a1)
    names = list(boxes_with_class(page, "wall-name"))
    assert len(names) == len(members_on_sheet(posts))
    for box in names:
        assert round(box.style["font_size"] / PX_PER_PT, 2) >= at_least_pt, box.element.text
    # Nothing spills out of a card onto the next one or off the page: what each card draws stays inside it.
    cards = list(boxes_with_class(page, "wall-post"))
    assert len(cards) == len(posts)
    for card in cards:
        text = "".join(card.element.itertext())
        left, top, right, bottom = border_box(card)
        assert right <= page.margin_left + page.width + 0.5, text
        for child in descendants(card):
            x0, y0, x1, y1 = border_box(child)
            assert left - 0.5 <= x0 and x1 <= right + 0.5 and top - 0.5 <= y0 and y1 <= bottom + 0.5, text


def test_long_name_keeps_the_other_cards_large(grid_a1, long_names):
    sizes = {
        box.element.text: round(box.style["font_size"] / PX_PER_PT, 2)
        for box in boxes_with_class(page_box(grid_a1), "wall-name")
    }
    assert sizes[LONG_NAME] < sizes["王䶮"] and sizes["王䶮"] >= 28


def test_a_grid_too_large_for_one_sheet_runs_on_rather_than_overprinting(client, grid_a1, too_many, tmp_path):
    pdf = wall_sheet_pdf(client, grid_a1)
    text, info, _ = pdf_text(pdf, tmp_path)
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 1
    for name in members_on_sheet(too_many):
        assert name in text, name
    assert "监督电话0515-86661234" in text
