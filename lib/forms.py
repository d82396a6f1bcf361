"""The rule every form a person posts shares: typed text holds no control characters (lib/text.py)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib import text

SINGLE_LINE_MESSAGE = _("Il campo contiene caratteri non ammessi (a capo o caratteri di controllo).")
MULTILINE_MESSAGE = _("Il testo contiene caratteri di controllo non ammessi.")


def refuse_control_characters(value: object) -> None:
    """For a one-line field: no line break, tab or other control character."""
    if isinstance(value, str) and not text.is_plain(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control_characters")


def refuse_control_characters_but_line_breaks(value: object) -> None:
    """For a text area: line breaks and tabs are the person's, other control characters are not."""
    if isinstance(value, str) and not text.is_plain(value, multiline=True):
        raise ValidationError(MULTILINE_MESSAGE, code="control_characters")


class PlainTextMixin:
    """Put first among a form's bases: every text field of the form refuses control characters,
    a text area's keeping its line breaks. Passwords are left as typed: they are only hashed."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            add_plain_text_rule(field)


def add_plain_text_rule(field: forms.Field) -> None:
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
        return
    if isinstance(field.widget, forms.Textarea):
        validator = refuse_control_characters_but_line_breaks
    else:
        validator = refuse_control_characters
    if validator not in field.validators:
        field.validators.append(validator)
