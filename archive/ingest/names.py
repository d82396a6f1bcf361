"""File names as the archive keeps them: NFC, printable, and never a way out of a folder."""

import re
import unicodedata

from django.utils.translation import gettext as _

from archive.errors import ArchiveError

MAX_LENGTH = 255
# Control, format (bidirectional overrides, zero-width), surrogate, private-use and unassigned
# characters, and the line and paragraph separators: none belongs in a name a person reads.
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
DRIVE = re.compile(r"^[A-Za-z]:")


def clean_name(raw: str, *, folders: bool = False) -> str:
    """The name in NFC, or a refusal. `folders`: a ZIP entry's path ("2025/fattura.xml") is allowed."""
    name = unicodedata.normalize("NFC", raw)
    if not name.strip():
        raise ArchiveError(_("Un file non ha nome."))
    if len(name) > MAX_LENGTH:
        raise ArchiveError(_("Il nome del file supera %(max)d caratteri.") % {"max": MAX_LENGTH})
    if any(unicodedata.category(character) in INVISIBLE for character in name):
        raise ArchiveError(_("Il nome del file contiene caratteri di controllo o invisibili."))
    parts = name.split("/")
    unsafe = "\\" in name or name.startswith("/") or DRIVE.match(name) or any(part in ("", ".", "..") for part in parts)
    if unsafe or (len(parts) > 1 and not folders):
        raise ArchiveError(
            _("Il nome del file contiene un percorso non ammesso (cartelle, «..» o un percorso assoluto).")
        )
    return name


def extension(name: str) -> str:
    """The last suffix, lower case, without the dot: "fattura.XML.p7m" -> "p7m"."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.lstrip(".") else ""


def without_extension(name: str) -> str:
    return name[: -len(extension(name)) - 1] if extension(name) else name


def visible(raw: str) -> str:
    """A refused name or value as it can be shown: each invisible character written as its code point."""
    return "".join(
        f"<U+{ord(character):04X}>" if unicodedata.category(character) in INVISIBLE else character for character in raw
    )[:MAX_LENGTH]
