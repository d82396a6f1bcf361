"""What ingest learned about a file that a person must know: a finding has a level, a stable code
and parameters; its message is drawn from the code in the reader's language when it is shown.

Errors refuse the package (whole); warnings are kept with the document and shown on the deposit
page, in the API's answer, in the receipt and on the document's page. Each stage registers the
messages of its codes (`register`), so a code's text lives beside the check that finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

_MESSAGES: dict[str, Promise] = {}
# What kept records speak (a receipt, an outcome, a document's type or format), whatever the
# depositor's language: the law they answer to is Italian. Messages are drawn in the reader's.
RECORD_LANGUAGE = "it"


class Level(models.TextChoices):
    WARNING = "AVVISO", gettext_lazy("avviso")
    ERROR = "ERRORE", gettext_lazy("errore")


def register(messages: Mapping[str, Promise]) -> None:
    """Adds a stage's codes and their messages (gettext_lazy, with %(name)s parameters)."""
    clashing = set(messages) & set(_MESSAGES)
    if any(_MESSAGES[code] is not messages[code] for code in clashing):
        raise ValueError(f"finding codes registered twice: {sorted(clashing)}")
    _MESSAGES.update(messages)


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in _MESSAGES:
            raise ValueError(f"unknown finding code {self.code!r}: register its message first")

    @property
    def message(self) -> str:
        """In the active language."""
        return str(_MESSAGES[self.code]) % dict(self.params)

    @property
    def is_error(self) -> bool:
        return self.level == Level.ERROR

    def as_json(self) -> dict[str, object]:
        return {"level": str(self.level), "code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Finding:
        params = data.get("params")
        return cls(Level(str(data["level"])), str(data["code"]), dict(params) if isinstance(params, Mapping) else {})


def warning(code: str, **params: object) -> Finding:
    return Finding(Level.WARNING, code, {key: str(value) for key, value in params.items()})


def error(code: str, **params: object) -> Finding:
    return Finding(Level.ERROR, code, {key: str(value) for key, value in params.items()})


def in_record_language(label: Callable[[], object]) -> str:
    """A label as records keep it: `label` draws it (a property that translates, say)."""
    with translation.override(RECORD_LANGUAGE):
        return str(label())
