import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from archive.ingest.fatturapa import type_label
from archive.ingest.findings import Finding
from archive.ingest.formats import Format
from archive.ingest.metadata import Field, Role
from archive.ingest.pdfa import PdfaPolicy
from lib import clock


def _require_codes(value: object, allowed: list[str]) -> None:
    if not isinstance(value, list) or not set(value) <= set(allowed):
        raise ValidationError(_("Scegli fra: %(codes)s.") % {"codes": ", ".join(allowed)})


def validate_formats(value: object) -> None:
    _require_codes(value, Format.values)


def validate_fields(value: object) -> None:
    _require_codes(value, Field.values)


class DocumentClass(models.Model):
    """A kind of document the archive preserves, with the metadata it requires and the formats it
    accepts. Data, not code: operators add classes in the admin."""

    code = models.SlugField(_("codice"), unique=True)
    name = models.CharField(_("nome"), max_length=100)
    required_metadata = models.JSONField(_("metadati obbligatori"), default=list, validators=[validate_fields])
    allowed_formats = models.JSONField(_("formati ammessi"), default=list, validators=[validate_formats])
    retention_years = models.PositiveSmallIntegerField(_("anni di conservazione"), default=10)
    # Tax documents are preserved by the deadline after the income-tax return (archive/deadlines.py).
    tax_relevant = models.BooleanField(_("rilevanza fiscale"), default=False)
    # An invoice class refuses an XML that is not a FatturaPA valid against its version's schema; any
    # other class keeps it with a warning.
    electronic_invoices = models.BooleanField(
        _("fatture elettroniche"),
        default=False,
        help_text=_(
            "Un file XML di questa classe dev'essere una FatturaPA valida secondo lo schema della sua versione."
        ),
    )
    pdfa = models.CharField(_("PDF/A"), max_length=15, choices=PdfaPolicy, default=PdfaPolicy.NOT_NEEDED)
    is_active = models.BooleanField(_("in uso"), default=True)
    position = models.PositiveSmallIntegerField(_("ordine in elenco"), default=0)

    class Meta:
        verbose_name = _("classe documentale")
        verbose_name_plural = _("classi documentali")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Deposit(models.Model):
    """A submission package (PdV): accepted whole, with its documents and its receipt (rapporto di
    versamento), or rejected whole, with each file's reason and no files."""

    class Status(models.TextChoices):
        ACCEPTED = "ACCETTATO", _("ACCETTATO")
        REJECTED = "RIFIUTATO", _("RIFIUTATO")

    # The receipt's identifier, and the package's in URLs.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "subscriptions.Service", on_delete=models.PROTECT, related_name="deposits", verbose_name=_("servizio")
    )
    document_class = models.ForeignKey(
        DocumentClass, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("classe documentale")
    )
    status = models.CharField(_("esito"), max_length=10, choices=Status)
    submitted_at = models.DateTimeField(_("versato il"), default=clock.now, db_index=True)
    submitted_by = models.CharField(_("versato da"), max_length=254)
    document_count = models.PositiveIntegerField(_("documenti"), default=0)
    total_bytes = models.BigIntegerField(_("byte"), default=0)
    package_sha256 = models.CharField(_("impronta del pacchetto (SHA-256)"), max_length=64, blank=True)
    # The producer as it was at the deposit, as the receipt names it.
    producer_name = models.CharField(_("soggetto produttore"), max_length=200)
    producer_vat_number = models.CharField(_("partita IVA"), max_length=28, blank=True)
    producer_tax_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    # The rapporto di versamento of an accepted package, the esito negativo of a rejected one.
    receipt_xml = models.TextField(_("rapporto di versamento o esito negativo (XML)"), blank=True)
    # Each refused file's findings: {"file", "reason", "code", "level", "params"}.
    refusals = models.JSONField(_("motivi del rifiuto"), default=list, blank=True)

    class Meta:
        verbose_name = _("versamento")
        verbose_name_plural = _("versamenti")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.get_status_display()})"


