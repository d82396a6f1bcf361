"""The whole archive of a service as one ZIP, streamed: what a customer takes away when the panel
is closed (SOSPESO, CESSATO) or at any time. Nothing is read whole into memory, and each file is
hashed again while it is written, so the index says which files still match their receipt.

Layout of the ZIP:
    LEGGIMI.txt                         what is inside and how to check it
    versamenti/<deposit id>.xml         the receipt (rapporto di versamento) of each accepted package
    esiti/<deposit id>.xml              the esito negativo of each rejected package
    documenti/<deposit id>/<n>-<name>   each document's bytes as kept
    indice.csv                          one row per document: where it is, every metadata field, its
                                        SHA-256 as recorded and whether the bytes written matched it; a
                                        cell a spreadsheet would run as a formula starts with '
    indice.json                         the same, exact (lists stay lists), for a program to read back
    SHA256SUMS                          `sha256sum -c SHA256SUMS` checks every document, receipt and outcome
"""

import csv
import hashlib
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archive.errors import ArchiveError
from archive.ingest.findings import RECORD_LANGUAGE, Finding
from archive.models import Deposit, Document
from archive.storage import blob_name, blob_storage
from lib import clock
from subscriptions.models import Service

logger = logging.getLogger(__name__)
CHUNK_BYTES = 1024 * 1024
ROWS_PER_QUERY = 500
SPOOL_BYTES = 4 * 1024 * 1024
INDEX_COLUMNS = [
    "percorso",
    "documento",
    "versamento",
    "classe",
    "nome_originale",
    "formato",
    "formato_riconosciuto",
    "puid",
    "byte",
    "sha256",
    "verifica",
    "identificativo",
    "data_documento",
    "anno_fiscale",
    "tipologia_documentale",
    "oggetto",
    "parole_chiave",
    "soggetti",
    "fatture",
    "tempo_di_conservazione",
    "avvisi",
    "firme",
    "versato_il",
]
# What a spreadsheet reads as the start of a formula (OWASP's list): such a cell gets a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_refusal(service: Service) -> str:
    """Why the archive cannot be exported, or "": there is none before the service is active."""
    if service.status == Service.Status.PENDING:
        return _("Il servizio non è ancora attivo: non ci sono documenti da scaricare.")
    return ""


def export_filename(service: Service) -> str:
    return f"archivio-{service.panel_username or service.public_id}-{clock.today():%Y%m%d}.zip"


class _Pipe(io.RawIOBase):
    """Where zipfile writes: it keeps what was written until the stream takes it. It tells but
    cannot seek, so zipfile writes each entry's sizes after its data (a streamable ZIP)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._offset = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


@dataclass
class _Written:
    path: str
    verification: str


def archive_zip(service: Service) -> Iterator[bytes]:
    """The ZIP's bytes, a chunk at a time, in a query per ROWS_PER_QUERY documents."""
    if refusal := export_refusal(service):
        raise ArchiveError(refusal)
    pipe = _Pipe()
    # The indexes grow a row per document while the documents stream: kept on disk past a few MB.
    index, json_index, sums = (_spool() for _ in range(3))
    # For a spreadsheet set to Italian: a byte-order mark says UTF-8, a semicolon separates.
    index.write("\ufeff")
    rows = csv.writer(index, delimiter=";")
    rows.writerow(INDEX_COLUMNS)
    json_index.write('{"documenti": [')
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("LEGGIMI.txt", _readme(service))
        yield pipe.take()
        deposits = Deposit.objects.filter(service=service).exclude(receipt_xml="").order_by("submitted_at", "id")
        kept = deposits.values_list("public_id", "status", "receipt_xml")
        for deposit_id, status, receipt_xml in kept.iterator(ROWS_PER_QUERY):
            # Receipts of accepted packages, and the esito negativo of each rejected one.
            path = f"{'versamenti' if status == Deposit.Status.ACCEPTED else 'esiti'}/{deposit_id}.xml"
            data = receipt_xml.encode()
            archive.writestr(path, data)
            sums.write(f"{hashlib.sha256(data).hexdigest()}  {path}\n")
            yield pipe.take()
        documents = (
            Document.objects.filter(service=service)
            .select_related("deposit", "document_class")
            .prefetch_related("subjects", "keywords", "invoices")
            .order_by("deposited_at", "deposit_id", "position")
        )
        for count, document in enumerate(documents.iterator(ROWS_PER_QUERY)):
            written = yield from _write_document(archive, pipe, service, document)
            entry = index_entry(document, written)
            rows.writerow(csv_row(entry))
            json_index.write(("," if count else "") + "\n" + json.dumps(entry, ensure_ascii=False))
            if written.path:
                sums.write(f"{document.sha256}  {written.path}\n")
        json_index.write("\n]}\n")
        for name, spool in (("indice.csv", index), ("indice.json", json_index), ("SHA256SUMS", sums)):
            yield from _copy_spool(archive, pipe, name, spool)
    yield pipe.take()


def _spool() -> tempfile.SpooledTemporaryFile[str]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")


def _copy_spool(archive: zipfile.ZipFile, pipe: _Pipe, name: str, spool: tempfile.SpooledTemporaryFile[str]):
    spool.seek(0)
    with spool, archive.open(zipfile.ZipInfo(name, _now_in_zip()), "w", force_zip64=True) as target:
        while text := spool.read(CHUNK_BYTES):
            target.write(text.encode())
            yield pipe.take()


