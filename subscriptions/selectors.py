from uuid import UUID

from django.shortcuts import get_object_or_404

from accounts.models import Customer
from subscriptions.models import Service


def service_for_customer(customer: Customer, public_id: UUID | str) -> Service:
    """The customer's own service, or a 404: another customer's service does not exist for them."""
    return get_object_or_404(Service.objects.select_related("plan", "customer"), public_id=public_id, customer=customer)
