"""The values an audit entry keeps, stored in JSON with their type so that they read back exactly:

    Decimal("353.80")  <->  {"type": "decimal", "value": "353.80"}

Types: none, bool, int, str, decimal, date, datetime (aware, ISO 8601). A user or a SystemActor
given as a value is kept as its label, a str.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from audit.actors import Actor, actor_label

AuditValue = None | bool | int | str | Decimal | datetime.date | datetime.datetime


def _aware_iso(value: datetime.datetime) -> str:
    if value.utcoffset() is None:
        raise TypeError(f"A naive datetime is not a moment in time: {value!r}; give it a time zone.")
    return value.isoformat()


def _same(value: Any) -> Any:
    return value


# (type name, Python type, to JSON, from JSON). Order matters: a bool is an int, a datetime is a date.
_TYPES: list[tuple[str, type, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("bool", bool, _same, _same),
    ("int", int, int, _same),
    ("str", str, str, _same),
    ("decimal", Decimal, str, Decimal),
    ("datetime", datetime.datetime, _aware_iso, datetime.datetime.fromisoformat),
    ("date", datetime.date, datetime.date.isoformat, datetime.date.fromisoformat),
]
_DECODERS = {name: decode for name, _type, _encode, decode in _TYPES}


def encode(value: AuditValue | Actor) -> dict[str, Any]:
    if value is None:
        return {"type": "none", "value": None}
    if isinstance(value, Actor):
        value = actor_label(value)
    for name, python_type, to_json, _from_json in _TYPES:
        if isinstance(value, python_type):
            return {"type": name, "value": to_json(value)}
    raise TypeError(f"The audit trail cannot keep a {type(value).__name__}: {value!r}.")


def decode(item: dict[str, Any]) -> AuditValue:
    if item["type"] == "none":
        return None
    value: AuditValue = _DECODERS[item["type"]](item["value"])
    return value
