"""A package accepted whole: files hashed once and kept under their hash, metadata from the form, a
sheet or the document itself, the space counted at once, the deposit audited."""

import hashlib
import json
import stat

import pytest

from archive.models import Deposit, Document
from archive.storage import LocalBlobStorage, blob_name
from audit.models import AuditEntry
from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit, generic

pytestmark = pytest.mark.django_db


def test_it_keeps_a_pdf_with_its_hash_size_and_format(service):
    data = files.pdf()
    kept = deposit(service, {"verbale.pdf": data})

    document = kept.documents.get()
    assert kept.status == Deposit.Status.ACCEPTED
    assert (document.name, document.format, document.size) == ("verbale.pdf", "PDF", len(data))
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert (document.subject_matter, str(document.document_date)) == ("Verbale di riunione", "2026-03-01")
    assert (document.document_type, document.retention_years, document.fiscal_year) == ("Documento generico", 10, 2026)


def test_the_space_used_is_the_documents_bytes_at_once(service):
    first, second = files.pdf("uno"), files.pdf("due, un po' più lungo")
    deposit(service, {"uno.pdf": first, "due.pdf": second})

    service.refresh_from_db()
    assert service.used_bytes == len(first) + len(second)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SERVICE_SPACE_USED).get()
    assert entry.values() == {"previous_used_bytes": 0, "used_bytes": len(first) + len(second)}


def test_the_file_is_kept_under_its_hash_read_only_and_byte_identical(service, settings):
    data = files.pdf()
    document = deposit(service, {"verbale.pdf": data}).documents.get()

    path = settings.ARCHIVE_STORAGE_ROOT / "blobs" / blob_name(service.public_id, document.sha256)
    assert path.read_bytes() == data
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert list(LocalBlobStorage().staged_files()) == []


def test_a_fatturapa_gives_its_number_date_and_parties_by_itself(service, rossi):
    document = deposit(
        service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={}
    ).documents.get()

    assert document.format == "XML"
    assert (document.number, document.document_date, document.fiscal_year) == (
        "2026/000001",
        service.term_started_on,
        2026,
    )
    seller, buyer = document.subjects.all()
    assert (seller.role, seller.name, seller.country, seller.vat_number) == (
        "CEDENTE",
        "Conserva S.r.l.",
        "IT",
        "12345670892",
    )
    assert (buyer.role, buyer.name, buyer.vat_number) == ("CESSIONARIO", "Studio Rossi S.r.l.", "01234560512")


def test_a_signed_fatturapa_is_read_inside_its_p7m(service, rossi):
    signed = files.signed(files.invoice_xml(rossi))
    document = deposit(
        service, {"fattura.xml.p7m": signed}, document_class="fattura-passiva", metadata={}
    ).documents.get()

    assert (document.format, document.signed_format, document.size) == ("P7M", "XML", len(signed))
    assert document.sha256 == hashlib.sha256(signed).hexdigest()
    assert document.number == "2026/000001"
    assert {subject.vat_number for subject in document.subjects.all()} == {"12345670892", "01234560512"}


def test_a_base64_encoded_p7m_is_read_too(service, rossi):
    import base64

    signed = base64.encodebytes(files.signed(files.invoice_xml(rossi)))
    document = deposit(
        service, {"fattura.xml.p7m": signed}, document_class="fattura-passiva", metadata={}
    ).documents.get()

    assert (document.format, document.signed_format, document.number) == ("P7M", "XML", "2026/000001")


def test_what_the_invoice_says_wins_over_what_was_typed(service, rossi):
    typed = {"fattura.xml": {"identificativo": "999", "oggetto": "Canone annuo", "parole_chiave": "canone, 2026"}}
    document = deposit(
        service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata=typed
    ).documents.get()

    assert (document.number, document.subject_matter) == ("2026/000001", "Canone annuo")
    assert sorted(document.keywords.values_list("keyword", flat=True)) == ["2026", "canone"]


def test_a_contract_takes_typed_subjects_checked_like_the_customer_areas(service):
    metadata = {
        "contratto.pdf": {
            "identificativo": "C-17",
            "data": "15/02/2026",
            "oggetto": "Locazione ufficio",
            "soggetti": [
                {"ruolo": "parte", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "IT01234560512"},
                {"ruolo": "parte", "nome": "Mario", "cognome": "Rossi", "codice_fiscale": "rssmra85t10a562s"},
            ],
        }
    }
    document = deposit(
        service, {"contratto.pdf": files.pdf()}, document_class="contratto", metadata=metadata
    ).documents.get()

    company, person = document.subjects.all()
    assert (company.country, company.vat_number) == ("IT", "01234560512")
    assert (person.name, person.tax_code) == ("Mario Rossi", "RSSMRA85T10A562S")
    assert str(document.document_date) == "2026-02-15"


