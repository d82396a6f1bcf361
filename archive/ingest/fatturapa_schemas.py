"""The official XSD of each FatturaPA version (archive/schemas/fatturapa), checked while the file
streams in, with memory that stays small whatever the file's size.

libxml2 validates as it parses, but keeps the whole text of a simple-typed element to check it: a
200 MB base64 `Attachment` would be held twice (the parser's text node and the validator's value).
So the validator reads the file with each attachment's base64 cut down (`AttachmentElider`) in a way
that keeps its verdict: only whole groups of four base64 letters are dropped, never the last group,
so length, padding and the last letter before `=` are what the file says. Line numbers are mapped
back to the file's own.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "fatturapa"
XMLDSIG = "xmldsig-core-schema.xsd"
NAMESPACE_1_2 = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
NAMESPACE_SIMPLIFIED = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.0"
NAMESPACE_1_1 = "http://www.fatturapa.gov.it/sdi/fatturapa/v1.1"
ORDINARY_ROOT, SIMPLIFIED_ROOT = "FatturaElettronica", "FatturaElettronicaSemplificata"
# (namespace, root) -> XSD. Every 1.2.x file has the same namespace and versione (FPA12/FPR12): each
# version only adds values to the one before, so the newest validates them all (1.2 of 2014 also
# allowed RF03, since removed). 1.2.3 is derived from 1.2.2 (archive/schemas/fatturapa/SOURCES.md).
SCHEMA_FILES = {
    (NAMESPACE_1_2, ORDINARY_ROOT): "Schema_del_file_xml_FatturaPA_v1.2.3_derivato.xsd",
    (NAMESPACE_SIMPLIFIED, SIMPLIFIED_ROOT): "Schema_VFSM10.xsd",
    (NAMESPACE_1_1, ORDINARY_ROOT): "FatturaPA_v1.1.xsd",
}
SAFE: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
ERRORS_KEPT = 5
# Small pieces tie each schema error to the element it names (libxml2 gives no line when it
# validates as it parses) and keep the events of one feed few.
CHECK_PIECE = 8 * 1024


class _LocalSchemas(etree.Resolver):  # type: ignore[misc]  # lxml is untyped here
    def resolve(self, url: str | None, pubid: str | None, context: object) -> Any:
        # The imports name xmldsig by its W3C address or by a bare file name: both mean the copy here.
        if url and url.rsplit("/", 1)[-1] == XMLDSIG:
            return self.resolve_filename(str(SCHEMAS / XMLDSIG), context)
        return None


@functools.cache
def schema(file_name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / file_name), parser))


def drop_read(element: etree._Element) -> None:
    """Frees an element once its end is read, with the siblings before it."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


ATTACHMENT_OR_SKIPPED = re.compile(rb"<Attachment[ \t\r\n]{0,8}>|<!\[CDATA\[|<!--|<\?")
MARK_LONGEST = len(b"<Attachment>") + 8
SKIPPED_UNTIL = {b"<![CDATA[": b"]]>", b"<!--": b"-->", b"<?": b"?>"}
BASE64_RUN = re.compile(rb"[A-Za-z0-9+/ \t\r\n]*")


