"""Every URL of the project, for each role and an anonymous visitor, aimed at another town's records.

Every record of the other town has the primary key FOREIGN, so any number in any URL names one of them,
whatever the URL is about; ?town=, ?village= and ?grid= point there too. Each URL is requested with GET and
with POST. Allowed answers: a redirect to a login page, 403, 404 or 405 — never 200 with data, never a
500. Pages that take no number (lists, the home page) may answer 200, but must not show anything of the
other town. A URL added later is swept automatically; one with a new text parameter fails until its
values are listed in TEXT_VALUES.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from commitments.models import DocumentKind, IssuedDocument, PrintBatch
from conftest import new_id_number
from grids.models import Grid, Town, Village
from members.models import ImportJob, Member, NeedRecord, VillagePlan
from posts.models import (
    Assignment,
    DutyKind,
    DutyRecord,
    Feedback,
    Meeting,
    Notice,
    Objection,
    Post,
    PostType,
    Rating,
    ResidentRequest,
    Round,
    Source,
    Training,
    WorkReport,
)
from posts.onpost import issue_access

pytestmark = pytest.mark.django_db

FOREIGN = 900001
MARKERS = ["远山镇", "远山村", "外镇党员甲", "外镇网格", "外镇岗位", "外镇纪实内容", "外镇诉求内容"]
# Values for the text parts of URLs (every value is tried).
TEXT_VALUES = {
    "kind": [
        "members",
        "needs",
        "post_list",
        "notice",
        "wall_sheet",
        "letter",
        "posts",
        "assignments",
        "ratings",
        "checkup",
        "report",
        "rating",
    ],
    "verdict": ["verify", "return"],
    "to": ["proposed", "not_chosen", "noticed", "on_post", "adjusted", "left", "completed"],
    "token": ["foreign-grid-token"],
    "code": ["DYFOREIGN"],
    "step": ["group", "notice", "awarded"],
}
# Answers at these URLs are the same for everyone by design.
# (posts:onpost-signin is what a member's slip opens: the sign-in page, for anyone.)
OPEN = {"login", "logout", "healthz", "favicon", "posts:home", "admin:logout", "posts:onpost-signin"}
# Residents' public pages: no login, names and posts only (the other town's names are the point of them).
PUBLIC = {"posts:public-grid", "posts:public-ask", "posts:public-track", "posts:public-rate"}


@pytest.fixture
def foreign(make_user):
    """Another town with one of every record, each with the primary key FOREIGN."""
    boss = get_user_model().objects.create_user(username="外镇书记", password="x-123456789")
    town = Town.objects.create(pk=FOREIGN, name="远山镇")
    village = Village.objects.create(pk=FOREIGN, town=town, name="远山村", secretary=boss)
    grid = Grid.objects.create(
        pk=FOREIGN, village=village, number=1, name="外镇网格", secretary=boss, public_token="foreign-grid-token"
    )
    birth = datetime.date(1970, 1, 1)
    member = Member.objects.create(
        pk=FOREIGN,
        grid=grid,
        name="外镇党员甲",
        gender="M",
        birth_date=birth,
        id_number=new_id_number(birth),
        education="high_school",
        joined_on="1995-07-01",
        phone="13900009999",
    )
    need = NeedRecord.objects.create(
        pk=FOREIGN,
        grid=grid,
        recorded_on="2026-10-01",
        method="visit",
        participants="农户",
        issue="外镇问题",
        category="security",
        kind="hot",
    )
    VillagePlan.objects.create(
        pk=FOREIGN,
        village=village,
        year=2026,
        title="外镇方案",
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        content="…",
    )
    post_type = PostType.objects.create(pk=FOREIGN, name="外镇岗位类型", duties="…", village=village)
    post = Post.objects.create(pk=FOREIGN, grid=grid, post_type=post_type, name="外镇岗位", duties="…", reason="…")
    post.needs.add(need)
    round = Round.objects.create(pk=FOREIGN, village=village, year=2026, created_by=boss)
    assignment = Assignment.objects.create(
        pk=FOREIGN, round=round, post=post, member=member, source=Source.SELF, reason="…", created_by=boss
    )
    notice = Notice.objects.create(
        pk=FOREIGN, round=round, grid=grid, starts_on="2026-10-01", ends_on="2026-10-06", phone="1", published_by=boss
    )
    Objection.objects.create(
        pk=FOREIGN,
        notice=notice,
        assignment=assignment,
        raised_by="群众",
        raised_on="2026-10-02",
        content="…",
        recorded_by=boss,
    )
    Meeting.objects.create(
        pk=FOREIGN,
        round=round,
        grid=grid,
        kind="grid_branch",
        held_on="2026-10-01",
        attendees=5,
        present=5,
        resolution="…",
        recorded_by=boss,
    )
    Training.objects.create(pk=FOREIGN, round=round, held_on="2026-10-01", topic="…", recorded_by=boss)
    rating = Rating(
        pk=FOREIGN,
        assignment=assignment,
        period="2026年",
        org_score=90,
        peer_score=90,
        resident_score=90,
        comment="…",
        rated_on="2026-10-01",
        rated_by=boss,
    )
    rating.compute()
    rating.save()
    document = IssuedDocument(
        pk=FOREIGN,
        kind=DocumentKind.NOTICE,
        title="外镇公示",
        town=town,
        village=village,
        grid=grid,
        sha256="0" * 64,
        pages=1,
        size=4,
        purpose="…",
        issued_by=boss,
    )
    document.file.save("外镇.pdf", ContentFile(b"%PDF"), save=False)
    document.save()
    PrintBatch.objects.create(pk=FOREIGN, kind=DocumentKind.LETTER, town=town, village=village, requested_by=boss)
    Feedback.objects.create(pk=FOREIGN, grid=grid, kind="suggestion", content="外镇留言内容")
    ImportJob.objects.create(
        pk=FOREIGN, kind="members", file_name="外镇.xlsx", token="x.xlsx", village=village, requested_by=boss
    )
    # the year on post: a ledger entry, a report, a resident's request, the foreign member's own sign-in
    Assignment.objects.filter(pk=FOREIGN).update(status="on_post")
    kind = DutyKind.objects.get(town=None, name="巡逻")
    DutyRecord.objects.create(
        pk=FOREIGN, assignment=assignment, done_on="2026-10-02", kind=kind, content="外镇纪实内容", recorded_by=boss
    )
    WorkReport.objects.create(
        pk=FOREIGN, assignment=assignment, reported_on="2026-10-03", audience="branch", content="…", recorded_by=boss
    )
    ResidentRequest.objects.create(
        pk=FOREIGN, grid=grid, code="FRGN22", kind="help", category="other", content="外镇诉求内容"
    )
    issue_access(member, by=boss)
    return {"boss": boss}


@pytest.fixture
def member_user(grid_a1, sec_a):
    """A member on post in our own town, signed in for themselves (their PIN changed)."""
    birth = datetime.date(1972, 3, 3)
    member = Member.objects.create(
        grid=grid_a1, name="本镇党员乙", gender="M", birth_date=birth, id_number=new_id_number(birth),
        education="high_school", joined_on="1995-07-01",
    )  # fmt: skip
    post_type = PostType.objects.filter(town=grid_a1.village.town).first()
    post = Post.objects.create(grid=grid_a1, post_type=post_type, name="本镇岗位", duties="…", reason="…")
    round = Round.objects.create(village=grid_a1.village, year=2026, created_by=sec_a)
    Assignment.objects.create(
        round=round, post=post, member=member, source=Source.SELF, reason="…", created_by=sec_a, status="on_post"
    )
    account, _ = issue_access(member, by=sec_a)
    account.must_change = False
    account.save()
    return account.user


def patterns(resolver=None, prefix="", namespace=""):
    """(name, route, parameter names) of every URL pattern, admin's included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield name, prefix + str(entry.pattern), entry.pattern.converters | {}


