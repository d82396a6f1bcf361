"""The service's state machine: one function per transition, each locking the row,
checking the current state, applying the change and writing the audit trail.

IN_ATTIVAZIONE -> ATTIVO -> SCADUTO -> SOSPESO -> CESSATO; a paid renewal brings
SCADUTO or SOSPESO back to ATTIVO; cancelling the first purchase removes IN_ATTIVAZIONE.
"""

import datetime
import secrets
from collections.abc import Collection

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Customer
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from catalog.models import Plan
from lib.dates import add_months
from subscriptions.models import RENEWABLE, Service, ServiceQuerySet

Status = Service.Status
Action = AuditEntry.Action
USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class ServiceError(Exception):
    """A change the service's state does not allow; the message says why, in the user's language."""


def _lock(service_id: int) -> Service:
    return Service.objects.select_for_update().select_related("plan").get(pk=service_id)


def _lock_if(due: ServiceQuerySet, service_id: int) -> Service | None:
    """The service locked, if it is still due; None when another run moved it, or it was renewed."""
    return due.select_for_update().filter(pk=service_id).first()


def _require(service: Service, allowed: Collection[str], action: str) -> None:
    if service.status not in allowed:
        raise ServiceError(
            _("Operazione «%(action)s» non consentita su un servizio %(status)s.")
            % {"action": action, "status": service.get_status_display()}
        )


def _new_panel_username() -> str:
    while True:
        candidate = "cs-" + "".join(secrets.choice(USERNAME_ALPHABET) for _ in range(8))
        if not Service.objects.filter(panel_username=candidate).exists():
            return candidate


def service_open(*, customer: Customer, plan: Plan, actor: Actor) -> Service:
    """A new service waiting for its first purchase to be paid."""
    service = Service.objects.create(customer=customer, plan=plan, quota_bytes=plan.quota_bytes)
    trail.record(service, Action.SERVICE_OPENED, actor=actor, to_state=service.status, plan=plan.code)
    return service


@transaction.atomic
def service_activate(*, service_id: int, on: datetime.date, actor: Actor) -> Service:
    service = _lock(service_id)
    _require(service, {Status.PENDING}, _("attivazione"))
    service.status = Status.ACTIVE
    service.panel_username = _new_panel_username()
    service.term_started_on = on
    service.expires_on = add_months(on, service.plan.term_months)
    service.save(update_fields=["status", "panel_username", "term_started_on", "expires_on"])
    trail.record(
        service,
        Action.SERVICE_ACTIVATED,
        actor=actor,
        from_state=Status.PENDING,
        to_state=service.status,
        expires_on=service.expires_on,
        panel_username=service.panel_username,
    )
    return service


@transaction.atomic
def service_renew(*, service_id: int, paid_on: datetime.date, actor: Actor) -> Service:
    """One more term from the current expiry, or from the payment date if already expired."""
    service = _lock(service_id)
    _require(service, RENEWABLE, _("rinnovo"))
    previous_status, previous_expiry = service.status, service.expires_on
    service.status = Status.ACTIVE
    service.term_started_on, service.expires_on = service.next_term(paid_on)
    service.save(update_fields=["status", "term_started_on", "expires_on"])
    trail.record(
        service,
        Action.SERVICE_RENEWED,
        actor=actor,
        from_state=previous_status,
        to_state=service.status,
        previous_expiry=previous_expiry,
        expires_on=service.expires_on,
    )
    return service


@transaction.atomic
def service_raise_quota(*, service_id: int, extra_bytes: int, actor: Actor) -> Service:
    service = _lock(service_id)
    _require(service, RENEWABLE, _("aumento spazio"))
    previous_quota = service.quota_bytes
    service.quota_bytes = previous_quota + extra_bytes
    service.save(update_fields=["quota_bytes"])
    trail.record(
        service,
        Action.SERVICE_QUOTA_RAISED,
        actor=actor,
        previous_quota_bytes=previous_quota,
        quota_bytes=service.quota_bytes,
    )
    return service


@transaction.atomic
def service_set_used_bytes(*, service_id: int, used_bytes: int, actor: Actor) -> Service:
    """The space the archive occupies, as an operator reads it (until the panel measures it)."""
    if used_bytes < 0:
        raise ServiceError(_("Lo spazio occupato non può essere negativo."))
    service = _lock(service_id)
    previous = service.used_bytes
    if previous != used_bytes:
        service.used_bytes = used_bytes
        service.save(update_fields=["used_bytes"])
        trail.record(
            service, Action.SERVICE_USAGE_SET, actor=actor, previous_used_bytes=previous, used_bytes=used_bytes
        )
    return service


@transaction.atomic
def service_set_auto_renew(*, service_id: int, enabled: bool, actor: Actor) -> Service:
    service = _lock(service_id)
    _require(service, RENEWABLE | {Status.PENDING}, _("rinnovo automatico"))
    if service.auto_renew != enabled:
        service.auto_renew = enabled
        service.save(update_fields=["auto_renew"])
        trail.record(service, Action.SERVICE_AUTO_RENEW_ON if enabled else Action.SERVICE_AUTO_RENEW_OFF, actor=actor)
    return service


@transaction.atomic
def service_discard(*, service_id: int, actor: Actor) -> None:
    """Removes a service whose first purchase was cancelled before it was ever active."""
    service = _lock(service_id)
    _require(service, {Status.PENDING}, _("rimozione"))
    trail.record(service, Action.SERVICE_DISCARDED, actor=actor, from_state=service.status)
    service.delete()


@transaction.atomic
def service_expire(*, service_id: int, today: datetime.date, actor: Actor) -> bool:
    """ATTIVO -> SCADUTO once the expiry date has passed. False when there is nothing to do
    (already moved by another run, or renewed in the meantime)."""
    service = _lock_if(Service.objects.due_to_expire(today), service_id)
    if service is None:
        return False
    service.status = Status.EXPIRED
    service.save(update_fields=["status"])
    trail.record(service, Action.SERVICE_EXPIRED, actor=actor, from_state=Status.ACTIVE, to_state=service.status)
    return True


@transaction.atomic
def service_suspend(*, service_id: int, today: datetime.date, actor: Actor) -> bool:
    """SCADUTO -> SOSPESO once the grace period after expiry has passed."""
    service = _lock_if(Service.objects.due_for_suspension(today), service_id)
    if service is None:
        return False
    service.status = Status.SUSPENDED
    service.save(update_fields=["status"])
    trail.record(service, Action.SERVICE_SUSPENDED, actor=actor, from_state=Status.EXPIRED, to_state=service.status)
    return True


@transaction.atomic
def service_cease(*, service_id: int, actor: Actor) -> Service:
    """An operator's confirmed decision to end a service that was not renewed."""
    service = _lock(service_id)
    _require(service, {Status.EXPIRED, Status.SUSPENDED}, _("cessazione"))
    previous_status = service.status
    service.status = Status.CEASED
    service.auto_renew = False
    service.save(update_fields=["status", "auto_renew"])
    trail.record(service, Action.SERVICE_CEASED, actor=actor, from_state=previous_status, to_state=service.status)
    return service
