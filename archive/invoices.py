"""Reads XML as it streams in, safely, and a FatturaPA's own metadata from it.

The XML comes from outside: entities are never resolved, DTDs are not loaded, the network is off,
and a document with a DOCTYPE is refused (billion laughs, XXE). Elements are dropped as soon as
they are read, so memory stays small whatever the file's size. A FatturaPA (any version 1.x, FPR12
or FPA12) gives its number, date and both parties from its header and its first body.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _
from lxml import etree

from archive.errors import ArchiveError
from archive.metadata import Metadata, Role, Subject, fiscal_ids

INVOICE_ROOT = "FatturaElettronica"
# Generous beside FatturaPA's own limits (Numero 20, Denominazione 80): the columns that keep them.
NUMBER_MAX, TEXT_MAX = 100, 200
PARTIES = {"CedentePrestatore": Role.SELLER, "CessionarioCommittente": Role.BUYER}
PARTY_FIELDS = {
    "DatiAnagrafici/IdFiscaleIVA/IdPaese": "country",
    "DatiAnagrafici/IdFiscaleIVA/IdCodice": "vat_number",
    "DatiAnagrafici/CodiceFiscale": "tax_code",
    "DatiAnagrafici/Anagrafica/Denominazione": "name",
    "DatiAnagrafici/Anagrafica/Nome": "first_name",
    "DatiAnagrafici/Anagrafica/Cognome": "last_name",
}
WANTED = {
    f"FatturaElettronicaHeader/{party}/{path}": (party, key) for party in PARTIES for path, key in PARTY_FIELDS.items()
} | {
    f"FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento/{name}": ("document", name)
    for name in ("Numero", "Data", "TipoDocumento")
}


class _WellFormedness:
    """A parser target with no element callbacks: libxml2 checks the rest of a document that is not
    a FatturaPA in C, building nothing and calling no Python per element."""

    def close(self) -> None:
        return None


SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


class XmlReader:
    """Fed the file's chunks in order; `close()` gives a FatturaPA's metadata, or None for other XML.

    Until the root element starts, the chunks are kept (a few kilobytes: the prolog). A FatturaPA
    is then read element by element; any other XML is handed, from its first byte, to a parser
    that only checks it is well formed.
    """

    def __init__(self) -> None:
        self._parser: etree.XMLParser = etree.XMLPullParser(events=("start", "end"), **SAFE)
        self._before_root: list[bytes] | None = []
        self._is_invoice: bool | None = None
        self._path: list[str] = []
        # (party or "document", field) -> text; the first body's wins in a file of several invoices
        self._found: dict[tuple[str, str], str] = {}

    def feed(self, chunk: bytes) -> None:
        if self._before_root is not None:
            self._before_root.append(chunk)
        with _well_formed():
            self._parser.feed(chunk)
        self._read_events()

    def close(self) -> Metadata | None:
        with _well_formed():
            self._parser.close()
        self._read_events()
        if self._is_invoice is None:
            raise ArchiveError(_("Il file XML è vuoto."))
        return _invoice_metadata(self._found) if self._is_invoice else None

    def _read_events(self) -> None:
        if self._is_invoice is False:
            return
        for event, element in self._parser.read_events():
            if not isinstance(element.tag, str):
                continue  # a comment or a processing instruction
            if self._is_invoice is None:
                self._root(element)
                if not self._is_invoice:
                    return
            if event == "start":
                self._path.append(etree.QName(element).localname)
            else:
                self._end(element)

    def _root(self, element: etree._Element) -> None:
        # The prolog, DOCTYPE included, is read before the root element starts.
        docinfo = element.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise ArchiveError(_("Il file XML contiene una dichiarazione DOCTYPE: per sicurezza non lo accettiamo."))
        self._is_invoice = etree.QName(element).localname == INVOICE_ROOT
        chunks, self._before_root = self._before_root or [], None
        if not self._is_invoice:
            self._parser = etree.XMLParser(target=_WellFormedness(), **SAFE)
            with _well_formed():
                for chunk in chunks:
                    self._parser.feed(chunk)

    def _end(self, element: etree._Element) -> None:
        key = WANTED.get("/".join(self._path[1:]))
        if key and key not in self._found:
            self._found[key] = (element.text or "").strip()
        self._path.pop()
        element.clear(keep_tail=True)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


@contextmanager
def _well_formed() -> Iterator[None]:
    try:
        yield
    except etree.XMLSyntaxError as error:
        raise ArchiveError(_("Il file XML non è ben formato: %(error)s") % {"error": error}) from None


def _invoice_metadata(values: dict[tuple[str, str], str]) -> Metadata:
    number, date = values.get(("document", "Numero"), ""), values.get(("document", "Data"), "")
    try:
        issued_on = datetime.date.fromisoformat(date)
    except ValueError:
        issued_on = None
    if not number or issued_on is None:
        raise ArchiveError(_("La FatturaPA non ha numero o data leggibili."))
    if len(number) > NUMBER_MAX or any(len(value) > TEXT_MAX for value in values.values()):
        raise ArchiveError(_("La FatturaPA contiene valori più lunghi di quanto il suo formato ammetta."))
    return Metadata(
        identifier=number,
        date=issued_on,
        subjects=tuple(_party(values, party, role) for party, role in PARTIES.items()),
    )


def _party(values: dict[tuple[str, str], str], party: str, role: str) -> Subject:
    def value(key: str) -> str:
        return values.get((party, key), "")

    name = value("name") or f"{value('first_name')} {value('last_name')}".strip()
    # The invoice's own identifiers pass the same checks as typed ones: a party's country is two
    # letters, its codes fit the archive's columns (a long IdPaese gave a database error).
    country, vat_number, tax_code = fiscal_ids(
        {"paese": value("country"), "partita_iva": value("vat_number"), "codice_fiscale": value("tax_code")}
    )
    return Subject(role=role, name=name, country=country, vat_number=vat_number, tax_code=tax_code)
