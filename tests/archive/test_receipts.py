"""The deposit receipt: a unique id, the UTC time, every document with its SHA-256 and the package's
hash, kept as XML valid against our schema, and the data its printable page shows."""

import hashlib
import subprocess
import uuid

import pytest
import time_machine
from django.http import Http404
from lxml import etree

from archive import receipts
from archive.errors import ArchiveError
from archive.selectors import receipt_for_service
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db
NS = {"r": receipts.NAMESPACE}


def test_the_receipt_lists_every_document_with_its_hash_and_the_packages(service, rossi):
    pdf, invoice = files.pdf(), files.invoice_xml(rossi)
    metadata = {"b-verbale.pdf": {"data": "2026-03-01", "oggetto": "Verbale"}, "a-fattura.xml": {"oggetto": "Fattura"}}
    with time_machine.travel("2026-03-10 14:30:05+01:00", tick=False):
        kept = deposit(service, {"b-verbale.pdf": pdf, "a-fattura.xml": invoice}, metadata=metadata)

    receipt = receipt_for_service(service=service, public_id=kept.public_id)
    assert receipt.id == kept.public_id and isinstance(receipt.id, uuid.UUID)
    assert receipt.submitted_at.isoformat() == "2026-03-10T13:30:05+00:00"
    assert [(line.position, line.name, line.sha256) for line in receipt.lines] == [
        (1, "b-verbale.pdf", hashlib.sha256(pdf).hexdigest()),
        (2, "a-fattura.xml", hashlib.sha256(invoice).hexdigest()),
    ]
    assert (receipt.producer_name, receipt.producer_vat_number) == ("Studio Rossi S.r.l.", "01234560512")
    assert receipt.total_bytes == len(pdf) + len(invoice)


def test_the_package_hash_is_the_one_sha256sum_gives(service, tmp_path):
    """As the docstring in archive/receipts.py tells a customer to check it, with coreutils."""
    uploads = {"zeta.txt": b"ultimo\n", "Alfa.txt": b"primo\n", "è.txt": b"accentato\n", "b c.txt": b"spazio\n"}
    kept = deposit(service, uploads)

    folder = tmp_path / "pacchetto"
    folder.mkdir()
    for name, data in uploads.items():
        (folder / name).write_bytes(data)
    pipeline = ["sh", "-c", "sha256sum -- * | LC_ALL=C sort -k 2 | sha256sum"]
    printed = subprocess.run(pipeline, cwd=folder, capture_output=True, check=True, text=True).stdout  # noqa: S603
    assert kept.package_sha256 == printed.split()[0]


def test_the_kept_xml_is_valid_and_says_what_the_page_says(service, rossi):
    signed = files.signed(files.invoice_xml(rossi))
    kept = deposit(service, {"fattura.xml.p7m": signed}, document_class="fattura-attiva", metadata={})

    assert receipts.xml_errors(kept.receipt_xml) == []
    root = etree.fromstring(kept.receipt_xml.encode())
    assert root.findtext("r:Identificativo", namespaces=NS) == str(kept.public_id)
    assert root.findtext("r:DataOraVersamento", namespaces=NS).endswith("Z")
    assert root.find("r:Pacchetto/r:Impronta", NS).text == kept.package_sha256
    assert root.find("r:Pacchetto/r:Impronta", NS).get("algoritmo") == "SHA-256"
    document = root.find("r:Documenti/r:Documento", NS)
    assert document.findtext("r:Impronta", namespaces=NS) == hashlib.sha256(signed).hexdigest()
    assert (document.findtext("r:Formato", namespaces=NS), document.findtext("r:FormatoFirmato", namespaces=NS)) == (
        "P7M",
        "XML",
    )
    assert document.findtext("r:Numero", namespaces=NS) == "2026/000001"
    assert root.findtext("r:SoggettoProduttore/r:PartitaIVA", namespaces=NS) == "01234560512"
    assert root.findtext("r:Servizio", namespaces=NS) == service.panel_username
    # The page and the XML come from the same data: rendering it again gives the same bytes.
    assert receipts.render_xml(receipt_for_service(service=service, public_id=kept.public_id)) == kept.receipt_xml


def test_the_schema_refuses_a_receipt_without_hashes(service):
    kept = deposit(service, {"verbale.pdf": files.pdf()})
    broken = kept.receipt_xml.replace(kept.package_sha256, "non-un-hash")

    assert receipts.xml_errors(broken) != []


def test_a_rejected_package_has_no_receipt(service):
    with pytest.raises(ArchiveError) as caught:
        deposit(service, {"vuoto.pdf": b""})

    with pytest.raises(Http404):
        receipt_for_service(service=service, public_id=caught.value.deposit.public_id)
