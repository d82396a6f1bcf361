"""The service's state machine: one function per transition, each locking the row,
checking the current state, applying the change and writing the audit trail.

IN_ATTIVAZIONE -> ATTIVO -> SCADUTO -> SOSPESO -> CESSATO; a paid renewal brings
SCADUTO or SOSPESO back to ATTIVO; cancelling the first purchase removes IN_ATTIVAZIONE.
"""

import datetime
import secrets
from collections.abc import Collection
from decimal import Decimal

from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts import revisions
from accounts.models import Customer
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from catalog.models import Plan
from lib import events
from lib.dates import add_months
from subscriptions.events import ServiceCeased, ServiceExpired, ServiceSuspended
from subscriptions.models import RENEWABLE, AddOn, Service, ServiceQuerySet

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


def _lock_customer_to_close(service_id: int, *, wait: bool) -> bool:
    """Locks the service's customer's row: closing the panel advances the customer's revision in
    the same transaction (revisions.advance_now), which keeps the panel's pages from being served
    again (panel.access.kept_panel_page). The order forms lock the customer's row before the
    service's: a caller that may hold service rows already (the daily run's batch) does not wait
    for it (wait=False) and gets False while a form holds it."""
    customer_ids = Service.objects.filter(pk=service_id).values("customer_id")
    return Customer.objects.select_for_update(skip_locked=not wait).filter(pk__in=customer_ids).exists()


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
def service_renew(
    *, service_id: int, paid_on: datetime.date, actor: Actor, dropped_add_ons: Collection[int] = ()
) -> Service:
    """One more term from the current expiry, or from the payment date if already expired, with
    the add-ons the renewal paid for; those the customer dropped end, if the documents still fit."""
    service = _lock(service_id)
    _require(service, RENEWABLE, _("rinnovo"))
    previous_status, previous_expiry, previous_quota = service.status, service.expires_on, service.quota_bytes
    service.status = Status.ACTIVE
    service.term_started_on, service.expires_on = service.next_term(paid_on)
    dropped = _drop_add_ons(service, dropped_add_ons, on=service.term_started_on)
    service.save(update_fields=["status", "term_started_on", "expires_on", "quota_bytes"])
    trail.record(
        service,
        Action.SERVICE_RENEWED,
        actor=actor,
        from_state=previous_status,
        to_state=service.status,
        previous_expiry=previous_expiry,
        expires_on=service.expires_on,
        previous_quota_bytes=previous_quota,
        quota_bytes=service.quota_bytes,
        dropped_add_ons=", ".join(str(add_on) for add_on in dropped),
    )
    return service


def _drop_add_ons(service: Service, add_on_ids: Collection[int], *, on: datetime.date | None) -> list[AddOn]:
    """Ends the add-ons the customer chose not to renew and sets the quota to the plan's and the
    rest; an add-on the documents now need is kept (never an archive over its quota by a renewal)."""
    active = list(service.add_ons.filter(ended_on=None))
    dropped = [add_on for add_on in active if add_on.pk in add_on_ids]
    kept_bytes = sum(add_on.size_bytes for add_on in active if add_on not in dropped)
    while dropped and service.plan.quota_bytes + kept_bytes < service.used_bytes:
        kept_bytes += dropped.pop().size_bytes
    for add_on in dropped:
        add_on.ended_on = on
        add_on.save(update_fields=["ended_on"])
    service.quota_bytes = service.plan.quota_bytes + kept_bytes
    return dropped


@transaction.atomic
def service_add_space(
    *, service_id: int, size_bytes: int, yearly_price_net: Decimal, on: datetime.date, actor: Actor
) -> AddOn:
    """Extra space, from now on and renewed with the service at its yearly price."""
    service = _lock(service_id)
    _require(service, RENEWABLE, _("aumento spazio"))
    add_on = AddOn.objects.create(
        service=service, size_bytes=size_bytes, yearly_price_net=yearly_price_net, added_on=on
    )
    previous_quota = service.quota_bytes
    service.quota_bytes = previous_quota + size_bytes
    service.save(update_fields=["quota_bytes"])
    trail.record(
        service,
        Action.SERVICE_QUOTA_RAISED,
        actor=actor,
        previous_quota_bytes=previous_quota,
        quota_bytes=service.quota_bytes,
        yearly_price=yearly_price_net,
    )
    return add_on


