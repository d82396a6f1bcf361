"""The customer's mails, as answers to what the layers below say happened (lib/events.py)."""

from collections.abc import Callable
from typing import Any

from accounts.events import (
    EmailVerificationRequested,
    PasswordResetRequested,
    SignInLinkRequested,
    SignUpConfirmationRequested,
    SignUpWithKnownEmail,
)
from billing.events import CreditNoteIssued
from lib import events
from notifications import mails
from orders.events import OrderPaymentFailed, OrderPlaced
from payments.events import PaymentCredited, PaymentReceived
from payments.providers.transfer import CODE as TRANSFER
from subscriptions.events import ServiceCeased, ServiceExpired, ServiceSuspended


def on_order_placed(event: OrderPlaced) -> None:
    mails.order_placed(order=event.order)


def on_payment_received(event: PaymentReceived) -> None:
    if event.payment.provider == TRANSFER:
        mails.transfer_registered(order=event.payment.order, invoice=event.invoice)
    else:
        mails.payment_received(order=event.payment.order, invoice=event.invoice)


def on_payment_failed(event: OrderPaymentFailed) -> None:
    mails.payment_failed(order=event.order, reason=event.reason)


def on_payment_credited(event: PaymentCredited) -> None:
    mails.payment_credited(order=event.order, reason=event.reason)


def on_credit_note_issued(event: CreditNoteIssued) -> None:
    mails.credit_note_issued(order=event.credit_note.order, invoice=event.credit_note)


def on_email_verification_requested(event: EmailVerificationRequested) -> None:
    mails.email_verification(user=event.user)


def on_password_reset_requested(event: PasswordResetRequested) -> None:
    mails.password_reset(user=event.user)


def on_sign_in_link_requested(event: SignInLinkRequested) -> None:
    mails.sign_in_link(user=event.user)


def on_sign_up_confirmation_requested(event: SignUpConfirmationRequested) -> None:
    mails.sign_up_confirmation(pending=event.pending)


def on_sign_up_with_known_email(event: SignUpWithKnownEmail) -> None:
    mails.sign_up_notice(user=event.user)


def on_service_expired(event: ServiceExpired) -> None:
    mails.service_state_changed(service=event.service, kind=mails.SERVICE_EXPIRED)


def on_service_suspended(event: ServiceSuspended) -> None:
    mails.service_state_changed(service=event.service, kind=mails.SERVICE_SUSPENDED)


def on_service_ceased(event: ServiceCeased) -> None:
    mails.service_state_changed(service=event.service, kind=mails.SERVICE_CEASED)


SUBSCRIPTIONS: list[tuple[type, Callable[[Any], None]]] = [
    (OrderPlaced, on_order_placed),
    (PaymentReceived, on_payment_received),
    (OrderPaymentFailed, on_payment_failed),
    (PaymentCredited, on_payment_credited),
    (CreditNoteIssued, on_credit_note_issued),
    (EmailVerificationRequested, on_email_verification_requested),
    (SignUpConfirmationRequested, on_sign_up_confirmation_requested),
    (SignUpWithKnownEmail, on_sign_up_with_known_email),
    (PasswordResetRequested, on_password_reset_requested),
    (SignInLinkRequested, on_sign_in_link_requested),
    (ServiceExpired, on_service_expired),
    (ServiceSuspended, on_service_suspended),
    (ServiceCeased, on_service_ceased),
]


def subscribe_all() -> None:
    for event_type, handler in SUBSCRIPTIONS:
        events.subscribe(event_type, handler)