def test_a_zip_carries_its_files_in_folders_and_its_own_sheet(service):
    sheet = (
        "file;data;oggetto;parole_chiave\n"
        "2026/marzo/verbale.pdf;2026-03-02;Verbale;assemblea, soci\n"
        "nota.txt;2026-03-03;Nota;\n"
    )
    package = files.zipped(
        {"2026/marzo/verbale.pdf": files.pdf(), "nota.txt": b"Promemoria\n", "metadati.csv": sheet.encode()}
    )
    kept = deposit(service, {"versamento.zip": package})

    assert [document.name for document in kept.documents.order_by("position")] == ["2026/marzo/verbale.pdf", "nota.txt"]
    verbale = kept.documents.get(name="2026/marzo/verbale.pdf")
    assert sorted(verbale.keywords.values_list("keyword", flat=True)) == ["assemblea", "soci"]
    assert kept.document_count == 2


def test_a_csv_sheet_describes_a_batch_with_numbered_subjects(service):
    sheet = (
        "file,identificativo,data,soggetto_1_ruolo,soggetto_1_denominazione,soggetto_1_partita_iva,anno_fiscale\n"
        "registro-2025.pdf,REG-2025,2026-01-15,produttore,Studio Rossi S.r.l.,01234560512,2025\n"
    )
    kept = deposit(
        service,
        {"registro-2025.pdf": files.pdf("Registro IVA vendite 2025")},
        document_class="registro-iva",
        sheet=files.upload("metadati.csv", sheet.encode()),
    )

    document = kept.documents.get()
    assert (document.number, document.fiscal_year, document.subjects.get().role) == ("REG-2025", 2025, "PRODUTTORE")


def test_a_json_sheet_describes_a_batch(service):
    sheet = {"documenti": [{"file": "a.txt", **generic("Uno")}, {"file": "b.txt", **generic("Due")}]}
    kept = deposit(
        service,
        {"a.txt": b"uno\n", "b.txt": b"due\n"},
        sheet=files.upload("metadati.json", json.dumps(sheet).encode()),
        metadata={},
    )

    assert sorted(kept.documents.values_list("subject_matter", flat=True)) == ["Due", "Uno"]


def test_names_are_kept_in_nfc(service):
    decomposed = "fattura_perche\u0301.pdf"
    document = deposit(service, {decomposed: files.pdf()}).documents.get()

    assert document.name == "fattura_perché.pdf"


def test_an_accepted_deposit_is_audited(service):
    kept = deposit(service, {"verbale.pdf": files.pdf()})

    entry = AuditEntry.objects.get(action=AuditEntry.Action.DEPOSIT_ACCEPTED)
    assert entry.subject == kept
    assert entry.actor_id == service.customer.user.pk
    assert entry.values() == {"documents": 1, "total_bytes": kept.total_bytes, "package_sha256": kept.package_sha256}


def test_an_orphan_left_by_a_crash_is_reused_not_rewritten(service, settings, monkeypatch):
    data = files.pdf()
    name = blob_name(service.public_id, hashlib.sha256(data).hexdigest())
    orphan = settings.ARCHIVE_STORAGE_ROOT / "blobs" / name
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(data)
    inode = orphan.stat().st_ino

    deposit(service, {"verbale.pdf": data})

    assert orphan.stat().st_ino == inode
    assert Document.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert Service.objects.get().used_bytes == len(data)


def test_other_xml_is_kept_without_reading_metadata_from_it(service):
    registro = b"<registro>" + b"<riga><importo>10.00</importo></riga>" * 1000 + b"</registro>"
    document = deposit(service, {"registro.xml": registro}).documents.get()

    assert (document.format, document.number, document.subjects.count()) == ("XML", "", 0)


def test_a_zip_from_a_mac_leaves_its_resource_forks_out(service):
    package = files.zipped({"nota.txt": b"Promemoria\n", "__MACOSX/._nota.txt": b"\x00\x05\x16\x07junk"})
    kept = deposit(service, {"note.zip": package}, metadata={"nota.txt": generic()})

    assert [document.name for document in kept.documents.all()] == ["nota.txt"]
