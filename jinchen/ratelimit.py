"""Counting requests per key in fixed windows, in each process's memory: cheap, and a flood of requests to
the public pages never reaches the database. With several app processes each counts on its own, so the
limit holds per process — enough to stop a flood, which is what it is for."""

import time

from django.core.cache import caches


def allow(key, limit, seconds):
    """True if this is at most the `limit`-th request for `key` in the current window of `seconds`."""
    cache = caches["ratelimit"]
    window = int(time.time() // seconds)
    name = f"{key}:{window}"
    if cache.add(name, 1, seconds + 1):
        return True
    try:
        return cache.incr(name) <= limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, seconds + 1)
        return True
