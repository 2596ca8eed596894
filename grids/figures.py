"""Which version of a town's figures is current, for the dashboard figures kept in Django's cache.

Each town has a generation: a random value in the cache, replaced whenever something the dashboard counts
changes in that town (as zulip's cache flushes do). The dashboard keeps what it rendered under a key that
names the scope, the release, the day and the generations of the towns it covers, so a change shows at once
and an unchanged town's figures are reused. Saves and deletes of the counted models move the generation
through their signals (posts/dashboard.py connects them); the few writes that bypass signals (a bulk
import, a compare-and-set update) call `changed()` themselves. A generation lost from the cache is simply
a new one: figures are then computed afresh, never shown stale.

The cache is a table in the same database (DatabaseCache), so a generation moved inside a transaction moves
when the change commits, and not at all if it rolls back: no reader can keep figures of the old data under
the new generation.
"""

import uuid

from django.core.cache import cache


def key(town_id):
    return f"figures:generation:{town_id}"


def changed(town_ids):
    """The figures of these towns changed: the dashboards covering them are computed afresh."""
    cache.set_many({key(t): uuid.uuid4().hex for t in set(town_ids) if t is not None}, timeout=None)


def generations(town_ids):
    """{town id: its current generation}, in one cache read; a town without one gets one."""
    keys = {key(t): t for t in set(town_ids)}
    found = cache.get_many(keys)
    missing = {k: uuid.uuid4().hex for k in keys if k not in found}
    if missing:
        cache.set_many(missing, timeout=None)
    return {keys[k]: v for k, v in {**found, **missing}.items()}


def changed_in_villages(villages):
    """The same, for the towns of these villages (ids, or a query of ids): for writes that send no signal."""
    from .models import Village

    changed(Village.objects.filter(pk__in=villages).values_list("town_id", flat=True))