class AttachmentElider:
    """Passes the bytes on, each `<Attachment>`'s base64 cut to the last group of four letters
    before each byte that is not a letter (`=` padding, a stray character) and before its end.

    Only letters and white space are dropped. A `<` ends the cut (`</Attachment>`, or a comment the
    scan then passes whole), and so does `&`: a character reference is left for the validator to
    read as written. CDATA sections, comments and processing instructions are passed whole, so an
    `<Attachment>` written inside one is left alone. The line breaks dropped are counted, to give
    the file's own line numbers back (`original_line`).
    """

    def __init__(self) -> None:
        self._held = b""  # the end of the last chunk, which may be the start of a mark
        self._until: bytes | None = None  # the end of the CDATA section, comment or instruction being passed
        self._in_attachment = False
        self._letters = b""  # the base64 letters kept: the last group, 1 to 4 of them
        self._line_breaks = 0
        self._line = 1  # the line the next byte passed on starts
        self._shifts: list[tuple[int, int]] = []  # (first line after a cut, line breaks it took away)

    def feed(self, chunk: bytes) -> bytes:
        data, self._held = self._held + chunk, b""
        passed: list[bytes] = []
        position = 0
        while position < len(data):
            if self._in_attachment:
                position = self._cut(data, position, passed)
            elif self._until is not None:
                position = self._skip(data, position, passed)
            else:
                position = self._find_mark(data, position, passed)
        return b"".join(passed)

    def close(self) -> bytes:
        passed: list[bytes] = []
        if self._in_attachment:
            self._flush(passed)
        self._pass(passed, self._held)
        self._held = b""
        return b"".join(passed)

    def original_line(self, line: int) -> int:
        return line + sum(taken for first, taken in self._shifts if line >= first)

    def _find_mark(self, data: bytes, position: int, passed: list[bytes]) -> int:
        mark = ATTACHMENT_OR_SKIPPED.search(data, position)
        if mark is None:
            start = data.rfind(b"<", max(position, len(data) - MARK_LONGEST))
            end = len(data) if start < 0 else start
            self._pass(passed, data[position:end])
            self._held = data[end:]
            return len(data)
        self._pass(passed, data[position : mark.end()])
        self._until = SKIPPED_UNTIL.get(mark.group())
        self._in_attachment = self._until is None
        return mark.end()

    def _skip(self, data: bytes, position: int, passed: list[bytes]) -> int:
        until = self._until or b""
        end = data.find(until, position)
        if end < 0:
            keep = min(len(until) - 1, len(data) - position)
            self._pass(passed, data[position : len(data) - keep])
            self._held = data[len(data) - keep :]
            return len(data)
        self._until = None
        self._pass(passed, data[position : end + len(until)])
        return end + len(until)

    def _cut(self, data: bytes, position: int, passed: list[bytes]) -> int:
        run = BASE64_RUN.match(data, position)
        end = run.end() if run else position
        piece = data[position:end]
        self._line_breaks += piece.count(b"\n")
        letters = self._letters + piece.translate(None, b" \t\r\n")
        kept = len(letters) % 4 or min(4, len(letters))
        self._letters = letters[len(letters) - kept :]
        if end == len(data):
            return end
        self._flush(passed)
        byte = data[end : end + 1]
        if byte in (b"<", b"&"):
            self._in_attachment = False
            return end
        self._pass(passed, byte)
        return end + 1

    def _flush(self, passed: list[bytes]) -> None:
        if self._line_breaks:
            # One line break stands for all: the lines after it are this many lines further on in the file.
            self._shifts.append((self._line + 1, self._line_breaks - 1))
        self._pass(passed, (b"\n" if self._line_breaks else b"") + self._letters)
        self._letters, self._line_breaks = b"", 0

    def _pass(self, passed: list[bytes], data: bytes) -> None:
        self._line += data.count(b"\n")
        passed.append(data)


ELEMENT_NAMED = re.compile(r"^Element '(?:\{[^}]*\})?(?:[^':]+:)?([^']+)'")
NAMESPACE_IN_MESSAGE = re.compile(r"\{[^}]*\}")
MESSAGE_MAX = 300


class SchemaCheck:
    """Validates the (elided) bytes as they come; keeps the first few errors, then stops."""

    def __init__(self, xsd: etree.XMLSchema, original_line: Callable[[int], int]) -> None:
        self._parser: etree.XMLPullParser | None = etree.XMLPullParser(events=("end",), schema=xsd, **SAFE)
        self._original_line = original_line
        self._errors: list[str] = []
        self._seen = 0
        self._line = 1

    def feed(self, data: bytes) -> None:
        for start in range(0, len(data), CHECK_PIECE):
            if self._parser is None:
                return
            try:
                self._parser.feed(data[start : start + CHECK_PIECE])
            except etree.XMLSyntaxError as error:
                # The reader, fed first, judges well-formedness: what stops the validator is the schema's.
                self._errors.append(self._line_text(self._line, str(error)))
                self._parser = None
                return
            self._note(self._read())

    def close(self) -> tuple[str, ...]:
        if self._parser is not None:
            with contextlib.suppress(etree.XMLSyntaxError):  # its schema errors are in the log, read next
                self._parser.close()
            self._note(self._read())
        return tuple(self._errors[:ERRORS_KEPT])

    def _read(self) -> list[tuple[str, int]]:
        """The elements ended in the last piece, as (tag, line)."""
        read = []
        for _event, element in self._parser.read_events() if self._parser is not None else ():
            read.append((element.tag, element.sourceline or 0))
            drop_read(element)
        return read

    def _note(self, read: list[tuple[str, int]]) -> None:
        if self._parser is None:
            return
        log = self._parser.feed_error_log
        after = 0
        for entry in list(log)[self._seen :]:
            if entry.domain == etree.ErrorDomains.SCHEMASV:
                line, after = self._line_named(entry.message, read, after)
                self._errors.append(self._line_text(line, entry.message))
        self._seen = len(log)
        if read:
            self._line = read[-1][1]
        if len(self._errors) >= ERRORS_KEPT:
            self._parser = None  # enough is known; an invalid file must not fill memory with its errors

    def _line_named(self, message: str, read: list[tuple[str, int]], after: int) -> tuple[int, int]:
        """The line of the element the message names, the first of that name after the one the
        previous message named (a piece may hold several); failing that, of the last one read."""
        named = ELEMENT_NAMED.match(message)
        name = named.group(1) if named else None
        for index in range(after, len(read)):
            tag, line = read[index]
            if tag.rpartition("}")[2] == name:
                return line, index + 1
        return (read[-1][1] if read else self._line), after

    def _line_text(self, line: int, message: str) -> str:
        text = NAMESPACE_IN_MESSAGE.sub("", message).strip()
        if len(text) > MESSAGE_MAX:
            text = text[: MESSAGE_MAX - 1] + "…"  # a value quoted whole can be megabytes long
        return f"riga {self._original_line(line)}: {text}"
