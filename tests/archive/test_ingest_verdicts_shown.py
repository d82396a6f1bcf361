"""What a customer sees of the ingest pipeline's verdicts outside the deposit itself: the API's
answers (a kept invoice's warnings, a refused signature's code, a document's signatures, invoices
and format) and the panel's document page."""

import lxml.html
import pytest
from django.test import Client

from archive.ingest import fatturapa, signatures
from tests.api.conftest import new_key
from tests.archive import files
from tests.archive.conftest import deposit
from tests.archive.ingest.invoices import body, ordinary
from tests.archive.ingest.test_signatures import altered
from tests.archive.ingest.test_signatures import signed as cades_signed
from tests.panel.conftest import panel, panel_url  # noqa: F401 (the panel, entered as rossi: a fixture)

pytestmark = pytest.mark.django_db

INVOICES = "fattura-attiva"


def signed_lot() -> bytes:
    """A lot of an invoice and a credit note, with the samples' placeholder numbers, signed in a .p7m."""
    return cades_signed(ordinary(bodies=(body("1/2024", "2024-01-31"), body("2/2024", "2024-02-29", "TD04"))))


def post_invoices(api, uploads: dict[str, bytes]):
    data = {
        "document_class": INVOICES,
        "metadata": "{}",
        "files": [files.upload(name, content) for name, content in uploads.items()],
    }
    return api.post("/api/v1/packages", data)


def test_the_api_answers_with_the_warnings_the_refused_signature_and_what_the_document_keeps(service):
    api = Client(headers={"Authorization": f"Bearer {new_key(service)}"})
    invoice = ordinary(bodies=(body("7/2024", "2024-07-01"),))

    accepted = post_invoices(api, {"lotto.xml.p7m": signed_lot()})
    rejected = post_invoices(api, {"fattura.xml.p7m": altered(cades_signed(invoice), invoice)})

    assert accepted.status_code == 201, accepted.content
    (brief,) = accepted.json()["documents"]
    assert [finding["code"] for finding in brief["findings"]] == [
        signatures.UNTRUSTED,
        fatturapa.VAT_NUMBER_CHECK,
        fatturapa.TAX_CODE_CHECK,
    ]
    assert rejected.status_code == 422
    assert [(item["file"], item["code"]) for item in rejected.json()["problems"]] == [
        ("fattura.xml.p7m", signatures.NOT_INTACT)
    ]
    document = api.get(f"/api/v1/documents/{brief['id']}").json()
    assert [(item["signer_name"], item["level"], item["outcome"]) for item in document["signatures"]] == [
        ("Mario Rossi", "BES", "INDETERMINATA")
    ]
    assert [(item["number"], item["type"]) for item in document["invoices"]] == [
        ("1/2024", "Fattura"),
        ("2/2024", "Nota di credito"),
    ]
    assert (document["format"], document["signed_format"], document["format_label"]) == ("P7M", "XML", "XML")


def test_the_panel_shows_the_warnings_the_signatures_and_the_invoices_of_a_lot(panel, service):  # noqa: F811
    document = deposit(service, {"lotto.xml.p7m": signed_lot()}, document_class=INVOICES, metadata={}).documents.get()

    page = panel.get(panel_url("document", service, document.public_id))

    assert page.status_code == 200
    html = lxml.html.fromstring(page.content)
    assert "«01234567890»" in html.get_element_by_id("document-warnings").text_content()
    signed_by = html.get_element_by_id("document-signatures").text_content()
    assert "Mario Rossi" in signed_by and "INDETERMINATA" in signed_by
    rows = html.get_element_by_id("document-invoices").xpath(".//tbody/tr")
    assert [[cell.text_content() for cell in row.xpath("td")] for row in rows] == [
        ["1", "1/2024", "2024-01-31", "Fattura"],
        ["2", "2/2024", "2024-02-29", "Nota di credito"],
    ]
