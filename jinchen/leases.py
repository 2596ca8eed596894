"""Claimed background work expires unless its worker keeps renewing the claim: a lease with a heartbeat.

A worker that claims a batch part or an import job writes its name and `lease_until` on the row and renews it
every quarter of TASK_LEASE_SECONDS while it works, from a thread of its own (a render holds the main thread for
seconds). A worker killed with SIGKILL, or cut off from the database, stops renewing: once the lease has run
out, any worker's sweep (`manage.py worker`) queues the work again, and the late finisher of the old claim
changes nothing, because every write of a claim names the claim (worker and attempt) in its filter.
Both `commitments` and `members` use this, hence its place here.
"""

import logging
import os
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# The database went away (PostgreSQL restarting, the network gone) or is busy: the claim lapses and the work is
# taken again once it is back, rather than failing the person's batch or import.
OUTAGE = (OperationalError, InterfaceError)
# A piece of work whose worker died this many times is given up with a reason (it may be what kills them).
MAX_CLAIMS = 3


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_end():
    return timezone.now() + timedelta(seconds=settings.TASK_LEASE_SECONDS)


@contextmanager
def renewing(claim):
    """While the block runs, push `lease_until` of the row(s) in the queryset `claim` forward every quarter lease."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.TASK_LEASE_SECONDS / 4):
                try:
                    claim.update(lease_until=lease_end())
                except DatabaseError as error:  # missed beats only shorten the lease; the work goes on
                    logger.warning("无法续期后台任务的租约：%s", error)
                    connections.close_all()  # this thread's own: the next beat connects afresh
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name="lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
