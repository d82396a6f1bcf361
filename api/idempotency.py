"""Exactly once under an Idempotency-Key: the first request with a key claims it (a unique row: of
ten copies sent at once, one inserts it and runs; the others are told it is in progress, or get its
answer once it is done); a retry gets the first answer again, marked Idempotent-Replayed; the same
key with another request is refused.

A claim whose request died before answering (the process killed) is taken over after
API_IDEMPOTENCY_STALE_SECONDS: running the deposit again cannot keep a document twice, since the
archive refuses content the service already keeps."""

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from api.errors import ApiError
from api.models import ApiKey, IdempotentRequest
from lib import clock

KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the header's draft asks


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, object]
    replayed: bool = False


def idempotent_run(*, api_key: ApiKey, key: str | None, fingerprint: str, run: Callable[[], Answer]) -> Answer:
    """`run`'s answer, computed once per (api_key, key); without a key, run as it comes."""
    if key is None:
        return run()
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(
            400, "invalid_idempotency_key", _("Idempotency-Key: da 1 a 255 caratteri ASCII visibili, senza spazi.")
        )
    claim, first = _claim(api_key, key, fingerprint)
    if first is not None:
        return first
    try:
        answer = run()
    except BaseException:
        claim.delete()  # nothing was answered: a retry runs it again
        raise
    IdempotentRequest.objects.filter(pk=claim.pk).update(
        status_code=answer.status, response_body=json.dumps(answer.body, ensure_ascii=False)
    )
    return answer


def _claim(api_key: ApiKey, key: str, fingerprint: str) -> tuple[IdempotentRequest, Answer | None]:
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(api_key=api_key, key=key, request_sha256=fingerprint), None
    except IntegrityError:
        pass
    first = IdempotentRequest.objects.get(api_key=api_key, key=key)
    if first.request_sha256 != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("Questa Idempotency-Key è già stata usata per una richiesta diversa: usane una nuova."),
        )
    if first.status_code is not None:
        return first, Answer(first.status_code, json.loads(first.response_body), replayed=True)
    stale = clock.now() - datetime.timedelta(seconds=settings.API_IDEMPOTENCY_STALE_SECONDS)
    taken_over = IdempotentRequest.objects.filter(pk=first.pk, status_code=None, created_at__lt=stale)
    if first.created_at < stale and taken_over.update(created_at=clock.now()):
        return first, None
    raise ApiError(
        409,
        "request_in_progress",
        _("La prima richiesta con questa Idempotency-Key è ancora in corso: riprova fra poco."),
        headers={"Retry-After": "2"},
    )
