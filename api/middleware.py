from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from api.auth import asked_language
from api.errors import ApiError
from api.problems import problem_response

API_PREFIX = "/api/"


class RequestSizeLimitMiddleware:
    """A request to the API declaring a body over API_REQUEST_MAX_BYTES is refused with 413 before
    a byte of it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and _declared_length(request) > settings.API_REQUEST_MAX_BYTES:
            with translation.override(asked_language(request) or settings.LANGUAGE_CODE):
                error = ApiError(
                    413,
                    "request_too_large",
                    _("La richiesta supera %(most)d byte: dividi il lotto in più pacchetti.")
                    % {"most": settings.API_REQUEST_MAX_BYTES},
                )
                return problem_response(request, error)
        return self.get_response(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
