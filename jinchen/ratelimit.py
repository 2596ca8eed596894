"""Counting requests per key in fixed windows, and who is asking.

The counts live in a cache table of the project's database (CACHES["ratelimit"]), so every web process on
every app server counts the same requests: a limit of 30 an hour is 30, not 30 per process.

The address counted is the client's, not the reverse proxy's: behind nginx every request comes from 127.0.0.1,
and counting that would give every resident of the county one shared budget. X-Forwarded-For is read only
when the request comes from a proxy listed in TRUSTED_PROXIES; anyone else could write whatever they like in it.
"""

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
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


@lru_cache(maxsize=1)
def _trusted(proxies):
    return [ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip()]


def _is_trusted(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def client_address(request):
    """The address the request came from: REMOTE_ADDR, or behind trusted proxies the nearest address in
    X-Forwarded-For that is not one of them (each proxy appends the address it was reached from)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(address):
        return address
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # not an address: written by someone, not by our proxy
                return address
    return address
