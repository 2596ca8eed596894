"""Large files: checked and imported by the worker, with a page that shows progress, errors and the result."""

import pytest
from django.urls import reverse

from conftest import new_id_number
from members import imports
from members.models import ImportJob, ImportStatus, Member
from members.tests.test_imports import URL, upload, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 5


def roster(n, bad_at=None):
    rows = [["姓名", "公民身份号码", "网格", "文化程度", "入党时间"]]
    for i in range(n):
        number = "110105194912310021" if i == bad_at else new_id_number()
        rows.append([f"党员{i}", number, "第一网格", "高中", "1990-07-01"])
    return rows


def test_large_file_is_checked_then_imported_in_the_background(
    client, sec_a, village_a, grid_a1, django_capture_on_commit_callbacks
):
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True) as queued:  # the worker's check, run at once here
        response = upload(client, village_a, xlsx(roster(12)))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url() and len(queued) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.rows_checked == 12 and job.counts["新增"] == 12
    assert not Member.objects.exists()  # nothing before confirmation
    page = client.get(job.get_absolute_url())
    assert "检查通过：共12行，将新增12条" in page.text and "确认导入" in page.text and "hx-trigger" not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.finished_at and Member.objects.count() == 12
    assert all(m.history.get().history_user == sec_a for m in Member.objects.all())
    done = client.get(job.get_absolute_url()).text
    assert "导入完成：新增12条" in done and reverse("posts:village", args=[village_a.pk]) in done
    with django_capture_on_commit_callbacks(execute=True):  # confirming twice imports nothing twice
        again = client.post(job.get_absolute_url(), follow=True)
    assert "不能导入" in again.text and Member.objects.count() == 12
    assert "最近的后台导入" in client.get(str(URL) + f"?village={village_a.pk}").text


def test_large_file_with_an_error_lists_it_and_cannot_be_confirmed(
    client, sec_a, village_a, grid_a1, django_capture_on_commit_callbacks
):
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, village_a, xlsx(roster(12, bad_at=3)))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKED and job.error_rows == 1
    assert job.errors[0][:2] == [5, "公民身份号码"] and "校验位不正确" in job.errors[0][2]
    page = client.get(job.get_absolute_url()).text
    assert "其中1行有错误" in page and "第5行" in page and 'type="submit">确认导入' not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and not Member.objects.exists()


def test_progress_while_checking_and_a_clear_failure(client, sec_a, village_a, grid_a1, monkeypatch):
    client.force_login(sec_a)
    upload(client, village_a, xlsx(roster(12)))  # queued, not run: the worker has not started yet
    job = ImportJob.objects.get()
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).text
    assert 'hx-trigger="every 1s"' in partial and "已检查 0 行，共 12 行" in partial and "<html" not in partial
    calls = []
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 4)
    rows = imports.read_stored(job.token, "members")
    imports.check_member_rows(rows, imports.scope_grids(sec_a, village_a), sec_a, progress=calls.append)
    assert calls == [4, 8]
    # The stored file is gone (cleared by an administrator): the job ends with a reason, not 正在检查 for ever.
    imports.forget(job.token)
    imports.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "重新上传" in job.message
    assert "没有导入" in client.get(job.get_absolute_url()).text


def test_a_job_is_seen_only_by_who_uploaded_it(client, sec_a, sec_b, village_a, grid_a1):
    client.force_login(sec_a)
    upload(client, village_a, xlsx(roster(12)))
    job = ImportJob.objects.get()
    client.force_login(sec_b)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(job.get_absolute_url()).status_code == 404


def test_a_job_that_crashes_while_saving_says_so_and_saves_nothing(
    client, sec_a, village_a, grid_a1, make_member, monkeypatch, django_capture_on_commit_callbacks
):
    changed = make_member(grid_a1, name="钱国强", phone="")
    rows = [[*row, "13912345678"] for row in roster(12)]
    rows[0][-1] = "联系电话"
    rows[1][:2] = ["钱国强", changed.id_number]  # one row updates a member already on the roster, 11 are new
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, village_a, xlsx(rows))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKED and job.counts == {"新增": 11, "更新": 1, "不变": 0}
    history = Member.history.count()

    def crash(*args, **kwargs):  # the new members are written, then the worker fails (disk full, lost connection…)
        real(*args, **kwargs)
        raise OSError("磁盘已满")

    real = imports.bulk_create_with_history
    monkeypatch.setattr(imports, "bulk_create_with_history", crash)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.finished_at
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).text
    assert "没有导入：处理时出错，没有导入任何数据。请重新上传" in page and "hx-trigger" not in page
    assert list(Member.objects.all()) == [changed] and Member.history.count() == history  # nothing half-saved
    changed.refresh_from_db()
    assert changed.phone == ""  # the update of the member already there was rolled back too
