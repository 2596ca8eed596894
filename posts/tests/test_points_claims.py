"""Claims through the pages: the scoring group of three to five, a member claiming on their phone or a
secretary for them, the scoring group or the grid's secretary deciding (a reason to refuse, a second click
changes nothing, nobody decides their own), the register following, and where pending claims show."""

import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from posts import points
from posts.models import ClaimState, PointClaim, PointEntry, PointRule, PointSource, ScoringGroup
from posts.tests.conftest import sign_in_member

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 10))]
Y = 2026
PRAISED = "受到表彰或做出突出贡献（申报）"


@pytest.fixture
def rules(town):
    points.add_default_rules(town, datetime.date(Y, 1, 1))
    return PointRule.objects.get(town=town, name=PRAISED)


@pytest.fixture
def group(on_post, flow, grid_a1):
    """第一网格's scoring group: the contact of its member on post and two more members."""
    a = on_post[1]
    found = ScoringGroup.objects.create(grid=grid_a1)
    found.members.set([a.contact, flow.member(grid_a1), flow.member(grid_a1)])
    return found


def claim_for(a, rule, by, **fields):
    return PointClaim.objects.create(
        assignment=a, rule=rule, on=datetime.date(Y, 12, 1), reason="获镇党委表彰", claimed_by=by, **fields
    )


def test_the_scoring_group_has_three_to_five_members(client, grid_user, grid_a1, on_post, flow):
    members = [flow.member(grid_a1) for _ in range(6)]
    client.force_login(grid_user)
    url = reverse("posts:scoring-group", args=[grid_a1.pk])
    page = client.post(url, {"members": [m.pk for m in members[:2]]}).content.decode()
    assert "评分小组要有3至5名成员，现在选了2名" in page
    page = client.post(url, {"members": [m.pk for m in members]}).content.decode()
    assert "评分小组要有3至5名成员，现在选了6名" in page
    assert not ScoringGroup.objects.filter(grid=grid_a1).exists()
    assert client.post(url, {"members": [m.pk for m in members[:3]]}).status_code == 302
    assert set(ScoringGroup.objects.get(grid=grid_a1).members.values_list("pk", flat=True)) == {
        m.pk for m in members[:3]
    }
    page = client.get(reverse("posts:grid-claims", args=[grid_a1.pk])).content.decode()
    assert all(m.name in page for m in members[:3])


def test_the_scoring_group_is_of_the_grids_own_branch(client, grid_user, grid_a1, grid_a2, on_post, flow):
    others = [flow.member(grid_a2) for _ in range(3)]
    client.force_login(grid_user)
    page = client.post(reverse("posts:scoring-group", args=[grid_a1.pk]), {"members": [m.pk for m in others]})
    assert "不在可用的选项中" in page.content.decode()
    assert not ScoringGroup.objects.filter(grid=grid_a1).exists()


def test_only_the_grids_secretaries_set_the_group(client, town_user, sec_b, grid_a1, on_post):
    for user in (town_user, sec_b):
        client.force_login(user)
        assert client.get(reverse("posts:scoring-group", args=[grid_a1.pk])).status_code == 404


def test_a_member_claims_on_their_phone_under_claimable_rules_only(client, on_post, rules, member_signed_in):
    a = on_post[1]
    user = member_signed_in(a)
    url = reverse("posts:claim-add", args=[a.pk])
    page = client.get(url).content.decode()
    assert PRAISED in page and "履职不力（申报）" in page
    assert '<div class="ledger-phone">' in page and f"{PRAISED}（+5分）" in page  # large type, on their phone
    assert "群众表扬" not in page  # credited from the records, not claimed
    praise = PointRule.objects.get(town=a.post.grid.village.town, source=PointSource.PRAISE)
    page = client.post(url, {"rule": praise.pk, "on": "2026-12-01", "reason": "表扬"}).content.decode()
    assert "该选择不在可用的选项中" in page
    page = client.post(url, {"rule": rules.pk, "on": "2026-12-11", "reason": "获表彰"}).content.decode()
    assert "日期不能晚于今天" in page
    response = client.post(
        url, {"rule": rules.pk, "on": "2026-12-01", "reason": "获镇党委表彰", "evidence": "表彰文件"}
    )
    claim = PointClaim.objects.get(assignment=a)
    assert response.status_code == 302 and response["Location"] == reverse("posts:claim", args=[claim.pk])
    assert claim.state == ClaimState.PENDING and claim.claimed_by == user and claim.evidence == "表彰文件"
    # the member cannot approve their own claim, and sees it waits for the group
    page = client.get(reverse("posts:claim", args=[claim.pk])).content.decode()
    assert "这是您提交的申报" in page and 'value="approve"' not in page
    assert client.post(reverse("posts:claim", args=[claim.pk]), {"verdict": "approve"}).status_code == 404
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING


