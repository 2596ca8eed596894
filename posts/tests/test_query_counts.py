"""Every page costs the same number of queries on a small programme as on a large one, at every stage.

The small world is one village with one grid, one post and one applicant; the large one a village of 4 grids ×
3 posts × 5 applicants, with meetings, notices, objections, feedback, trainings, ratings and more villages and
towns around it (posts/tests/conftest.py, Grower). Each page is opened as the person who works there, in both
worlds, and the two counts must be equal: a count that grows with the data is a query per row.
"""

import datetime
import zoneinfo

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments.models import BatchStatus, PrintBatch
from grids import inbox
from posts.models import Stage
from posts.services import send_reminders
from posts.tests.conftest import LARGE, SMALL, VIEWED_ON

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def url(name, *args, query=""):
    return reverse(name, args=args) + (f"?{query}" if query else "")


# (page, who opens it, its address in a world). Who: an attribute of the World, or None for a resident.
PAGES = [
    ("首页·县", "county_user", lambda w: url("posts:home")),
    ("首页·镇", "town_user", lambda w: url("posts:home")),
    ("首页·村", "village_user", lambda w: url("posts:home")),
    ("首页·网格", "grid_user", lambda w: url("posts:home")),
    ("县", "county_user", lambda w: url("posts:county", w.county.pk)),
    ("镇", "town_user", lambda w: url("posts:town", w.town.pk)),
    ("村", "village_user", lambda w: url("posts:village", w.village.pk)),
    ("村·镇党委看", "town_user", lambda w: url("posts:village", w.village.pk)),
    ("网格", "grid_user", lambda w: url("posts:grid", w.grid.pk)),
    ("网格·村书记看", "village_user", lambda w: url("posts:grid", w.grid.pk)),
    ("年度工作入口", "village_user", lambda w: url("posts:village-rounds", w.village.pk)),
    ("年度工作", "village_user", lambda w: url("posts:round", w.round.pk)),
    ("年度工作·镇党委看", "town_user", lambda w: url("posts:round", w.round.pk)),
    ("待办清单", "town_user", lambda w: url("posts:round-blockers", w.round.pk)),
    ("网格年度工作", "grid_user", lambda w: url("posts:round-grid", w.round.pk, w.grid.pk)),
    ("网格年度工作·村书记看", "village_user", lambda w: url("posts:round-grid", w.round.pk, w.grid.pk)),
    ("配岗建议·网格", "grid_user", lambda w: url("posts:round-suggest", w.round.pk, query=f"grid={w.grid.pk}")),
    ("配岗建议·全村", "village_user", lambda w: url("posts:round-suggest", w.round.pk)),
    ("登记申报", "grid_user", lambda w: url("posts:application-create", w.round.pk, w.grid.pk)),
    ("登记会议", "grid_user", lambda w: url("posts:meeting-create", w.round.pk, w.grid.pk)),
    ("发布公示", "grid_user", lambda w: url("posts:notice-create", w.round.pk, w.grid.pk)),
    ("登记培训", "village_user", lambda w: url("posts:training-create", w.round.pk)),
    ("新年度", "village_user", lambda w: url("posts:round-create", w.village.pk)),
    ("岗位列表", "grid_user", lambda w: url("posts:grid-posts", w.grid.pk)),
    ("岗位类型", "village_user", lambda w: url("posts:post-types")),
    ("岗位类型·镇", "town_user", lambda w: url("posts:post-types")),
    ("岗位类型·县", "county_user", lambda w: url("posts:post-types")),
    ("设置岗位", "grid_user", lambda w: url("posts:post-create", w.grid.pk)),
    ("定岗记录", "grid_user", lambda w: w.assignment and url("posts:assignment", w.assignment.pk)),
    ("指定联系人", "grid_user", lambda w: w.assignment and url("posts:assignment-contact", w.assignment.pk)),
    ("评岗表", "grid_user", lambda w: w.assignment and url("posts:assignment-record", w.assignment.pk, "rating")),
    ("群众反馈", "grid_user", lambda w: url("posts:feedback", w.grid.pk)),
    ("党员", "grid_user", lambda w: url("members:member", w.member.pk)),
    ("党员离开名册", "grid_user", lambda w: url("posts:member-archive", w.member.pk)),
    ("已离开名册", "village_user", lambda w: url("members:archived-members", w.village.pk)),
    ("村调查摸底", "village_user", lambda w: url("members:village-survey", w.village.pk)),
    ("网格调查摸底", "grid_user", lambda w: url("members:grid-survey", w.grid.pk)),
    ("实施方案", "village_user", lambda w: url("members:plan", w.village.plans.order_by("-year").first().pk)),
    ("看板·镇", "town_user", lambda w: url("posts:town-dashboard", w.town.pk)),
    ("看板·村", "village_user", lambda w: url("posts:village-dashboard", w.village.pk)),
    *(
        (
            f"看板名单·{figure}",
            "town_user",
            lambda w, f=figure: url("posts:dashboard-members", query=f"town={w.town.pk}&figure={f}"),
        )
        for figure in ("members", "eligible", "on_post", "adjusted", "grade-excellent", "grade-unrated")
    ),
    (
        "看板名单·网格",
        "village_user",
        lambda w: url("posts:dashboard-members", query=f"grid={w.grid.pk}&figure=on_post"),
    ),
    ("看板导出·镇", "town_user", lambda w: url("posts:dashboard-export", query=f"town={w.town.pk}")),
    ("看板导出·村", "village_user", lambda w: url("posts:dashboard-export", query=f"village={w.village.pk}")),
    ("公开页", None, lambda w: url("posts:public-grid", w.grid.public_token)),
    ("操作日志·镇", "town_user", lambda w: url("posts:audit-log")),
    ("操作日志·村", "village_user", lambda w: url("posts:audit-log")),
    ("操作日志·镇·按村", "town_user", lambda w: url("posts:audit-log", query=f"village={w.village.pk}")),
    ("账号", "town_user", lambda w: url("grids:accounts")),
    ("消息·网格", "grid_user", lambda w: url("grids:messages")),
    ("消息·镇", "town_user", lambda w: url("grids:messages")),
    ("预期天数", "town_user", lambda w: url("posts:stage-targets", w.town.pk)),
    ("文件", "village_user", lambda w: url("commitments:documents")),
    *(
        (f"导出{kind}", "village_user", lambda w, k=kind: url("posts:round-export", w.round.pk, k))
        for kind in ("posts", "assignments", "ratings")
    ),
    *(
        (
            f"导出{kind}·网格",
            "grid_user",
            lambda w, k=kind: url("posts:round-export", w.round.pk, k, query=f"grid={w.grid.pk}"),
        )
        for kind in ("posts", "assignments", "ratings")
    ),
    ("导出名册·镇", "town_user", lambda w: url("members:members-export", query=f"town={w.town.pk}")),
    ("导出名册·村", "village_user", lambda w: url("members:members-export", query=f"village={w.village.pk}")),
    ("导出名册·网格", "grid_user", lambda w: url("members:members-export", query=f"grid={w.grid.pk}")),
    ("导出需求·镇", "town_user", lambda w: url("members:needs-export", query=f"town={w.town.pk}")),
    ("导出需求·村", "village_user", lambda w: url("members:needs-export", query=f"village={w.village.pk}")),
]


