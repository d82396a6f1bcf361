"""FatturaPA's text fields take Latin-1 only: what falls outside it is brought in one character at a time."""

import unicodedata
from functools import cache

TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "€": "EUR"})
# Letters that Unicode does not decompose into a base letter and an accent.
LETTERS = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t", "Œ": "OE", "œ": "oe"}
)


def latin1(text: str) -> str:
    """Typographic marks become their plain forms and each letter outside Latin-1 loses its accent
    (NFKD), so that one "ź" does not take the accents off the rest ("Società" stays). What has no
    Latin-1 form becomes "?"; control characters, which XML cannot carry, become spaces."""
    return "".join(_latin1_char(char) for char in text.translate(TYPOGRAPHY).translate(LETTERS))


@cache
def _latin1_char(char: str) -> str:
    if unicodedata.category(char) == "Cc":
        return " "
    if ord(char) < 256:
        return char
    plain = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
    return plain if plain and all(ord(part) < 256 for part in plain) else "?"
