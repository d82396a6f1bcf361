"""A package that fails any check is refused whole, with each file's reason, and changes nothing:
no document, no byte counted, no file kept; it is recorded as rejected, without files, and audited."""

import pytest

from archive.errors import ArchiveError
from archive.models import Deposit, Document
from archive.services import deposit_submit
from archive.storage import LocalBlobStorage
from audit.models import AuditEntry
from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit, generic

pytestmark = pytest.mark.django_db

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE p:FatturaElettronica [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" versione="FPR12">
<FatturaElettronicaBody><DatiGenerali><DatiGeneraliDocumento><Numero>&secret;</Numero>
</DatiGeneraliDocumento></DatiGenerali></FatturaElettronicaBody></p:FatturaElettronica>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""


def refused(service, uploads, **options) -> ArchiveError:
    used_before = Service.objects.get(pk=service.pk).used_bytes
    with pytest.raises(ArchiveError) as caught:
        deposit(service, uploads, **options)
    assert not Document.objects.exists()
    assert Service.objects.get(pk=service.pk).used_bytes == used_before
    storage = LocalBlobStorage()
    assert list(storage.blobs()) == [] and list(storage.staged_files()) == []
    rejected = caught.value.deposit
    assert rejected.status == Deposit.Status.REJECTED and rejected.document_count == 0
    assert rejected.refusals == [problem.as_json() for problem in caught.value.problems]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DEPOSIT_REJECTED, object_id=str(rejected.pk)).exists()
    return caught.value


def reasons(error: ArchiveError) -> dict[str, str]:
    return {problem.file: problem.reason for problem in error.problems}


def test_it_refuses_the_whole_package_and_says_why_for_each_file(service):
    error = refused(service, {"buono.pdf": files.pdf(), "vuoto.pdf": b"", "finto.pdf": b"MZ\x90\x00" + b"\x00" * 60})

    assert str(error) == "Versamento rifiutato: nessun documento è stato conservato."
    assert reasons(error) == {
        "vuoto.pdf": "Il file è vuoto.",
        "finto.pdf": "Il file «finto.pdf» si chiama come un PDF, ma il contenuto non lo è: "
        "è MS-DOS Executable, application/octet-stream.",
    }


def test_it_refuses_a_pdf_name_on_another_format(service):
    error = refused(service, {"nota.pdf": b"Solo testo, non un PDF.\n"})

    assert reasons(error) == {
        "nota.pdf": "Il file «nota.pdf» si chiama come un PDF, ma il contenuto non lo è: è Testo."
    }


