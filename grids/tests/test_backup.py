"""make backup writes a dated dump; make restore loads it into an empty database with nothing missing."""

import sqlite3
import tarfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from commitments.models import DocumentKind, IssuedDocument
from grids.backup import BackupError, pg_url, restore
from members.models import Member
from posts.models import RoundLog, Stage
from posts.tests.test_pages import make_round

# pg_dump sees committed rows only: these tests commit theirs.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def data(sec_a, village_a, grid_a1, make_member):
    for n in range(3):
        make_member(grid_a1, name=f"党员{n}")
    round = make_round(village_a)
    RoundLog.objects.create(round=round, from_stage=Stage.SURVEY, to_stage=Stage.APPLICATION, by=sec_a)
    document = IssuedDocument.archive(
        b"%PDF-1.4 backup",
        1,
        "notice.pdf",
        kind=DocumentKind.NOTICE,
        title="公示",
        town=village_a.town,
        village=village_a,
        purpose="测试",
        issued_by=sec_a,
    )
    return document


def test_backup_and_restore(data, tmp_path, settings):
    waiting = Path(settings.MEDIA_ROOT) / "imports" / "upload.csv"  # an upload not yet imported: whole ID numbers
    waiting.parent.mkdir(parents=True, exist_ok=True)
    waiting.write_text("姓名,公民身份号码\n")
    call_command("backup", dir=str(tmp_path / "backups"))
    [file] = (tmp_path / "backups").glob("jinchen-*.tar.gz")
    with tarfile.open(file) as tar:
        assert not [n for n in tar.getnames() if n.startswith("media/imports")]  # it stays out of backups
    archived = Path(data.file.path).read_bytes()
    expected = {"members_member": 3, "posts_roundlog": 1, "commitments_issueddocument": 1}
    settings.MEDIA_ROOT = tmp_path / "restored-media"  # restore onto a machine without the files
    if connection.vendor == "sqlite":
        target = tmp_path / "restored.sqlite3"
        found = restore(file, f"sqlite:///{target}")
        with sqlite3.connect(target) as db:
            names = {n for (n,) in db.execute("SELECT name FROM members_member")}
            sha = db.execute("SELECT sha256 FROM commitments_issueddocument").fetchone()[0]
    else:
        name = f"restore_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(pg_url(connection.settings_dict | {"NAME": "postgres"}))
        admin.autocommit = True
        admin.cursor().execute(f"CREATE DATABASE {name}")
        url = pg_url(connection.settings_dict | {"NAME": name})
        try:
            found = restore(file, url)
            with psycopg2.connect(url) as db, db.cursor() as cursor:
                cursor.execute("SELECT name FROM members_member")
                names = {n for (n,) in cursor.fetchall()}
                cursor.execute("SELECT sha256 FROM commitments_issueddocument")
                sha = cursor.fetchone()[0]
            db.close()
        finally:
            admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
            admin.close()
    assert {t: found[t] for t in expected} == expected
    assert names == {m.name for m in Member.objects.all()} and sha == data.sha256
    restored_pdf = settings.MEDIA_ROOT / data.file.name
    assert restored_pdf.read_bytes() == archived  # the archived PDF, byte for byte


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an occupied SQLite file")
def test_restore_refuses_a_database_that_is_not_empty(data, tmp_path):
    call_command("backup", dir=str(tmp_path))
    [file] = tmp_path.glob("jinchen-*.tar.gz")
    occupied = tmp_path / "occupied.sqlite3"
    with sqlite3.connect(occupied) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="不是空的"):
        restore(file, f"sqlite:///{occupied}")