def counts(client, world, pages):
    """{page: (status, queries)} for each page opened in `world` by its person."""
    result = {}
    for label, who, address in pages:
        client.logout()
        path = address(world)
        if path is None:  # nothing of the kind yet at this stage (no application during the survey)
            continue
        if who == "village_user":
            client.force_login(world.village.secretary)
        elif who:
            client.force_login(getattr(world, who))
        caches["ratelimit"].clear()  # the public page's count starts afresh: a first visit in both worlds
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code in (200, 302), f"{label} {path}: {response.status_code}"
        result[label] = (response.status_code, len(ctx.captured_queries))
    return result


def viewed_on(stage):
    """The day a round at `stage` is looked at (the builder's own dates are fixed and passed as today=)."""
    return datetime.datetime(2026, *VIEWED_ON[stage], 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("stage", list(Stage.values))
def test_every_page_costs_the_same_on_small_and_large_data(grower, client, time_machine, settings, stage):
    time_machine.move_to(viewed_on(stage))
    small, large = grower.world(SMALL, stage), grower.world(LARGE, stage)
    assert large.round.assignments.count() == (0 if stage == Stage.SURVEY else 4 * 3 * 5)
    settings.DASHBOARD_CACHE_SECONDS = 0  # the figures are computed on every request, as on a cold cache
    settings.IMPORT_EXPORT_CHUNK_SIZE = 10  # exports page their rows: the large world's rows fill several pages
    send_reminders(timezone.localdate())  # 消息 lists what the reminders raised, and more:
    for world, n in ((small, 1), (large, 10)):
        for k in range(n):
            inbox.send([world.grid_user, world.town_user], f"test:{k}", f"第{k}条消息", url("posts:home"))
    on_small, on_large = counts(client, small, PAGES), counts(client, large, PAGES)
    grows = {label: (on_small[label], on_large[label]) for label in on_small if on_small[label] != on_large[label]}
    assert grows == {}


# Printing: each document is rendered to PDF and archived; the batch prints a whole village's letters as one
# (its work runs on commit, in the worker; here at once). A batch of grid documents (公示牌 for a town) is left
# out: it still builds each grid's sheet with its own queries.
PRINTS = [
    *(
        (f"打印{kind}", "grid_user", lambda w, k=kind: url("commitments:print-grid", w.grid.pk, k), {})
        for kind in ("post_list", "notice", "wall_sheet")
    ),
    ("打印承诺书", "grid_user", lambda w: url("commitments:print-letter", w.assignment.pk), {}),
    (
        "批量打印承诺书",
        "village_user",
        lambda w: url("commitments:batch-create"),
        lambda w: {"kind": "letter", "village": w.village.pk},
    ),
]


def print_counts(client, world, on_commit):
    result = {}
    for label, who, address, data in PRINTS:
        client.force_login(world.village.secretary if who == "village_user" else getattr(world, who))
        with CaptureQueriesContext(connection) as ctx, on_commit(execute=True):
            response = client.post(address(world), data(world) if callable(data) else data)
        assert response.status_code in (200, 302), f"{label}: {response.status_code}"
        assert response.status_code == 302 or response["Content-Type"] == "application/pdf", label
        result[label] = len(ctx.captured_queries)
    return result


def test_printing_costs_the_same_on_small_and_large_data(
    grower, client, time_machine, django_capture_on_commit_callbacks
):
    stage = Stage.EVALUATION
    time_machine.move_to(viewed_on(stage))
    small, large = grower.world(SMALL, stage), grower.world(LARGE, stage)
    on_commit = django_capture_on_commit_callbacks
    on_small, on_large = print_counts(client, small, on_commit), print_counts(client, large, on_commit)
    # The batches did print: one letter per member on post (2 of the 5 applicants of each of 12 posts).
    assert [
        (b.status, b.pages_total)
        for b in PrintBatch.objects.filter(village__in=[small.village, large.village]).order_by("pk")
    ] == [
        (BatchStatus.DONE, 1),
        (BatchStatus.DONE, 24),
    ]
    assert {k: (on_small[k], on_large[k]) for k in on_small if on_small[k] != on_large[k]} == {}
