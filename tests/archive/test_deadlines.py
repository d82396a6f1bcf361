"""For each fiscal year, when its tax documents must be preserved and how many are."""

import datetime

import pytest

from archive.deadlines import preservation_deadline
from archive.selectors import fiscal_deadlines
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


def test_a_years_tax_documents_are_due_three_months_after_the_31_october_return():
    assert preservation_deadline(2024) == datetime.date(2026, 1, 31)
    assert preservation_deadline(2025) == datetime.date(2027, 1, 31)


def test_the_return_deadline_is_a_setting_because_the_law_moves_it(settings):
    settings.ARCHIVE_TAX_RETURN_DUE = (11, 30)  # the rule for the returns of 2018-2022

    assert preservation_deadline(2023) == datetime.date(2025, 2, 28)
    assert preservation_deadline(2022) == datetime.date(2024, 2, 29)


def register(year: int) -> dict:
    return {
        "identificativo": f"REG-{year}",
        "data": f"{year + 1}-01-10",
        "anno_fiscale": year,
        "soggetti": [{"ruolo": "produttore", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "01234560512"}],
    }


def test_it_counts_each_years_tax_documents_and_shows_the_open_year(service, rossi, today):
    deposit(service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={})
    deposit(
        service,
        {"iva-2023.pdf": files.pdf("2023"), "iva-2022.pdf": files.pdf("2022")},
        document_class="registro-iva",
        metadata={"iva-2023.pdf": register(2023), "iva-2022.pdf": register(2022)},
    )
    deposit(service, {"verbale.pdf": files.pdf()})  # not a tax document: not counted

    deadlines = fiscal_deadlines(service=service)

    assert [(d.fiscal_year, d.deadline, d.documents) for d in deadlines] == [
        (2026, datetime.date(2028, 1, 31), 1),
        (2025, datetime.date(2027, 1, 31), 0),  # nothing deposited yet, and still due
        (2023, datetime.date(2025, 1, 31), 1),
        (2022, datetime.date(2024, 1, 31), 1),
    ]
    assert [(d.is_past, d.is_near) for d in deadlines] == [(False, False), (False, False), (True, False), (True, False)]


def test_it_warns_as_the_deadline_nears(service):
    deadlines = fiscal_deadlines(service=service, today=datetime.date(2027, 1, 1))

    near = {deadline.fiscal_year: deadline for deadline in deadlines}[2025]
    assert (near.days_left, near.is_near) == (30, True)
