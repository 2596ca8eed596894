"""`manage.py worker`: django-tasks-db's `db_worker`, with the same options, made to keep going through faults.

Two things are added around the library's loop, nothing inside it:

- A database error that ends the loop (PostgreSQL restarting, the network gone) no longer ends the process: it
  drops its connections and starts the loop again after 1, 2, 4 … 30 s. A task cut off mid-way leaves its
  claim behind, which the sweep below takes back.
- A thread sweeps every quarter of TASK_LEASE_SECONDS for work whose worker stopped renewing its lease (killed,
  out of memory, its machine gone) and queues it again: batch prints (commitments.services.recover_batches)
  and large imports (members.imports.recover_jobs).

Anything else that ends the process is for its supervisor to restart (systemd `Restart=always`, README).
It lives in `commitments`, the app that may call into `members`.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands import db_worker

from commitments.services import recover_batches
from jinchen.leases import OUTAGE
from members.imports import recover_jobs

logger = logging.getLogger(__name__)

LONGEST_WAIT = 30  # seconds between attempts to reach the database, at most
CALM = 60  # a loop that ran this long before failing starts waiting from 1 s again


def sweep_forever():
    while True:
        try:
            recover_batches()
            recover_jobs()
        except Exception:
            logger.exception("后台任务巡检出错，稍后重试")
            connections.close_all()  # this thread's own
        time.sleep(settings.TASK_LEASE_SECONDS / 4)


class Command(db_worker.Command):
    help = "运行后台任务进程（db_worker），数据库中断后自动重连，并接手已停止的进程留下的任务"

    def handle(self, *args, **options):
        threading.Thread(target=sweep_forever, name="sweep", daemon=True).start()
        wait = 1
        while True:
            started = time.monotonic()
            try:
                return super().handle(*args, **options)
            except OUTAGE as error:
                if time.monotonic() - started > CALM:
                    wait = 1
                logger.warning("数据库不可用（%s），%s 秒后重试", str(error).strip(), wait)
                connections.close_all()
                time.sleep(wait)
                wait = min(2 * wait, LONGEST_WAIT)
