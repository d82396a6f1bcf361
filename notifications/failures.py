"""A mail that cannot be sent is written down for the operators, then the task fails as before.

The worker runs tasks outside any transaction, so the record is committed at once. Should a task
ever run inside one, the error re-raised would roll that transaction back and the record with it:
then the record is written on a connection of its own, and in any case in the log.
"""

import logging
from collections.abc import Iterable

from django.core.mail import EmailMessage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models.sql import InsertQuery

from notifications.models import MailFailure

logger = logging.getLogger(__name__)


def send(message: EmailMessage, *, mail: str, reference: str = "") -> None:
    """Sends the message; if that raises, records the failure and raises again."""
    try:
        message.send()
    except Exception as error:
        record(
            mail=mail, reference=reference, recipients=message.recipients(), subject=str(message.subject), error=error
        )
        raise


def record(*, mail: str, reference: str, recipients: Iterable[str], subject: str, error: BaseException) -> MailFailure:
    failure = MailFailure(
        mail=mail[:50],
        reference=reference[:100],
        recipients=", ".join(recipients)[:500],
        subject=_printable(subject)[:300],
        error=_printable(f"{type(error).__name__}: {error}")[:2000],
    )
    logger.error("mail %s (%s) to %s not sent: %s", failure.mail, failure.reference, failure.recipients, failure.error)
    if _inside_a_transaction():
        _insert_on_own_connection(failure)
    else:
        failure.save()
    return failure


def _printable(value: str) -> str:
    """A subject that broke the mail may hold line breaks or NUL: shown escaped, storable anywhere."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in value)


def _inside_a_transaction() -> bool:
    """In a transaction that will roll back with the error (a test case's own blocks aside)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _insert_on_own_connection(failure: MailFailure) -> None:
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        query = InsertQuery(MailFailure)
        fields = [field for field in MailFailure._meta.concrete_fields if not field.primary_key]
        query.insert_values(fields, [failure])
        with own.cursor() as cursor:
            for sql, params in query.get_compiler(connection=own).as_sql():
                cursor.execute(sql, params)
    except DatabaseError:
        # SQLite lets one connection write at a time: the record goes with the transaction, the log keeps it.
        logger.exception("mail failure not recorded apart from the transaction")
        failure.save()
    finally:
        own.close()
