"""Settings that could not make a valid invoice stop the start (manage.py check, runserver, migrate)
with what to change, instead of every FatturaPA failing SDI later."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from stdnum import iban
from stdnum.it import codicefiscale, iva

NATURE = {"N1", "N2.1", "N2.2", "N3.1", "N3.2", "N3.3", "N3.4", "N3.5", "N3.6", "N4", "N5", "N7"}
NATURE |= {f"N6.{n}" for n in range(1, 10)}
REGIMES = {"RF01", "RF02"} | {f"RF{n:02d}" for n in range(4, 20)}
# Regimes without VAT whose invoices above 77.47 EUR carry a stamp duty charged to the customer.
STAMP_DUTY_REGIMES = {"RF02", "RF19"}


@register()
def invoice_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    issuer = settings.INVOICE_ISSUER
    problems = [*_vat(issuer), *_issuer(issuer), *_registration(issuer)]
    if not iban.is_valid(settings.BANK_IBAN):
        problems.append(_error(16, f"CONSERVA_BANK_IBAN {settings.BANK_IBAN!r} is not a valid IBAN (check digits)."))
    return problems


def _error(number: int, message: str) -> Error:
    return Error(message, id=f"billing.E{number:03d}")


def _vat(issuer: dict[str, str]) -> list[Error]:
    rate = Decimal(settings.VAT_RATE)
    if not 0 <= rate < 1:
        return [_error(1, f"CONSERVA_VAT_RATE is a fraction (0.22 for 22%), not {rate}.")]
    problems = []
    if rate == 0 and issuer["zero_vat_natura"] not in NATURE:
        problems.append(
            _error(
                2,
                "CONSERVA_VAT_RATE is 0: set CONSERVA_INVOICE_ZERO_VAT_NATURA to FatturaPA's Natura that says why "
                f"(one of {', '.join(sorted(NATURE))}) and CONSERVA_INVOICE_ZERO_VAT_NOTE to the legal note.",
            )
        )
    if len(issuer["zero_vat_note"]) > 100:
        problems.append(_error(3, "CONSERVA_INVOICE_ZERO_VAT_NOTE has more than 100 characters (FatturaPA's limit)."))
    regime = issuer["tax_regime"]
    if regime in STAMP_DUTY_REGIMES:
        problems.append(
            _error(
                4,
                f"CONSERVA_INVOICE_TAX_REGIME {regime} invoices without VAT and charges a stamp duty on each invoice: "
                "Conserva does not handle it. Use RF01 (ordinary regime).",
            )
        )
    elif regime not in REGIMES:
        problems.append(
            _error(5, f"CONSERVA_INVOICE_TAX_REGIME {regime!r} is not a FatturaPA regime (RF01 is the ordinary one).")
        )
    return problems


def _issuer(issuer: dict[str, str]) -> list[Error]:
    problems = []
    if not iva.is_valid(issuer["vat_number"]):
        problems.append(_error(6, f"CONSERVA_INVOICE_VAT_NUMBER {issuer['vat_number']!r} is not a valid partita IVA."))
    tax_code = issuer["tax_code"]
    if tax_code and not (iva.is_valid(tax_code) or codicefiscale.is_valid(tax_code)):
        problems.append(_error(7, f"CONSERVA_INVOICE_TAX_CODE {tax_code!r} is not a valid codice fiscale."))
    for key, variable, limit in [("name", "NAME", 80), ("address", "ADDRESS", 60), ("city", "CITY", 60)]:
        if not 0 < len(issuer[key]) <= limit:
            problems.append(
                _error(8, f"CONSERVA_INVOICE_{variable} must have 1 to {limit} characters (FatturaPA's limit).")
            )
    if not re.fullmatch(r"\d{5}", issuer["postcode"]):
        problems.append(_error(9, "CONSERVA_INVOICE_POSTCODE is an Italian CAP: 5 digits."))
    if not re.fullmatch(r"[A-Z]{2}", issuer["province"]):
        problems.append(_error(10, "CONSERVA_INVOICE_PROVINCE is a province's two capital letters (e.g. AR)."))
    return problems


def _registration(issuer: dict[str, str]) -> list[Error]:
    office, number = issuer["rea_office"], issuer["rea_number"]
    if not office and not number:
        return []
    problems = []
    if not re.fullmatch(r"[A-Z]{2}", office):
        problems.append(
            _error(11, "CONSERVA_INVOICE_REA_OFFICE is the province of the REA office: two capital letters.")
        )
    if not 0 < len(number) <= 20:
        problems.append(_error(12, "CONSERVA_INVOICE_REA_NUMBER must have 1 to 20 characters."))
    if issuer["share_capital"] and not _is_amount(issuer["share_capital"]):
        problems.append(_error(13, "CONSERVA_INVOICE_SHARE_CAPITAL is an amount in euros, such as 10000.00."))
    if issuer["sole_shareholder"] not in ("", "SU", "SM"):
        problems.append(_error(14, "CONSERVA_INVOICE_SOLE_SHAREHOLDER is SU (one shareholder), SM (several) or empty."))
    if issuer["liquidation_status"] not in ("LN", "LS"):
        problems.append(
            _error(15, "CONSERVA_INVOICE_LIQUIDATION_STATUS is LN (not in liquidation) or LS (in liquidation).")
        )
    return problems


def _is_amount(text: str) -> bool:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return value.is_finite() and value >= 0 and value == round(value, 2) and value < Decimal("1e11")
