"""建议配岗 on the deliberation page: suggested lines with reasons, accepted, edited with a reason, or rejected."""

import pytest
from django.urls import reverse

from members.models import Specialty
from posts.models import Assignment, AssignmentLog, Meeting, MeetingKind, Post, PostType, Round, Stage, Status
from posts.tests.test_pages import apply, make_round

pytestmark = pytest.mark.django_db


def post_of(grid, type_name, places=1):
    t = PostType.objects.get(name=type_name, town=grid.village.town_id)
    return Post.objects.create(grid=grid, post_type=t, name=type_name, places=places, duties=t.duties, reason="需要")


@pytest.fixture
def meeting_world(grid_a1, grid_a2, sec_a, make_member):
    round = make_round(grid_a1.village, Stage.DELIBERATION)
    mediation, patrol = post_of(grid_a1, "民事纠纷调解岗"), post_of(grid_a1, "社会治安巡逻岗")
    zhou, wu = make_member(grid_a1, name="周调解"), make_member(grid_a2, name="吴巡逻")
    zhou.specialties.add(Specialty.objects.get(name="调解沟通"))
    a_zhou_med = apply(round, zhou, mediation, sec_a)
    a_zhou_pat = apply(round, zhou, patrol, sec_a)
    Assignment.objects.filter(pk=a_zhou_pat.pk).update(rank=2)
    a_wu_med = apply(round, wu, mediation, sec_a)
    meeting = Meeting.objects.create(
        round=round,
        grid=grid_a1,
        kind=MeetingKind.GRID_BRANCH,
        held_on="2026-10-10",
        attendees=9,
        present=8,
        resolution="议定拟上岗人选",
        recorded_by=sec_a,
    )
    return {"round": round, "zhou_med": a_zhou_med, "zhou_pat": a_zhou_pat, "wu_med": a_wu_med, "meeting": meeting}


def url(world, grid=None):
    base = reverse("posts:round-suggest", args=[world["round"].pk])
    return f"{base}?grid={grid.pk}" if grid else base


def test_suggestion_changes_nothing_until_accepted(client, meeting_world, sec_a):
    client.force_login(sec_a)
    page = client.get(url(meeting_world))
    lines = {line.assignment.pk: line.reason for line in page.context["lines"]}
    # 周 (调解 specialty) wants mediation first, patrol second; 吴 applied only for mediation. Both posts get
    # someone before anyone's first choice counts: 吴 mediates, 周 patrols (second choice).
    assert set(lines) == {meeting_world["wu_med"].pk, meeting_world["zhou_pat"].pk}
    assert lines[meeting_world["zhou_pat"].pk] == "第2志愿；本网格"
    assert lines[meeting_world["wu_med"].pk] == "第一志愿；外网格"
    assert not Assignment.objects.filter(status=Status.PROPOSED).exists()


def test_accept_with_an_override_and_its_reason(client, meeting_world, sec_a):
    client.force_login(sec_a)
    w = meeting_world
    data = {
        f"accept_{w['wu_med'].pk}": "1",
        f"choice_{w['wu_med'].pk}": str(w["wu_med"].pk),
        f"accept_{w['zhou_pat'].pk}": "1",
        f"choice_{w['zhou_pat'].pk}": str(w["zhou_med"].pk),
        f"meeting_{w['meeting'].grid_id}": str(w["meeting"].pk),
    }
    refused = client.post(url(w), data)  # changed without a reason
    assert "请写明调整理由" in refused.text and not Assignment.objects.filter(status=Status.PROPOSED).exists()
    data[f"reason_{w['zhou_pat'].pk}"] = "周擅长调解，会议决定安排调解岗"
    full = client.post(url(w), data)  # both to mediation (1 place): refused as a whole, nothing saved
    assert "已经安排满了" in full.text and not Assignment.objects.filter(status=Status.PROPOSED).exists()
    del data[f"accept_{w['wu_med'].pk}"]  # the meeting rejects 吴's line, keeps its own change for 周
    assert client.post(url(w), data).status_code == 302
    zhou_med = Assignment.objects.get(pk=w["zhou_med"].pk)
    assert zhou_med.status == Status.PROPOSED
    assert Assignment.objects.get(pk=w["zhou_pat"].pk).status == Status.NOT_CHOSEN
    assert Assignment.objects.get(pk=w["wu_med"].pk).status == Status.APPLIED  # rejected line: unchanged
    log = AssignmentLog.objects.get(assignment=zhou_med, to_status=Status.PROPOSED)
    assert "会议调整：周擅长调解" in log.note and log.meeting == w["meeting"]


def test_accept_as_suggested(client, meeting_world, sec_a):
    client.force_login(sec_a)
    w = meeting_world
    data = {
        f"accept_{w['wu_med'].pk}": "1",
        f"accept_{w['zhou_pat'].pk}": "1",
        f"meeting_{w['meeting'].grid_id}": str(w["meeting"].pk),
    }
    assert client.post(url(w), data).status_code == 302
    assert set(Assignment.objects.filter(status=Status.PROPOSED).values_list("pk", flat=True)) == {
        w["wu_med"].pk,
        w["zhou_pat"].pk,
    }
    note = AssignmentLog.objects.get(assignment=w["wu_med"], to_status=Status.PROPOSED).note
    assert note == "建议配岗：第一志愿；外网格"


