"""The check stage: the class's rules over what the content is. An invoice class wants a FatturaPA
valid against its version's schema (another class keeps an invalid one with a warning); a class
says whether a PDF must, should or need not be PDF/A."""

from archive.ingest import fatturapa, pdfa
from archive.ingest.staged import Context, StagedFile


def run(file: StagedFile, context: Context) -> None:
    if file.invoice is not None:
        file.findings += fatturapa.invoice_findings(file.invoice, invoice_class=context.rules.electronic_invoices)
    if file.pdf is not None:
        file.findings += pdfa.pdfa_findings(file.pdf, context.rules.pdfa)