@transaction.atomic
def service_set_used_bytes(*, service_id: int, used_bytes: int, actor: Actor) -> Service:
    """Sets the space used by hand: for the demo's service near its quota, which would otherwise
    need gigabytes of documents. The archive counts what it keeps with service_use_space."""
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
def service_set_auto_renew(*, service_id: int, enabled: bool, actor: Actor, address: str = "") -> Service:
    """S4: the trail keeps who switched it, when, and from which client address."""
    service = _lock(service_id)
    _require(service, RENEWABLE | {Status.PENDING}, _("rinnovo automatico"))
    if service.auto_renew != enabled:
        service.auto_renew = enabled
        service.save(update_fields=["auto_renew"])
        action = Action.SERVICE_AUTO_RENEW_ON if enabled else Action.SERVICE_AUTO_RENEW_OFF
        trail.record(service, action, actor=actor, address=address)
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
    events.publish(ServiceExpired(service=service))
    return True


@transaction.atomic
def service_suspend(*, service_id: int, today: datetime.date, actor: Actor) -> bool:
    """SCADUTO -> SOSPESO once the grace period after expiry has passed. False also while one of
    the customer's forms holds their row: the next run suspends it."""
    if not _lock_customer_to_close(service_id, wait=False):
        return False
    service = _lock_if(Service.objects.due_for_suspension(today), service_id)
    if service is None:
        return False
    service.status = Status.SUSPENDED
    service.save(update_fields=["status"])
    revisions.advance_now(service.customer_id)
    trail.record(service, Action.SERVICE_SUSPENDED, actor=actor, from_state=Status.EXPIRED, to_state=service.status)
    events.publish(ServiceSuspended(service=service))
    return True


@transaction.atomic
def service_cease(*, service_id: int, actor: Actor) -> Service:
    """An operator's confirmed decision to end a service that was not renewed."""
    _lock_customer_to_close(service_id, wait=True)  # before the service's, as the forms
    service = _lock(service_id)
    _require(service, {Status.EXPIRED, Status.SUSPENDED}, _("cessazione"))
    previous_status = service.status
    service.status = Status.CEASED
    service.auto_renew = False
    service.save(update_fields=["status", "auto_renew"])
    revisions.advance_now(service.customer_id)
    trail.record(service, Action.SERVICE_CEASED, actor=actor, from_state=previous_status, to_state=service.status)
    events.publish(ServiceCeased(service=service, actor=actor))
    return service


def free_bytes(service: Service) -> int:
    return max(service.quota_bytes - service.used_bytes, 0)


def space_use_refusal(service: Service, size_bytes: int) -> str:
    """Why documents of `size_bytes` cannot be deposited on this service now, or "" when they can.
    The archive asks before it reads a file, and service_use_space again under the lock."""
    refusals = {
        Status.PENDING: _("Il servizio non è ancora attivo: si possono versare documenti quando è pagato."),
        Status.EXPIRED: _(
            "Il servizio è scaduto: rinnovalo dall'Area Clienti per versare nuovi documenti. "
            "I documenti già conservati restano consultabili e scaricabili."
        ),
        Status.SUSPENDED: _("Il servizio è sospeso: rinnovalo dall'Area Clienti per riaprire il Pannello."),
        Status.CEASED: _("Il servizio è cessato: non si possono versare documenti."),
    }
    if service.status in refusals:
        return refusals[Status(service.status)]
    free = free_bytes(service)
    if size_bytes > free:
        return _(
            "Spazio insufficiente: il versamento occupa %(size)s e restano liberi %(free)s. "
            "Aumenta lo spazio dall'Area Clienti."
        ) % {"size": filesizeformat(size_bytes), "free": filesizeformat(free)}
    return ""


@transaction.atomic
def service_use_space(*, service_id: int, size_bytes: int, actor: Actor) -> Service:
    """Counts documents' bytes against the quota: locks the service, so that two deposits at once
    cannot pass it together, and is refused past it. Call it in the transaction that keeps them."""
    service = _lock(service_id)
    refusal = space_use_refusal(service, size_bytes)
    if refusal:
        raise ServiceError(refusal)
    previous = service.used_bytes
    service.used_bytes = previous + size_bytes
    service.save(update_fields=["used_bytes"])
    trail.record(
        service, Action.SERVICE_SPACE_USED, actor=actor, previous_used_bytes=previous, used_bytes=service.used_bytes
    )
    return service
