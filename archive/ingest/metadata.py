"""The metadata of a document (AgID Linee Guida 2021, Allegato 5, as far as a business needs them),
read from what the customer gives: a form, or one row of a CSV or JSON sheet, with Italian keys.

    {"identificativo": "2026/000123", "data": "2026-03-01", "oggetto": "...", "parole_chiave": "a, b",
     "soggetti": [{"ruolo": "cedente", "denominazione": "...", "partita_iva": "...", "codice_fiscale": ""}],
     "tipologia_documentale": "...", "tempo_di_conservazione": 10, "anno_fiscale": 2026}
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.fiscal import COUNTRY, FOREIGN_TAX_ID, clean_tax_code, clean_vat_number
from archive.errors import ArchiveError
from archive.ingest.names import visible
from lib.text import forbidden_characters


class Field(models.TextChoices):
    """The metadata a document class may require."""

    IDENTIFIER = "identificativo", gettext_lazy("identificativo (numero del documento)")
    DATE = "data", gettext_lazy("data del documento")
    SUBJECTS = "soggetti", gettext_lazy("soggetti (ruolo, nome, partita IVA o codice fiscale)")
    SUBJECT_MATTER = "oggetto", gettext_lazy("oggetto")
    KEYWORDS = "parole_chiave", gettext_lazy("parole chiave")
    FISCAL_YEAR = "anno_fiscale", gettext_lazy("anno fiscale")


class Role(models.TextChoices):
    SELLER = "CEDENTE", gettext_lazy("cedente/prestatore")
    BUYER = "CESSIONARIO", gettext_lazy("cessionario/committente")
    AUTHOR = "AUTORE", gettext_lazy("autore")
    SENDER = "MITTENTE", gettext_lazy("mittente")
    RECIPIENT = "DESTINATARIO", gettext_lazy("destinatario")
    PRODUCER = "PRODUTTORE", gettext_lazy("produttore")
    PARTY = "PARTE", gettext_lazy("parte")
    OTHER = "ALTRO", gettext_lazy("altro")


OPTIONAL_KEYS = {"tipologia_documentale", "tempo_di_conservazione"}
KEYS = set(Field.values) | OPTIONAL_KEYS
SUBJECT_KEYS = {"ruolo", "denominazione", "nome", "cognome", "paese", "partita_iva", "codice_fiscale"}
LIST_SEPARATORS = re.compile(r"[,;]")
ITALIAN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Subject:
    role: str
    name: str
    country: str = "IT"
    vat_number: str = ""  # without the country prefix, as accounts.Customer keeps it
    tax_code: str = ""


@dataclass(frozen=True)
class Metadata:
    identifier: str = ""
    date: datetime.date | None = None
    subjects: tuple[Subject, ...] = ()
    subject_matter: str = ""
    keywords: tuple[str, ...] = ()
    document_type: str = ""
    retention_years: int | None = None
    fiscal_year: int | None = None

    def overridden_by(self, document: "Metadata") -> "Metadata":
        """What the document says of itself (a FatturaPA's number, date, parties) wins over what was typed."""
        return replace(self, identifier=document.identifier, date=document.date, subjects=document.subjects)

    def missing(self, required: list[str]) -> list[str]:
        present = {
            Field.IDENTIFIER: bool(self.identifier),
            Field.DATE: self.date is not None,
            Field.SUBJECTS: bool(self.subjects),
            Field.SUBJECT_MATTER: bool(self.subject_matter),
            Field.KEYWORDS: bool(self.keywords),
            Field.FISCAL_YEAR: self.fiscal_year is not None,
        }
        return [str(Field(code).label) for code in required if not present.get(Field(code), True)]


def read_metadata(fields: Mapping[str, object]) -> Metadata:
    """The metadata given for one document, or a refusal naming the first field that is wrong."""
    unknown = sorted(set(fields) - KEYS)
    if unknown:
        raise ArchiveError(_("Metadati sconosciuti: %(keys)s.") % {"keys": ", ".join(unknown)})
    return Metadata(
        identifier=_text(fields.get("identificativo"), 100),
        date=_date(fields.get("data")),
        subjects=tuple(_subject(item) for item in _items(fields.get("soggetti"))),
        subject_matter=_text(fields.get("oggetto"), 1000),
        keywords=_keywords(fields.get("parole_chiave")),
        document_type=_text(fields.get("tipologia_documentale"), 100),
        retention_years=_number(fields.get("tempo_di_conservazione"), "tempo_di_conservazione", 1, 999),
        fiscal_year=_number(fields.get("anno_fiscale"), "anno_fiscale", 1900, 2999),
    )


def _text(value: object, limit: int) -> str:
    """One line of text; control and layout characters (NUL, a right-to-left override) are refused,
    on every channel alike (form, sheet, API), before any byte of the package is kept."""
    if isinstance(value, (dict, list)):
        raise ArchiveError(_("Un metadato di testo è un elenco o un oggetto: scrivilo come testo."))
    text = "" if value is None else str(value)
    if forbidden := forbidden_characters(text.replace("\t", " ").replace("\n", " ").replace("\r", " ")):
        raise ArchiveError(
            _("Un metadato contiene caratteri di controllo o invisibili (%(codes)s): «%(start)s…».")
            % {"codes": ", ".join(f"U+{ord(character):04X}" for character in forbidden), "start": visible(text)[:30]}
        )
    text = " ".join(text.split())
    if len(text) > limit:
        raise ArchiveError(
            _("Un metadato supera %(limit)d caratteri: «%(start)s…».") % {"limit": limit, "start": text[:30]}
        )
    return text


def _date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if value is None or value == "":
        return None
    text = _text(value, 30)
    italian = ITALIAN_DATE.match(text)
    try:
        if italian:
            day, month, year = (int(part) for part in italian.groups())
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ArchiveError(
            _("La data «%(value)s» non è valida: scrivila come 2026-03-31 o 31/03/2026.") % {"value": text}
        ) from None


def _number(value: object, key: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    number = int(text) if text.isdecimal() and len(text) <= len(str(high)) else low - 1
    if not low <= number <= high:
        raise ArchiveError(
            _("«%(key)s» dev'essere un numero tra %(low)d e %(high)d.") % {"key": key, "low": low, "high": high}
        )
    return number


def _keywords(value: object) -> tuple[str, ...]:
    items = LIST_SEPARATORS.split(value) if isinstance(value, str) else _items(value)
    words = (_text(item, 100).lower() for item in items)
    return tuple(dict.fromkeys(word for word in words if word))


def _items(value: object) -> list[object]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise ArchiveError(_("I soggetti e le parole chiave vanno dati come elenco."))
    return value


def _subject(item: object) -> Subject:
    if not isinstance(item, Mapping) or set(item) - SUBJECT_KEYS:
        raise ArchiveError(_("Ogni soggetto ha ruolo, denominazione (o nome e cognome), partita IVA o codice fiscale."))
    role = str(item.get("ruolo", "")).strip().upper()
    if role not in Role.values:
        raise ArchiveError(
            _("Ruolo del soggetto «%(role)s» sconosciuto (ammessi: %(roles)s).")
            % {"role": role, "roles": ", ".join(value.lower() for value in Role.values)}
        )
    name = _text(item.get("denominazione") or f"{item.get('nome') or ''} {item.get('cognome') or ''}", 200)
    if not name:
        raise ArchiveError(_("Un soggetto non ha denominazione."))
    country, vat_number, tax_code = fiscal_ids(item)
    return Subject(role=role, name=name, country=country, vat_number=vat_number, tax_code=tax_code)


def fiscal_ids(item: Mapping[str, object]) -> tuple[str, str, str]:
    """Country, VAT number without its prefix and tax code; Italian ones checked with their check digits."""
    vat_number = "".join(str(item.get("partita_iva") or "").split()).upper()
    tax_code = "".join(str(item.get("codice_fiscale") or "").split()).upper()
    country = str(item.get("paese") or "").strip().upper()
    if not country and COUNTRY.match(vat_number[:2]) and vat_number[2:].isdigit():
        country, vat_number = vat_number[:2], vat_number[2:]
    country = country or "IT"
    if country == vat_number[:2]:
        vat_number = vat_number[2:]
    if not (vat_number or tax_code):
        raise ArchiveError(_("Un soggetto non ha né partita IVA né codice fiscale."))
    try:
        if country == "IT":
            return country, clean_vat_number(vat_number), clean_tax_code(tax_code)
    except ValidationError as error:
        raise ArchiveError(" ".join(error.messages)) from None
    if not COUNTRY.match(country) or not all(FOREIGN_TAX_ID.match(code) for code in (vat_number, tax_code) if code):
        raise ArchiveError(_("Il paese o l'identificativo fiscale estero di un soggetto non è valido."))
    return country, vat_number, tax_code
