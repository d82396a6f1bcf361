"""The API, /api/v1/: django-ninja, for an OpenAPI 3.1 document generated from the endpoints' typed
signatures and a reference page served from our own static files. Every refusal, ninja's own
included, becomes a problem (api/problems.py)."""

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from api import documents, packages
from api.auth import ANY, READ
from api.errors import UNAUTHENTICATED, ApiError
from api.problems import TITLES, not_found, problem_response
from api.representations import document_class_view, service_view
from api.schemas import DocumentClassOut, ServiceOut
from archive.errors import ArchiveError
from archive.ingest.uploads import upload_refusal
from archive.selectors import document_classes

DESCRIPTION = """Deposit, track and retrieve documents of one Conserva service.

Authenticate with the service's API key: `Authorization: Bearer cs_…` (the panel's «Chiavi API»).
Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`.
The guide with examples: docs/api.md."""


class ConservaApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Ninja's document, with every operation's errors declared as problems (any status)."""
        schema = super().get_openapi_schema(**kwargs)
        problem = {"$ref": "#/components/schemas/Problem"}
        for operation in (op for path in schema["paths"].values() for op in path.values()):
            for status, response in operation["responses"].items():
                if str(status).startswith(("4", "5")):
                    response["content"] = {"application/problem+json": {"schema": problem}}
            operation["responses"]["default"] = {
                "description": "A problem: " + ", ".join(sorted(TITLES)),
                "content": {"application/problem+json": {"schema": problem}},
            }
        return schema


api = ConservaApi(
    title="Conserva API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
api.add_router("", packages.router)
api.add_router("", documents.router)


@api.get("/service", auth=READ, response=ServiceOut, tags=["service"], summary="The service: state, expiry, space")
def service_detail(request: HttpRequest):
    """S2, S6, S8 of the customer area: an ERP can warn before the archive fills or expires."""
    return service_view(request.auth.service)


@api.get(
    "/document-classes",
    auth=ANY,
    response=list[DocumentClassOut],
    tags=["packages"],
    summary="The document classes: what each requires, the formats it accepts, its policies",
)
def document_class_list(request: HttpRequest):
    return [document_class_view(item) for item in document_classes()]


@api.exception_handler(ApiError)
def _refused(request, error: ApiError):
    return problem_response(request, error)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return problem_response(
        request, ApiError(401, "unauthenticated", str(UNAUTHENTICATED), headers={"WWW-Authenticate": "Bearer"})
    )


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    if stopped := upload_refusal(request):  # the files were stopped as they arrived, so none is there
        return problem_response(request, ApiError(413, "request_too_large", stopped))
    errors = [
        {"field": ".".join(str(part) for part in item.get("loc", ())[1:]), "message": item.get("msg", "")}
        for item in error.errors
    ]
    fields = ", ".join(item["field"] for item in errors)
    detail = _("Richiesta non valida: controlla %(fields)s.") % {"fields": fields}
    return problem_response(request, ApiError(422, "invalid_request", detail, extra={"errors": errors}))


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem_response(request, not_found())


@api.exception_handler(ArchiveError)
def _archive_closed(request, error: ArchiveError):
    """The archive's selectors refuse only when the service's state closes it (SOSPESO, CESSATO)."""
    return problem_response(request, ApiError(409, "archive_closed", str(error)))


@api.exception_handler(TooManyFilesSent)
@api.exception_handler(RequestDataTooBig)
def _too_large(request, error):
    detail = _("Troppi file o campi in una richiesta: manda un lotto grande come un unico ZIP.")
    return problem_response(request, ApiError(413, "request_too_large", detail))
