"""On PostgreSQL the database itself refuses to change or remove the transition logs and the archive."""

import pytest
from django.db import DatabaseError, connection, transaction

from commitments.models import DocumentKind, IssuedDocument
from posts.models import AssignmentLog, RoundLog, Stage, Status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"),
]


def refused(sql, params):
    with pytest.raises(DatabaseError, match="只能追加记录"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_logs_and_archive_refuse_update_and_delete(sec_a, grid_a1, village_a, make_member):
    round = make_round(village_a)
    log = RoundLog.objects.create(round=round, from_stage=Stage.SURVEY, to_stage=Stage.APPLICATION, by=sec_a)
    a = apply(round, make_member(grid_a1), make_post(grid_a1), sec_a)
    a_log = AssignmentLog.objects.create(assignment=a, to_status=Status.APPLIED, by=sec_a)
    fields = {
        "kind": DocumentKind.NOTICE,
        "title": "公示",
        "town": village_a.town,
        "village": village_a,
        "purpose": "测试",
        "issued_by": sec_a,
    }
    document = IssuedDocument.archive(b"%PDF-1.4 test", 1, "notice.pdf", **fields)
    for table, pk in (
        ("posts_roundlog", log.pk),
        ("posts_assignmentlog", a_log.pk),
        ("commitments_issueddocument", document.pk),
    ):
        refused(f"UPDATE {table} SET id = id WHERE id = %s", [pk])
        refused(f"DELETE FROM {table} WHERE id = %s", [pk])
    # Through the ORM as well, and adding goes on working.
    with pytest.raises(DatabaseError), transaction.atomic():
        RoundLog.objects.filter(pk=log.pk).delete()
    RoundLog.objects.create(round=round, from_stage=Stage.APPLICATION, to_stage=Stage.DELIBERATION, by=sec_a)
    assert RoundLog.objects.count() == 2


def test_logs_and_archive_refuse_truncate():
    for table in ("posts_roundlog", "posts_assignmentlog", "commitments_issueddocument"):
        refused(f"TRUNCATE {table} CASCADE", [])
    # The tests' own route (a superuser's, conftest.py) still empties them.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE posts_roundlog CASCADE")
