"""The signatures stage: every signature of a file verified, and the document a signed envelope
holds made the file's content for the stages after it.

A .p7m (CAdES, nested too) is opened by archive.ingest.cades; its document is written beside the
staged file and identified in turn. A detached .p7s is verified against the package's file of
the same name without ".p7s". A PDF's own signatures (PAdES) and an XML's (XAdES, XMLDSig) are
verified on the content.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy

from archive.ingest import cades, findings, identify, pades, signatures, xades
from archive.ingest.formats import Format
from archive.ingest.names import without_extension
from archive.ingest.staged import Content, Context, StagedFile

TOO_LARGE = "signature.too_large"
DETACHED_WITHOUT_CONTENT = "signature.detached_alone"
findings.register(
    {
        TOO_LARGE: gettext_lazy(
            "Il file firmato supera %(most)s byte, oltre i quali non possiamo aprirlo per verificarne le firme."
        ),
        DETACHED_WITHOUT_CONTENT: gettext_lazy(
            "La firma separata (.p7s) si verifica sul documento che firma: versa nello stesso pacchetto "
            "anche «%(document)s»."
        ),
    }
)


def run(file: StagedFile, context: Context) -> None:
    if file.identified.format == Format.P7M:
        _open_envelope(file, context)  # file.content stays None for a detached signature
    else:
        file.content = Content(file.name, file.path, file.identified)
    if file.content is not None and not file.refused:
        _verify_inner(file, file.content, context)
    file.judged_with |= cades.tools()


def _open_envelope(file: StagedFile, context: Context) -> None:
    data = _read_whole(file)
    if data is None:
        return
    beside = context.package.get(without_extension(file.name))  # "x.pdf" beside "x.pdf.p7s"
    if file.extension == "p7s":
        _verify_detached(file, data, beside, context)
        return
    opened = cades.open_cades(data, trust=context.rules.trust)
    if beside is not None and any(finding.code == signatures.DETACHED_WITHOUT_CONTENT for finding in opened.findings):
        _verify_detached(file, data, beside, context)  # a detached signature named .p7m, as some tools write
        return
    file.signatures += opened.signatures
    file.findings += opened.findings
    if not file.refused:
        file.content = _written(file, opened.content, context)


def _verify_detached(file: StagedFile, data: bytes, document: StagedFile | None, context: Context) -> None:
    """A signature whose document is a file of its own in the package, kept beside it."""
    if document is None:
        file.findings.append(findings.error(DETACHED_WITHOUT_CONTENT, document=without_extension(file.name)))
        return
    signed_document = _read_whole(document, reported_on=file)
    if signed_document is None:
        return
    opened = cades.open_cades(data, trust=context.rules.trust, detached_content=signed_document)
    file.signatures += opened.signatures
    file.findings += opened.findings
    file.signs = document.identity


def _written(file: StagedFile, content: bytes, context: Context) -> Content | None:
    """The signed document, beside the staged file, identified as any file is."""
    name = _inner_name(file.name)
    path = file.path.with_name(f"{file.path.name}.contenuto")
    path.write_bytes(content)
    file.scratch.append(path)
    found = identify.identify(path, name)
    rules = context.rules
    file.findings += identify.format_findings(
        found, name, allowed=rules.allowed_formats, class_name=rules.class_name, extension_required=False
    )
    return Content(name, path, found)


def _inner_name(name: str) -> str:
    """ "fattura.xml.p7m.p7m" -> "fattura.xml": the name of the innermost document."""
    while name.lower().endswith((".p7m", ".p7s")):
        name = without_extension(name)
    return name


def _verify_inner(file: StagedFile, content: Content, context: Context) -> None:
    if content.identity.format == Format.PDF:
        reports, found = pades.verify_pades(content.path, trust=context.rules.trust)
    elif content.identity.format == Format.XML:
        reports, found = xades.verify_xmldsig(content.path, trust=context.rules.trust)
        file.judged_with |= xades.tools()
    else:
        return
    file.signatures += reports
    file.findings += found


def _read_whole(file: StagedFile, reported_on: StagedFile | None = None) -> bytes | None:
    if file.size > settings.ARCHIVE_SIGNED_MAX_BYTES:
        (reported_on or file).findings.append(findings.error(TOO_LARGE, most=settings.ARCHIVE_SIGNED_MAX_BYTES))
        return None
    return file.path.read_bytes()