def _write_document(archive: zipfile.ZipFile, pipe: _Pipe, service: Service, document: Document):
    path = f"documenti/{document.deposit.public_id}/{document.position:04d}-{_base_name(document.name)}"
    try:
        source = blob_storage().open(blob_name(service.public_id, document.sha256))
    except FileNotFoundError:
        logger.error("archive export: the file of document %s is missing", document.public_id)
        return _Written("", "MANCANTE")
    digest = hashlib.sha256()
    with source, archive.open(zipfile.ZipInfo(path, _local_time(document)), "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            target.write(chunk)
            yield pipe.take()
    if digest.hexdigest() != document.sha256:
        logger.error("archive export: document %s no longer matches its hash", document.public_id)
        return _Written(path, "NON_CORRISPONDE")
    return _Written(path, "OK")


def _base_name(name: str) -> str:
    """The file's own name, without the folders it came in (never a path out of its folder)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1] or "documento"


def _now_in_zip() -> tuple[int, int, int, int, int, int]:
    moment = timezone.localtime(clock.now())
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _local_time(document: Document) -> tuple[int, int, int, int, int, int]:
    moment = timezone.localtime(document.deposited_at)
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


def index_entry(document: Document, written: _Written) -> dict[str, object]:
    """Every metadata field of a document, as JSON keeps it; the CSV's row is drawn from it."""
    return {
        "percorso": written.path,
        "documento": str(document.public_id),
        "versamento": str(document.deposit.public_id),
        "classe": document.document_class.code,
        "nome_originale": document.name,
        "formato": document.format,
        "formato_riconosciuto": document.format_label,
        "puid": document.format_puid,
        "byte": document.size,
        "sha256": document.sha256,
        "verifica": written.verification,
        "identificativo": document.number,
        "data_documento": document.document_date.isoformat() if document.document_date else "",
        "anno_fiscale": document.fiscal_year,
        "tipologia_documentale": document.document_type,
        "oggetto": document.subject_matter,
        "parole_chiave": [keyword.keyword for keyword in document.keywords.all()],
        "soggetti": [
            {
                "ruolo": subject.role,
                "denominazione": subject.name,
                "paese": subject.country,
                "partita_iva": subject.vat_number,
                "codice_fiscale": subject.tax_code,
            }
            for subject in document.subjects.all()
        ],
        "fatture": [
            {
                "numero": invoice.number,
                "data": invoice.date.isoformat() if invoice.date else "",
                "tipo": invoice.type_code,
            }
            for invoice in document.invoices.all()
        ],
        "tempo_di_conservazione": document.retention_years,
        "avvisi": document.findings,
        "firme": document.signatures,
        "versato_il": document.deposited_at.isoformat(),
    }


def csv_row(entry: dict[str, object]) -> list[str]:
    """The entry for people: lists in words (Italian, as the records), and no cell a spreadsheet
    would run. indice.json keeps them exact."""
    with translation.override(RECORD_LANGUAGE):
        return [_neutralised(_cell(column, entry[column])) for column in INDEX_COLUMNS]


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(CELL_WORDS.get(column, _as_json)(item) for item in value)
    return str(value)


def _as_json(item: object) -> str:
    return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)


def _subject_words(item: dict[str, str]) -> str:
    ids = " ".join(
        part
        for part in (f"{item['paese']}{item['partita_iva']}" if item["partita_iva"] else "", item["codice_fiscale"])
        if part
    )
    return f"{item['ruolo']}: {item['denominazione']}" + (f" ({ids})" if ids else "")


CELL_WORDS = {
    "avvisi": lambda item: Finding.from_json(item).message,
    "firme": lambda item: (
        f"{item.get('signer_name') or '?'}: {item.get('outcome')}"
        + (f" ({item['reason']})" if item.get("reason") else "")
    ),
    "soggetti": _subject_words,
    "fatture": lambda item: f"{item['numero']} {item['data']} {item['tipo']}".strip(),
}


def _neutralised(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _readme(service: Service) -> str:
    return "\n".join(
        [
            _("Archivio del servizio %(username)s (%(company)s), esportato il %(moment)s.")
            % {
                "username": service.panel_username or service.public_id,
                "company": service.customer.company_name,
                "moment": timezone.localtime(clock.now()).strftime("%d/%m/%Y %H:%M"),
            },
            "",
            _("documenti/: i file conservati, come sono stati versati, in una cartella per versamento."),
            _("versamenti/: il rapporto di versamento (XML) di ogni pacchetto accettato."),
            _(
                "indice.csv: una riga per documento con tutti i metadati e l'impronta SHA-256 registrata; la colonna "
                "«verifica» dice se i byte esportati corrispondono all'impronta (OK), se non corrispondono "
                "(NON_CORRISPONDE) o se il file manca (MANCANTE): negli ultimi due casi scrivi all'assistenza. "
                "Una cella che un foglio di calcolo leggerebbe come formula comincia con un apostrofo."
            ),
            _("indice.json: gli stessi metadati, esatti (elenchi compresi), per un programma."),
            _("Per verificare tutti i file: sha256sum -c SHA256SUMS (dalla cartella dell'archivio estratto)."),
            "",
        ]
    )
