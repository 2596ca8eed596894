import io

import openpyxl
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def masked(number):
    """What lists and exports may show of an ID number, written out here: the first and last four characters."""
    return number[:4] + "*" * 10 + number[-4:]


def sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[1], rows[2:]  # below the title row, the header


def test_grid_roster_exports_with_chinese_headers_and_masked_numbers(client, sec_a, grid_a1, make_member):
    member = make_member(grid_a1, name="陈德福", cadre_post="committee_member", phone="13912345678")
    client.force_login(sec_a)
    response = client.get(reverse("members:members-export") + f"?grid={grid_a1.pk}")
    assert "%E5%85%9A%E5%91%98%E5%90%8D%E5%86%8C.xlsx" in response["Content-Disposition"]  # 党员名册.xlsx
    header, rows = sheet(response)
    assert header[:6] == ("村", "所在网格", "姓名", "性别", "民族", "公民身份号码")
    row = dict(zip(header, rows[0], strict=True))
    assert (
        row["姓名"] == "陈德福"
        and row["公民身份号码"] == masked(member.id_number)  # even for the grid's own secretary
        and row["联系电话"] == "139****5678"
        and row["设岗条件"] == "不符合：担任村委委员"
    )


def test_town_committee_gets_masked_ids_and_only_its_town(client, town_user, town, grid_a1, grid_b1, make_member):
    a, b = make_member(grid_a1, name="甲"), make_member(grid_b1, name="乙")
    client.force_login(town_user)
    header, rows = sheet(client.get(reverse("members:members-export") + f"?town={town.pk}"))
    ids = [dict(zip(header, r, strict=True))["公民身份号码"] for r in rows]
    assert sorted(ids) == sorted([masked(a.id_number), masked(b.id_number)]) and a.id_number not in ids


def test_cells_that_would_run_as_formulas_are_defused(client, sec_a, grid_a1, make_member, make_need):
    make_member(grid_a1, name='=HYPERLINK("http://evil")', address="+1+1", note="@SUM(A1)")
    make_need(grid_a1, issue="-2+3 路灯坏了")
    client.force_login(sec_a)
    header, rows = sheet(client.get(reverse("members:members-export") + f"?grid={grid_a1.pk}"))
    row = dict(zip(header, rows[0], strict=True))
    assert row["姓名"] == '\'=HYPERLINK("http://evil")' and row["家庭住址"] == "'+1+1" and row["备注"] == "'@SUM(A1)"
    header, rows = sheet(client.get(reverse("members:needs-export") + f"?grid={grid_a1.pk}"))
    assert dict(zip(header, rows[0], strict=True))["群众反映的问题或意见"] == "'-2+3 路灯坏了"


@pytest.mark.parametrize("query", ["?village={b}", "?grid={g}", "?village=abc", "", "?town=999"])
def test_exports_out_of_scope_or_malformed_are_404(client, sec_a, grid_b1, query):
    client.force_login(sec_a)
    url = reverse("members:members-export") + query.format(b=grid_b1.village_id, g=grid_b1.pk)
    assert client.get(url).status_code == 404
    assert client.get(url.replace("members.xlsx", "needs.xlsx")).status_code == 404


def test_village_export_query_count_does_not_grow(
    client, sec_a, village_a, grid_a1, make_member, django_assert_max_num_queries
):
    client.force_login(sec_a)
    url = reverse("members:members-export") + f"?village={village_a.pk}"
    for _ in range(30):
        make_member(grid_a1)
    # session, user, village, can-edit, members, their specialties (+ savepoints)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