def test_scope(client, meeting_world, sec_b, grid_user, grid_a1, grid_a2):
    client.force_login(sec_b)
    assert client.get(url(meeting_world)).status_code == 404
    assert client.get(url(meeting_world, grid_a1)).status_code == 404
    client.force_login(grid_user)  # a grid secretary suggests for their own grid, and only theirs
    page = client.get(url(meeting_world, grid_a1))
    assert page.status_code == 200 and page.context["lines"]
    assert client.get(url(meeting_world, grid_a2)).status_code == 404


@pytest.mark.parametrize("stage", [Stage.APPLICATION, Stage.CONFIRMATION])
def test_only_in_deliberation(client, meeting_world, sec_a, stage):
    w = meeting_world
    Round.objects.filter(pk=w["round"].pk).update(stage=stage)  # set-up only: pages never set a stage
    client.force_login(sec_a)
    page = client.get(url(w), follow=True)
    assert page.redirect_chain == [(w["round"].get_absolute_url(), 302)]
    assert "建议配岗在“支部议岗”阶段使用。" in [str(m) for m in page.context["messages"]]
    data = {
        f"accept_{w['wu_med'].pk}": "1",
        f"accept_{w['zhou_pat'].pk}": "1",
        f"meeting_{w['meeting'].grid_id}": str(w["meeting"].pk),
    }
    posted = client.post(url(w), data)
    assert posted.status_code == 302 and posted.url == w["round"].get_absolute_url()
    assert set(Assignment.objects.values_list("status", flat=True)) == {Status.APPLIED}
    assert not AssignmentLog.objects.filter(to_status=Status.PROPOSED).exists()


def test_a_refused_acceptance_keeps_the_meetings_changes_and_reasons(client, meeting_world, sec_a):
    client.force_login(sec_a)
    w = meeting_world
    data = {
        f"accept_{w['wu_med'].pk}": "1",
        f"choice_{w['wu_med'].pk}": str(w["wu_med"].pk),
        f"accept_{w['zhou_pat'].pk}": "1",
        f"choice_{w['zhou_pat'].pk}": str(w["zhou_med"].pk),
        f"reason_{w['zhou_pat'].pk}": "周擅长调解，会议决定安排调解岗",
        f"meeting_{w['meeting'].grid_id}": str(w["meeting"].pk),
    }
    full = client.post(url(w), data)  # both to mediation (1 place): refused
    assert "已经安排满了" in full.text
    assert 'value="周擅长调解，会议决定安排调解岗"' in full.text  # the reason is still there
    assert f'<option value="{w["zhou_med"].pk}" selected>' in full.text  # and the change
    assert f'<option value="{w["meeting"].pk}" selected>' in full.text
    del data[f"accept_{w['wu_med'].pk}"]
    data[f"reason_{w['zhou_pat'].pk}"] = ""  # now refused for the missing reason: 吴's line stays unticked
    again = client.post(url(w), data)
    assert "请写明调整理由" in again.text
    assert f'name="accept_{w["wu_med"].pk}" value="1" aria-label="采纳吴巡逻" >' in again.text  # not checked
    assert f'name="accept_{w["zhou_pat"].pk}" value="1" aria-label="采纳周调解" checked>' in again.text


def test_accepting_marks_who_it_left_out_not_chosen_and_names_skipped_posts(
    client, meeting_world, sec_a, grid_a1, make_member
):
    w = meeting_world
    round = w["round"]
    mediation = w["wu_med"].post
    zheng = make_member(grid_a1, name="郑落选")
    a_zheng = apply(round, zheng, mediation, sec_a)  # three applicants, two posts of one place each
    tidy = post_of(grid_a1, "村容村貌监督岗")
    unwilling = make_member(grid_a1, name="钱不愿")
    a_qian = apply(round, unwilling, tidy, sec_a)
    type(unwilling).objects.filter(pk=unwilling.pk).update(is_willing=False)  # changed their mind since
    client.force_login(sec_a)
    page = client.get(url(w))
    assert [(p.name, whys) for p, whys in page.context["skipped"]] == [
        ("村容村貌监督岗", ["钱不愿不符合：本人暂不愿参加"])
    ]
    assert "钱不愿不符合：本人暂不愿参加" in page.text
    placed = {line.assignment.pk for line in page.context["lines"]}
    data = {f"accept_{pk}": "1" for pk in placed} | {f"meeting_{grid_a1.pk}": str(w["meeting"].pk)}
    done = client.post(url(w), data, follow=True)
    said = [str(m) for m in done.context["messages"]]
    assert said[0].startswith("已采纳2条建议") and "其余2名申报人议定为未选中" in said[0]
    assert "“村容村貌监督岗”没有安排：申报人钱不愿不符合：本人暂不愿参加。" in said[1]
    left = (
        Assignment.objects.get(pk=a_zheng.pk) if a_zheng.pk not in placed else Assignment.objects.get(pk=w["wu_med"].pk)
    )
    assert left.status == Status.NOT_CHOSEN
    log = AssignmentLog.objects.get(assignment=left, to_status=Status.NOT_CHOSEN)
    assert (log.note, log.meeting, log.by) == ("建议配岗未安排：“民事纠纷调解岗”已安排满", w["meeting"], sec_a)
    qian = AssignmentLog.objects.get(assignment=a_qian, to_status=Status.NOT_CHOSEN)
    assert qian.note == "建议配岗未安排：不符合：本人暂不愿参加"
    assert not Assignment.objects.filter(round=round, status=Status.APPLIED).exists()
