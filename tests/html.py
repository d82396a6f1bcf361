"""Reads a rendered page the way the tests need: an element's classes and text by its id."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ById(HTMLParser):
    def __init__(self, wanted: str):
        super().__init__()
        self.wanted, self.depth, self.classes, self.parts, self.found = wanted, 0, "", [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            if tag not in VOID:
                self.depth += 1
        elif attrs.get("id") == self.wanted:
            self.found, self.classes = True, attrs.get("class") or ""
            self.depth = 0 if tag in VOID else 1

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def element(page: str | bytes, element_id: str) -> tuple[set[str], str]:
    """The classes and the whitespace-folded text of the element with that id."""
    parser = _ById(element_id)
    parser.feed(page.decode() if isinstance(page, bytes) else page)
    assert parser.found, f"no element with id {element_id!r}"
    return set(parser.classes.split()), " ".join("".join(parser.parts).split())
