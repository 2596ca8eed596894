"""群众点单 and 群众评单 on the grid's public page: the form, the receipt code, the lookup by code, the rating,
what residents see of the grid's work, and the limits that stop floods and code guessing."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.models import Message
from members.models import NeedCategory
from posts.models import DutyKind, RequestKind, RequestState, ResidentRequest, Satisfaction
from posts.models.duty import create_record

pytestmark = pytest.mark.django_db


def page_url(grid):
    return reverse("posts:public-grid", args=[grid.public_token])


def ask(client, grid, **data):
    form = {
        "ask-kind": "help",
        "ask-category": "appearance",
        "ask-content": "村口垃圾堆放好几天了，请帮忙清理。",
        "ask-name": "李大妈",
        "ask-phone": "13912345678",
        **{f"ask-{k}": v for k, v in data.items()},
    }
    return client.post(reverse("posts:public-ask", args=[grid.public_token]), form)


def track(client, grid, code):
    return client.get(reverse("posts:public-track", args=[grid.public_token]), {"code": code})


def rate(client, grid, code, satisfaction, comment=""):
    url = reverse("posts:public-rate", args=[grid.public_token])
    return client.post(url, {"code": code, "satisfaction": satisfaction, "comment": comment})


def finish(req, assignment, by):
    """The member takes the request and records what was done (as posts:duty-add does)."""
    req.take(assignment, by=by)
    kind = DutyKind.objects.get(name="监督", town=None)
    record = create_record(assignment, by, False, done_on=timezone.localdate(), kind=kind, content="清理垃圾")
    req.complete(record, by=by)


def test_a_resident_asks_and_gets_a_code_to_note_down(client, on_post, grid_a1, grid_user, sec_a):
    page = client.get(page_url(grid_a1)).text
    assert "群众点单" in page and "查询我的诉求" in page and 'name="ask-content"' in page
    response = ask(client, grid_a1)
    assert response.status_code == 302
    req = ResidentRequest.objects.get()
    assert (req.grid, req.kind, req.category, req.name, req.phone) == (
        grid_a1,
        RequestKind.HELP,
        NeedCategory.APPEARANCE,
        "李大妈",
        "13912345678",
    )
    assert req.state == RequestState.NEW and req.address == "127.0.0.1"
    receipt = client.get(response.url).text
    assert f'<p class="code-big" id="code">{req.code}</p>' in receipt and "请记下查询码" in receipt
    assert "13912345678" not in receipt and "李大妈" not in receipt  # the receipt shows nothing personal
    # The grid's secretaries are told, with a link to the request.
    told = Message.objects.filter(key=f"request:{req.pk}")
    assert {m.recipient for m in told} == {grid_user, sec_a}
    assert told.first().url == reverse("posts:request", args=[req.pk])
    assert list(req.history.values_list("state", flat=True)) == ["new"]
    assert [s.action for s in req.steps.all()] == ["submit"]


def test_a_form_with_mistakes_says_what_to_fix_and_keeps_nothing(client, grid_a1):
    response = ask(client, grid_a1, content="修", phone="123")
    assert response.status_code == 200
    assert "至少5个字" in response.text and "11位手机号码" in response.text
    assert not ResidentRequest.objects.exists()


def test_a_robot_filling_the_honeypot_keeps_nothing(client, grid_a1):
    assert ask(client, grid_a1, website="http://spam").status_code == 302
    assert not ResidentRequest.objects.exists()


def test_the_code_typed_in_any_case_with_spaces_shows_that_request_only(client, on_post, grid_a1, grid_a2, sec_a):
    req = ResidentRequest.submit(grid_a1, RequestKind.WISH, NeedCategory.APPEARANCE, "希望门前装一盏路灯")
    other = ResidentRequest.submit(grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, "另一户的求助内容")
    req.dispatch_to(on_post[1], by=sec_a)
    typed = " ".join(req.code.lower()[i : i + 2] for i in range(0, 6, 2))
    page = track(client, grid_a1, typed).text
    assert "希望门前装一盏路灯" in page and "已派单" in page and on_post[1].member.name in page
    assert "群众点单" in page and "支部派单" in page  # the course
    assert other.content not in page and "请评价" not in page
    # Another grid's page does not know the code; a wrong code is said plainly.
    assert "没有找到这个查询码" in track(client, grid_a2, req.code).text
    assert "没有找到这个查询码" in track(client, grid_a1, "ZZZZZZ").text
    assert "6位字母和数字" in track(client, grid_a1, "ABC").text


def test_when_done_the_resident_rates_once(client, on_post, grid_a1, sec_a, grid_user):
    req = ResidentRequest.submit(grid_a1, RequestKind.PROBLEM, NeedCategory.APPEARANCE, "水沟堵了，下雨就漫出来")
    assert "没有办结" in rate(client, grid_a1, req.code, Satisfaction.SATISFIED).text
    finish(req, on_post[1], sec_a)
    page = track(client, grid_a1, req.code).text
    assert "请评价办理结果" in page and 'value="satisfied"' in page and 'value="unsatisfied"' in page
    response = rate(client, grid_a1, req.code.lower(), Satisfaction.UNSATISFIED, "只清了一半")
    assert response.status_code == 302 and "谢谢您的评价" in client.get(response.url).text
    req.refresh_from_db()
    assert (req.state, req.satisfaction, req.comment, req.comment_public) == (
        "confirmed",
        "unsatisfied",
        "只清了一半",
        False,
    )
    assert "已经评价过了" in rate(client, grid_a1, req.code, Satisfaction.SATISFIED).text
    req.refresh_from_db()
    assert req.satisfaction == "unsatisfied" and req.steps.filter(action="rate").count() == 1
    assert req.history.first().satisfaction == "unsatisfied"
    # Not satisfied: the grid's secretaries hear of it.
    assert Message.objects.filter(key=f"request-unsatisfied:{req.pk}", recipient=grid_user).exists()


def test_rating_without_choosing_says_so(client, on_post, grid_a1, sec_a):
    req = ResidentRequest.submit(grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, "帮忙修一下水管")
    finish(req, on_post[1], sec_a)
    response = rate(client, grid_a1, req.code, "")
    assert response.status_code == 400 and "请点下面一个按钮" in response.text
    assert ResidentRequest.objects.get().state == RequestState.DONE


def test_the_page_shows_what_members_did_and_only_approved_comments(client, on_post, grid_a1, sec_a):
    for n, (satisfaction, comment) in enumerate([("satisfied", "很及时，谢谢党员"), ("unsatisfied", "张三家不配合")]):
        req = ResidentRequest.submit(grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, f"第{n}件求助的内容")
        finish(req, on_post[1], sec_a)
        req.rate(satisfaction, comment)
    wish = {"name": "王五", "phone": "13800000000"}
    ResidentRequest.submit(grid_a1, RequestKind.WISH, NeedCategory.SECURITY, "还没办的心愿", **wish)
    page = client.get(page_url(grid_a1)).text
    summary = page[page.index('id="done-for-residents"') :]
    assert re.search(r"<b>3</b>件收到.*<b>2</b>件办结.*<b>50%</b>满意率", summary)
    assert "环境卫生、村容村貌2件" in summary
    assert "很及时" not in page and "张三家" not in page and "王五" not in page and "13800000000" not in page
    assert "第0件求助" not in page  # residents' own words stay private
    ResidentRequest.objects.get(comment="很及时，谢谢党员").approve_comment(by=sec_a)
    page = client.get(page_url(grid_a1)).text
    assert "“很及时，谢谢党员”" in page and "张三家" not in page


def test_submissions_are_limited_per_address(client, grid_a1, settings):
    settings.REQUESTS_PER_ADDRESS = 2
    assert [ask(client, grid_a1).status_code for _ in range(2)] == [302, 302]
    refused = ask(client, grid_a1)
    assert refused.status_code == 200 and "提交太频繁" in refused.text
    assert ResidentRequest.objects.count() == 2


def test_lookups_are_limited_so_codes_cannot_be_guessed(client, grid_a1, settings):
    settings.REQUEST_LOOKUPS_PER_ADDRESS = 3
    req = ResidentRequest.submit(grid_a1, RequestKind.HELP, NeedCategory.APPEARANCE, "帮忙修一下水管")
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert "没有找到" in track(client, grid_a1, guess).text
    page = track(client, grid_a1, req.code).text  # even the right code waits now
    assert "查询太频繁" in page and "帮忙修一下水管" not in page
    assert "查询太频繁" in rate(client, grid_a1, req.code, "satisfied").text
