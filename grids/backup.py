"""Backups: the database (SQLite or PostgreSQL) and the archived files, in one dated .tar.gz.

A backup holds `db.sqlite3` (SQLite's online backup, consistent while the site runs) or `db.dump`
(pg_dump's custom format), everything under MEDIA_ROOT (the issued PDFs among it) but uploads waiting to be
imported, and `manifest.json` with the row counts a restore checks itself against.
A restore goes into an empty database only.
"""

import datetime
import io
import json
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import dj_database_url
import psycopg2
from django.conf import settings
from django.db import connection

# What a restore counts to show that nothing was lost.
COUNTED = {
    "members_member": "党员",
    "posts_roundlog": "阶段变更记录",
    "posts_assignmentlog": "岗位状态记录",
    "commitments_issueddocument": "已印发文件",
    "posts_assignment": "申报与定岗",
    "grids_grid": "网格",
}


def without_uploads(info):
    """Uploads waiting to be imported (media/imports: whole ID numbers, deleted after a day) stay out of backups."""
    return None if info.name == "media/imports" or info.name.startswith("media/imports/") else info


class BackupError(Exception):
    """Said in Chinese: why a backup or restore cannot go on."""


def counts(cursor):
    result = {}
    for table in COUNTED:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (our own table names)
        result[table] = cursor.fetchone()[0]
    return result


def backup(directory):
    """Write jinchen-<date>-<time>.tar.gz into `directory`; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = directory / f"jinchen-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp, connection.cursor() as cursor:
        manifest = {"vendor": connection.vendor, "created": stamp, "counts": counts(cursor)}
        if connection.vendor == "sqlite":
            dump = Path(tmp) / "db.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(dump) as out:
                connection.connection.backup(out)
        elif connection.vendor == "postgresql":
            dump = Path(tmp) / "db.dump"
            run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), pg_url()])
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        with tarfile.open(target, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                tar.add(media, arcname="media", filter=without_uploads)
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def restore(file, database_url=None):
    """Load a backup into an empty database (the project's, or `database_url`); returns the counts found."""
    target = dj_database_url.parse(database_url) if database_url else settings.DATABASES["default"]
    vendor = "postgresql" if "postgresql" in target["ENGINE"] else "sqlite" if "sqlite" in target["ENGINE"] else ""
    with tarfile.open(file, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        if manifest["vendor"] != vendor:
            raise BackupError(f"这份备份来自 {manifest['vendor']}，不能恢复到 {vendor or '这个'} 数据库。")
        tar.extractall(tmp, filter="data")
        if vendor == "sqlite":
            path = Path(target["NAME"])
            if path.exists() and path.stat().st_size and sqlite_tables(path):
                raise BackupError(f"目标数据库 {path} 不是空的：只能恢复到空数据库。")
            with sqlite3.connect(Path(tmp) / "db.sqlite3") as source, sqlite3.connect(path) as out:
                source.backup(out)
            with sqlite3.connect(path) as db:
                found = counts(db.cursor())
        else:
            dsn = pg_url(target)
            with psycopg2.connect(dsn) as db, db.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                if cursor.fetchone()[0]:
                    raise BackupError("目标数据库不是空的：只能恢复到空数据库。")
            db.close()
            run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--dbname",
                    dsn,
                    str(Path(tmp) / "db.dump"),
                ]
            )
            with psycopg2.connect(dsn) as db, db.cursor() as cursor:
                found = counts(cursor)
            db.close()
        media = Path(tmp) / "media"
        if media.exists():
            copy_tree(media, Path(settings.MEDIA_ROOT))
    if found != manifest["counts"]:
        raise BackupError(f"恢复后的记录数与备份时不一致：备份时 {manifest['counts']}，恢复后 {found}。")
    return found


def sqlite_tables(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def copy_tree(source, target):
    for item in source.rglob("*"):
        if item.is_file():
            out = target / item.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not out.exists():
                out.write_bytes(item.read_bytes())


def pg_url(config=None):
    config = config or settings.DATABASES["default"]
    user, password = config.get("USER") or "", config.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = config.get("HOST") or ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{config['NAME']}"


def run(command):
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        raise BackupError(f"{command[0]} 出错：{out.stderr.strip()[-500:]}")
    return out.stdout.strip()
