import datetime

import pytest

from audit.actors import SYSTEM
from audit.models import AuditEntry
from orders.services import order_place_first_purchase
from subscriptions.models import Service
from subscriptions.services import (
    ServiceError,
    service_activate,
    service_cease,
    service_expire,
    service_renew,
    service_suspend,
)
from tests import cast

pytestmark = pytest.mark.django_db
D = datetime.date


def test_activation_gives_a_username_and_a_year(rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    service = service_activate(service_id=order.service_id, on=D(2028, 2, 29), actor=SYSTEM)

    assert service.status == Service.Status.ACTIVE
    assert service.panel_username
    assert (service.term_started_on, service.expires_on) == (D(2028, 2, 29), D(2029, 2, 28))


def test_an_active_service_cannot_be_activated_again(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 1, 1))
    with pytest.raises(ServiceError, match="attivazione"):
        service_activate(service_id=service.pk, on=D(2026, 2, 1), actor=SYSTEM)


def test_renewing_before_expiry_adds_a_year_to_the_current_expiry(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service = service_renew(service_id=service.pk, paid_on=D(2027, 1, 5), actor=SYSTEM)
    assert (service.term_started_on, service.expires_on) == (D(2027, 3, 10), D(2028, 3, 10))


def test_renewing_on_the_expiry_day_still_counts_from_the_expiry(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    assert service_renew(service_id=service.pk, paid_on=D(2027, 3, 10), actor=SYSTEM).expires_on == D(2028, 3, 10)


def test_renewing_after_expiry_counts_from_the_payment_date(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_expire(service_id=service.pk, today=D(2027, 3, 11), actor=SYSTEM)
    service = service_renew(service_id=service.pk, paid_on=D(2027, 4, 2), actor=SYSTEM)
    assert service.status == Service.Status.ACTIVE
    assert (service.term_started_on, service.expires_on) == (D(2027, 4, 2), D(2028, 4, 2))


def test_a_suspended_service_comes_back_active_when_renewed(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    assert service_expire(service_id=service.pk, today=D(2027, 3, 11), actor=SYSTEM)
    assert service_suspend(service_id=service.pk, today=D(2027, 4, 10), actor=SYSTEM)
    assert service_renew(service_id=service.pk, paid_on=D(2027, 5, 1), actor=SYSTEM).status == Service.Status.ACTIVE


def test_expiry_waits_for_the_day_after_the_expiry_date(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    assert not service_expire(service_id=service.pk, today=D(2027, 3, 10), actor=SYSTEM)
    assert service_expire(service_id=service.pk, today=D(2027, 3, 11), actor=SYSTEM)
    assert not service_expire(service_id=service.pk, today=D(2027, 3, 12), actor=SYSTEM)  # already done


def test_suspension_waits_for_the_grace_period(rossi, plan, settings):
    settings.GRACE_PERIOD_DAYS = 30
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_expire(service_id=service.pk, today=D(2027, 3, 11), actor=SYSTEM)
    assert not service_suspend(service_id=service.pk, today=D(2027, 4, 9), actor=SYSTEM)
    assert service_suspend(service_id=service.pk, today=D(2027, 4, 10), actor=SYSTEM)


def test_only_an_expired_or_suspended_service_can_be_ceased(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    with pytest.raises(ServiceError):
        service_cease(service_id=service.pk, actor=SYSTEM)
    service_expire(service_id=service.pk, today=D(2027, 3, 11), actor=SYSTEM)
    assert service_cease(service_id=service.pk, actor=SYSTEM).status == Service.Status.CEASED
    with pytest.raises(ServiceError):
        service_renew(service_id=service.pk, paid_on=D(2027, 3, 12), actor=SYSTEM)


def test_every_transition_is_in_the_audit_trail(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_expire(service_id=service.pk, today=D(2027, 3, 11), actor=SYSTEM)
    entries = AuditEntry.objects.filter(object_id=str(service.pk), content_type__model="service")

    Action = AuditEntry.Action
    assert [(e.action, e.from_state, e.to_state) for e in entries.order_by("id")] == [
        (Action.SERVICE_OPENED, "", "IN_ATTIVAZIONE"),
        (Action.SERVICE_ACTIVATED, "IN_ATTIVAZIONE", "ATTIVO"),
        (Action.SERVICE_EXPIRED, "ATTIVO", "SCADUTO"),
    ]
    assert entries.get(action=Action.SERVICE_ACTIVATED).values()["expires_on"] == D(2027, 3, 10)
