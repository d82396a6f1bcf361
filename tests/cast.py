"""The cast of the tests: plans, customers and services built through the real services."""

import datetime
import uuid
from decimal import Decimal
from itertools import count

import time_machine
from django.utils import timezone

from accounts.models import PendingSignUp, User
from accounts.services import customer_sign_up, pending_sign_up_confirm, pending_sign_up_link_token
from audit.actors import SYSTEM
from catalog.models import GB, Plan, SpaceStep
from orders.services import order_place_first_purchase
from payments.providers.base import CardDetails
from payments.services import card_save
from payments.transfers import transfer_register
from sandbox.models import VaultCard
from subscriptions.models import Service

PASSWORD = "una-frase-lunga-e-sicura"
VAT_NUMBER = "01234560512"  # a valid partita IVA (check digit and province)
_plans = count(1)


def plan(*, name="Professional", storage_gb=20, price_net="290.00", term_months=12) -> Plan:
    return Plan.objects.create(
        code=f"{name.lower()}-{next(_plans)}",
        name=name,
        storage_gb=storage_gb,
        price_net=Decimal(price_net),
        term_months=term_months,
    )


def space_step(*, size_gb=10, yearly_price_net="70.00") -> SpaceStep:
    return SpaceStep.objects.create(size_gb=size_gb, yearly_price_net=Decimal(yearly_price_net))


def company(**overrides) -> dict:
    data = {
        "company_name": "Studio Rossi S.r.l.",
        "vat_number": VAT_NUMBER,
        "tax_code": "",
        "address": "Via Roma 1",
        "postcode": "52100",
        "city": "Arezzo",
        "province": "AR",
        "sdi_code": "M5UXCR1",
        "pec": "",
        "language": "it",
    }
    return data | overrides


def customer(email: str, company_name: str, *, email_verified: bool = True):
    """A customer whose address is verified, as every customer who has bought is, unless asked."""
    return customer_sign_up(
        email=email, password=PASSWORD, company=company(company_name=company_name), email_verified=email_verified
    )


def active_service(customer, plan: Plan, *, activated_on: datetime.date, used_share: str = "0") -> Service:
    """A service bought and paid (by registered transfer) on `activated_on`."""
    moment = datetime.datetime.combine(activated_on, datetime.time(9, 0), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
        transfer_register(order=order, operator=SYSTEM)
    service = Service.objects.get(pk=order.service_id)
    service.used_bytes = int(Decimal(used_share) * plan.storage_gb * GB)
    service.save(update_fields=["used_bytes"])
    return service


def service_expiring(customer, plan: Plan, *, on: datetime.date, used_share: str = "0") -> Service:
    """An active service whose one-year term ends on `on`."""
    activated_on = on.replace(year=on.year - 1)
    return active_service(customer, plan, activated_on=activated_on, used_share=used_share)


def pay_form(method: str, key: str | None = None) -> dict:
    """What the Pay form posts: the method and the idempotency key it was rendered with."""
    return {"method": method, "idempotency_key": key or uuid.uuid4().hex}


def order_form(**choices) -> dict:
    """What an order form (Acquista, renew, add space) posts: its choices and the key it was shown with."""
    return {"idempotency_key": uuid.uuid4().hex} | choices


def operator():
    """The provider's operator, a staff user, as the admin's actions are taken by one."""
    user = User.objects.filter(email="operatore@example.com").first()
    return user or User.objects.create_user(email="operatore@example.com", password=PASSWORD, is_staff=True)


def sign_up(email: str, *, email_verified: bool = True, **details) -> object:
    """A customer of any kind: the details override an Italian business's. Its address is
    verified unless asked."""
    return customer_sign_up(email=email, password=PASSWORD, company=company(**details), email_verified=email_verified)


def confirm_sign_up(email: str, password: str = PASSWORD) -> object:
    """The customer a sign-up posted on the page becomes when its mailed link is confirmed."""
    pending = PendingSignUp.objects.get(email=email)
    return pending_sign_up_confirm(token=pending_sign_up_link_token(pending_id=pending.pk), password=password)


def verified_operator_login(client, user) -> None:
    """Signs `user` (an operator) in on `client` with a session verified by a second factor, as the
    admin requires: a confirmed authenticator device of theirs (made if missing) marks the session."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def save_card(customer, number: str = "4242424242424242") -> None:
    """A card the sandbox holds in its vault, saved for the customer's automatic renewals."""
    token = f"sbxcard_{number}"
    VaultCard.objects.get_or_create(token=token, defaults={"card_number": number, "card_expiry": "03/30"})
    card_save(
        customer=customer,
        provider="sandbox",
        card=CardDetails(token=token, brand="Visa", last4=number[-4:], exp_month=3, exp_year=2030),
        actor=customer.user,
    )
