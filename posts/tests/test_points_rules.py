"""The town's catalogue of point rules and its scale, through the pages: defaults on first visit, a rule added,
changed from a date (entries before it keep their points), ended; who may edit; the validation in Chinese."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import on_day
from posts import points
from posts.models import PointCategory, PointEntry, PointRule, PointSource, PointTerms
from posts.models.duty import create_record
from posts.models.points import DEFAULT_RULES

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 10))]
Y = 2026


def rules_url(town):
    return reverse("posts:point-rules", args=[town.pk])


def test_a_town_without_rules_gets_the_defaults_on_first_visit(client, town, town_user):
    client.force_login(town_user)
    page = client.get(rules_url(town)).content.decode()
    assert PointRule.objects.filter(town=town).count() == len(DEFAULT_RULES)
    assert set(PointRule.objects.filter(town=town).values_list("valid_from", flat=True)) == {datetime.date(Y, 1, 1)}
    assert "在岗党员基础分" in page and "此前已经记入的积分不变" in page and "增加积分规则" in page
    client.get(rules_url(town))  # a second visit adds nothing
    assert PointRule.objects.filter(town=town).count() == len(DEFAULT_RULES)


def test_the_town_page_links_to_its_rules(client, town, town_user, village_a):
    client.force_login(town_user)
    assert rules_url(town) in client.get(reverse("posts:town", args=[town.pk])).content.decode()


def test_a_village_secretary_reads_but_does_not_edit(client, town, sec_a):
    client.force_login(sec_a)
    page = client.get(rules_url(town))
    assert page.status_code == 200 and "增加积分规则" not in page.content.decode()
    rule = PointRule.objects.filter(town=town).first()
    assert client.get(reverse("posts:point-rule-add", args=[town.pk])).status_code == 404
    assert client.post(reverse("posts:point-rule-end", args=[rule.pk]), {"last_day": "2026-12-01"}).status_code == 404
    assert client.get(reverse("posts:point-terms", args=[town.pk])).status_code == 404
    assert PointRule.objects.get(pk=rule.pk).valid_to is None


def test_another_towns_user_gets_404(client, town, make_user):
    from grids.models import Town

    other = Town.objects.create(name="别的镇")
    user = make_user("other-town")
    other.committee.add(user)
    client.force_login(user)
    assert client.get(rules_url(town)).status_code == 404


def test_add_a_rule_with_clear_validation(client, town, town_user):
    client.force_login(town_user)
    url = reverse("posts:point-rule-add", args=[town.pk])
    base = {"name": "参加志愿服务", "source": PointSource.CLAIM, "valid_from": "2026-12-01", "cap_period": ""}
    page = client.post(url, {**base, "category": PointCategory.DEDUCTION, "points": "2"}).content.decode()
    assert "扣分项的分值要填负数" in page
    page = client.post(url, {**base, "category": PointCategory.BONUS, "points": "-2"}).content.decode()
    assert "要填正数" in page
    page = client.post(url, {**base, "category": PointCategory.BONUS, "points": "2", "cap": "-1"}).content.decode()
    assert "上限不能小于0" in page
    page = client.post(url, {**base, "category": PointCategory.BONUS, "points": "2", "cap": "6"}).content.decode()
    assert "请选择每季度还是每年" in page
    assert not PointRule.objects.filter(name="参加志愿服务").exists()
    response = client.post(url, {**base, "category": PointCategory.BONUS, "points": "2", "cap": "6",
                                 "cap_period": "quarter"})  # fmt: skip
    assert response.status_code == 302
    rule = PointRule.objects.get(name="参加志愿服务")
    assert rule.points == 2 and rule.cap == 6 and rule.valid_from == datetime.date(Y, 12, 1)
    assert PointRule.objects.filter(town=town).count() == len(DEFAULT_RULES) + 1  # the defaults came first


def test_change_a_rule_from_a_date_keeps_past_points(client, town, town_user, on_post, sec_a):
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    rule = PointRule.objects.get(town=town, source=PointSource.DUTY_VERIFIED)
    a = on_post[1]
    from posts.models import DutyKind

    kind = DutyKind.objects.get(town=None, name="巡逻")
    for day in (datetime.date(Y, 11, 25), datetime.date(Y, 12, 5)):
        create_record(a, sec_a, False, done_on=day, kind=kind, content="巡逻").verify(by=sec_a)
    client.force_login(town_user)
    url = reverse("posts:point-rule-change", args=[rule.pk])
    page = client.get(url).content.decode()
    assert "从哪天起按新规则计分" in page
    page = client.post(url, {"on": "2026-12-01", "name": rule.name, "points": "-1", "cap": "", "cap_period": ""})
    assert "要填正数" in page.content.decode()
    response = client.post(url, {"on": "2026-12-01", "name": rule.name, "points": "3", "cap": "15",
                                 "cap_period": "quarter"}, follow=True)  # fmt: skip
    assert "此前的积分不变" in response.content.decode()
    rule.refresh_from_db()
    assert rule.valid_to == datetime.date(Y, 11, 30)
    new = PointRule.objects.get(town=town, source=PointSource.DUTY_VERIFIED, valid_from=datetime.date(Y, 12, 1))
    assert new.points == 3
    points.recompute(today=datetime.date(Y, 12, 10))
    duty = PointEntry.objects.filter(assignment=a, rule__source=PointSource.DUTY_VERIFIED).order_by("on")
    assert [(e.on.day, e.points) for e in duty] == [(25, 2), (5, 3)]
    page = client.get(rules_url(town)).content.decode()
    assert "已停用或已修改的规则" in page and "2026年1月1日至2026年11月30日" in page  # the old one, with its dates


def test_end_a_rule(client, town, town_user):
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    rule = PointRule.objects.get(town=town, source=PointSource.PRAISE)
    client.force_login(town_user)
    url = reverse("posts:point-rule-end", args=[rule.pk])
    assert "不能早于生效日期" in client.post(url, {"last_day": "2025-12-01"}).content.decode()
    assert client.post(url, {"last_day": "2026-12-05"}).status_code == 302
    rule.refresh_from_db()
    assert rule.valid_to == datetime.date(Y, 12, 5)
    page = client.get(rules_url(town)).content.decode()
    assert "已停用或已修改的规则" in page and "2026年12月5日" in page
    assert "已于2026年12月5日停用" in client.post(url, {"last_day": "2026-12-06"}).content.decode()


def test_the_scale_of_the_town(client, town, town_user):
    client.force_login(town_user)
    url = reverse("posts:point-terms", args=[town.pk])
    data = {"duty_cap_year": "50", "bonus_cap_quarter": "20", "five_star": "80", "four_star": "85",
            "three_star": "70", "notice_days": "5"}  # fmt: skip
    assert "分数线要从高到低" in client.post(url, data).content.decode()
    assert "上限不能小于0" in client.post(url, {**data, "four_star": "79", "duty_cap_year": "-1"}).content.decode()
    assert client.post(url, {**data, "five_star": "95", "four_star": "85", "three_star": "75"}).status_code == 302
    terms = PointTerms.objects.get(town=town)
    assert (terms.five_star, terms.four_star, terms.three_star, terms.bonus_cap_quarter) == (95, 85, 75, Decimal(20))
    assert "五星 95分以上" in client.get(rules_url(town)).content.decode()
