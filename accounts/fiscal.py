"""Italian fiscal identifiers, checked with python-stdnum (check digits included)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as ValidationError_
from stdnum.it import codicefiscale, iva

SDI_CODE = re.compile(r"^[A-Z0-9]{7}$")
POSTCODE = re.compile(r"^\d{5}$")
PROVINCE = re.compile(r"^[A-Z]{2}$")


def clean_vat_number(value: str) -> str:
    value = iva.compact(value)
    if not value:
        return ""
    try:
        return iva.validate(value)
    except InvalidChecksum:
        raise ValidationError(_("La partita IVA non è valida: la cifra di controllo non torna.")) from None
    except InvalidLength:
        raise ValidationError(_("La partita IVA ha 11 cifre.")) from None
    except ValidationError_:
        raise ValidationError(_("La partita IVA non è valida.")) from None


def clean_tax_code(value: str) -> str:
    """A person's 16-character code or a company's 11-digit one."""
    value = codicefiscale.compact(value)
    if not value:
        return ""
    if len(value) == 11:
        try:
            return clean_vat_number(value)
        except ValidationError:
            raise ValidationError(_("Il codice fiscale numerico non è valido.")) from None
    if len(value) != 16:
        raise ValidationError(_("Il codice fiscale ha 16 caratteri (11 cifre per le società)."))
    if not codicefiscale.is_valid(value):
        raise ValidationError(_("Il codice fiscale non è valido: il carattere di controllo non torna."))
    return value


def clean_sdi_code(value: str) -> str:
    value = value.strip().upper()
    if value and not SDI_CODE.match(value):
        raise ValidationError(_("Il codice destinatario SDI ha 7 caratteri, lettere e cifre."))
    return value


def clean_postcode(value: str) -> str:
    value = value.strip()
    if not POSTCODE.match(value):
        raise ValidationError(_("Il CAP ha 5 cifre."))
    return value


def clean_province(value: str) -> str:
    value = value.strip().upper()
    if not PROVINCE.match(value):
        raise ValidationError(_("Indica la sigla della provincia, due lettere (es. AR)."))
    return value
