"""Who is calling: a Bearer key with the scope the endpoint needs, within its rate limit. The
errors speak the request's Accept-Language when it names one we have, else the key owner's."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from api.errors import UNAUTHENTICATED, ApiError
from api.limits import request_count
from api.models import ApiKey
from api.selectors import api_key_authenticate
from subscriptions.services import free_bytes

SCOPE_REFUSALS = {
    "deposit": _("Questa chiave non può versare: creane una col permesso «versare» nel Pannello."),
    "read": _("Questa chiave non può leggere: creane una col permesso «leggere» nel Pannello."),
}


class KeyAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiKey | None:
        translation.activate(asked_language(request) or settings.LANGUAGE_CODE)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = api_key_authenticate(presented=token)
        if key is None:
            raise ApiError(401, "unauthenticated", str(UNAUTHENTICATED), headers={"WWW-Authenticate": "Bearer"})
        translation.activate(asked_language(request) or key.service.customer.language)
        if self.scope and self.scope not in key.scopes:
            raise ApiError(403, "scope_missing", str(SCOPE_REFUSALS[self.scope]))
        request_count(key)
        if self.scope == "deposit":
            request.upload_budget = free_bytes(key.service)  # type: ignore[attr-defined]  # read by archive.ingest.uploads
        return key


def asked_language(request: HttpRequest) -> str:
    """The first language of Accept-Language that we speak, or ""."""
    supported = {code for code, _name in settings.LANGUAGES}
    for part in request.headers.get("Accept-Language", "").split(","):
        language = part.split(";")[0].strip().lower()[:2]
        if language in supported:
            return language
    return ""


ANY = KeyAuth("")  # any key of the service, whatever it may do
READ = KeyAuth("read")
DEPOSIT = KeyAuth("deposit")
