"""Issue 13: the search page (with its results, a filter, an invalid filter, a second page) and a
document's page run at most 7 queries, as many for 30 documents as for 3: the session, the user with
their customer and panel login, the service (panel.access), then the page's own (the document's
four: itself, its subjects, keywords and the invoices of its file)."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import DocumentClass
from tests.archive import files
from tests.archive.conftest import deposit
from tests.panel.conftest import panel_url

pytestmark = pytest.mark.django_db

MAX_QUERIES = 7
SUBJECT = {"ruolo": "autore", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "01234560512"}


def queries(client, url, params=None, status=200):
    caches["pages"].clear()  # the page rendered, not served again (lib.page_cache)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == status, url
    return len(captured)


def deposit_verbali(service, how_many, first=0):
    names = [f"verbale-{n}.pdf" for n in range(first, first + how_many)]
    return deposit(
        service,
        {name: files.pdf(f"Verbale {name}") for name in names},
        metadata={
            name: {
                "data": "2026-03-01",
                "oggetto": "Verbale del consiglio",
                "parole_chiave": "verbale, soci",
                "soggetti": [
                    SUBJECT,
                    {"ruolo": "destinatario", "denominazione": "Bianchi S.p.A.", "codice_fiscale": "RSSMRA85T10A562S"},
                ],
            }
            for name in names
        },
    )


def page_queries(visitor, service):
    document = service.documents.order_by("-deposited_at", "-id").first()
    search = panel_url("documents", service)
    return {
        "search": queries(visitor, search),
        "filtered": queries(
            visitor, search, {"tax_id": "IT01234560512", "keyword": "verbale", "date_from": "2026-01-01"}
        ),
        "by class": queries(visitor, search, {"document_class": "documento-generico"}),
        "invalid": queries(visitor, search, {"date_from": "31 marzo", "document_class": "nessuna", "sha256": "a" * 65}),
        "second page": queries(visitor, search, {"pagina": 2}),
        "nothing found": queries(visitor, search, {"number": "non-esiste"}),
        "document": queries(visitor, panel_url("document", service, document.public_id)),
    }


@pytest.fixture(params=["panel", "accountant"])
def visitor(request):
    return request.getfixturevalue(request.param)


def test_the_search_and_document_pages_run_at_most_7_queries_for_3_documents_as_for_30(visitor, service, settings):
    settings.ARCHIVE_DOCUMENTS_PER_PAGE = 2  # a second page for 3 documents too
    deposit_verbali(service, 3)
    few = page_queries(visitor, service)
    deposit_verbali(service, 27, first=3)
    many = page_queries(visitor, service)

    assert many == few, (few, many)
    assert max(few.values()) <= MAX_QUERIES, few


def test_an_unknown_class_is_refused_without_another_query_and_a_new_class_is_offered_at_once(panel, service):
    search = panel_url("documents", service)
    assert queries(panel, search, {"document_class": "nessuna"}) == queries(panel, search, {"date_from": "x"})
    DocumentClass.objects.create(code="nessuna", name="Classe appena aggiunta", required_metadata=[])
    assert "Classe appena aggiunta</option>" in panel.get(search).content.decode()
    page = panel.get(search, {"document_class": "altra"}).content.decode()
    assert 'aria-invalid="true" aria-describedby="id_document_class_error"' in page
    assert "La scelta effettuata non compare tra quelle disponibili" in page


def test_a_result_row_shows_name_subject_matter_class_number_date_subjects_and_time(panel, service):
    kept = deposit_verbali(service, 1).documents.get()
    page = panel.get(panel_url("documents", service), {"document_class": "documento-generico"}).content.decode()

    assert "selected>Documento generico</option>" in page
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    assert f'<a href="{panel_url("document", service, kept.public_id)}">verbale-0.pdf</a>' in row
    assert '<span class="note">Verbale del consiglio</span>' in row
    assert '<td data-label="Classe">Documento generico</td>' in row
    assert '<td data-label="Numero e data">— · 2026-03-01</td>' in row
    assert '<td data-label="Soggetti">Studio Rossi S.r.l. (IT01234560512); Bianchi S.p.A.</td>' in row
    assert f'<td data-label="Versato il (UTC)">{kept.deposited_at.strftime("%Y-%m-%d %H:%M")}</td>' in row


def test_a_page_past_the_last_is_the_last(panel, service, settings):
    settings.ARCHIVE_DOCUMENTS_PER_PAGE = 2
    deposit_verbali(service, 3)
    for number in ["99", "0", "-1", str(10**20)]:
        page = panel.get(panel_url("documents", service), {"pagina": number}).content.decode()
        assert "Pagina 2 di 2" in page and "3 documenti trovati" in page and page.count("<tr>") == 2, number
    assert "Pagina 1 di 2" in panel.get(panel_url("documents", service), {"pagina": "x"}).content.decode()


def test_the_fields_keep_their_ids_names_types_lengths_and_values(panel, service):
    page = panel.get(panel_url("documents", service), {"date_to": "2026-03-01", "keyword": "<soci>"}).content.decode()

    assert '<label for="id_document_class">Classe documentale:</label>' in page
    assert '<option value="" selected>Tutte</option>' in page  # a bound form without a class: all of them
    assert '<input type="date" name="date_from" id="id_date_from">' in page
    assert '<input type="date" name="date_to" value="2026-03-01" id="id_date_to">' in page
    assert '<input type="text" name="keyword" value="&lt;soci&gt;" maxlength="100" id="id_keyword">' in page
    assert '<input type="text" name="sha256" maxlength="64" id="id_sha256">' in page


def test_the_search_and_the_document_in_english(panel, service):
    kept = deposit_verbali(service, 1).documents.get()
    panel.cookies["django_language"] = "en"
    search = panel.get(panel_url("documents", service), {"date_from": "x"}).content.decode()
    document = panel.get(panel_url("document", service, kept.public_id)).content.decode()
    panel.cookies.pop("django_language")

    assert '<label for="id_document_class">Document class:</label>' in search
    assert '<option value="" selected>All</option>' in search and '<label for="id_date_from">From:</label>' in search
    assert "Enter a valid date." in search
    assert 'aria-invalid="true" aria-describedby="id_date_from_error"' in search
    assert "<dt>Keywords</dt><dd>verbale, soci</dd>" in document


def test_the_document_page_shows_its_keywords_in_order_and_a_dash_without(panel, service):
    with_keywords = deposit_verbali(service, 1).documents.get()
    without = deposit(service, {"nota.pdf": files.pdf("Nota")}).documents.get()

    assert (
        "<dd>verbale, soci</dd>" in panel.get(panel_url("document", service, with_keywords.public_id)).content.decode()
    )
    page = panel.get(panel_url("document", service, without.public_id)).content.decode()
    assert "<dt>Parole chiave</dt><dd>—</dd>" in page
    assert "Nessun soggetto." in page
    assert panel.get(panel_url("document", service, "00000000-0000-4000-8000-000000000000")).status_code == 404
