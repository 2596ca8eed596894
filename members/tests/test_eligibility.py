import itertools

import pytest

from members.models import CadrePost, Health, Member


def test_eligible_member_has_no_reasons(grid_a1, make_member):
    member = make_member(grid_a1)
    assert member.ineligibility_reasons() == []
    assert member.is_eligible


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"cadre_post": CadrePost.COMMITTEE_MEMBER}, "不符合：担任村委委员"),
        ({"health": Health.POOR}, "不符合：身体状况较差"),
        ({"is_away": True}, "不符合：长期外出（流动党员）"),
        ({"is_willing": False}, "不符合：本人暂不愿参加"),
    ],
)
def test_each_rule_explains_itself(grid_a1, make_member, fields, reason):
    member = make_member(grid_a1, **fields)
    assert member.ineligibility_reasons() == [reason]
    assert not member.is_eligible


def test_every_reason_is_listed(grid_a1, make_member):
    member = make_member(grid_a1, cadre_post=CadrePost.VILLAGE_SECRETARY, is_away=True)
    assert member.ineligibility_reasons() == ["不符合：担任村党总支书记", "不符合：长期外出（流动党员）"]


def test_fair_health_is_still_eligible(grid_a1, make_member):
    assert make_member(grid_a1, health=Health.FAIR).is_eligible


def test_database_filter_agrees_with_the_reasons(grid_a1, make_member):
    # Every combination of the four rules: the survey's count and the member page must never disagree.
    for cadre, health, away, willing in itertools.product(["", CadrePost.OTHER], Health.values, [0, 1], [0, 1]):
        make_member(grid_a1, cadre_post=cadre, health=health, is_away=bool(away), is_willing=bool(willing))
    eligible_ids = set(Member.objects.eligible().values_list("pk", flat=True))
    assert eligible_ids == {m.pk for m in Member.objects.all() if m.is_eligible}
    assert len(eligible_ids) == 2  # no cadre post, not away, willing, health good or fair
