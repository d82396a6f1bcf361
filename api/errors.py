from django.utils.translation import gettext_lazy as _


class ApiError(Exception):
    """A request the API refuses: an HTTP status, a stable `code` for programs and a message for
    people, in the key owner's language (RFC 9457 problem details, api/problems.py)."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


UNAUTHENTICATED = _("Manca una chiave API valida: mandala nell'intestazione Authorization: Bearer <chiave>.")
