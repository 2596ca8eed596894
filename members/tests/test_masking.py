"""Whole ID numbers and phones: only the secretary of the member's village sees and edits them (issue 20).

A grid secretary edits the rest of a member's record with the numbers shown masked, and saving keeps the stored
numbers; the member's page, the audit log and the exports mask them for everyone.
"""

import pytest
from django.urls import reverse

from members.models import Member
from members.tests.test_member_form import form_data

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def member(make_member, grid_a1):
    return make_member(grid_a1, name="赵红梅", phone=PHONE)


def edit_page(client, member):
    return client.get(reverse("members:member-edit", args=[member.pk]))


def test_the_village_secretary_sees_and_edits_the_whole_numbers(login, sec_a, member):
    client = login(sec_a)
    page = edit_page(client, member)
    assert member.id_number in page.text and PHONE in page.text
    detail = client.get(reverse("members:member", args=[member.pk]))
    assert member.id_number not in detail.text and PHONE not in detail.text and "修改页显示完整号码" in detail.text
    data = form_data(member.grid, name=member.name, id_number=member.id_number, phone="13800001111")
    assert client.post(reverse("members:member-edit", args=[member.pk]), data).status_code == 302
    member.refresh_from_db()
    assert member.phone == "13800001111"


def test_a_grid_secretary_sees_them_masked_everywhere(login, grid_user, member):
    client = login(grid_user)
    for url in (reverse("members:member-edit", args=[member.pk]), reverse("members:member", args=[member.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert member.id_number not in page.text and PHONE not in page.text, url
        assert member.masked_id_number in page.text and member.masked_phone in page.text, url
    assert "修改页显示完整号码" not in client.get(reverse("members:member", args=[member.pk])).text
    page = client.get(reverse("members:members-export") + f"?grid={member.grid_id}")
    assert page.status_code == 200 and member.id_number.encode() not in page.content


def test_a_grid_secretary_edits_the_rest_and_the_numbers_stay(login, grid_user, member):
    id_number = member.id_number
    client = login(grid_user)
    # What the browser sends back: the form's own fields (the masked ones are not inputs it may change), and a
    # crafted request carrying other numbers changes nothing either.
    data = form_data(member.grid, name="赵红梅", address="金城村三组1号", id_number="11010519491231002X", phone="1")
    response = client.post(reverse("members:member-edit", args=[member.pk]), data)
    assert response.status_code == 302, response.content.decode()
    member.refresh_from_db()
    assert (member.address, member.id_number, member.phone) == ("金城村三组1号", id_number, PHONE)
    # The change history, as the app wrote it: the grid secretary changed the address, not the numbers.
    rows = list(member.history.filter(history_user=grid_user))
    assert rows and all(r.history_type == "~" for r in rows)
    assert {(r.address, r.id_number, r.phone) for r in rows} == {("金城村三组1号", id_number, PHONE)}


def test_the_form_keeps_checking_the_stored_number(login, grid_user, member):
    """Birth date and gender still follow the stored ID number, though the grid secretary cannot see it whole."""
    client = login(grid_user)
    data = form_data(member.grid, name=member.name, birth_date="1999-01-01", joined_on="1992-07-01")
    page = client.post(reverse("members:member-edit", args=[member.pk]), data)
    assert "出生日期与身份证号不一致" in page.text
    assert Member.objects.get(pk=member.pk).birth_date == member.birth_date


def test_a_grid_secretary_still_types_a_new_members_numbers(login, grid_user, grid_a1):
    client = login(grid_user)
    assert 'name="id_number"' in client.get(reverse("members:member-create", args=[grid_a1.pk])).text
    data = form_data(grid_a1)
    assert client.post(reverse("members:member-create", args=[grid_a1.pk]), data).status_code == 302
    assert Member.objects.get(name="赵红梅").id_number == data["id_number"]


def test_another_villages_secretary_gets_404(login, sec_b, member):
    assert edit_page(login(sec_b), member).status_code == 404


def test_the_audit_log_masks_a_members_phone(login, sec_a, town_user, member):
    client = login(sec_a)
    data = form_data(member.grid, name=member.name, id_number=member.id_number, phone="13800001111")
    assert client.post(reverse("members:member-edit", args=[member.pk]), data).status_code == 302
    for user in (sec_a, town_user):
        page = login(user).get(reverse("posts:audit-log"))
        assert "138****1111" in page.text and "139****5678" in page.text
        assert "13800001111" not in page.text and PHONE not in page.text and member.id_number not in page.text
