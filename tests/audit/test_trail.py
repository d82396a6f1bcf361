import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from audit import actors, trail
from audit.models import AuditEntry
from tests.conftest import ROME

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def test_it_reads_back_every_kind_of_value_exactly(rossi):
    recorded = {
        "reason": None,
        "auto_renew": True,
        "first_purchase": False,
        "quota_bytes": 20 * 1024**3,
        "plan": "pro",
        "total": Decimal("353.80"),
        "expires_on": datetime.date(2027, 3, 10),
        "paid_at": datetime.datetime(2026, 3, 10, 9, 30, tzinfo=ROME),
    }
    entry = trail.record(rossi, Action.ORDER_PAID, actor=rossi.user, **recorded)

    values = AuditEntry.objects.get(pk=entry.pk).values()
    assert values == recorded
    assert {key: type(value) for key, value in values.items()} == {key: type(value) for key, value in recorded.items()}
    assert str(values["total"]) == "353.80"


def test_it_stores_each_value_with_its_type(rossi):
    entry = trail.record(
        rossi,
        Action.ORDER_PLACED,
        actor=rossi.user,
        total=Decimal("353.80"),
        expires_on=datetime.date(2027, 3, 10),
        plan="pro",
        paid_at=datetime.datetime(2026, 3, 10, 9, 30, tzinfo=ROME),
    )
    assert AuditEntry.objects.get(pk=entry.pk).changes == {
        "total": {"type": "decimal", "value": "353.80"},
        "expires_on": {"type": "date", "value": "2027-03-10"},
        "plan": {"type": "str", "value": "pro"},
        "paid_at": {"type": "datetime", "value": "2026-03-10T09:30:00+01:00"},
    }


def test_it_keeps_an_actor_given_as_a_value_as_its_label(rossi):
    entry = trail.record(rossi, Action.CREDIT_USED, actor=actors.SYSTEM, operator=rossi.user, by=actors.DAILY_RUN)
    assert entry.values() == {"operator": "rossi@example.com", "by": "sistema: controllo giornaliero dei servizi"}


@pytest.mark.parametrize(
    "value",
    [1.5, datetime.datetime(2026, 3, 10, 9, 30), ["a list"], object()],
    ids=["float", "naive datetime", "list", "object"],
)
def test_it_refuses_a_value_it_could_not_read_back(rossi, value):
    with pytest.raises(TypeError):
        trail.record(rossi, Action.ORDER_PAID, actor=rossi.user, amount=value)
    assert not AuditEntry.objects.filter(action=Action.ORDER_PAID).exists()


def test_it_keeps_the_user_who_acted(rossi):
    entry = trail.record(rossi, Action.CUSTOMER_DETAILS_CHANGED, actor=rossi.user)
    assert entry.actor == rossi.user
    assert entry.actor_label == "rossi@example.com"


def test_it_names_the_part_of_conserva_that_acted(rossi):
    entry = trail.record(rossi, Action.PAYMENT_CREDITED, actor=actors.provider_notification("stripe", "evt_42"))
    assert entry.actor is None
    assert entry.actor_label == "stripe: notifica evt_42"
    assert trail.record(rossi, Action.INVOICE_ISSUED, actor=actors.SYSTEM).actor_label == "sistema"


def test_it_requires_an_actor(rossi):
    with pytest.raises(TypeError):
        trail.record(rossi, Action.ORDER_PAID)


@pytest.mark.parametrize("actor", [None, "sistema", AnonymousUser()], ids=["None", "str", "anonymous"])
def test_it_refuses_an_actor_that_is_neither_a_user_nor_a_system_actor(rossi, actor):
    with pytest.raises(TypeError):
        trail.record(rossi, Action.ORDER_PAID, actor=actor)
    assert not AuditEntry.objects.filter(action=Action.ORDER_PAID).exists()


def test_it_refuses_an_action_that_is_not_a_code(rossi):
    with pytest.raises(ValueError):
        trail.record(rossi, "pagato", actor=rossi.user)


def test_it_describes_the_subject_in_the_entry(rossi):
    entry = trail.record(rossi, Action.CUSTOMER_SIGNED_UP, actor=rossi.user)
    assert entry.subject == rossi
    assert str(entry) == "Studio Rossi S.r.l.: cliente registrato"
