"""The panel's pages over the archive: deposit, deposits and their receipts, search, documents.
Each view parses its input, calls one archive service or selector and renders; the archive's
refusals are shown in its own words."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import FileResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.access import customer_required
from accounts.client import client_address
from archive.errors import ArchiveError
from archive.export import archive_zip, export_filename, export_refusal
from archive.ingest.metadata import Field
from archive.ingest.uploads import dropped_names_refusal, upload_refusal
from archive.models import Deposit, DocumentClass
from archive.selectors import (
    DocumentQuery,
    Result,
    deposit_for_service,
    deposits_for_service,
    document_card,
    document_download,
    receipt_for_service,
    refusals_of,
    refused_count,
    search_results,
)
from archive.services import archive_export_record, deposit_submit
from lib.urls import link
from panel.access import kept_panel_page, panel_required
from panel.forms import DepositForm, SearchForm
from subscriptions.selectors import service_for_customer
from subscriptions.services import free_bytes, space_use_refusal


@csrf_exempt  # checked in _deposit_page, once the upload's budget is set (Django's documented way)
@panel_required
def deposit_new(request):
    """Versa: a package of one class, its files or one ZIP, its metadata; then its receipt."""
    request.upload_budget = free_bytes(request.service)
    return _deposit_page(request)


@csrf_protect
def _deposit_page(request):
    service = request.service
    if request.method == "POST" and request.FILES is not None and (stopped := upload_refusal(request)):
        context = {"service": service, "form": DepositForm(), "error": ArchiveError(stopped), "classes": _classes()}
        context["needs_space"] = True
        return render(request, "panel/deposit_new.html", context, status=413)
    refusal = space_use_refusal(service, 0)
    if request.method == "POST" and (dropped := dropped_names_refusal(request)):
        context = {"service": service, "form": DepositForm(), "error": dropped, "classes": _classes()}
        return render(request, "panel/deposit_new.html", context, status=422)
    form = DepositForm(request.POST or None, request.FILES or None) if not refusal else None
    error = None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            deposit = deposit_submit(
                service_id=service.pk,
                document_class_code=form.cleaned_data["document_class"].code,
                files=form.cleaned_data["files"],
                metadata=form.metadata(),
                sheet=form.cleaned_data["sheet"],
                actor=request.user,
            )
        except ArchiveError as refused:
            error = refused
        else:
            messages.success(request, _("Versamento accettato: ecco il rapporto di versamento."))
            return redirect("panel:receipt", public_id=service.public_id, deposit_id=deposit.public_id)
    context = {"service": service, "form": form, "refusal": refusal, "error": error, "classes": _classes()}
    if error is not None:
        service.refresh_from_db(fields=["used_bytes", "quota_bytes", "status"])
        # The links to more space show when the space is what refused it (a ZIP counts as its own size here).
        context["needs_space"] = bool(
            space_use_refusal(service, sum(upload.size for upload in form.cleaned_data["files"]))
        )
    return render(request, "panel/deposit_new.html", context, status=200 if error is None else 422)


def _classes():
    """The classes a package may have, each with the labels of the metadata it requires."""
    return [
        (item, [Field(code).label for code in item.required_metadata])
        for item in DocumentClass.objects.filter(is_active=True)
    ]


@panel_required
def deposit_list(request):
    page = deposits_for_service(service=request.service, page=request.GET.get("pagina", 1))
    context = {"service": request.service, "page": page, "refused_count": refused_count(service=request.service)}
    return render(request, "panel/deposit_list.html", context)


@panel_required
def deposit_detail(request, deposit_id):
    deposit = deposit_for_service(service=request.service, public_id=deposit_id)
    documents = deposit.documents.order_by("position") if deposit.status == Deposit.Status.ACCEPTED else []
    context = {"service": request.service, "deposit": deposit, "documents": documents, "refusals": refusals_of(deposit)}
    return render(request, "panel/deposit_detail.html", context)


@panel_required
def receipt(request, deposit_id):
    """The rapporto di versamento as a printable page."""
    found = receipt_for_service(service=request.service, public_id=deposit_id)
    return render(request, "panel/receipt.html", {"service": request.service, "receipt": found})


@panel_required
def receipt_xml(request, deposit_id):
    """The rapporto di versamento as it was kept when the package was accepted, or the esito
    negativo of a rejected one."""
    deposit = deposit_for_service(service=request.service, public_id=deposit_id)
    if not deposit.receipt_xml:
        raise Http404  # a package rejected before outcomes were kept
    kind = "rapporto-di-versamento" if deposit.status == Deposit.Status.ACCEPTED else "esito-negativo"
    response = HttpResponse(deposit.receipt_xml.encode(), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{deposit.public_id}.xml"'
    patch_cache_control(response, no_store=True, private=True)  # a customer's document: never kept by a cache
    return response


@kept_panel_page
def document_list(request):
    """Archivio: the search, a GET form, and a page of what it finds."""
    form = SearchForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        query = form.query() if form.is_bound else DocumentQuery()
        page = search_results(service=request.service, query=query, page=request.GET.get("pagina", 1))
    others = request.GET.copy()
    others.pop("pagina", None)
    context = {
        "service": request.service,
        "form": form,
        "page": page,
        "rows": _result_rows(request.service, page.object_list) if page is not None else [],
        "query_string": others.urlencode(),
    }
    return render(request, "panel/document_list.html", context)


def _result_rows(service, results: list[Result]) -> list[dict[str, str]]:
    """What each cell of a result shows, as text (the template escapes it): made here, a row costs
    a tenth of what the same filters and loops cost in the template (dates through |date, the
    subjects' loop, the link)."""
    rows = []
    for result in results:
        document = result.document
        number = document.number or "—"
        if document.document_date:
            number = f"{number} · {document.document_date.isoformat()}"
        subjects = "; ".join(
            f"{subject.name} ({subject.country}{subject.vat_number})" if subject.vat_number else subject.name
            for subject in result.subjects
        )
        rows.append(
            {
                "url": link("panel:document", service.public_id, document.public_id),
                "name": document.name,
                "note": Truncator(document.subject_matter).chars(80),
                "class": document.document_class.name,
                "number": number,
                "subjects": subjects or "—",
                "deposited": document.deposited_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
            }
        )
    return rows


@kept_panel_page
def document_detail(request, document_id):
    document = document_card(service=request.service, public_id=document_id)
    context = {"service": request.service, "document": document}
    return render(request, "panel/document_detail.html", context)


@panel_required
def document_file(request, document_id):
    """The document's bytes as kept, checked against its hash just before."""
    try:
        download = document_download(service=request.service, public_id=document_id)
    except ArchiveError as error:
        messages.error(request, str(error))
        return redirect("panel:document", public_id=request.service.public_id, document_id=document_id)
    response = FileResponse(
        download.file, as_attachment=True, filename=download.name, content_type=download.content_type
    )
    patch_cache_control(response, no_store=True, private=True)
    return response


@customer_required
def archive_export(request, public_id):
    """The whole archive as one ZIP, for the service's customer whatever its state (the panel may
    be closed): streamed, each file re-hashed as it goes, the export on the audit trail."""
    service = service_for_customer(request.customer, public_id)
    if refusal := export_refusal(service):
        messages.error(request, refusal)
        return redirect(service)
    archive_export_record(service=service, actor=request.user, address=client_address(request))
    response = StreamingHttpResponse(archive_zip(service), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export_filename(service))
    patch_cache_control(response, no_store=True, private=True)
    return response
