"""Customer.revision: advanced whenever something a customer's pages may show changes, so that a
page kept by lib.page_cache under the old revision is never served again.

Every model with a path of foreign keys to a customer is followed (found when the apps are ready,
so a new model is too), save for those in NOT_SHOWN; saving or deleting one advances its customer's
revision once the transaction commits (one UPDATE per transaction). A change to reference data
every customer sees (REFERENCE_DATA) advances the one ReferenceRevision instead, which is part of
every page's key too (reference_revision()). QuerySet.update(), bulk_create(),
bulk_update() and raw SQL send no signals: code that changes what a page shows that way calls
touch() itself.
A model in neither list that no customer's path reaches is in NO_CUSTOMER (tests check the three
lists cover every model)."""

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save

# Rows no cached page shows, written often: following them would only empty the cache.
NOT_SHOWN = {
    "admin.LogEntry",
    "audit.AuditEntry",  # written beside every change, which advances the revision itself
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
    "payments.StatementImport",  # an operator's upload
    "panel.PanelTicket",
    "api.IdempotentRequest",
    "api.RequestCount",
    "api.WebhookDelivery",
}
REFERENCE_DATA = {"catalog.Plan", "catalog.SpaceStep", "archive.DocumentClass"}
NO_CUSTOMER = {
    "auth.Permission",
    "auth.Group",
    "contenttypes.ContentType",
    "sessions.Session",
    "conserva.TaskOrigin",
    "axes.AccessFailureLog",
    "axes.AccessAttempt",
    "axes.AccessAttemptExpiration",
    "axes.AccessLog",
    "django_tasks_database.DBTaskResult",
    "sandbox.Checkout",
    "sandbox.VaultCard",
    "sandbox.Notification",
    "accounts.SignInPace",
    "accounts.PendingSignUp",
    "billing.InvoiceSequence",
    "payments.WebhookEvent",
    "payments.RefusedWebhook",
    "payments.BankStatement",
    "payments.BankAccount",  # a row to lock an account's imports by; its details are settings
    "notifications.MailFailure",
    "lifecycle.DailyRun",
    "accounts.ReferenceRevision",  # what the revisions themselves write
    "archive.TrustedListSnapshot",  # read at deposit, shown on no kept page
}
MAX_DEPTH = 4

_paths: dict[type[models.Model], list[str]] = {}


def touch(customer_ids: Iterable[int | None]) -> None:
    """Advances these customers' revisions when the current transaction commits (at once outside one)."""
    ids = {customer_id for customer_id in customer_ids if customer_id is not None}
    if ids:
        _gather(ids=ids)


def touch_reference_data() -> None:
    """Advances the reference revision when the current transaction commits."""
    _gather(reference=True)


def advance_now(customer_id: int) -> None:
    """Advances the customer's revision inside the current transaction, for a change that decides
    who may see a kept page (a panel closing): it commits, or fails, with the change. The caller
    holds the customer's row already, so that this update waits for no lock an order form holds
    (subscriptions.services._lock_customer_to_close)."""
    from accounts.models import Customer

    Customer.objects.filter(pk=customer_id).update(revision=models.F("revision") + 1)


def reference_revision(user: Any) -> int:
    """The reference revision, as read with the signed-in user (AccountBackend), else from its row."""
    from accounts.models import ReferenceRevision

    if hasattr(user, "reference_revision"):
        return cast("int", user.reference_revision)
    return ReferenceRevision.objects.filter(pk=ReferenceRevision.ROW).values_list("number", flat=True).first() or 0


def after_commit(callback: Callable[[], None]) -> None:
    # robust: a bump that fails (a lock timeout) is logged; the request, which has committed,
    # and the other callbacks (mails, tasks) go on, and its pages age out of the cache.
    transaction.on_commit(callback, robust=True)


def customer_path(model: type[models.Model]) -> list[str] | None:
    """The shortest way from the model to its customer through foreign keys (["customer"],
    ["service", "customer"]…), or None. Through a user (["user", "customer"], the customer they
    are) only when there is no other: a row's user may be an operator or a panel's own login."""
    from accounts.models import User

    if model is User:
        return ["customer"]
    return _path_to_customer(model, through_users=False) or _path_to_customer(model, through_users=True)


def _path_to_customer(model: type[models.Model], *, through_users: bool) -> list[str] | None:
    from accounts.models import Customer, User

    paths: list[tuple[type[models.Model], list[str]]] = [(model, [])]
    while paths:
        current, path = paths.pop(0)
        if current is Customer:
            return path
        if current is User:
            if through_users:
                paths.append((Customer, [*path, "customer"]))
        elif len(path) < MAX_DEPTH:
            for field in current._meta.concrete_fields:
                if field.is_relation and isinstance(field.related_model, type):
                    paths.append((field.related_model, [*path, field.name]))
    return None


def follow_changes() -> None:
    """Connects the signals; accounts' ready() calls it once every app is loaded."""
    for model in apps.get_models():
        label = model._meta.label
        if label in REFERENCE_DATA:
            post_save.connect(_reference_changed, sender=model, dispatch_uid=f"revisions:{label}")
            post_delete.connect(_reference_changed, sender=model, dispatch_uid=f"revisions:{label}:delete")
        elif label not in NOT_SHOWN and (path := customer_path(model)) is not None:
            _paths[model] = path
            post_save.connect(_changed, sender=model, dispatch_uid=f"revisions:{label}")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"revisions:{label}:delete")


def customer_id_of(instance: models.Model) -> int | None:
    path = _paths.get(type(instance))
    if path is None:
        return None
    if not path:
        return cast("int", instance.pk)
    *through, last = path
    target: Any = instance
    try:
        for name in through:
            target = getattr(target, name)
            if target is None:
                return None
        field = target._meta.get_field(last)
        value = getattr(target, field.attname) if field.concrete else getattr(target, last).pk
    except ObjectDoesNotExist:  # a row already deleted with what it belonged to, or no customer
        return None
    return cast("int | None", value)


def _changed(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    touch([customer_id_of(instance)])


def _reference_changed(**kwargs: object) -> None:
    touch_reference_data()


class _Bump:
    """One on_commit callback per transaction, gathering its customers and whether reference data
    changed."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.reference = False

    def run(self) -> None:
        from accounts.models import Customer, ReferenceRevision

        if self.ids:
            Customer.objects.filter(pk__in=sorted(self.ids)).update(revision=models.F("revision") + 1)
        if self.reference:
            advanced = ReferenceRevision.objects.filter(pk=ReferenceRevision.ROW)
            if not advanced.update(number=models.F("number") + 1):
                ReferenceRevision.objects.get_or_create(pk=ReferenceRevision.ROW)  # a database flushed since (a test's)
                advanced.update(number=models.F("number") + 1)


def _gather(*, ids: Iterable[int] = (), reference: bool = False) -> None:
    bump = _pending_bump()
    fresh = bump is None
    bump = bump or _Bump()
    bump.ids.update(ids)
    bump.reference |= reference
    if fresh:
        after_commit(bump.run)  # outside a transaction, it runs now


def _pending_bump() -> _Bump | None:
    """This transaction's callback while it is still to run (a rolled back savepoint drops it)."""
    if connection.in_atomic_block:
        for entry in reversed(connection.run_on_commit):
            bump = getattr(entry[1], "__self__", None)  # entry: its savepoints, the callback, robust
            if isinstance(bump, _Bump):
                return bump
    return None
