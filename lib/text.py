"""What a typed text may hold: no control characters.

A name, a subject or a phone number is one line: it goes into invoices (FatturaPA XML refuses
control characters), mail headers (a CR/LF there makes the mail unsendable) and PDFs. A message
typed in a text area may keep its line breaks and tabs, and nothing else of the kind.
"""

import re

# Unicode's control characters (category Cc: U+0000–U+001F and U+007F–U+009F, NEL among them) and
# lone surrogates (Cs, not text at all).
_CONTROLS = "\x00-\x1f\x7f-\x9f\ud800-\udfff"
# Invisible characters that change how the text around them reads: the line and paragraph
# separators (a new line in all but name) and the bidirectional embeddings, overrides and isolates
# (text shown in another order than it is stored). Joiners and variation selectors, which emoji
# and some scripts need, are not among them.
_LAYOUT = "\u2028\u2029\u202a-\u202e\u2066-\u2069"

_ONE_LINE_REFUSES = re.compile(f"[{_CONTROLS}{_LAYOUT}]")
# A text area keeps the line breaks and the tab a person types.
_TEXT_AREA_REFUSES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The characters of value that a field must refuse, in order, each once."""
    pattern = _TEXT_AREA_REFUSES if multiline else _ONE_LINE_REFUSES
    return list(dict.fromkeys(pattern.findall(value)))


def is_plain(value: str, *, multiline: bool = False) -> bool:
    pattern = _TEXT_AREA_REFUSES if multiline else _ONE_LINE_REFUSES
    return pattern.search(value) is None
