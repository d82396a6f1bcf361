"""The whole system's health, for load balancers and monitors (GET /salute/): the database, the
archive's storage, the task queue and the daily runs, each said ok or not with the reason, and an
error status naming the failing parts. Nothing in it names a customer or counts the business."""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from archive.storage import blob_storage
from lib import clock
from lifecycle.selectors import public_reason, runs_health

logger = logging.getLogger(__name__)
PROBE = b"conserva health probe\n"


@dataclasses.dataclass(frozen=True)
class Part:
    name: str
    ok: bool
    detail: str


def database() -> Part:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver's error: the point is to say it, not to crash
        logger.error("health: the database does not answer: %s", error)
        return Part("database", False, _("Il database non risponde."))
    return Part("database", True, connection.vendor)


def storage() -> Part:
    """Writes a small file through the archive's own interface (staged, made durable) and removes
    it: the storage is up, reachable with the configured credentials, and writable."""
    try:
        store = blob_storage()
        staging = store.stage()
        staging.write(PROBE)
        store.discard(staging.finish())
    except Exception as error:  # a folder not writable, S3 down or refusing the credentials
        logger.error("health: the archive's storage cannot be written: %s", error)
        return Part("storage", False, _("L'archivio non si può scrivere."))
    return Part("storage", True, settings.ARCHIVE_STORAGE_BACKEND.rsplit(".", 1)[-1])


def task_queue(now: datetime.datetime) -> Part:
    """Tasks ready and waiting: a queue whose oldest ready task waits longer than
    HEALTH_QUEUE_MAX_WAIT_SECONDS has no worker taking it (mails, charges would not leave)."""
    ready = DBTaskResult.objects.ready()
    depth = ready.count()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    waited = int((now - oldest).total_seconds()) if oldest else 0
    detail = _("%(depth)d in coda, la più vecchia da %(seconds)d s") % {"depth": depth, "seconds": waited}
    return Part("task_queue", waited <= settings.HEALTH_QUEUE_MAX_WAIT_SECONDS, detail)


def daily_runs(now: datetime.datetime) -> Part:
    health = runs_health(now)
    return Part("daily_run", health.ok, public_reason(health, now))


def system_health() -> list[Part]:
    now = clock.now()
    parts = [database()]
    if not parts[0].ok:  # the other checks read the database: they would only repeat it
        return parts
    return [*parts, storage(), task_queue(now), daily_runs(now)]
