"""A FatturaPA read as it streams in, safely: every invoice of a lot, both parties as written, and the
verdict of the official XSD of its version (ordinary 1.2.x and 1.1, semplificata 1.0).

The XML comes from outside: entities are never resolved, DTDs are not loaded, the network is off,
and a document with a DOCTYPE is refused (billion laughs, XXE). Elements are dropped as soon as
they are read, so memory stays small whatever the file's size (see `fatturapa_schemas`).

What the file says is preserved as written. A party's identifiers are kept as the schema accepts
them; an Italian VAT number or tax code failing its check digit is a warning naming party and value,
never a refusal. Whether an invalid FatturaPA is refused depends on its document class
(`invoice_findings`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from stdnum.it import codicefiscale, iva

from archive.errors import ArchiveError
from archive.ingest import findings
from archive.ingest.fatturapa_schemas import (
    ORDINARY_ROOT,
    SAFE,
    SCHEMA_FILES,
    SIMPLIFIED_ROOT,
    AttachmentElider,
    SchemaCheck,
    drop_read,
    schema,
)
from archive.ingest.findings import Finding, Level
from archive.ingest.metadata import Role, Subject

SCHEMA_INVALID = "fatturapa.schema_invalid"
VERSION_UNKNOWN = "fatturapa.version_unknown"
NO_INVOICE = "fatturapa.no_invoice"
INVOICE_UNREADABLE = "fatturapa.invoice_unreadable"
VAT_NUMBER_CHECK = "fatturapa.vat_number_check"
TAX_CODE_CHECK = "fatturapa.tax_code_check"
VALUE_TOO_LONG = "fatturapa.value_too_long"

findings.register(
    {
        SCHEMA_INVALID: gettext_lazy(
            "La FatturaPA (versione %(version)s) non è conforme allo schema XSD della sua versione "
            "(%(schema)s): %(error)s"
        ),
        VERSION_UNKNOWN: gettext_lazy(
            "La FatturaPA dichiara una versione che non sappiamo validare (versione «%(version)s», "
            "namespace «%(namespace)s»): conservata senza il controllo dello schema."
        ),
        NO_INVOICE: gettext_lazy("La FatturaPA non contiene alcuna fattura (FatturaElettronicaBody)."),
        INVOICE_UNREADABLE: gettext_lazy(
            "La fattura in posizione %(position)s nel file non ha numero o data leggibili."
        ),
        VAT_NUMBER_CHECK: gettext_lazy(
            "Partita IVA del %(party)s «%(value)s» non supera il controllo della cifra di verifica: "
            "conservata come scritta."
        ),
        TAX_CODE_CHECK: gettext_lazy(
            "Codice fiscale del %(party)s «%(value)s» non supera il controllo del carattere di verifica: "
            "conservato come scritto."
        ),
        VALUE_TOO_LONG: gettext_lazy(
            "%(field)s supera %(limit)s caratteri: nei metadati è troncato a «%(kept)s», il file resta com'è."
        ),
    }
)

# The official list (Specifiche tecniche 1.9; TD07–TD09 only in the semplificata).
TYPE_LABELS = {
    "TD01": gettext_lazy("Fattura"),
    "TD02": gettext_lazy("Acconto/anticipo su fattura"),
    "TD03": gettext_lazy("Acconto/anticipo su parcella"),
    "TD04": gettext_lazy("Nota di credito"),
    "TD05": gettext_lazy("Nota di debito"),
    "TD06": gettext_lazy("Parcella"),
    "TD07": gettext_lazy("Fattura semplificata"),
    "TD08": gettext_lazy("Nota di credito semplificata"),
    "TD09": gettext_lazy("Nota di debito semplificata"),
    "TD16": gettext_lazy("Integrazione fattura reverse charge interno"),
    "TD17": gettext_lazy("Integrazione/autofattura per acquisto servizi dall'estero"),
    "TD18": gettext_lazy("Integrazione per acquisto di beni intracomunitari"),
    "TD19": gettext_lazy("Integrazione/autofattura per acquisto di beni ex art. 17 c. 2 DPR 633/72"),
    "TD20": gettext_lazy("Autofattura per regolarizzazione e integrazione delle fatture"),
    "TD21": gettext_lazy("Autofattura per splafonamento"),
    "TD22": gettext_lazy("Estrazione beni da Deposito IVA"),
    "TD23": gettext_lazy("Estrazione beni da Deposito IVA con versamento dell'IVA"),
    "TD24": gettext_lazy("Fattura differita (art. 21, c. 4, lett. a, DPR 633/72)"),
    "TD25": gettext_lazy("Fattura differita (art. 21, c. 4, terzo periodo, lett. b, DPR 633/72)"),
    "TD26": gettext_lazy("Cessione di beni ammortizzabili e per passaggi interni (art. 36 DPR 633/72)"),
    "TD27": gettext_lazy("Fattura per autoconsumo o per cessioni gratuite senza rivalsa"),
    "TD28": gettext_lazy("Acquisti da San Marino con IVA (fattura cartacea)"),
    "TD29": gettext_lazy("Comunicazione per omessa o irregolare fatturazione (art. 6 c. 8 D.Lgs. 471/97)"),
}

# The archive's columns (DocumentInvoice.number, DocumentSubject.*); FatturaPA's own limits are lower
# (Numero 20, Denominazione 80, IdCodice 28, CodiceFiscale 16), so only an invalid file is cut.
NUMBER_MAX, TYPE_MAX, NAME_MAX, CODE_MAX, COUNTRY_MAX = 100, 4, 200, 28, 2
# Fixed words, not translated: they are kept in a finding's parameters.
PARTY_WORDS: dict[str, str] = {Role.SELLER: "cedente/prestatore", Role.BUYER: "cessionario/committente"}
HEADER, DOCUMENT = "FatturaElettronicaHeader/", "FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento/"
BODY = "FatturaElettronicaBody"
DOCUMENT_FIELDS = {DOCUMENT + "Numero": "number", DOCUMENT + "Data": "date", DOCUMENT + "TipoDocumento": "type_code"}
# xs:date as FatturaPA writes it, a time zone allowed.
XSD_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$")


def _party_fields(role: str, identifiers: str, names: str) -> dict[str, tuple[str, str]]:
    return {
        HEADER + identifiers + "IdFiscaleIVA/IdPaese": (role, "country"),
        HEADER + identifiers + "IdFiscaleIVA/IdCodice": (role, "vat_number"),
        HEADER + identifiers + "CodiceFiscale": (role, "tax_code"),
        HEADER + names + "Denominazione": (role, "name"),
        HEADER + names + "Nome": (role, "first_name"),
        HEADER + names + "Cognome": (role, "last_name"),
    }


ORDINARY_PARTIES = _party_fields(
    Role.SELLER, "CedentePrestatore/DatiAnagrafici/", "CedentePrestatore/DatiAnagrafici/Anagrafica/"
) | _party_fields(
    Role.BUYER, "CessionarioCommittente/DatiAnagrafici/", "CessionarioCommittente/DatiAnagrafici/Anagrafica/"
)
SIMPLIFIED_PARTIES = _party_fields(Role.SELLER, "CedentePrestatore/", "CedentePrestatore/") | _party_fields(
    Role.BUYER, "CessionarioCommittente/IdentificativiFiscali/", "CessionarioCommittente/AltriDatiIdentificativi/"
)


@dataclass(frozen=True)
class InvoiceFacts:
    """One invoice (FatturaElettronicaBody) of the file."""

    number: str
    date: datetime.date | None
    type_code: str  # "TD04"

    @property
    def type_label(self) -> str:
        return type_label(self.type_code)


@dataclass(frozen=True)
class InvoiceFile:
    version: str  # the root's versione as written: "FPR12", "FPA12", "FSM10", "1.1"
    simplified: bool
    invoices: tuple[InvoiceFacts, ...]  # every body, in order
    seller: Subject | None  # identifiers as written, the country apart, no check applied; None if unnamed
    buyer: Subject | None
    findings: tuple[Finding, ...]  # warnings whatever the class: check digits, unknown version, cut values
    schema: str  # the XSD it was checked against, "" if its version has none here
    schema_errors: tuple[str, ...]  # the first few, "riga 12: …"


def type_label(type_code: str) -> str:
    """TipoDocumento in words ("Nota di credito" for TD04); an unknown code as written."""
    label = TYPE_LABELS.get(type_code)
    return str(label) if label is not None else type_code


def tools() -> dict[str, str]:
    """What reads and validates a FatturaPA, with its version, for the preservation record."""
    return {"lxml": ".".join(map(str, etree.LXML_VERSION)), "libxml2": ".".join(map(str, etree.LIBXML_VERSION))}


def invoice_findings(invoice: InvoiceFile, *, invoice_class: bool) -> tuple[Finding, ...]:
    """All the file's findings for a document class: what makes an invoice class refuse the file
    (schema errors, an invoice without number or date) is a warning in a generic class."""
    level = Level.ERROR if invoice_class else Level.WARNING
    found = list(invoice.findings)
    if invoice.schema_errors:
        params = {"version": invoice.version, "schema": invoice.schema, "error": invoice.schema_errors[0]}
        found.append(Finding(level, SCHEMA_INVALID, params))
    if not invoice.invoices:
        found.append(Finding(level, NO_INVOICE))
    for position, facts in enumerate(invoice.invoices, start=1):
        if not facts.number or facts.date is None:
            found.append(Finding(level, INVOICE_UNREADABLE, {"position": str(position)}))
    return tuple(found)


class _WellFormedness:
    """A parser target with no element callbacks: libxml2 checks the rest of a document that is not
    a FatturaPA in C, building nothing and calling no Python per element."""

    def close(self) -> None:
        return None


READ_PIECE = 64 * 1024  # the events of one feed are held together: a piece keeps them few


class XmlReader:
    """Fed the file's chunks in order; `close()` gives a FatturaPA's facts, or None for other XML.

    Until the root element starts, the chunks are kept (a few kilobytes: the prolog). The root's
    namespace then chooses the schema, and a validator is fed the prolog and what follows, beside
    the reader. Any other XML is handed, from its first byte, to a parser that only checks it is
    well formed.
    """

    def __init__(self) -> None:
        self._elider = AttachmentElider()
        self._parser: etree.XMLPullParser = etree.XMLPullParser(events=("start", "end"), **SAFE)
        self._prolog: list[bytes] | None = []
        self._other: etree.XMLParser | None = None  # not a FatturaPA
        self._check: SchemaCheck | None = None
        self._root: etree.QName | None = None
        self._version = ""
        self._party_fields: Mapping[str, tuple[str, str]] = {}
        self._paths: list[str] = []  # of the open elements, below the root: "FatturaElettronicaBody/DatiGenerali"
        self._parties: dict[tuple[str, str], str] = {}  # (role, field) -> text; the first one written wins
        self._bodies: list[dict[str, str]] = []

    def feed(self, chunk: bytes) -> None:
        self._take(self._elider.feed(chunk))

    def close(self) -> InvoiceFile | None:
        self._take(self._elider.close())
        if self._other is not None:
            with _well_formed():
                self._other.close()
            return None
        with _well_formed():
            self._parser.close()
        self._read_events()
        if self._root is None:
            raise ArchiveError(_("Il file XML è vuoto."))
        if self._other is not None:
            return None
        return self._invoice_file(self._check.close() if self._check else ())

    def _take(self, data: bytes) -> None:
        for start in range(0, len(data), READ_PIECE):
            self._take_piece(data[start : start + READ_PIECE])

    def _take_piece(self, piece: bytes) -> None:
        if self._other is not None:
            with _well_formed():
                self._other.feed(piece)
            return
        before_root = self._prolog is not None
        if self._prolog is not None:
            self._prolog.append(piece)
        with _well_formed():
            self._parser.feed(piece)
        self._read_events()
        if not before_root and self._check is not None:
            self._check.feed(piece)

    def _read_events(self) -> None:
        if self._other is not None:
            return
        for event, element in self._parser.read_events():
            if not isinstance(element.tag, str):
                continue  # a comment or a processing instruction
            if self._root is None:
                self._start(element)
                if self._other is not None:
                    return
            if event == "start":
                self._start_element(element.tag)
            else:
                self._end(element)

    def _start(self, root: etree._Element) -> None:
        # The prolog, DOCTYPE included, is read before the root element starts.
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise ArchiveError(_("Il file XML contiene una dichiarazione DOCTYPE: per sicurezza non lo accettiamo."))
        self._root = etree.QName(root)
        self._version = (root.get("versione") or "").strip()
        prolog, self._prolog = self._prolog or [], None
        if self._root.localname not in (ORDINARY_ROOT, SIMPLIFIED_ROOT):
            self._other = etree.XMLParser(target=_WellFormedness(), **SAFE)
            with _well_formed():
                for piece in prolog:
                    self._other.feed(piece)
            return
        simplified = self._root.localname == SIMPLIFIED_ROOT
        self._party_fields = SIMPLIFIED_PARTIES if simplified else ORDINARY_PARTIES
        schema_file = SCHEMA_FILES.get((self._root.namespace or "", self._root.localname))
        if schema_file:
            self._check = SchemaCheck(schema(schema_file), self._elider.original_line)
            for piece in prolog:
                self._check.feed(piece)

    def _start_element(self, tag: str) -> None:
        if not self._paths:
            self._paths.append("")  # the root
            return
        name = tag.rpartition("}")[2]
        path = f"{self._paths[-1]}/{name}" if self._paths[-1] else name
        self._paths.append(path)
        if path == BODY:
            self._bodies.append({})

    def _end(self, element: etree._Element) -> None:
        path = self._paths.pop()
        if path in self._party_fields:
            self._parties.setdefault(self._party_fields[path], (element.text or "").strip())
        elif path in DOCUMENT_FIELDS and self._bodies:
            self._bodies[-1].setdefault(DOCUMENT_FIELDS[path], (element.text or "").strip())
        drop_read(element)

    def _invoice_file(self, schema_errors: tuple[str, ...]) -> InvoiceFile:
        if self._root is None:
            raise RuntimeError("a FatturaPA's file is made only once its root was read")
        found: list[Finding] = []
        schema_file = SCHEMA_FILES.get((self._root.namespace or "", self._root.localname), "")
        if not schema_file:
            found.append(findings.warning(VERSION_UNKNOWN, version=self._version, namespace=self._root.namespace or ""))
        seller, buyer = (self._subject(role, found) for role in (Role.SELLER, Role.BUYER))
        for subject in (seller, buyer):
            if subject is not None:
                found += _identifier_findings(subject, self._parties.get((subject.role, "country"), ""))
        return InvoiceFile(
            version=self._version,
            simplified=self._root.localname == SIMPLIFIED_ROOT,
            invoices=tuple(_facts(body, position, found) for position, body in enumerate(self._bodies, start=1)),
            seller=seller,
            buyer=buyer,
            findings=tuple(found),
            schema=schema_file,
            schema_errors=schema_errors,
        )

    def _subject(self, role: str, found: list[Finding]) -> Subject | None:
        def value(key: str) -> str:
            return self._parties.get((role, key), "")

        if not any(text for (party, _field), text in self._parties.items() if party == role):
            return None  # only an invalid file names nothing of a party

        party = PARTY_WORDS[role]
        name = value("name") or " ".join(part for part in (value("first_name"), value("last_name")) if part)
        # A party without IdFiscaleIVA has only the Italian tax code.
        return Subject(
            role=role,
            name=_within(name, NAME_MAX, f"La denominazione del {party}", found),
            country=_within(value("country") or "IT", COUNTRY_MAX, f"Il paese del {party}", found),
            vat_number=_within(value("vat_number"), CODE_MAX, f"L'identificativo IVA del {party}", found),
            tax_code=_within(value("tax_code"), CODE_MAX, f"Il codice fiscale del {party}", found),
        )


def _facts(body: dict[str, str], position: int, found: list[Finding]) -> InvoiceFacts:
    return InvoiceFacts(
        number=_within(body.get("number", ""), NUMBER_MAX, f"Il numero della fattura n. {position}", found),
        date=_date(body.get("date", "")),
        type_code=_within(body.get("type_code", ""), TYPE_MAX, f"Il tipo della fattura n. {position}", found),
    )


def _date(text: str) -> datetime.date | None:
    written = XSD_DATE.match(text)
    try:
        return datetime.date(*(int(part) for part in written.groups()[:3])) if written else None
    except ValueError:
        return None


def _within(value: str, limit: int, field: str, found: list[Finding]) -> str:
    if len(value) <= limit:
        return value
    found.append(findings.warning(VALUE_TOO_LONG, field=field, limit=limit, kept=value[:limit]))
    return value[:limit]


def _identifier_findings(subject: Subject, written_country: str) -> list[Finding]:
    """Italian identifiers checked, never changed: a sample's placeholder or an anonymised code stays."""
    party = PARTY_WORDS[subject.role]
    found = []
    if written_country == "IT" and subject.vat_number and not iva.is_valid(subject.vat_number):
        found.append(findings.warning(VAT_NUMBER_CHECK, party=party, value=subject.vat_number))
    if subject.tax_code and not codicefiscale.is_valid(subject.tax_code):
        found.append(findings.warning(TAX_CODE_CHECK, party=party, value=subject.tax_code))
    return found


@contextmanager
def _well_formed() -> Iterator[None]:
    try:
        yield
    except etree.XMLSyntaxError as error:
        raise ArchiveError(_("Il file XML non è ben formato: %(error)s") % {"error": error}) from None