def test_a_member_cannot_claim_for_someone_else(client, on_post, rules, member_signed_in):
    member_signed_in(on_post[1])
    assert client.get(reverse("posts:claim-add", args=[on_post[2].pk])).status_code == 404


def test_the_scoring_group_approves_and_the_register_follows(client, on_post, rules, group, sec_a):
    a = on_post[1]
    claim = claim_for(a, rules, sec_a)
    judge = sign_in_member(client, a.contact, sec_a)
    home = client.get(reverse("posts:onpost-home")).content.decode()
    assert "等评分小组审核的积分申报" in home and reverse("posts:claim", args=[claim.pk]) in home
    url = reverse("posts:claim", args=[claim.pk])
    assert 'value="approve"' in client.get(url).content.decode()
    page = client.post(url, {"verdict": "approve", "reason": ""}, follow=True).content.decode()
    assert "已通过，积分已记入登记簿" in page
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and claim.decided_by == judge
    entry = PointEntry.objects.get(assignment=a, source_key=f"claim:{claim.pk}")
    assert entry.points == 5 and entry.approved_by == judge
    assert claim.history.filter(state=ClaimState.APPROVED, history_user=judge).exists()
    # a second click (or a second judge) changes nothing, and says who decided
    page = client.post(url, {"verdict": "refuse", "reason": "重复"}, follow=True).content.decode()
    assert "已由" in page and "审核" in page
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and claim.decision == ""
    assert PointEntry.objects.filter(assignment=a, source_key=f"claim:{claim.pk}").count() == 1


def test_refusing_needs_a_reason(client, on_post, rules, grid_user, sec_a):
    a = on_post[1]
    claim = claim_for(a, rules, sec_a)
    client.force_login(grid_user)
    url = reverse("posts:claim", args=[claim.pk])
    page = client.post(url, {"verdict": "refuse", "reason": " "}, follow=True).content.decode()
    assert "不通过时请写明理由" in page
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    client.post(url, {"verdict": "refuse", "reason": "没有表彰文件"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.REFUSED and claim.decision == "没有表彰文件"
    assert not PointEntry.objects.filter(source_key=f"claim:{claim.pk}").exists()


def test_a_secretary_claims_for_a_member_and_another_decides(client, on_post, rules, grid_user, sec_a):
    a = on_post[1]
    client.force_login(grid_user)
    form = client.get(reverse("posts:claim-add", args=[a.pk])).content.decode()
    assert "ledger-phone" not in form and 'aria-label="当前位置"' in form  # the office layout, with its trail
    client.post(reverse("posts:claim-add", args=[a.pk]), {"rule": rules.pk, "on": "2026-12-01", "reason": "代为申报"})
    claim = PointClaim.objects.get(assignment=a)
    assert claim.claimed_by == grid_user
    assert client.post(reverse("posts:claim", args=[claim.pk]), {"verdict": "approve"}).status_code == 404
    client.force_login(sec_a)
    client.post(reverse("posts:claim", args=[claim.pk]), {"verdict": "approve"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and claim.decided_by == sec_a


def test_out_of_scope_gets_404(client, on_post, rules, sec_a, sec_b, grid_a2, make_user):
    claim = claim_for(on_post[1], rules, sec_a)
    client.force_login(sec_b)
    assert client.get(reverse("posts:claim", args=[claim.pk])).status_code == 404
    assert client.get(reverse("posts:grid-claims", args=[on_post[1].post.grid_id])).status_code == 404
    other_grid = grid_a2.secretary or make_user("grid-a2")
    client.force_login(other_grid)
    assert client.get(reverse("posts:claim", args=[claim.pk])).status_code == 404
    assert client.post(reverse("posts:claim", args=[claim.pk]), {"verdict": "approve"}).status_code == 404


def test_the_town_reads_a_claim_but_does_not_decide(client, on_post, rules, sec_a, town_user):
    claim = claim_for(on_post[1], rules, sec_a)
    client.force_login(town_user)
    page = client.get(reverse("posts:claim", args=[claim.pk]))
    assert page.status_code == 200 and 'value="approve"' not in page.content.decode()
    assert client.post(reverse("posts:claim", args=[claim.pk]), {"verdict": "approve"}).status_code == 404


def test_pending_claims_on_the_grid_list_and_home(client, on_post, rules, sec_a, grid_user, grid_a1):
    claim = claim_for(on_post[1], rules, sec_a)
    client.force_login(grid_user)
    page = client.get(reverse("posts:grid-claims", args=[grid_a1.pk])).content.decode()
    assert reverse("posts:claim", args=[claim.pk]) in page and on_post[1].member.name in page
    home = client.get(reverse("posts:grid", args=[grid_a1.pk])).content.decode()
    assert "积分申报待审核1条" in home
