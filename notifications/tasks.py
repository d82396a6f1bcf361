import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from accounts.models import PendingSignUp, User
from accounts.services import email_verification_token, pending_sign_up_link_token
from accounts.sign_in_link import sign_in_link_token
from billing import pdf
from billing.models import Invoice
from lib import clock
from notifications import failures
from orders.models import Order
from orders.selectors import bank_details, order_waiting, renewal_amount_due
from payments.models import SavedCard
from payments.renewals import automatic_charge_on, next_retry_on
from subscriptions.models import Service


@task()
def send_order_mail(kind: str, order_id: int, invoice_id: int | None, reason: str) -> None:
    order = Order.objects.select_related("customer__user", "plan", "service").get(pk=order_id)
    invoice = Invoice.objects.get(pk=invoice_id) if invoice_id else None
    customer = order.customer
    context = {
        "order": order,
        "customer": customer,
        "invoice": invoice,
        "reason": reason,
        "order_url": settings.SITE_URL + reverse("orders:detail", args=[order.number]),
        "pay_url": settings.SITE_URL + reverse("payments:pay", args=[order.number]),
        "bank": bank_details(),
        "provider_name": settings.PROVIDER_NAME,
        "charged_to": _card_for_automatic_renewal(order),
        "next_retry_on": _next_retry_on(order) if kind == "payment_failed" else None,
        "card_url": settings.SITE_URL + reverse("payments:saved_card"),
    }
    message = _compose(kind, context, to=customer.user.email, language=customer.language)
    if invoice:
        message.attach(invoice.pdf_filename, pdf.render(invoice), "application/pdf")
    failures.send(message, mail=kind, reference=order.number or "")


def _card_for_automatic_renewal(order: Order) -> SavedCard | None:
    """The card an automatic renewal will be charged to: its "order made" mail says so."""
    renews_by_itself = order.kind == Order.Kind.RENEWAL and order.service and order.service.auto_renew
    return SavedCard.objects.filter(customer_id=order.customer_id).first() if renews_by_itself else None


def _next_retry_on(order: Order) -> datetime.date | None:
    """The day the daily run tries a declined automatic renewal again (LIFECYCLE_RETRY_DAYS before
    expiry, lifecycle.periodic): the first retry day after today, if any is left."""
    service = order.service
    if order.kind != Order.Kind.RENEWAL or service is None or not service.auto_renew or service.expires_on is None:
        return None
    return next_retry_on(service.expires_on, clock.today())


@task()
def send_account_mail(kind: str, user_id: int) -> None:
    """A mail about the account itself (notifications/mails.py: EMAIL_VERIFICATION, SIGN_UP_NOTICE),
    in the customer's language; the verification link is made now, for the address as it is now."""
    user = User.objects.select_related("customer").get(pk=user_id)
    customer = getattr(user, "customer", None)
    context = {
        "user": user,
        # The mails greet a customer by company name; an operator's address has no company.
        "customer": customer or {"company_name": user.email},
        "verify_url": settings.SITE_URL + reverse("accounts:email_verify", args=[email_verification_token(user)]),
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "password_reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        "valid_days": settings.EMAIL_VERIFICATION_MAX_AGE // (24 * 60 * 60),
        "provider_name": settings.PROVIDER_NAME,
    }
    if kind == "password_reset":
        context["new_password_url"] = settings.SITE_URL + _new_password_path(user)
    if kind == "sign_in_link":
        token = sign_in_link_token(user)
        context["sign_in_url"] = settings.SITE_URL + reverse("accounts:sign_in_link_open", args=[token])
        context["valid_minutes"] = settings.SIGN_IN_LINK_MAX_AGE // 60
    language = customer.language if customer else settings.LANGUAGE_CODE
    failures.send(_compose(kind, context, to=user.email, language=language), mail=kind, reference=user.email)


