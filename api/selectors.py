import hmac

from django.db.models import QuerySet

from api.models import ApiKey, secret_digest
from api.services import KEY_PREFIX
from lib import clock
from subscriptions.models import Service


def api_keys_for_service(*, service: Service) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(service=service)


def api_key_authenticate(*, presented: str) -> ApiKey | None:
    """The usable key `presented` is, or None: unknown, wrong secret, revoked or expired. The secret's
    HMAC is compared in constant time; its last use is written at most once a minute."""
    prefix, _, secret = presented.removeprefix(KEY_PREFIX).partition("_")
    if not presented.startswith(KEY_PREFIX) or not prefix or not secret:
        return None
    key = ApiKey.objects.select_related("service__customer").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hmac, secret_digest(secret)) or not key.is_usable():
        return None
    now = clock.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() >= 60:
        # No page lib.page_cache keeps shows it: the customer's revision stays (accounts.revisions).
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
