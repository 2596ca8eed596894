import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from commitments.tests.test_printing import world  # noqa: F401  (village A at 群众定岗 with two members on post)
from posts.models import Rating

pytestmark = pytest.mark.django_db


def rows_of(response):
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return [dict(zip(rows[1], r, strict=True)) for r in rows[2:]]  # below the title row, the header


def test_round_exports(client, sec_a, world):  # noqa: F811
    a = world["assignments"][0]
    rating = Rating(
        assignment=a,
        period="2026年度",
        org_score=95,
        peer_score=92,
        resident_score=90,
        comment="=好",
        rated_on="2026-12-01",
        rated_by=sec_a,
    )
    rating.compute()
    rating.save()
    client.force_login(sec_a)
    posts = rows_of(client.get(reverse("posts:round-export", args=[world["round"].pk, "posts"])))
    assert posts[0]["岗位名称"] == "社会治安巡逻岗" and posts[0]["职数"] == 2 and "不定期巡逻" in posts[0]["工作责任"]
    people = rows_of(client.get(reverse("posts:round-export", args=[world["round"].pk, "assignments"])))
    assert {p["党员"] for p in people} == {"王䶮", "张𠈌"} and {p["状态"] for p in people} == {"在岗"}
    ratings = rows_of(client.get(reverse("posts:round-export", args=[world["round"].pk, "ratings"])))
    assert ratings == [
        {
            "网格": "第一网格",
            "党员": "王䶮",
            "岗位": "社会治安巡逻岗",
            "评议期间": "2026年度",
            "组织评分": 95,
            "党员评分": 92,
            "群众评分": 90,
            "综合得分": 92.6,
            "评定等次": "优秀",
            "评语": "'=好",
            "评议日期": datetime.datetime(2026, 12, 1),
        },
    ]


def test_round_exports_are_scoped(client, sec_b, grid_user, grid_a1, grid_a2, world):  # noqa: F811
    client.force_login(sec_b)
    assert client.get(reverse("posts:round-export", args=[world["round"].pk, "assignments"])).status_code == 404
    client.force_login(grid_user)  # a grid secretary exports their own grid, not the village
    url = reverse("posts:round-export", args=[world["round"].pk, "assignments"])
    assert client.get(url).status_code == 404
    assert len(rows_of(client.get(url + f"?grid={grid_a1.pk}"))) == 2
    assert client.get(url + f"?grid={grid_a2.pk}").status_code == 404
    assert client.get(url + "?grid=x").status_code == 404
    assert client.get(reverse("posts:round-export", args=[world["round"].pk, "secrets"])).status_code == 404
