"""Star ratings through the pages: a round proposed from the points, the steps strictly in order, the notice's
length, objections answered before 授牌, the branch's adjustments with a reason, a star lowered after 授牌, scope."""

import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from posts import points
from posts.models import DutyKind, PointTerms, StarObjection, StarRating, StarRecord, StarRound, StarStep
from posts.models.duty import create_record

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2027, 1, 20))]
Y = 2026


def d(month, day, year=2027):
    return datetime.date(year, month, day).isoformat()


@pytest.fixture
def scored(on_post, town, sec_a, flow, round_a):
    """Village A's two members on post with a year of points: 第一网格's member well above the (low) five-star line."""
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    PointTerms.objects.create(town=town, five_star=60, four_star=55, three_star=50)
    a = on_post[1]
    flow.train(round_a, attendees=[a.member_id])
    kind = DutyKind.objects.get(town=None, name="巡逻")
    for _ in range(8):
        create_record(a, sec_a, False, done_on=datetime.date(Y, 12, 10), kind=kind, content="巡逻").verify(by=sec_a)
    return on_post


def open_round(client, grid, year=Y):
    return client.post(reverse("posts:star-round-create", args=[grid.pk]), {"year": year}, follow=True)


def step(client, star_round, name, **data):
    data.setdefault("held_on", d(1, 5))
    data.setdefault("meeting", "会议")
    data.setdefault("note", "")
    return client.post(reverse("posts:star-step", args=[star_round.pk, name]), data, follow=True)


def text(response):
    return response.content.decode()


def to_assembly(client, r):
    for name, day in (("group", d(1, 3)), ("branch", d(1, 4)), ("general", d(1, 5)), ("assembly", d(1, 6))):
        assert step(client, r, name, held_on=day).status_code == 200
    r.refresh_from_db()
    assert r.step == StarStep.ASSEMBLY


def to_notice(client, r, starts="2027-01-07", ends="2027-01-11"):
    to_assembly(client, r)
    step(client, r, "notice", starts_on=starts, ends_on=ends, meeting="村党务公开栏")
    r.refresh_from_db()
    assert r.step == StarStep.NOTICE


@pytest.fixture
def opened(client, login, sec_a, scored, grid_a1):
    login(sec_a)
    page = open_round(client, grid_a1)
    assert "已发起2026年度星级评定" in text(page)
    return StarRound.objects.get(grid=grid_a1, year=Y)


def test_round_proposes_stars_from_the_year_points(client, opened, scored, town):
    a = scored[1]
    rating = StarRating.objects.get(star_round=opened, assignment=a)
    total = points.totals([a.pk], Y)[a.pk]["year"]
    assert rating.total == total >= 60
    assert rating.proposed == rating.stars == 5
    page = client.get(opened.get_absolute_url())
    body = text(page)
    assert a.member.name in body and str(total) in body and "五星" in body
    assert "党小组初评" in body and "张榜公示不少于5天" in body
    # a second round for the same grid and year is refused
    again = open_round(client, a.post.grid)
    assert "2026年度的星级评定已经发起，不能重复发起" in text(again)
    assert StarRound.objects.filter(grid=a.post.grid).count() == 1


def test_steps_in_order_and_out_of_order_refused_naming_what_is_missing(client, opened):
    page = step(client, opened, "branch")
    assert "还没有进行党小组初评" in text(page)
    page = step(client, opened, "assembly")
    body = text(page)
    assert "还没有进行党小组初评" in body and "还没有进行支部初定" in body and "还没有进行总支核查" in body
    opened.refresh_from_db()
    assert opened.step == StarStep.PROPOSED and not StarRecord.objects.exists()
    step(client, opened, "group", held_on=d(1, 3))
    # a double click records the step once and never skips the next one
    again = step(client, opened, "group", held_on=d(1, 3))
    assert "不用再记录" in text(again)
    opened.refresh_from_db()
    assert opened.step == StarStep.GROUP
    assert list(StarRecord.objects.values_list("step", flat=True)) == ["group"]
    # a date before the step before it, or in the future, is refused
    assert "日期不能早于上一步骤" in text(step(client, opened, "branch", held_on=d(1, 2)))
    assert "日期不能晚于今天" in text(step(client, opened, "branch", held_on=d(2, 2)))
    assert "已记录“支部初定”" in text(step(client, opened, "branch", held_on=d(1, 4)))
    assert opened.history.count() >= 3  # every step in the round's history


