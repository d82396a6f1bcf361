from typing import Any

from django.db import transaction

from accounts.models import Customer, User
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry


@transaction.atomic
def customer_sign_up(*, email: str, password: str, company: dict[str, Any]) -> Customer:
    user = User.objects.create_user(email=email, password=password)
    customer = Customer.objects.create(user=user, **company)
    trail.record(customer, AuditEntry.Action.CUSTOMER_SIGNED_UP, actor=user, email=user.email)
    return customer


@transaction.atomic
def customer_update_details(*, customer_id: int, details: dict[str, Any], actor: Actor) -> Customer:
    """New fiscal data and preferences: the next invoice uses them, issued ones keep theirs."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    changed = {field: value for field, value in details.items() if getattr(customer, field) != value}
    if changed:
        for field, value in changed.items():
            setattr(customer, field, value)
        customer.save(update_fields=list(changed))
        trail.record(customer, AuditEntry.Action.CUSTOMER_DETAILS_CHANGED, actor=actor, **changed)
    return customer
