"""Operators extend the document classes in the admin; what the archive keeps they can only read."""

import pytest
from django.urls import reverse

from archive.models import DocumentClass
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


def test_an_operator_adds_a_document_class(admin_client, document_classes):
    page = admin_client.post(
        reverse("admin:archive_documentclass_add"),
        {
            "name": "Nota spese",
            "code": "nota-spese",
            "required_metadata": ["data", "soggetti"],
            "allowed_formats": ["PDF", "JPEG"],
            "retention_years": "10",
            "tax_relevant": "on",
            "is_active": "on",
            "position": "7",
        },
    )

    assert page.status_code == 302
    added = DocumentClass.objects.get(code="nota-spese")
    assert (added.required_metadata, added.allowed_formats, added.tax_relevant) == (
        ["data", "soggetti"],
        ["PDF", "JPEG"],
        True,
    )


def test_the_seeded_classes_are_there_and_cannot_be_deleted(admin_client, document_classes):
    assert list(document_classes) == [
        "fattura-attiva",
        "fattura-passiva",
        "registro-iva",
        "libro-giornale",
        "contratto",
        "documento-generico",
    ]
    page = admin_client.get(reverse("admin:archive_documentclass_change", args=[document_classes["contratto"].pk]))
    assert page.status_code == 200 and "Elimina" not in page.content.decode()


def test_deposits_and_documents_are_read_only(admin_client, service):
    kept = deposit(service, {"verbale.pdf": files.pdf()})
    document = kept.documents.get()

    for url in [
        reverse("admin:archive_deposit_changelist"),
        reverse("admin:archive_deposit_change", args=[kept.pk]),
        reverse("admin:archive_document_changelist"),
        reverse("admin:archive_document_change", args=[document.pk]),
    ]:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:archive_document_add")).status_code == 403
