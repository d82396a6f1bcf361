"""The mails a customer receives about orders and payments, and about their account.

Each is queued after the transaction commits, so a rolled-back change never mails anyone;
the task reads the order again and renders it in the customer's language.
"""

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend

from accounts.models import PendingSignUp, User
from billing.models import Invoice
from notifications.tasks import (
    send_account_mail,
    send_expiry_reminder,
    send_order_mail,
    send_service_mail,
    send_sign_up_confirmation,
)
from orders.models import Order
from subscriptions.models import Service

ORDER_PLACED = "order_placed"
PAYMENT_RECEIVED = "payment_received"
PAYMENT_FAILED = "payment_failed"
TRANSFER_REGISTERED = "transfer_registered"
CREDIT_NOTE_ISSUED = "credit_note_issued"
PAYMENT_CREDITED = "payment_credited"
EMAIL_VERIFICATION = "email_verification"
SIGN_UP_NOTICE = "sign_up_notice"
SIGN_UP_CONFIRMATION = "sign_up_confirmation"
PASSWORD_RESET = "password_reset"  # noqa: S105  # nosec B105
SIGN_IN_LINK = "sign_in_link"


def _queue(kind: str, order: Order, invoice: Invoice | None = None, reason: str = "") -> None:
    order_id, invoice_id = order.pk, invoice.pk if invoice else None
    transaction.on_commit(lambda: send_order_mail.enqueue(kind, order_id, invoice_id, reason))


def order_placed(*, order: Order) -> None:
    _queue(ORDER_PLACED, order)


def payment_received(*, order: Order, invoice: Invoice) -> None:
    _queue(PAYMENT_RECEIVED, order, invoice)


def transfer_registered(*, order: Order, invoice: Invoice) -> None:
    _queue(TRANSFER_REGISTERED, order, invoice)


def payment_failed(*, order: Order, reason: str) -> None:
    _queue(PAYMENT_FAILED, order, reason=reason)


def credit_note_issued(*, order: Order, invoice: Invoice) -> None:
    _queue(CREDIT_NOTE_ISSUED, order, invoice)


def payment_credited(*, order: Order, reason: str) -> None:
    _queue(PAYMENT_CREDITED, order, reason=reason)


def _queue_account(kind: str, user: User) -> None:
    user_id = user.pk
    transaction.on_commit(lambda: send_account_mail.enqueue(kind, user_id))


def email_verification(*, user: User) -> None:
    _queue_account(EMAIL_VERIFICATION, user)


def password_reset(*, user: User) -> None:
    _queue_account(PASSWORD_RESET, user)


def sign_in_link(*, user: User) -> None:
    """A one-time link that signs in without the password (accounts/sign_in_link.py)."""
    _queue_account(SIGN_IN_LINK, user)


def sign_up_confirmation(*, pending: PendingSignUp) -> None:
    """The link that makes the account of a pending sign-up (accounts.services.pending_sign_up_confirm)."""
    pending_id = pending.pk
    transaction.on_commit(lambda: send_sign_up_confirmation.enqueue(pending_id))


def sign_up_notice(*, user: User) -> None:
    """Someone signed up with this address, which has an account: its owner hears it from us."""
    _queue_account(SIGN_UP_NOTICE, user)


EXPIRY_REMINDER = "expiry_reminder"
SERVICE_EXPIRED = "service_expired"
SERVICE_SUSPENDED = "service_suspended"
SERVICE_CEASED = "service_ceased"


def _enqueue_with_transaction(task: Task[..., None], *args: object) -> None:
    """With django-tasks-db's database backend the task is enqueued now, inside the caller's
    transaction: its row commits or rolls back with the change that made it, so the mail is queued
    exactly once. Any other backend (the tests' immediate one would send at once, before the
    commit) is enqueued on commit: at most once."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


def expiry_reminder(*, service: Service, days_before: int) -> None:
    """A reminder before the service's current term ends (lifecycle.periodic.handle_one_reminder),
    queued with the reminder's own row."""
    expires_on = service.expires_on.isoformat() if service.expires_on else ""
    _enqueue_with_transaction(send_expiry_reminder, service.pk, expires_on, days_before)


def service_state_changed(*, service: Service, kind: str) -> None:
    """SCADUTO, SOSPESO or CESSATO, told to the customer; queued with the transition itself."""
    _enqueue_with_transaction(send_service_mail, kind, service.pk, service.status)
