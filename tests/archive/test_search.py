"""Search by class, date range, subject, VAT number or tax code, number, keyword and hash; pages of
results in a constant number of queries."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.selectors import DocumentQuery, search_results
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(service, rossi):
    """An invoice (FatturaPA), a contract with two parties, a minute with keywords."""
    invoice = deposit(service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={})
    contract = deposit(
        service,
        {"contratto.pdf": files.pdf("contratto")},
        document_class="contratto",
        metadata={
            "contratto.pdf": {
                "identificativo": "C-2025-17",
                "data": "2025-11-20",
                "oggetto": "Locazione dell'ufficio di Arezzo",
                "soggetti": [
                    {"ruolo": "parte", "denominazione": "Immobiliare Verdi S.r.l.", "partita_iva": "IT00743110157"},
                    {"ruolo": "parte", "nome": "Mario", "cognome": "Rossi", "codice_fiscale": "RSSMRA85T10A562S"},
                ],
            }
        },
    )
    minute = deposit(
        service,
        {"verbale.pdf": files.pdf("verbale")},
        metadata={
            "verbale.pdf": {"data": "2026-02-01", "oggetto": "Verbale d'assemblea", "parole_chiave": "Soci; bilancio"}
        },
    )
    return {
        name: kept.documents.get() for name, kept in [("invoice", invoice), ("contract", contract), ("minute", minute)]
    }


def found(service, **query) -> set[str]:
    return {result.document.name for result in search_results(service=service, query=DocumentQuery(**query))}


def test_it_finds_everything_without_filters_newest_first(service, archive):
    page = search_results(service=service, query=DocumentQuery())

    assert [result.document.name for result in page] == ["verbale.pdf", "contratto.pdf", "fattura.xml"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"document_class": "contratto"}, {"contratto.pdf"}),
        ({"date_from": "2026-01-01"}, {"fattura.xml", "verbale.pdf"}),
        ({"date_to": "2025-12-31"}, {"contratto.pdf"}),
        ({"date_from": "2026-02-01", "date_to": "2026-02-01"}, {"verbale.pdf"}),
        ({"subject_name": "verdi"}, {"contratto.pdf"}),
        ({"subject_name": "studio rossi"}, {"fattura.xml"}),
        ({"tax_id": "01234560512"}, {"fattura.xml"}),
        ({"tax_id": "IT 0123 4560 512"}, {"fattura.xml"}),
        ({"tax_id": "IT00743110157"}, {"contratto.pdf"}),
        ({"tax_id": "rssmra85t10a562s"}, {"contratto.pdf"}),
        ({"number": "2026/000001"}, {"fattura.xml"}),
        ({"number": "c-2025"}, {"contratto.pdf"}),
        ({"keyword": "Bilancio"}, {"verbale.pdf"}),
        ({"keyword": "ufficio di arezzo"}, {"contratto.pdf"}),
        ({"document_class": "contratto", "tax_id": "01234560512"}, set()),
    ],
)
def test_it_finds_documents_by(service, archive, query, names):
    assert found(service, **query) == names


def test_it_finds_a_document_by_its_hash(service, archive):
    minute = archive["minute"]

    assert found(service, sha256=minute.sha256.upper()) == {"verbale.pdf"}
    assert found(service, sha256=hashlib.sha256(b"altro").hexdigest()) == set()


def test_it_pages_the_results(service, settings):
    settings.ARCHIVE_DOCUMENTS_PER_PAGE = 2
    deposit(service, {f"nota-{n}.txt": f"nota {n}\n".encode() for n in range(5)})

    page = search_results(service=service, query=DocumentQuery(), page=3)
    assert (page.number, page.paginator.num_pages, page.paginator.count, len(page)) == (3, 3, 5, 1)
    assert search_results(service=service, query=DocumentQuery(), page="troppo").number == 1
    assert search_results(service=service, query=DocumentQuery(), page=99).number == 3


def search_queries(service) -> int:
    with CaptureQueriesContext(connection) as queries:
        page = search_results(service=service, query=DocumentQuery(tax_id="01234560512", keyword="prova"))
        for result in page:
            (result.document.document_class.name, [subject.name for subject in result.subjects])
    return len(queries)


def test_a_page_costs_the_same_queries_whatever_the_number_of_documents(service):
    def batch(first, count):
        subjects = [{"ruolo": "autore", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "01234560512"}]
        deposit(
            service,
            {f"n{n}.txt": f"{n}\n".encode() for n in range(first, first + count)},
            metadata={
                f"n{n}.txt": {
                    "data": "2026-03-01",
                    "oggetto": "Prova",
                    "parole_chiave": "prova, nota",
                    "soggetti": subjects,
                }
                for n in range(first, first + count)
            },
        )

    batch(0, 2)
    few = search_queries(service)
    batch(2, 40)
    assert search_queries(service) == few == 2  # the rows with their count, then their subjects
