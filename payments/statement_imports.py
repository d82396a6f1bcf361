"""Statements uploaded by operators: read at once (a file that cannot be imported is refused on
the upload page), then registered by a task, with the import's state for the admin to show."""

import hashlib
import logging

from django.db import transaction
from django_tasks import task

from accounts.models import User
from lib import clock
from payments.camt053 import StatementError
from payments.models import StatementImport
from payments.transfers import statement_import, statement_read

logger = logging.getLogger(__name__)
Status = StatementImport.Status


@transaction.atomic
def statement_upload(*, file_name: str, data: bytes, operator: User) -> StatementImport:
    """Checks the file now and queues its import; raises StatementError when it cannot be imported."""
    statement = statement_read(data)
    job = StatementImport.objects.create(
        file_name=file_name[:200],
        data=data,
        file_sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=operator,
        credits=len(statement.credits),
    )
    transaction.on_commit(lambda: import_statement.enqueue(job.pk))
    return job


@task()
def import_statement(import_id: int) -> None:
    statement_import_run(import_id)


def statement_import_run(import_id: int) -> StatementImport:
    """Runs a queued import once: a second worker, or the task run again, finds it claimed."""
    claimed = StatementImport.objects.filter(pk=import_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=clock.now()
    )
    job = StatementImport.objects.select_related("uploaded_by").get(pk=import_id)
    if not claimed:
        return job
    try:
        summary = statement_import(data=bytes(job.data), operator=job.uploaded_by)
    except StatementError as error:  # the account or the file changed since it was checked
        _finish(job, Status.FAILED, error=str(error))
    except Exception as error:
        logger.exception("statement import %s failed", import_id)
        _finish(job, Status.FAILED, error=repr(error))
        raise
    else:
        _finish(
            job,
            Status.DONE,
            paid=len(summary.paid),
            queued=len(summary.queued),
            already_imported=summary.already_imported,
            skipped=summary.skipped,
            statement_id=summary.statement_id,
        )
    return job


def _finish(job: StatementImport, status: str, **fields: object) -> None:
    fields |= {"status": status, "finished_at": clock.now()}
    StatementImport.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