def test_it_refuses_a_format_the_class_does_not_allow(service):
    error = refused(
        service,
        {"foto.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100},
        document_class="fattura-attiva",
        metadata={},
    )

    assert reasons(error)["foto.jpg"].startswith("Il formato JPEG non è ammesso per la classe «Fattura attiva»")


def test_it_refuses_the_same_file_twice_in_one_package(service):
    data = files.pdf()
    error = refused(service, {"uno.pdf": data, "copia.pdf": data})

    assert reasons(error) == {"copia.pdf": "Ha lo stesso contenuto di «uno.pdf»: il file è due volte nel versamento."}


def test_it_refuses_two_files_of_the_same_name(service):
    with pytest.raises(ArchiveError) as caught:
        deposit_submit(
            service_id=service.pk,
            document_class_code="documento-generico",
            files=[files.upload("verbale.pdf", files.pdf("uno")), files.upload("verbale.pdf", files.pdf("due"))],
            metadata={"verbale.pdf": generic()},
            actor=service.customer.user,
        )

    assert reasons(caught.value) == {"verbale.pdf": "Due file del versamento hanno lo stesso nome."}
    assert not Document.objects.exists()


def test_it_refuses_a_document_already_kept(service):
    data = files.pdf()
    first = deposit(service, {"verbale.pdf": data})

    with pytest.raises(ArchiveError) as caught:
        deposit(service, {"di-nuovo.pdf": data})
    assert reasons(caught.value) == {"di-nuovo.pdf": f"È già conservato, nel versamento {first.public_id}."}
    assert Document.objects.count() == 1
    assert Service.objects.get(pk=service.pk).used_bytes == len(data)


@pytest.mark.parametrize(
    "name",
    ["campanello\x07.pdf", "fattura\u202efdp.exe.pdf", "nascosto\u200b.pdf", "riga\nnuova.pdf", "C:evil.pdf"],
)
def test_it_refuses_odd_names(service, name):
    error = refused(service, {name: files.pdf()})

    (problem,) = error.problems
    assert "Il nome del file" in problem.reason
    assert "U+" in problem.file or name == "C:evil.pdf"  # an invisible character is shown, not hidden


@pytest.mark.parametrize(
    "entry", ["../fuori.pdf", "/etc/fuori.pdf", "cartella/../../fuori.pdf", "C:/fuori.pdf", "a\\..\\b.pdf"]
)
def test_it_refuses_a_zip_entry_that_leaves_the_package(service, entry):
    error = refused(service, {"pacchetto.zip": files.zipped({"buono.pdf": files.pdf(), entry: files.pdf("fuori")})})

    assert list(reasons(error)) == [entry]
    assert "percorso non ammesso" in reasons(error)[entry]


def test_it_refuses_an_encrypted_zip(service):
    error = refused(service, {"pacchetto.zip": files.zipped({"segreto.pdf": files.pdf()}, encrypted={"segreto.pdf"})})

    assert reasons(error) == {"segreto.pdf": "Il file nello ZIP è cifrato: versalo senza password."}


def test_it_refuses_a_link_in_a_zip(service):
    error = refused(service, {"pacchetto.zip": files.zipped({"passwd.txt": b"/etc/passwd"}, links={"passwd.txt"})})

    assert reasons(error) == {"passwd.txt": "Il file nello ZIP è un collegamento, non un documento."}


def test_it_refuses_a_zip_bomb_by_its_ratio_before_extracting_anything(service, settings):
    settings.ARCHIVE_ZIP_MAX_RATIO = 100
    error = refused(service, {"bomba.zip": files.zipped({"zeri.txt": b"0" * (8 * 1024 * 1024)})})

    assert reasons(error) == {"zeri.txt": "Il file nello ZIP si espande più di 100 volte: non lo apriamo."}


def test_it_refuses_a_zip_bomb_by_its_total_size(service, settings):
    settings.ARCHIVE_ZIP_MAX_BYTES = 1000
    error = refused(service, {"grande.zip": files.zipped({"a.txt": b"a" * 600, "b.txt": b"b" * 600})})

    assert str(error) == "Il file ZIP, una volta estratto, supera la dimensione ammessa: non lo apriamo."


def test_it_refuses_a_zip_beside_other_files(service):
    error = refused(service, {"a.zip": files.zipped({"x.txt": b"x"}), "b.pdf": files.pdf()})

    assert str(error) == "Un versamento è fatto di più file oppure di un solo archivio ZIP, non di entrambi."


def test_it_refuses_a_file_named_zip_that_is_not_one(service):
    assert str(refused(service, {"a.zip": files.pdf()})) == "Il file ZIP non è leggibile."


@pytest.mark.parametrize("xml", [XXE, BILLION_LAUGHS], ids=["external-entity", "billion-laughs"])
def test_it_refuses_xml_with_a_dtd(service, xml):
    error = refused(service, {"fattura.xml": xml}, document_class="fattura-attiva", metadata={})

    assert reasons(error) == {
        "fattura.xml": "Il file XML contiene una dichiarazione DOCTYPE: per sicurezza non lo accettiamo."
    }


def test_it_refuses_a_signed_file_with_a_dtd_inside(service):
    error = refused(service, {"fattura.xml.p7m": files.signed(XXE)}, document_class="fattura-attiva", metadata={})

    assert "DOCTYPE" in reasons(error)["fattura.xml.p7m"]


def test_it_refuses_xml_that_is_not_well_formed(service, rossi):
    broken = files.invoice_xml(rossi)[:-40]
    error = refused(service, {"fattura.xml": broken}, document_class="fattura-attiva", metadata={})

    assert reasons(error)["fattura.xml"].startswith("Il file XML non è ben formato")


def test_it_refuses_a_p7m_whose_envelope_does_not_parse(service, rossi):
    envelope = files.signed(files.invoice_xml(rossi))
    damaged = envelope[:60] + bytes(len(envelope) - 60)  # still a PKCS#7 to libmagic, from its header
    base64_garbage = b"TWFuIGlzIGRpc3Rpbmd1aXNoZWQ=\n" * 10
    error = refused(
        service,
        {"fattura.xml.p7m": damaged, "altra.xml.p7m": base64_garbage},
        document_class="fattura-attiva",
        metadata={},
    )

    unreadable = "La busta di firma non è leggibile: il file è danneggiato o non è firmato."
    assert reasons(error) == {"fattura.xml.p7m": unreadable, "altra.xml.p7m": unreadable}


def test_it_refuses_a_p7m_whose_content_the_class_does_not_allow(service):
    error = refused(
        service,
        {"foto.jpg.p7m": files.signed(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100)},
        document_class="fattura-attiva",
        metadata={},
    )

    assert reasons(error)["foto.jpg.p7m"].startswith("Il formato JPEG non è ammesso")


def test_it_refuses_a_sheet_naming_a_file_not_in_the_package(service):
    sheet = "file;data;oggetto\nverbale.pdf;2026-03-01;Verbale\nmancante.pdf;2026-03-01;Assente\n"
    error = refused(service, {"verbale.pdf": files.pdf()}, sheet=files.upload("metadati.csv", sheet.encode()))

    assert reasons(error) == {"mancante.pdf": "Nominato nei metadati ma assente dal versamento."}


def test_it_refuses_a_document_lacking_a_required_field(service):
    sheet = "file;oggetto\nverbale.pdf;Verbale\n"
    error = refused(service, {"verbale.pdf": files.pdf()}, sheet=files.upload("metadati.csv", sheet.encode()))

    assert reasons(error) == {"verbale.pdf": "Mancano metadati obbligatori: data del documento."}


def test_it_refuses_an_invoice_pdf_without_its_number_date_and_parties(service):
    error = refused(service, {"fattura.pdf": files.pdf()}, document_class="fattura-passiva", metadata={})

    assert reasons(error) == {
        "fattura.pdf": "Mancano metadati obbligatori: identificativo (numero del documento), data del documento, "
        "soggetti (ruolo, nome, partita IVA o codice fiscale)."
    }


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"data": "31/02/2026"}, "La data «31/02/2026» non è valida: scrivila come 2026-03-31 o 31/03/2026."),
        ({"colore": "blu"}, "Metadati sconosciuti: colore."),
        (
            {"soggetti": [{"ruolo": "parte", "denominazione": "X", "partita_iva": "01234560513"}]},
            "La partita IVA non è valida: la cifra di controllo non torna.",
        ),
        (
            {"soggetti": [{"ruolo": "parte", "denominazione": "X"}]},
            "Un soggetto non ha né partita IVA né codice fiscale.",
        ),
        (
            {"tempo_di_conservazione": "5"},
            "Il tempo di conservazione non può essere inferiore a quello della classe (10 anni).",
        ),
    ],
)
def test_it_refuses_metadata_it_cannot_trust(service, fields, reason):
    error = refused(service, {"verbale.pdf": files.pdf()}, metadata={"verbale.pdf": generic(**fields)})

    assert reasons(error) == {"verbale.pdf": reason}


