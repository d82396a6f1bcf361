"""The describe stage: the metadata a document is kept with. What was given (a form, a sheet's
row, the API) is read and checked; what the document says of itself (a FatturaPA's number, date,
type and parties) wins over it; the class's retention and required metadata are applied last."""

from dataclasses import replace

from django.utils.translation import gettext_lazy

from archive.errors import ArchiveError
from archive.ingest import findings
from archive.ingest.fatturapa import InvoiceFile
from archive.ingest.findings import in_record_language
from archive.ingest.metadata import Metadata, read_metadata
from archive.ingest.staged import Context, StagedFile

INVALID = "metadata.invalid"
MISSING = "metadata.missing"
SHORT_RETENTION = "metadata.short_retention"
findings.register(
    {
        INVALID: gettext_lazy("%(reason)s"),
        MISSING: gettext_lazy("Mancano metadati obbligatori: %(fields)s."),
        SHORT_RETENTION: gettext_lazy(
            "Il tempo di conservazione non può essere inferiore a quello della classe (%(years)s anni)."
        ),
    }
)


def run(file: StagedFile, context: Context) -> None:
    try:
        given = read_metadata(context.given.get(file.name, {}))
    except ArchiveError as error:
        file.findings.append(findings.error(INVALID, reason=str(error)))
        return
    metadata = _with_invoice(given, file.invoice) if file.invoice is not None else given
    rules = context.rules
    retention = metadata.retention_years or rules.retention_years
    if retention < rules.retention_years:
        file.findings.append(findings.error(SHORT_RETENTION, years=rules.retention_years))
        return
    metadata = replace(
        metadata,
        document_type=metadata.document_type or rules.class_name,
        retention_years=retention,
        fiscal_year=metadata.fiscal_year or (metadata.date.year if metadata.date else None),
    )
    if missing := metadata.missing(list(rules.required_metadata)):
        file.findings.append(findings.error(MISSING, fields=", ".join(missing)))
        return
    file.metadata = metadata


def _with_invoice(given: Metadata, invoice: InvoiceFile) -> Metadata:
    """The first invoice of a lot names the file; every invoice is kept and searchable beside it."""
    first = invoice.invoices[0] if invoice.invoices else None
    return replace(
        given,
        identifier=first.number if first else given.identifier,
        date=first.date if first and first.date else given.date,
        subjects=tuple(subject for subject in (invoice.seller, invoice.buyer) if subject is not None) or given.subjects,
        document_type=in_record_language(lambda: first.type_label)
        if first and first.type_code
        else given.document_type,
    )
