"""The read stage: what the content says of itself. A FatturaPA its invoices, parties and schema
validity (archive.ingest.fatturapa, streamed); a PDF its version and PDF/A claim (archive.ingest.pdfa)."""

from pathlib import Path

from django.utils.translation import gettext_lazy

from archive.errors import ArchiveError
from archive.ingest import fatturapa, findings, pdfa
from archive.ingest.formats import Format
from archive.ingest.staged import Context, StagedFile

CHUNK_BYTES = 1024 * 1024
UNREADABLE = "content.unreadable"
findings.register({UNREADABLE: gettext_lazy("%(reason)s")})


def run(file: StagedFile, context: Context) -> None:
    content = file.content
    if content is None:
        return
    if content.identity.format == Format.XML:
        try:
            file.invoice = _invoice(content.path)
        except ArchiveError as error:
            file.findings.append(findings.error(UNREADABLE, reason=str(error)))
        file.judged_with |= fatturapa.tools()
    elif content.identity.format == Format.PDF:
        file.pdf = pdfa.pdf_report(content.path)
        file.judged_with["pdf"] = "; ".join(file.pdf.checked_with)


def _invoice(path: Path) -> fatturapa.InvoiceFile | None:
    reader = fatturapa.XmlReader()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            reader.feed(chunk)
    return reader.close()
