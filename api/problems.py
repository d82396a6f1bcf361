"""Every refusal of the API as an RFC 9457 problem: `application/problem+json` with the HTTP status,
a stable `code` that programs branch on, a title and a detail for people (Italian, or English when
the key's owner or the request's Accept-Language asks for it). docs/api.md lists the codes."""

import json

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.errors import ApiError

PROBLEM_TYPE = "urn:conserva:problem:"

TITLES = {
    "unauthenticated": gettext_lazy("Chiave API mancante o non valida"),
    "scope_missing": gettext_lazy("La chiave non ha questo permesso"),
    "no_scope": gettext_lazy("Nessun permesso scelto"),
    "not_found": gettext_lazy("Non trovato"),
    "invalid_request": gettext_lazy("Richiesta non valida"),
    "invalid_cursor": gettext_lazy("Cursore non valido"),
    "invalid_idempotency_key": gettext_lazy("Idempotency-Key non valida"),
    "idempotency_key_reused": gettext_lazy("Idempotency-Key già usata per un'altra richiesta"),
    "request_in_progress": gettext_lazy("La stessa richiesta è ancora in corso"),
    "package_rejected": gettext_lazy("Pacchetto rifiutato"),
    "archive_closed": gettext_lazy("Archivio chiuso"),
    "document_unavailable": gettext_lazy("Documento non disponibile"),
    "range_not_satisfiable": gettext_lazy("Intervallo non disponibile"),
    "rate_limited": gettext_lazy("Troppe richieste"),
    "request_too_large": gettext_lazy("Richiesta troppo grande"),
    "method_not_allowed": gettext_lazy("Metodo non ammesso"),
}


def problem_body(request: HttpRequest, error: ApiError) -> dict[str, object]:
    return {
        "type": PROBLEM_TYPE + error.code,
        "code": error.code,
        "title": str(TITLES[error.code]),
        "status": error.status,
        "detail": str(error),
        "instance": request.path,
        **error.extra,
    }


def problem_response(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = json_response(error.status, problem_body(request, error))
    for name, value in error.headers.items():
        response[name] = value
    return response


def json_response(status: int, body: dict[str, object]) -> HttpResponse:
    """JSON, or problem+json for an error status: the type a client learns the shape from."""
    content_type = "application/problem+json" if status >= 400 else "application/json"
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("Non esiste, o non è di questo servizio."))
