"""Entering the panel: a one-time link from the customer area, or the panel's own login."""

import datetime
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from lib import clock
from panel.models import PanelAccount, PanelTicket, token_digest
from subscriptions.models import Service

TICKET_LIFETIME = datetime.timedelta(seconds=60)
PANEL_LOGIN_DOMAIN = "pannello.invalid"  # panel logins are users with no mailbox: <username>@pannello.invalid


class PanelError(Exception):
    """Entering the panel was refused; the message says why."""


def panel_login_email(panel_username: str) -> str:
    return f"{panel_username.strip().lower()}@{PANEL_LOGIN_DOMAIN}"


def ticket_issue(*, service: Service, user: User) -> str:
    """A new one-time link into the service's panel; returns its token (kept only as a hash)."""
    if not service.panel_username:
        raise PanelError(_("Il Pannello si apre quando il servizio è attivo."))
    token = secrets.token_urlsafe(32)
    PanelTicket.objects.create(
        token_sha256=token_digest(token), service=service, user=user, expires_at=clock.now() + TICKET_LIFETIME
    )
    return token


@transaction.atomic
def ticket_redeem(*, token: str, user: User) -> Service:
    """The service the link opens, once: a used, expired or someone else's link opens nothing."""
    ticket = (
        PanelTicket.objects.select_for_update()
        .select_related("service")
        .filter(token_sha256=token_digest(token), user=user)
        .first()
    )
    if ticket is None or ticket.used_at is not None or ticket.expires_at <= clock.now():
        raise PanelError(_("Il collegamento al Pannello è scaduto o già usato: entra di nuovo dall'Area Clienti."))
    ticket.used_at = clock.now()
    ticket.save(update_fields=["used_at"])
    trail.record(ticket.service, AuditEntry.Action.PANEL_ENTERED, actor=user, by="link")
    return ticket.service


@transaction.atomic
def panel_password_set(*, service_id: int, password: str, actor: Actor) -> PanelAccount:
    """The panel's own password, set by the customer: whoever has it enters that panel only."""
    service = Service.objects.select_for_update().get(pk=service_id)
    if not service.panel_username:
        raise PanelError(_("Il Pannello si apre quando il servizio è attivo."))
    account = PanelAccount.objects.select_related("user").filter(service=service).first()
    user = account.user if account else User(email=panel_login_email(service.panel_username))
    try:
        # Compared with the username the person types, not with the made-up mailbox: "pannello.invalid"
        # made a password with "pannello" in it fail now and then, as the random letters fell.
        validate_password(password, User(email=service.panel_username))
    except ValidationError as error:
        raise PanelError(" ".join(error.messages)) from error
    user.set_password(password)
    user.save()
    if account is None:
        account = PanelAccount.objects.create(service=service, user=user)
    user.end_all_sessions()  # a new password closes the panel wherever the old one was used
    trail.record(service, AuditEntry.Action.PANEL_PASSWORD_SET, actor=actor)
    return account