def test_notice_must_run_its_days(client, opened):
    to_assembly(client, opened)
    page = step(client, opened, "notice", starts_on=d(1, 7), ends_on=d(1, 10))
    assert "公示期不能少于5天（现在是4天）" in text(page)
    opened.refresh_from_db()
    assert opened.step == StarStep.ASSEMBLY
    step(client, opened, "notice", starts_on=d(1, 7), ends_on=d(1, 11))
    opened.refresh_from_db()
    assert (opened.step, opened.notice_starts_on, opened.notice_ends_on) == (
        StarStep.NOTICE,
        datetime.date(2027, 1, 7),
        datetime.date(2027, 1, 11),
    )


def test_town_sets_a_longer_notice(client, opened, town):
    PointTerms.objects.filter(town=town).update(notice_days=7)
    to_assembly(client, opened)
    assert "公示期不能少于7天" in text(step(client, opened, "notice", starts_on=d(1, 7), ends_on=d(1, 11)))


@pytest.mark.time_machine(datetime.datetime(2027, 1, 9, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
def test_award_waits_for_the_notice_to_end(client, opened):
    to_notice(client, opened)
    page = step(client, opened, "awarded", held_on=d(1, 9))
    assert "公示期到2027年1月11日结束，期满后才能授牌" in text(page)
    opened.refresh_from_db()
    assert opened.step == StarStep.NOTICE


def test_objections_block_award_until_answered(client, opened, scored):
    to_notice(client, opened)
    rating = StarRating.objects.get(star_round=opened, assignment=scored[1])
    url = reverse("posts:star-objection-create", args=[opened.pk])
    # outside the notice period: refused
    page = client.post(url, {"rating": rating.pk, "raised_by": "居民", "raised_on": d(1, 12), "content": "不同意"})
    assert "只能登记公示期内提出的异议" in text(page)
    client.post(url, {"rating": rating.pk, "raised_by": "张大爷", "raised_on": d(1, 8), "content": "很少见他巡逻"})
    objection = StarObjection.objects.get()
    page = step(client, opened, "awarded", held_on=d(1, 15))
    assert "还有1条异议没有答复（张大爷），答复后才能授牌" in text(page)
    opened.refresh_from_db()
    assert opened.step == StarStep.NOTICE
    answer_url = reverse("posts:star-objection-answer", args=[objection.pk])
    assert "必填" in text(client.post(answer_url, {"answer": " ", "answered_on": d(1, 12)}, follow=True))
    assert "答复日期不能早于异议提出日期" in text(
        client.post(answer_url, {"answer": "已核实", "answered_on": d(1, 7)}, follow=True)
    )
    client.post(answer_url, {"answer": "经核实，该同志每周巡逻两次，有台账为证。", "answered_on": d(1, 12)})
    objection.refresh_from_db()
    assert objection.answered_on == datetime.date(2027, 1, 12) and objection.history.count() == 2
    page = step(client, opened, "awarded", held_on=d(1, 15))
    assert "已记录“授牌”" in text(page)
    opened.refresh_from_db()
    assert opened.step == StarStep.AWARDED
    body = text(client.get(opened.get_absolute_url()))
    assert "经核实，该同志每周巡逻两次" in body
    # after 授牌 no more objections
    page = client.post(url, {"raised_by": "居民", "raised_on": d(1, 10), "content": "迟到的意见"}, follow=True)
    assert "只有在张榜公示期间才能登记异议" in text(page)


def test_branch_adjusts_with_a_reason_before_the_assembly(client, opened, scored):
    rating = StarRating.objects.get(star_round=opened, assignment=scored[1])
    url = reverse("posts:star-rating-change", args=[rating.pk])
    page = client.post(url, {"stars": 4, "reason": ""}, follow=True)
    assert "这个字段是必填项" in text(page) or "必填" in text(page)
    rating.refresh_from_db()
    assert rating.stars == 5
    step(client, opened, "group", held_on=d(1, 3))
    page = client.post(url, {"stars": 4, "reason": "年内有一次群众批评经核实属实"}, follow=True)
    assert "星级已改为四星" in text(page)
    rating.refresh_from_db()
    assert (rating.proposed, rating.stars, rating.change_reason) == (5, 4, "年内有一次群众批评经核实属实")
    assert rating.history.count() == 2 and rating.history.first().history_user == opened.created_by
    body = text(client.get(opened.get_absolute_url()))
    assert "已调整" in body and "年内有一次群众批评经核实属实" in body
    for name, day in (("branch", d(1, 4)), ("general", d(1, 5)), ("assembly", d(1, 6))):
        step(client, opened, name, held_on=day)
    page = client.post(url, {"stars": 3, "reason": "再议"}, follow=True)
    assert "党员大会已经表决，星级不能再调整" in text(page)
    rating.refresh_from_db()
    assert rating.stars == 4


def award(client, r):
    to_notice(client, r)
    assert "已记录“授牌”" in text(step(client, r, "awarded", held_on=d(1, 15)))


def test_star_lowered_or_withdrawn_after_award_is_noticed(client, opened, scored):
    award(client, opened)
    rating = StarRating.objects.get(star_round=opened, assignment=scored[1])
    url = reverse("posts:star-rating-change", args=[rating.pk])
    data = {"stars": 5, "reason": "提高", "held_on": d(1, 18), "meeting": "支委会"}
    page = client.post(url, data, follow=True)
    assert rating.stars == 5 and "选择一个有效的选项" in text(page)
    page = client.post(url, {**data, "held_on": d(1, 10), "stars": 3}, follow=True)
    assert "日期不能早于授牌日期" in text(page)
    page = client.post(url, {**data, "stars": 3, "reason": "连续两个月未履职"}, follow=True)
    assert "星级已改为三星" in text(page)
    page = client.post(url, {**data, "stars": 0, "reason": "受到党内警告处分", "held_on": d(1, 19)}, follow=True)
    rating.refresh_from_db()
    assert rating.stars == 0 and rating.change_reason == "受到党内警告处分"
    body = text(client.get(opened.get_absolute_url()))
    assert "由五星降为三星。理由：连续两个月未履职" in body
    assert "撤销星级。理由：受到党内警告处分" in body
    notes = list(StarRecord.objects.filter(step=StarStep.AWARDED).values_list("note", flat=True))
    assert notes[1:] == [f"{rating.assignment.member.name}由五星降为三星：连续两个月未履职",
                         f"{rating.assignment.member.name}撤销星级：受到党内警告处分"]  # fmt: skip


def test_scope_other_grid_and_village_404_town_reads(client, login, opened, sec_b, grid_user, town_user, grid_a2):
    url = opened.get_absolute_url()
    rating = opened.ratings.first()
    edits = [
        reverse("posts:star-step", args=[opened.pk, "group"]),
        reverse("posts:star-rating-change", args=[rating.pk]),
        reverse("posts:star-objection-create", args=[opened.pk]),
    ]
    login(sec_b)
    assert client.get(url).status_code == 404
    assert all(client.get(u).status_code == 404 for u in edits)
    assert client.post(reverse("posts:star-round-create", args=[grid_a2.pk]), {"year": Y}).status_code == 404
    login(town_user)
    page = client.get(url)
    assert page.status_code == 200 and "记录党小组初评" not in text(page)
    assert all(client.get(u).status_code == 404 for u in edits)
    assert client.post(edits[0], {"held_on": d(1, 3)}).status_code == 404
    login(grid_user)  # 第一网格's own secretary records; 第二网格's round is not theirs
    assert client.get(url).status_code == 200
    assert "已记录“党小组初评”" in text(step(client, opened, "group", held_on=d(1, 3)))
    assert client.get(reverse("posts:star-round-create", args=[grid_a2.pk])).status_code == 404


def test_public_page_shows_the_stars_once_on_notice(client, opened, scored, grid_a1):
    public = reverse("posts:public-grid", args=[grid_a1.public_token])
    name = scored[1].member.name
    client.logout()
    assert "年度星级党员" not in text(client.get(public))
    client.force_login(opened.created_by)
    to_notice(client, opened)
    client.logout()
    body = text(client.get(public))
    assert "2026年度星级党员（公示中）" in body and name in body and "★★★★★" in body