def urls_of(route, converters):
    """Concrete paths for a route: numbers become FOREIGN, text parts take each of their TEXT_VALUES."""
    import re

    if route.startswith("^") or "(?P<" in route:  # admin's regular expressions
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: f"<{m.group(1)}>", route)
        route = route.replace("\\", "")
    paths = ["/" + route]
    for name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        converter, parameter = name
        part = re.compile(rf"<(?:\w+:)?{parameter}>")
        if converter in ("int", "path", "") and parameter not in TEXT_VALUES:
            paths = [part.sub(str(FOREIGN), p) for p in paths]
        elif parameter in TEXT_VALUES:
            paths = [part.sub(value, p) for p in paths for value in TEXT_VALUES[parameter]]
        else:
            raise AssertionError(f"{route}: add values for <{parameter}> to TEXT_VALUES")
    return paths


def test_every_url_for_every_role(client, foreign, town_user, sec_a, grid_user, grid_a1, member_user):
    users = {"anonymous": None, "town": town_user, "village": sec_a, "grid": grid_user, "member": member_user}
    query = f"?town={FOREIGN}&village={FOREIGN}&grid={FOREIGN}&figure=members&kind=members"
    failures, swept = [], set()
    for name, route, converters in patterns():
        if name in OPEN:
            continue
        for path in urls_of(route, converters):
            if "<" in path:
                continue
            swept.add(path)
            for who, user in users.items():
                client.logout()
                if user:
                    client.force_login(user)
                for method in ("get", "post"):
                    response = getattr(client, method)(path + query)
                    problem = judge(name, path, who, response)
                    if problem:
                        failures.append(f"{method.upper()} {path} as {who}: {problem}")
    assert len(swept) > 80  # every pattern was reached
    assert not failures, "\n".join(failures[:40])


def judge(name, path, who, response):
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status in (403, 404, 405):
        return None
    if status in (301, 302):
        target = response.url
        if "/login/" in target:
            return None
        if who == "anonymous":
            return f"redirect to {target} instead of the login page"
        return None if "/" + str(FOREIGN) not in target and str(FOREIGN) not in target else f"redirect to {target}"
    if name in PUBLIC:
        body = response.content.decode(errors="replace")
        return "an ID number or phone on a public page" if "13900009999" in body else None
    if str(FOREIGN) in path.split("?")[0]:
        return f"answered {status} for another town's record"
    body = response.content.decode(errors="replace") if "html" in response.get("Content-Type", "") else ""
    leaked = [m for m in MARKERS if m in body]
    return f"shows {leaked}" if leaked else None


def test_every_change_needs_the_csrf_token(foreign, sec_a, grid_a1):
    """A POST without Django's CSRF token is refused everywhere, before any view runs (none is exempt)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sec_a)
    accepted = []
    for _name, route, converters in patterns():
        for path in urls_of(route, converters):
            if "<" in path:
                continue
            response = client.post(path.replace(str(FOREIGN), str(grid_a1.pk)))
            if response.status_code != 403:
                accepted.append(f"{path}: {response.status_code}")
    assert not accepted, accepted
