"""Fiscal identifiers and the limits of FatturaPA, checked where they are typed.

Italian ones with their check digits (python-stdnum), VAT numbers of the other EU member states
too; a tax identifier of a country outside the EU is only tidied.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as ValidationError_
from stdnum.it import codicefiscale, iva

# ISO codes (Greece is GR here, EL in its VAT numbers).
EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
# The longest text FatturaPA takes in each field (Denominazione, Nome, Cognome, Indirizzo, Comune).
NAME_MAX, PERSON_NAME_MAX, ADDRESS_MAX, CITY_MAX = 80, 60, 60, 60

SDI_CODE = re.compile(r"^[A-Z0-9]{7}$")
OFFICE_CODE = re.compile(r"^[A-Z0-9]{6}$")
# Seven zeros: "no code", the invoice goes to the PEC or to the customer's tax drawer.
NO_SDI_CODE = "0000000"
POSTCODE = re.compile(r"^\d{5}$")
FOREIGN_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,11}$")
PROVINCE = re.compile(r"^[A-Z]{2}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
FOREIGN_TAX_ID = re.compile(r"^[A-Z0-9]{2,28}$")
CIG = re.compile(r"^[A-Z0-9]{10}$")
CUP = re.compile(r"^[A-Z0-9]{15}$")


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


def clean_personal_tax_code(value: str) -> str:
    value = clean_tax_code(value)
    if len(value) != 16:
        raise ValidationError(_("Il codice fiscale di una persona ha 16 caratteri."))
    return value


def clean_numeric_tax_code(value: str) -> str:
    """A public administration's: 11 digits."""
    value = clean_tax_code(value)
    if value and len(value) != 11:
        raise ValidationError(_("Il codice fiscale di un ente pubblico ha 11 cifre."))
    return value


def clean_eu_vat_number(value: str, country: str) -> str:
    """Another member state's VAT number, kept without its country prefix (Greece's is EL)."""
    prefix = "EL" if country == "GR" else country
    value = re.sub(r"[\s.\-/]", "", value).upper().removeprefix(prefix)
    if not value:
        return ""
    try:
        eu_vat.validate(prefix + value)
    except ValidationError_:
        raise ValidationError(
            _("Il numero di partita IVA non è valido per %(country)s: controlla le cifre.") % {"country": country}
        ) from None
    return value


def clean_foreign_tax_id(value: str) -> str:
    """Outside the EU there is no one format: letters and digits, without spaces, dots or dashes."""
    value = re.sub(r"[\s.\-/]", "", value).upper()
    if value and not FOREIGN_TAX_ID.match(value):
        raise ValidationError(_("Il codice fiscale estero ha da 2 a 28 lettere o cifre."))
    return value


def clean_sdi_code(value: str) -> str:
    """Seven characters; seven zeros mean none (the PEC, or the tax drawer, receives)."""
    value = value.strip().upper()
    if value and not SDI_CODE.match(value):
        raise ValidationError(_("Il codice destinatario SDI ha 7 caratteri, lettere e cifre."))
    return "" if value == NO_SDI_CODE else value


def clean_office_code(value: str) -> str:
    """A public administration's office code (codice univoco ufficio, from IPA): six characters."""
    value = value.strip().upper()
    if not OFFICE_CODE.match(value):
        raise ValidationError(_("Il codice univoco ufficio della pubblica amministrazione ha 6 caratteri."))
    return value


def clean_postcode(value: str) -> str:
    value = value.strip()
    if not POSTCODE.match(value):
        raise ValidationError(_("Il CAP ha 5 cifre."))
    return value


def clean_foreign_postcode(value: str) -> str:
    value = " ".join(value.split()).upper()
    if not FOREIGN_POSTCODE.match(value):
        raise ValidationError(_("Il codice postale ha al massimo 12 lettere o cifre."))
    return value


def clean_country(value: str) -> str:
    value = value.strip().upper()
    if not COUNTRY.match(value):
        raise ValidationError(_("Indica la nazione con il codice ISO di due lettere (es. IT, DE, FR, CH)."))
    return value


def clean_cig(value: str) -> str:
    value = value.strip().upper()
    if value and not CIG.match(value):
        raise ValidationError(_("Il CIG ha 10 caratteri, lettere e cifre."))
    return value


def clean_cup(value: str) -> str:
    value = value.strip().upper()
    if value and not CUP.match(value):
        raise ValidationError(_("Il CUP ha 15 caratteri, lettere e cifre."))
    return value


def clean_province(value: str) -> str:
    value = value.strip().upper()
    if not PROVINCE.match(value):
        raise ValidationError(_("Indica la sigla della provincia, due lettere (es. AR)."))
    return value