@task()
def send_sign_up_confirmation(pending_id: int) -> None:
    """The link that makes a pending sign-up's account, in the language it chose; made now, so
    that the token is written nowhere but in the mail (the sign-up keeps its hash). Nothing when
    the sign-up is gone meanwhile (confirmed, or purged)."""
    pending = PendingSignUp.objects.filter(pk=pending_id).first()
    token = pending_sign_up_link_token(pending_id=pending_id) if pending else None
    if pending is None or token is None:
        return
    kind = "sign_up_confirmation"
    context = {
        "email": pending.email,
        "customer": {"company_name": pending.name},
        "confirm_url": settings.SITE_URL + reverse("accounts:signup_confirm", args=[token]),
        "valid_days": settings.EMAIL_VERIFICATION_MAX_AGE // (24 * 60 * 60),
        "provider_name": settings.PROVIDER_NAME,
    }
    message = _compose(kind, context, to=pending.email, language=pending.language)
    failures.send(message, mail=kind, reference=pending.email)


def _new_password_path(user: User) -> str:
    """The one-time link of a password reset, made as Django's reset view expects it."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


@task()
def send_expiry_reminder(service_id: int, expires_on: str, days_before: int) -> None:
    """The reminder before a term ends, in the customer's language: what will happen on which
    date. Nothing when the service was renewed (or left the renewable states) since it was queued:
    the reminder belonged to a term that is no longer the current one."""
    service = Service.objects.select_related("customer__user", "plan").get(pk=service_id)
    term_ends_on = datetime.date.fromisoformat(expires_on)
    if service.expires_on != term_ends_on or service.status != Service.Status.ACTIVE:
        return
    customer = service.customer
    today = clock.today()
    context = {
        "service": service,
        "customer": customer,
        "days_before": days_before,
        "days_left": (term_ends_on - today).days,  # fewer than days_before after a run skipped days
        "expires_on": term_ends_on,
        "read_only_on": service.read_only_from,
        "suspended_on": service.suspended_from,
        "grace_days": settings.GRACE_PERIOD_DAYS,
        "card": SavedCard.objects.filter(customer_id=customer.pk).first() if service.auto_renew else None,
        "charge_on": automatic_charge_on(term_ends_on, today),
        "amount": renewal_amount_due(service),
        "renew_url": settings.SITE_URL + reverse("orders:renew", args=[service.public_id]),
        "service_url": settings.SITE_URL + service.get_absolute_url(),
        "provider_name": settings.PROVIDER_NAME,
    }
    _send_about_service("expiry_reminder", service, context)


@task()
def send_service_mail(kind: str, service_id: int, status: str) -> None:
    """SCADUTO, SOSPESO or CESSATO told to the customer, in their language: what the panel still
    does, what they can do and by when. Nothing when the service has left that state since (a
    renewal paid meanwhile): the news is no longer true."""
    service = Service.objects.select_related("customer__user", "plan").get(pk=service_id)
    if service.status != status:
        return
    waiting = order_waiting(service, Order.Kind.RENEWAL)
    if waiting and waiting.number:
        renew_url = settings.SITE_URL + reverse("payments:pay", args=[waiting.number])
    elif service.can_renew_by_hand:
        renew_url = settings.SITE_URL + reverse("orders:renew", args=[service.public_id])
    else:
        renew_url = ""
    context = {
        "service": service,
        "customer": service.customer,
        "waiting_order": waiting,
        "amount": renewal_amount_due(service) if service.status != Service.Status.CEASED else None,
        "renew_url": renew_url,
        "service_url": settings.SITE_URL + service.get_absolute_url(),
        "export_url": settings.SITE_URL + reverse("panel:export", args=[service.public_id]),
        "grace_days": settings.GRACE_PERIOD_DAYS,
        "provider_name": settings.PROVIDER_NAME,
    }
    _send_about_service(kind, service, context)


def _send_about_service(kind: str, service: Service, context: dict[str, Any]) -> None:
    customer = service.customer
    message = _compose(kind, context, to=customer.user.email, language=customer.language)
    failures.send(message, mail=kind, reference=str(service.panel_username or service.public_id))


def _compose(kind: str, context: dict[str, Any], *, to: str, language: str) -> EmailMultiAlternatives:
    """The mail `kind` from its three templates (subject, text, HTML), in `language`."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/{kind}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string(f"notifications/{kind}.txt", context), to=[to]
        )
        message.attach_alternative(render_to_string(f"notifications/{kind}.html", context), "text/html")
    return message