class Document(models.Model):
    """One preserved file: its hash, size and format, and its metadata, never changed once kept."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "subscriptions.Service", on_delete=models.PROTECT, related_name="documents", verbose_name=_("servizio")
    )
    deposit = models.ForeignKey(
        Deposit, on_delete=models.PROTECT, related_name="documents", verbose_name=_("versamento")
    )
    document_class = models.ForeignKey(
        DocumentClass, on_delete=models.PROTECT, related_name="documents", verbose_name=_("classe documentale")
    )
    position = models.PositiveIntegerField(_("posizione nel pacchetto"))
    name = models.CharField(_("nome del file"), max_length=255)
    sha256 = models.CharField(_("impronta (SHA-256)"), max_length=64)
    size = models.BigIntegerField(_("dimensione (byte)"))
    format = models.CharField(_("formato"), max_length=10, choices=Format)
    signed_format = models.CharField(_("formato del documento firmato"), max_length=10, choices=Format, blank=True)
    # What the content is, as identified at deposit (of the signed document, for a signed file).
    format_label = models.CharField(_("formato riconosciuto"), max_length=120, blank=True)
    format_puid = models.CharField(_("PUID (PRONOM)"), max_length=20, blank=True)
    format_name = models.CharField(_("nome del formato"), max_length=200, blank=True)
    format_version = models.CharField(_("versione del formato"), max_length=40, blank=True)
    # How the file was judged at deposit: its warnings (archive.ingest.findings), each signature's
    # report (archive.ingest.signatures) and the tools, with their versions, that judged it.
    findings = models.JSONField(_("avvisi"), default=list, blank=True)
    signatures = models.JSONField(_("firme"), default=list, blank=True)
    judged_with = models.JSONField(_("verificato con"), default=dict, blank=True)
    number = models.CharField(_("identificativo"), max_length=100, blank=True)
    document_date = models.DateField(_("data del documento"), null=True)
    fiscal_year = models.PositiveSmallIntegerField(_("anno fiscale"), null=True)
    subject_matter = models.TextField(_("oggetto"), blank=True)
    document_type = models.CharField(_("tipologia documentale"), max_length=100)
    retention_years = models.PositiveSmallIntegerField(_("anni di conservazione"))
    deposited_at = models.DateTimeField(_("versato il"))

    class Meta:
        verbose_name = _("documento")
        verbose_name_plural = _("documenti")
        ordering = ["-deposited_at", "position"]
        constraints = [
            # The same content is preserved once per service: a second deposit of it is refused.
            models.UniqueConstraint(fields=["service", "sha256"], name="document_content_once_per_service"),
        ]
        indexes = [
            models.Index(fields=["service", "-deposited_at"], name="document_service_recent"),
            models.Index(fields=["service", "document_date"], name="document_service_date"),
            models.Index(fields=["service", "number"], name="document_service_number"),
            # On PostgreSQL the search by part of a number has a trigram index too (migration 0003).
            models.Index(fields=["service", "fiscal_year"], name="document_service_fiscal_year"),
        ]

    def __str__(self) -> str:
        return self.name

    def warnings(self) -> list[Finding]:
        """The warnings it was kept with, their messages in the active language."""
        return [Finding.from_json(item) for item in self.findings]


class DocumentInvoice(models.Model):
    """One invoice of a FatturaPA file: a lot holds several, each searchable by its number and date."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="invoices")
    position = models.PositiveSmallIntegerField(_("posizione nel lotto"))
    number = models.CharField(_("numero"), max_length=100)
    date = models.DateField(_("data"), null=True)
    type_code = models.CharField(_("tipo documento"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("fattura del file")
        verbose_name_plural = _("fatture del file")
        ordering = ["position"]
        indexes = [
            models.Index(fields=["number"], name="document_invoice_number"),
            models.Index(fields=["date"], name="document_invoice_date"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def type_label(self) -> str:
        return type_label(self.type_code)


class DocumentSubject(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="subjects")
    role = models.CharField(_("ruolo"), max_length=20, choices=Role)
    name = models.CharField(_("denominazione"), max_length=200)
    country = models.CharField(_("paese"), max_length=2, default="IT")
    vat_number = models.CharField(_("partita IVA"), max_length=28, blank=True, db_index=True)
    tax_code = models.CharField(_("codice fiscale"), max_length=28, blank=True, db_index=True)

    class Meta:
        verbose_name = _("soggetto")
        verbose_name_plural = _("soggetti")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class DocumentKeyword(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(_("parola chiave"), max_length=100, db_index=True)

    class Meta:
        verbose_name = _("parola chiave")
        verbose_name_plural = _("parole chiave")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.keyword


class TrustedListSnapshot(models.Model):
    """A trusted list as it was received and verified (archive/trust_lists.py): the EU's list of trusted
    lists or a national one. Kept for ever: a signature is weighed against the list in force when it was made."""

    class Kind(models.TextChoices):
        LOTL = "LOTL", _("lista delle liste di fiducia (UE)")
        NATIONAL = "NAZIONALE", _("lista di fiducia nazionale")

    territory = models.CharField(_("territorio"), max_length=2)
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind)
    source = models.CharField(_("origine"), max_length=2000)
    sequence_number = models.PositiveIntegerField(_("numero progressivo"))
    issued_at = models.DateTimeField(_("emessa il"))
    next_update = models.DateTimeField(_("prossimo aggiornamento"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("letta il"), default=clock.now)
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    xml = models.TextField(_("XML come ricevuto"))
    signer = models.CharField(_("firmata da"), max_length=1000)

    class Meta:
        verbose_name = _("lista di fiducia")
        verbose_name_plural = _("liste di fiducia")
        ordering = ["territory", "-issued_at"]

    def __str__(self) -> str:
        return f"{self.territory} n. {self.sequence_number} ({self.issued_at:%Y-%m-%d})"
