from django.utils.translation import gettext_lazy as _


class ApiError(Exception):
    """A request the API refuses: an HTTP status, a stable `code` for programs and a message for
    people, in the key owner's language (RFC 9457 problem details, api/problems.py). `extra` adds
    members to the problem (the package refused and each file's reason, the fields in error)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.extra = extra or {}


UNAUTHENTICATED = _("Manca una chiave API valida: mandala nell'intestazione Authorization: Bearer <chiave>.")
