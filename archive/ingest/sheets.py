"""The metadata of a batch as a sheet: CSV (comma or semicolon, UTF-8) or JSON, one row a file.

CSV columns: `file`, the metadata's keys (archive/ingest/metadata.py) and, for each subject,
`soggetto_1_ruolo`, `soggetto_1_denominazione`, `soggetto_1_partita_iva`, `soggetto_1_codice_fiscale`
(`_paese`, `_nome`, `_cognome` too), then `soggetto_2_…`. JSON: a list of objects, each with `file`
and the metadata as archive/ingest/metadata.py reads them, or {"documenti": [...]}.
"""

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _

from archive.errors import ArchiveError, Problem
from archive.ingest.names import clean_name, extension
from archive.ingest.unpack import Incoming, Package, read_all

Fields = dict[str, object]
# At most 999 subjects: a longer number is no column of ours (and int() of 5,000 digits refuses).
SUBJECT_COLUMN = re.compile(r"^soggetto_([1-9]\d{0,2})_(\w+)$")


def metadata_by_file(
    package: Package, given: Mapping[str, Mapping[str, object]], sheet: Incoming | None
) -> dict[str, Fields]:
    """Each file's metadata as given: the sheet's row, then what the form said for that file. A name
    that is not a file of the package is refused."""
    rows = read_sheet(sheet) if sheet is not None else {}
    given = {unicodedata.normalize("NFC", name): fields for name, fields in given.items()}
    names = {item.name for item in package.items}
    strangers = [name for name in [*rows, *given] if name not in names]
    if strangers:
        raise ArchiveError(
            _("I metadati nominano file che non sono nel versamento."),
            problems=[Problem(name, _("Nominato nei metadati ma assente dal versamento.")) for name in strangers],
        )
    return {name: rows.get(name, {}) | dict(given.get(name, {})) for name in names}


def read_sheet(sheet: Incoming) -> dict[str, Fields]:
    data = read_all(sheet, settings.ARCHIVE_SHEET_MAX_BYTES)
    kind = extension(sheet.name)
    if kind not in ("csv", "json"):
        raise ArchiveError(_("Il foglio dei metadati dev'essere un file CSV o JSON."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchiveError(_("Il foglio dei metadati non è in UTF-8: salvalo come «CSV UTF-8».")) from None
    rows = _csv_rows(text) if kind == "csv" else _json_rows(text)
    by_file: dict[str, Fields] = {}
    for number, row in enumerate(rows, start=1):
        name = clean_name(str(row.pop("file", "") or ""), folders=True) if row.get("file") else ""
        if not name:
            raise ArchiveError(_("La riga %(row)d del foglio dei metadati non nomina un file.") % {"row": number})
        if name in by_file:
            raise ArchiveError(_("Il foglio dei metadati nomina «%(name)s» due volte.") % {"name": name})
        by_file[name] = row
    return by_file


def _csv_rows(text: str) -> list[Fields]:
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        return [_from_columns(row) for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise ArchiveError(_("Il foglio CSV non è leggibile: %(error)s") % {"error": error}) from None


def _from_columns(row: dict[str | None, str | list[str] | None]) -> Fields:
    """A CSV row as metadata: empty cells left out, numbered subject columns gathered in a list."""
    fields: Fields = {}
    subjects: dict[int, dict[str, str]] = {}
    for column, value in row.items():
        if column is None or not isinstance(value, str):
            raise ArchiveError(_("Una riga del foglio CSV ha più celle dell'intestazione."))
        column, value = column.strip().lower(), value.strip()
        subject = SUBJECT_COLUMN.match(column)
        if value and subject:
            subjects.setdefault(int(subject[1]), {})[subject[2]] = value
        elif value:
            fields[column] = value
    if subjects:
        fields["soggetti"] = [subjects[number] for number in sorted(subjects)]
    return fields


def _json_rows(text: str) -> list[Fields]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise ArchiveError(_("Il foglio JSON è annidato troppo in profondità.")) from None
    except ValueError as error:
        raise ArchiveError(_("Il foglio JSON non è leggibile: %(error)s") % {"error": error}) from None
    rows = data.get("documenti") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ArchiveError(_("Il foglio JSON dev'essere un elenco di oggetti, uno per file."))
    return rows
