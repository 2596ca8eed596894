"""Which version of a town's figures is current, for the dashboard figures kept in Django's cache.

Each town has a generation: a random value in the cache, replaced whenever something the dashboard counts
changes in that town (as zulip's cache flushes do). The dashboard keeps what it rendered under a key that
names the scope, the release, the day and the generations of the towns it covers, so a change shows at once
and an unchanged town's figures are reused. Saves and deletes of the counted models move the generation
through their signals (posts/dashboard.py connects them); the few writes that bypass signals (a bulk
import, a compare-and-set update) call `changed()` themselves. A generation lost from the cache is simply
a new one: figures are then computed afresh, never shown stale.

A transaction's changes move the generations once, when it commits: the records changed are noted (a model,
their keys and the path to their town) and their towns are looked up and moved together afterwards, so a
file of 500 needs or a round of 40 continuing members costs one lookup and one cache write, not 500. A
reader computing between the commit and the move keeps fresh figures under the old generation, which the
move then retires; nothing computed before the commit can be kept under the new one.
"""

import uuid
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction


def key(town_id):
    return f"figures:generation:{town_id}"


def changed(model, pks, path):
    """Records of `model` (their primary keys) changed; `path` leads from one to its town's id. The figures of
    their towns are computed afresh once this transaction commits (at once outside a transaction)."""
    connection = transaction.get_connection()
    if not hasattr(connection, "figures_pending"):
        connection.figures_pending = defaultdict(set)
    connection.figures_pending[model, path].update(pks)
    transaction.on_commit(flush, robust=True)  # the first to run moves them all; the others find nothing


def flush():
    """Move what this connection's committed changes noted. A rolled-back transaction's notes wait for the next
    commit: at worst a town's figures are computed once more than needed, never kept stale."""
    connection = transaction.get_connection()
    pending, connection.figures_pending = getattr(connection, "figures_pending", {}), defaultdict(set)
    if pending:
        move(pending)


def move(pending):
    """Give the towns of the noted records new generations: one lookup per kind of record, one cache write."""
    towns = set()
    for (model, path), pks in pending.items():
        towns.update(model._default_manager.filter(pk__in=pks).values_list(path, flat=True))
    towns.discard(None)
    if towns:
        cache.set_many({key(t): uuid.uuid4().hex for t in towns}, timeout=None)


def generations(town_ids):
    """{town id: its current generation}, in one cache read; a town without one gets one."""
    keys = {key(t): t for t in set(town_ids)}
    found = cache.get_many(keys)
    missing = {k: uuid.uuid4().hex for k in keys if k not in found}
    if missing:
        cache.set_many(missing, timeout=None)
    return {keys[k]: v for k, v in {**found, **missing}.items()}
