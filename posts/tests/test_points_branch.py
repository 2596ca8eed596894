"""支部积分: a grid branch's own points under the town's rules for branches, recorded by the town's committee or
the village's secretary (never the grid's own secretary), capped by the rule, withdrawn with the history keeping
it; the branch's score is its own points plus its members' average, on the grid's register and the dashboard."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import on_day
from posts import dashboard, points
from posts.models import BranchPointEntry, PointRule, PointSource

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 10))]
Y = 2026
PRAISED = "支部工作受到镇党委通报表扬"  # +5, at most 10 a year
LATE = "支部未按时组织党员汇报、评岗"  # -5


@pytest.fixture
def rules(town):
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    return {r.name: r for r in PointRule.objects.filter(town=town, source=PointSource.BRANCH)}


def record(client, grid, rule, on="2026-12-01", note="镇党委2026年第3号通报表扬"):
    return client.post(reverse("posts:branch-points-add", args=[grid.pk]), {"rule": rule.pk, "on": on, "note": note})


def shown(number):
    return f"{float(number):g}"  # as the templates' stringformat:"g"


def members_average(grid):
    totals = points.year_points([a.pk for a in grid.posts.first().assignments.all()], Y)
    return round(sum(totals.values()) / len(totals), 1)


def test_the_village_secretary_scores_a_branch_and_the_score_follows(client, sec_a, grid_a1, on_post, rules):
    points.recompute()
    client.force_login(sec_a)
    page = client.get(reverse("posts:grid-points", args=[grid_a1.pk])).content.decode()
    assert "记载支部积分" in page and "还没有记载支部自身的积分" in page
    form = client.get(reverse("posts:branch-points-add", args=[grid_a1.pk])).content.decode()
    assert PRAISED in form and LATE in form and "群众表扬" not in form  # members' rules are not offered

    for number in (3, 5, 8):
        assert record(client, grid_a1, rules[PRAISED], note=f"镇党委2026年第{number}号通报表扬").status_code == 302
    assert record(client, grid_a1, rules[LATE], note="第三季度未组织汇报").status_code == 302
    counted = list(BranchPointEntry.objects.filter(grid=grid_a1).values_list("raw", "points"))
    assert counted == [(5, 5), (5, 5), (5, 0), (-5, -5)]  # the third praise is over the year's cap of 10
    assert all(e.history.first().history_user == sec_a for e in BranchPointEntry.objects.all())

    average = members_average(grid_a1)
    page = client.get(reverse("posts:grid-points", args=[grid_a1.pk])).content.decode()
    assert "已达上限" in page and "第三季度未组织汇报" in page
    assert f"支部自身积分 <strong>5</strong> ＋ 在岗党员平均分 <strong>{shown(average)}</strong>" in page
    assert f'支部得分 <strong class="fs-5">{shown(5 + average)}</strong>' in page

    total, by_village, grids = dashboard.point_figures([grid_a1.village])
    figures = dict(grids)[grid_a1]
    assert (figures.own, figures.branch_score) == (5, Decimal(5) + average)
    board = client.get(reverse("posts:village-dashboard", args=[grid_a1.village.pk])).content.decode()
    assert "支部自身积分" in board and f"{shown(5 + average)}</td>" in board


def test_a_village_row_averages_its_branches_scores(sec_a, grid_a1, grid_a2, on_post, rules):
    points.recompute()
    points.record_branch_points(grid_a1, rules[PRAISED], datetime.date(Y, 6, 1), "通报表扬", sec_a)
    _, by_village, grids = dashboard.point_figures([grid_a1.village])
    scores = {g.number: f.branch_score for g, f in grids}
    assert scores[1] == 5 + members_average(grid_a1) and scores[2] == members_average(grid_a2)
    assert by_village[grid_a1.village_id].branch_score == round((scores[1] + scores[2]) / 2, 1)


def test_bad_input_says_what_is_wrong_and_records_nothing(client, town, sec_a, grid_a1, on_post, rules):
    client.force_login(sec_a)
    praise = PointRule.objects.get(town=town, source=PointSource.PRAISE)
    page = record(client, grid_a1, praise).content.decode()
    assert "不在可用的选项中" in page  # a member's rule, not the branch's
    page = record(client, grid_a1, rules[PRAISED], note="").content.decode()
    assert "这个字段是必填项" in page and "没有办理" in page
    page = record(client, grid_a1, rules[PRAISED], on="2026-12-11").content.decode()
    assert "日期不能晚于今天" in page
    page = record(client, grid_a1, rules[PRAISED], on="2026-13-01").content.decode()
    assert "有效的日期" in page
    assert not BranchPointEntry.objects.exists()
    with pytest.raises(points.TransitionError, match="不是本镇给支部计分的规则"):
        points.record_branch_points(grid_a1, praise, datetime.date(Y, 12, 1), "x", sec_a)


def test_the_grid_secretary_does_not_score_their_own_branch(client, grid_user, sec_b, town_user, grid_a1, rules):
    for user in (grid_user, sec_b):
        client.force_login(user)
        assert record(client, grid_a1, rules[PRAISED]).status_code == 404
    client.force_login(grid_user)
    assert "记载支部积分" not in client.get(reverse("posts:grid-points", args=[grid_a1.pk])).content.decode()
    assert not BranchPointEntry.objects.exists()
    client.force_login(town_user)  # the town's committee does
    assert record(client, grid_a1, rules[PRAISED]).status_code == 302
    entry = BranchPointEntry.objects.get()
    for user in (grid_user, sec_b):
        client.force_login(user)
        assert client.post(reverse("posts:branch-points-withdraw", args=[entry.pk])).status_code == 404
    assert BranchPointEntry.objects.count() == 1


def test_caps_count_in_date_order_and_a_withdrawn_entry_makes_room(client, town_user, grid_a1, rules):
    client.force_login(town_user)  # the town's committee records and withdraws too
    for day, number in (("2026-09-01", 1), ("2026-03-01", 2), ("2026-06-01", 3)):  # typed in out of order
        record(client, grid_a1, rules[PRAISED], on=day, note=f"第{number}号通报")
    counted = dict(BranchPointEntry.objects.values_list("note", "points"))
    assert counted == {"第2号通报": 5, "第3号通报": 5, "第1号通报": 0}  # the latest in the year is the one cut
    first = BranchPointEntry.objects.get(note="第2号通报")
    assert client.post(reverse("posts:branch-points-withdraw", args=[first.pk])).status_code == 302
    counted = dict(BranchPointEntry.objects.values_list("note", "points"))
    assert counted == {"第3号通报": 5, "第1号通报": 5}
    assert BranchPointEntry.history.filter(note="第1号通报").first().history_user == town_user


def test_an_entry_recorded_by_mistake_is_withdrawn_and_the_history_keeps_it(client, sec_a, grid_a1, rules):
    client.force_login(sec_a)
    record(client, grid_a1, rules[PRAISED])
    entry = BranchPointEntry.objects.get()
    response = client.post(reverse("posts:branch-points-withdraw", args=[entry.pk]), follow=True)
    assert "已撤销第一网格的支部积分" in response.content.decode()
    assert not BranchPointEntry.objects.exists()
    assert list(BranchPointEntry.history.values_list("history_type", "history_user")) == [
        ("-", sec_a.pk),
        ("+", sec_a.pk),
    ]
    audit = client.get(reverse("posts:audit-log") + "?record=branch_points").content.decode()
    assert "第一网格支部积分" in audit


def test_a_town_without_branch_rules_is_told_how_to_add_one(client, town, sec_a, grid_a1):
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    PointRule.objects.filter(source=PointSource.BRANCH).delete()
    client.force_login(sec_a)
    response = client.get(reverse("posts:branch-points-add", args=[grid_a1.pk]), follow=True)
    assert "镇里现在没有给支部计分的积分规则" in response.content.decode()


def test_the_same_entry_sent_twice_is_recorded_once(client, sec_a, town_user, grid_a1, rules):
    client.force_login(sec_a)
    assert record(client, grid_a1, rules[PRAISED]).status_code == 302
    again = record(client, grid_a1, rules[PRAISED]).content.decode()
    assert "没有重复办理" in again and "这条支部积分已由王建国于" in again
    client.force_login(town_user)  # the town recording what the village already has
    assert "没有重复办理" in record(client, grid_a1, rules[PRAISED]).content.decode()
    assert BranchPointEntry.objects.count() == 1
