"""The search and document pages run the same number of queries whatever the number of documents."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.archive import files
from tests.archive.conftest import deposit
from tests.panel.conftest import panel_url

pytestmark = pytest.mark.django_db


def queries(client, url, params=None):
    caches["pages"].clear()  # the page rendered, not served again (lib.page_cache)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def counts(panel, service, how_many):
    kept = deposit(
        service,
        {f"verbale-{n}.pdf": files.pdf(f"Verbale {how_many}-{n}") for n in range(how_many)},
        metadata={
            f"verbale-{n}.pdf": {
                "data": "2026-03-01",
                "oggetto": "Verbale",
                "parole_chiave": "verbale, soci",
                "soggetti": [{"ruolo": "autore", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "01234560512"}],
            }
            for n in range(how_many)
        },
    )
    document = kept.documents.first()
    return (
        queries(panel, panel_url("documents", service)),
        queries(panel, panel_url("documents", service), {"tax_id": "01234560512", "keyword": "verbale"}),
        queries(panel, panel_url("document", service, document.public_id)),
        queries(panel, panel_url("deposits", service)),
        queries(panel, panel_url("receipt", service, kept.public_id)),
    )


def test_the_archive_pages_make_as_many_queries_for_30_documents_as_for_2(panel, service):
    few = counts(panel, service, 2)
    many = counts(panel, service, 30)
    assert many == few, (few, many)
    assert few[:3] == (6, 6, 7)  # the document's page reads the invoices of its file too