def test_it_refuses_a_csv_sheet_not_in_utf8(service):
    sheet = "file;data;oggetto\nverbale.pdf;2026-03-01;Perché\n".encode("cp1252")
    error = refused(service, {"verbale.pdf": files.pdf()}, sheet=files.upload("metadati.csv", sheet))

    assert str(error) == "Il foglio dei metadati non è in UTF-8: salvalo come «CSV UTF-8»."


def test_it_refuses_an_unknown_class(service):
    assert str(refused(service, {"verbale.pdf": files.pdf()}, document_class="ricetta")) == (
        "Classe documentale sconosciuta: scegline una dall'elenco."
    )


def test_it_refuses_any_xml_that_is_not_well_formed(service):
    error = refused(service, {"registro.xml": b"<?xml version='1.0'?><registro><riga></registro>"})

    assert reasons(error)["registro.xml"].startswith("Il file XML non è ben formato")


def test_it_refuses_more_files_than_a_package_holds(service, settings):
    settings.ARCHIVE_PACKAGE_MAX_FILES = 2
    error = refused(service, {"pacchetto.zip": files.zipped({f"{n}.txt": f"{n}\n".encode() for n in range(3)})})

    assert str(error) == "Un versamento contiene al massimo 2 file."


def test_it_refuses_an_invoice_whose_own_identifiers_do_not_fit(service):
    """A FatturaPA's parties pass the checks typed ones pass: a long IdPaese gave a database error."""
    xml = files.invoice_xml(service.customer).replace(b"<IdPaese>IT</IdPaese>", b"<IdPaese>ITALIA</IdPaese>")
    error = refused(service, {"fattura.xml": xml}, document_class="fattura-passiva")
    assert "fattura.xml" in reasons(error)
