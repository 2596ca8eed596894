"""Uploaded files hold whole ID numbers: only the server's account reads them, and one never imported is gone
after a day."""

import os
import stat
import time
from io import StringIO

import pytest
from django.core.management import call_command

from members import imports
from members.models import Member
from members.tests.test_import_jobs import roster
from members.tests.test_imports import URL, confirm, upload, xlsx

pytestmark = pytest.mark.django_db


def test_an_upload_is_kept_0600_and_deleted_a_day_later_unless_imported(client, sec_a, village_a, grid_a1):
    old = os.umask(0o022)  # the usual umask would leave it 0644
    try:
        client.force_login(sec_a)
        stale = upload(client, village_a, xlsx(roster(3))).context["token"]
        fresh = upload(client, village_a, xlsx(roster(2))).context["token"]
    finally:
        os.umask(old)
    folder = imports._store_dir()
    assert stat.S_IMODE((folder / stale).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    day_ago, hour_ago = time.time() - 25 * 3600, time.time() - 3600  # by the clock the tests set, as the command's
    os.utime(folder / stale, (day_ago, day_ago))
    os.utime(folder / fresh, (hour_ago, hour_ago))
    out = StringIO()
    call_command("clean_uploads", stdout=out)
    assert "已删除1个" in out.getvalue()
    assert sorted(p.name for p in folder.iterdir()) == [fresh]
    # The stale preview asks for the file again; the fresh one imports.
    page = client.post(str(URL) + f"?village={village_a.pk}", {"token": stale, "confirm": "1"})
    assert [str(m) for m in page.context["messages"]] == ["没有导入：预览已过期，请重新上传文件。"]
    fresh_preview = upload(client, village_a, xlsx(roster(2)))
    assert confirm(client, village_a, fresh_preview).status_code == 302 and Member.objects.count() == 2
    call_command("clean_uploads", stdout=StringIO())  # safe to run twice
