"""`make demo` fills a new database with every state the pages show: the command must keep working."""

import io

import pytest
from django.core.management import call_command

from archive.models import Deposit, Document
from billing.models import Invoice
from conserva.management.commands.seed_demo import CUSTOMER_EMAIL
from orders.models import Order
from panel.models import PanelAccount
from subscriptions.models import Service
from tests.archive.conftest import document_classes  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_documents_in_a_panel_and_valid_invoices(settings, tmp_path, document_classes):  # noqa: F811
    settings.VAR_DIR = tmp_path
    settings.ARCHIVE_STORAGE_ROOT = tmp_path / "archive"
    output = io.StringIO()
    call_command("seed_demo", stdout=output)

    assert set(Service.objects.values_list("status", flat=True)) == {
        "ATTIVO",
        "SCADUTO",
        "SOSPESO",
        "CESSATO",
        "IN_ATTIVAZIONE",
    }
    assert Order.objects.filter(status="ATTESA_PAGAMENTO").exists()
    # the customer's own invoices in one package, a minutes PDF in another
    invoices = Invoice.objects.filter(customer__user__email=CUSTOMER_EMAIL, kind=Invoice.Kind.INVOICE)
    assert Deposit.objects.filter(status="ACCETTATO").count() == 2
    assert Document.objects.count() == invoices.count() + 1
    panel = PanelAccount.objects.get().service
    assert panel.used_bytes == sum(Document.objects.values_list("size", flat=True))
    assert panel.panel_username in output.getvalue()
    assert not Invoice.objects.exclude(xml_errors="").exists()
    assert (tmp_path / "demo-camt053.xml").exists()
