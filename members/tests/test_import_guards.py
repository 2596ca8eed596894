"""The import page refuses, in Chinese and without saving anything, an upload with no file and a stale preview."""

import pytest

from members import imports
from members.models import ImportJob, Member
from members.tests.test_import_jobs import roster
from members.tests.test_imports import URL, upload, xlsx

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_no_file_chosen(client, sec_a, village_a, grid_a1):
    client.force_login(sec_a)
    response = client.post(str(URL) + f"?village={village_a.pk}", {})
    assert response.status_code == 200 and messages_of(response) == ["没有导入：请选择要导入的文件。"]
    assert 'type="file"' in response.text  # the upload form again
    assert not ImportJob.objects.exists() and not list((imports._store_dir()).iterdir())


@pytest.mark.parametrize("how", ["another session", "stored file gone", "forged token"])
def test_an_expired_or_forged_preview_is_refused(client, sec_a, village_a, grid_a1, how):
    client.force_login(sec_a)
    preview = upload(client, village_a, xlsx(roster(3)))
    token = preview.context["token"]
    assert [c.action for c in preview.context["checks"]] == ["新增"] * 3
    if how == "another session":  # signed in again (or the session timed out) before confirming
        client.logout()
        client.force_login(sec_a)
    elif how == "stored file gone":  # cleared from the server meanwhile
        imports.forget(token)
    else:  # a file elsewhere on the server, named through the store folder
        stored = imports._store_dir() / token
        token = "../" + token
        (stored.parent.parent / stored.name).write_bytes(stored.read_bytes())
    response = client.post(str(URL) + f"?village={village_a.pk}", {"token": token, "confirm": "1"})
    assert response.status_code == 200 and messages_of(response) == ["没有导入：预览已过期，请重新上传文件。"]
    assert not Member.objects.exists()
