import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from members.models import CadrePost, Education, Health, Specialty, add_years
from members.survey import member_figures, need_figures

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]


def born_aged(age):
    return add_years(datetime.date.today(), -age) - datetime.timedelta(days=10)


def test_member_figures_count_what_the_plan_asks(grid_a1, make_member):
    mediation = Specialty.objects.get(name="调解沟通")
    make_member(grid_a1, birth_date=born_aged(30), education=Education.BACHELOR).specialties.add(mediation)
    make_member(grid_a1, birth_date=born_aged(35), gender="F", membership="probationary")
    make_member(grid_a1, birth_date=born_aged(36), cadre_post=CadrePost.COMMITTEE_DIRECTOR).specialties.add(mediation)
    make_member(grid_a1, birth_date=born_aged(80), health=Health.POOR, education=Education.PRIMARY)
    figures = member_figures(grid_a1.members.all())
    assert (figures["total"], figures["eligible"], figures["ineligible"]) == (4, 2, 2)
    assert (figures["full"], figures["probationary"], figures["female"]) == (3, 1, 1)
    reasons = {r["label"]: r["n"] for r in figures["reasons"]}
    assert reasons == {
        "担任村干部职务": 1,
        "身体状况较差": 1,
        "长期外出（流动党员）": 0,
        "停止党籍": 0,
        "失联党员": 0,
        "本人暂不愿参加": 0,
    }
    ages = {a["label"]: (a["n"], a["eligible"]) for a in figures["ages"]}
    assert ages["35岁及以下"] == (2, 2) and ages["36—45岁"] == (1, 0) and ages["71岁及以上"] == (1, 0)
    education = {e["label"]: e["n"] for e in figures["education"]}
    assert education["大学本科"] == 1 and education["初中"] == 2 and education["小学及以下"] == 1
    assert figures["specialties"] == [{"label": "调解沟通", "n": 2, "pct": 50, "eligible": 1}]


def test_need_figures(grid_a1, make_need):
    make_need(grid_a1, category="security", kind="hard")
    make_need(grid_a1, category="security", kind="hot")
    figures = need_figures(grid_a1.needs.all())
    assert figures["total"] == 2
    assert {c["label"]: c["n"] for c in figures["categories"]}["社会治安"] == 2
    assert {k["label"]: k["n"] for k in figures["kinds"]} == {"焦点问题": 0, "热点问题": 1, "难点问题": 1}


def test_survey_page_changes_when_a_member_is_added(login, sec_a, grid_a1, grid_a2, make_member):
    client = login(sec_a)
    url = reverse("members:village-survey", args=[grid_a1.village_id])
    make_member(grid_a1)
    before = client.get(url).context["members"]
    make_member(grid_a2, cadre_post=CadrePost.OTHER)
    after = client.get(url).context["members"]
    assert (before["total"], before["eligible"]) == (1, 1)
    assert (after["total"], after["eligible"]) == (2, 1)
    page = client.get(url).text
    assert 'id="fig-total">2<' in page and "其他村干部职务" not in page  # reasons are grouped, not listed per person


def test_village_survey_leaves_out_other_villages(login, sec_a, grid_a1, grid_b1, make_member):
    make_member(grid_a1)
    make_member(grid_b1)
    figures = login(sec_a).get(reverse("members:village-survey", args=[grid_a1.village_id])).context["members"]
    assert figures["total"] == 1
