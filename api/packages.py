"""Packages (versamenti) through the API: deposited with archive.services.deposit_submit, as the
panel does, exactly once under an Idempotency-Key; listed, read, and their receipts."""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, UploadedFile

from api.auth import DEPOSIT, READ
from api.cursor import cursor_page, page_limit
from api.errors import ApiError
from api.idempotency import Answer, idempotent_run
from api.models import ApiKey
from api.problems import json_response, problem_body
from api.representations import package_detail_view, package_view
from api.schemas import PackageDetail, PackagePage, Problem
from api.tasks import deliver_webhook
from api.webhooks import webhook_queue
from archive.errors import ArchiveError
from archive.errors import Problem as Refusal
from archive.ingest.uploads import dropped_names_refusal, upload_refusal
from archive.models import Deposit
from archive.selectors import deposit_for_service, deposits_of
from archive.services import deposit_submit
from audit.actors import SystemActor

router = Router(tags=["packages"])


@router.post(
    "/packages",
    auth=DEPOSIT,
    url_name="packages",
    response={201: PackageDetail, 409: Problem, 422: Problem},
    summary="Deposit a package",
)
def package_create(
    request: HttpRequest,
    document_class: str = Form(..., min_length=1),
    files: list[UploadedFile] = File(..., min_length=1),
    metadata: Form[str] = "",
    sheet: UploadedFile = File(None),
    idempotency_key: Header[str | None] = None,
):
    """Files of one document class, or one ZIP, with their metadata: `metadata` as a JSON object
    from each file's name to its fields, or a `sheet` (CSV or JSON; a ZIP may carry its own). The
    package is accepted whole (201, with its receipt) or rejected whole (422 `package_rejected`,
    with each file's reason); either way it has an id to read it by. Send an `Idempotency-Key` to
    retry safely: a retry gets the first answer again."""
    key: ApiKey = request.auth
    if stopped := upload_refusal(request):
        raise ApiError(413, "request_too_large", stopped)
    if dropped := dropped_names_refusal(request):
        problems = problems_view(dropped.problems)
        raise ApiError(422, "invalid_request", str(dropped), extra={"problems": problems})
    fields = _metadata(metadata)
    fingerprint = _fingerprint(document_class, fields, files, sheet)

    def deposit() -> Answer:
        return _deposit(request, key, document_class, files, fields, sheet)

    answer = idempotent_run(api_key=key, key=idempotency_key, fingerprint=fingerprint, run=deposit)
    response = json_response(answer.status, answer.body)
    if answer.status == 201:
        response["Location"] = reverse("api:package", kwargs={"package_id": answer.body["id"]})
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _deposit(request, key: ApiKey, document_class, files, fields, sheet) -> Answer:
    try:
        deposit = deposit_submit(
            service_id=key.service_id,
            document_class_code=document_class,
            files=files,
            metadata=fields,
            sheet=sheet,
            actor=key_actor(key),
        )
    except ArchiveError as refused:
        deposit = refused.deposit
        problems = [
            {"file": problem.file, "reason": problem.reason, "code": problem.code} for problem in refused.problems
        ]
        error = ApiError(
            422, "package_rejected", str(refused), extra={"package": str(deposit.public_id), "problems": problems}
        )
        answer = Answer(422, problem_body(request, error))
    else:
        answer = Answer(201, PackageDetail.model_validate(package_detail_view(deposit)).model_dump(mode="json"))
    transaction.on_commit(lambda: _announce(deposit))
    return answer


def _announce(deposit: Deposit) -> None:
    if delivery := webhook_queue(deposit):
        deliver_webhook.enqueue(delivery.pk)


def problems_view(problems: list[Refusal]) -> list[dict[str, str]]:
    """Each refused file's reason and the check's stable code, as the `Refusal` schema says."""
    return [{"file": problem.file, "reason": problem.reason, "code": problem.code} for problem in problems]


def key_actor(key: ApiKey) -> SystemActor:
    """The trail and the receipt name the key that deposited: its name and public prefix."""
    return SystemActor(f"API: {key.name} (cs_{key.prefix}_…)")


def _metadata(given: str) -> dict[str, dict[str, object]]:
    if not given.strip():
        return {}
    try:
        fields = json.loads(given)
    except (ValueError, RecursionError):
        fields = None
    if not isinstance(fields, dict) or not all(isinstance(value, dict) for value in fields.values()):
        raise ApiError(
            422,
            "invalid_request",
            _("«metadata» dev'essere un oggetto JSON: per ogni nome di file, un oggetto coi suoi metadati."),
            extra={"errors": [{"field": "metadata", "message": "not a JSON object of objects"}]},
        )
    return fields


def _fingerprint(document_class: str, fields: dict, files: list[UploadedFile], sheet: UploadedFile | None) -> str:
    """What makes two requests the same deposit: the class, the metadata and each file's name and
    content (a multipart body's boundary changes with every retry, so the raw body would not do)."""
    described = {
        "document_class": document_class,
        "metadata": fields,
        "files": [(upload.name, _sha256(upload)) for upload in files],
        "sheet": (sheet.name, _sha256(sheet)) if sheet is not None else None,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@router.get("/packages", auth=READ, response=PackagePage, summary="List packages, newest first")
def package_list(
    request: HttpRequest,
    cursor: str = Query("", pattern="^[A-Za-z0-9_-]*$", max_length=200),
    limit: int | None = Query(None, ge=1, le=settings.API_PAGE_SIZE),
):
    items, next_cursor = cursor_page(
        deposits_of(service=request.auth.service), time_field="submitted_at", cursor=cursor, limit=page_limit(limit)
    )
    return {"items": [package_view(deposit) for deposit in items], "next_cursor": next_cursor}


@router.get("/packages/{uuid:package_id}", auth=READ, url_name="package", response=PackageDetail)
def package_detail(request: HttpRequest, package_id):
    """A package and its outcome: the documents kept, or the reason each file was refused."""
    return package_detail_view(deposit_for_service(service=request.auth.service, public_id=package_id))


@router.get("/packages/{uuid:package_id}/receipt", auth=READ, url_name="package_receipt", response={200: None})
def package_receipt(request: HttpRequest, package_id):
    """The rapporto di versamento, the XML kept when the package was accepted (404 for a rejected one)."""
    deposit = deposit_for_service(service=request.auth.service, public_id=package_id)
    if deposit.status != Deposit.Status.ACCEPTED:
        raise ApiError(404, "not_found", _("Un pacchetto rifiutato non ha rapporto di versamento."))
    response = HttpResponse(deposit.receipt_xml.encode(), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapporto-di-versamento-{deposit.public_id}.xml"'
    return response
