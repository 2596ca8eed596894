"""One version of all the data, and what is reused from the cache while it holds.

Pages and dashboard figures kept in the shared cache are stored with the version they were rendered under
and reused only while it is still current. Every write moves the version on: a wrapper on each database
connection sees every INSERT, UPDATE and DELETE, whatever sent it (model saves, QuerySet.update(), bulk
inserts, raw SQL, the workers), and moves the version once the transaction commits; until then, reads in
the same transaction add a mark of its latest write to the version, so they never reuse what it changed.
Writes to tables no cached page shows (sessions, the cache itself, login attempts, the download log) do
not count.

A version is never empty: if the cache has lost it, a fresh one is set and nothing stored before is reused.
"""

import atexit
import functools
import hashlib
import re
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

KEY = "data:version"

WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)', re.IGNORECASE)
CACHE_TABLE = settings.CACHES["default"].get("LOCATION", "")
UNCOUNTED_TABLES = ("django_session", "axes_", "grids_auditevent", CACHE_TABLE)


def data_changed(**kwargs):
    version = uuid.uuid4().hex
    cache.set(KEY, version, None)
    return version


def reuse(key, seconds, render, keep=lambda value: True):
    """`render()`'s value, reused from the cache while the data has not changed (one query when reused).

    A value for which keep(value) is false is used once and not stored.
    """
    found = cache.get_many([KEY, key])
    version = found.get(KEY)
    if version is None:  # never set, or lost from the cache: start a new one
        version = data_changed()
    version += uncommitted(connections[DEFAULT_DB_ALIAS])
    if key in found and found[key][0] == version:
        return found[key][1]
    value = render()
    if keep(value):
        cache.set(key, (version, value), seconds)
    return value


def reused_page(view):
    """A signed-in person's page, reused while the data has not changed (PAGE_CACHE_SECONDS, 0 = never).

    What a page shows depends on the data, on who reads it (their scope and role), on the day (stages and
    deadlines count days) and on the form tokens in it, which are masked forms of the person's CSRF cookie.
    So a page is kept per person, address, day and CSRF cookie, and reused only while the data version holds
    (every write moves it, above). A request carrying messages to show, or without a CSRF cookie the
    server accepted, gets the view itself; so does everything but a plain 200 HTML page.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if (
            not seconds
            or request.method != "GET"
            or not request.user.is_authenticated
            or not cookie
            or request.META.get("CSRF_COOKIE") != cookie
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or len(messages.get_messages(request))
        ):
            return view(request, *args, **kwargs)
        who = f"{request.user.pk}|{cookie}|{request.get_full_path()}|{request.headers.get('HX-Request', '')}"
        key = "page:" + hashlib.sha256(f"{who}|{timezone.localdate()}|{code_version()}".encode()).hexdigest()
        render = functools.partial(view, request, *args, **kwargs)
        return reuse(key, seconds, render, keep=functools.partial(keeps, request))

    return wrapper


@functools.cache
def code_version():
    """A digest of the project's code, templates and static files manifest, once per process: a page that
    another release rendered (before a deployment, or on a server not yet updated) is never reused."""
    digest = hashlib.sha256()
    roots = [Path(c.path) for c in apps.get_app_configs() if Path(c.path).parent == settings.BASE_DIR]
    roots += [Path(__file__).parent, *(Path(d) for t in settings.TEMPLATES for d in t["DIRS"])]
    files = sorted({p for root in roots for p in root.rglob("*") if p.suffix in (".py", ".html")})
    files += [p for p in [Path(settings.STATIC_ROOT or "", "staticfiles.json")] if settings.STATIC_ROOT and p.exists()]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def keeps(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not response.has_header("Content-Disposition")
        and not len(messages.get_messages(request))  # the view left a message for the next page
    )


def uncommitted(connection):
    """Inside a transaction that has written, a mark of its latest write (only this connection sees it)."""
    pending = any(entry[1] is data_changed for entry in connection.run_on_commit)
    return "+" + connection.uncommitted_writes if pending else ""


def counted(sql):
    match = WRITE.match(sql)
    return bool(match) and not match.group(1).lower().startswith(UNCOUNTED_TABLES)


def cache_ready(connection):
    """Whether the cache table exists yet: not while `migrate` builds a new database (tests, first deploy)."""
    if not getattr(connection, "cache_table_ready", False):
        connection.cache_table_ready = CACHE_TABLE in connection.introspection.table_names()
    return connection.cache_table_ready


def watch_writes(execute, sql, params, many, context):
    connection = context["connection"]
    if not connection.in_atomic_block:
        catch_up(connection)
    result = execute(sql, params, many, context)
    if sql[:1] in "IUDiud " and counted(sql) and cache_ready(connection):
        if connection.in_atomic_block:  # others see the change at commit; this transaction's reads at once
            if not uncommitted(connection):
                transaction.on_commit(data_changed, using=connection.alias)
            connection.uncommitted_writes = uuid.uuid4().hex
        else:  # written already; moved on at the next safe point (not while the statement's rows are read)
            connection.version_behind = True
    return result


def catch_up(connection=None, **kwargs):
    """Move the version on for writes made outside a transaction: before the connection's next statement,
    at the end of each request and each task, and when the process exits."""
    for each in [connection] if connection else connections.all(initialized_only=True):
        if getattr(each, "version_behind", False):
            each.version_behind = False
            data_changed()


def watch(sender, connection, **kwargs):
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def watch_all():
    """Watch every connection: those opened from now on, and this thread's already open."""
    from django_tasks.signals import task_finished

    connection_created.connect(watch, dispatch_uid="jinchen-versions")
    request_finished.connect(catch_up, dispatch_uid="jinchen-versions")
    task_finished.connect(catch_up, dispatch_uid="jinchen-versions")
    atexit.register(catch_up)
    for connection in connections.all(initialized_only=True):
        watch(None, connection)
