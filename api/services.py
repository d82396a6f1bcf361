"""API keys: created for a service (the secret returned once, kept as an HMAC), revoked at once."""

import datetime
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from api.errors import ApiError
from api.models import ApiKey, Webhook, secret_digest
from audit import trail
from audit.models import AuditEntry
from lib import clock
from subscriptions.models import Service

KEY_PREFIX = "cs_"


@transaction.atomic
def api_key_create(
    *,
    service_id: int,
    name: str,
    may_deposit: bool,
    may_read: bool,
    expires_at: datetime.datetime | None = None,
    actor: User,
) -> tuple[ApiKey, str]:
    """A new key for the service; returns it with the whole key, which is never shown again."""
    service = Service.objects.get(pk=service_id)
    if not (may_deposit or may_read):
        raise ApiError(400, "no_scope", _("Scegli almeno un permesso: versare o leggere."))
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        service=service,
        name=name.strip()[:100],
        prefix=prefix,
        secret_hmac=secret_digest(secret),
        may_deposit=may_deposit,
        may_read=may_read,
        expires_at=expires_at,
        created_by=actor,
    )
    trail.record(key, AuditEntry.Action.API_KEY_CREATED, actor=actor, scopes=",".join(key.scopes))
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, service_id: int, prefix: str, actor: User) -> ApiKey:
    """Revokes the service's key: the next request made with it is refused. Revoking twice is a no-op."""
    key = ApiKey.objects.select_for_update().get(service_id=service_id, prefix=prefix)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
        trail.record(key, AuditEntry.Action.API_KEY_REVOKED, actor=actor)
    return key


@transaction.atomic
def webhook_set(*, service_id: int, url: str, actor: User) -> tuple[Webhook, str]:
    """Sets where the service's packages' outcomes are posted, with a new signing secret, returned
    here only (the page shows it once). Setting it again replaces the address and the secret."""
    service = Service.objects.select_for_update().get(pk=service_id)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    webhook, _created = Webhook.objects.update_or_create(
        service=service, defaults={"url": url, "secret": secret, "created_by": actor, "created_at": clock.now()}
    )
    trail.record(webhook, AuditEntry.Action.API_WEBHOOK_SET, actor=actor, url=url)
    return webhook, secret


@transaction.atomic
def webhook_remove(*, service_id: int, actor: User) -> None:
    """No more calls: the deliveries not yet made are dropped with it."""
    webhook = Webhook.objects.filter(service_id=service_id).first()
    if webhook is not None:
        trail.record(webhook, AuditEntry.Action.API_WEBHOOK_REMOVED, actor=actor, url=webhook.url)
        webhook.delete()
