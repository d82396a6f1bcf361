"""Provider settings that could not make a valid FatturaPA stop the start with what to change."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from billing.checks import invoice_settings


def problems() -> set[str]:
    return {error.id for error in invoice_settings(None)}


def issuer(settings, **changes):
    settings.INVOICE_ISSUER = settings.INVOICE_ISSUER | changes


def test_the_default_settings_make_valid_invoices():
    assert invoice_settings(None) == []


def test_manage_py_check_fails_on_a_vat_rate_of_zero_without_a_natura(settings):
    settings.VAT_RATE = Decimal("0")
    with pytest.raises(SystemCheckError, match="CONSERVA_INVOICE_ZERO_VAT_NATURA"):
        call_command("check")
    issuer(settings, zero_vat_natura="N2.2", zero_vat_note="Operazione in franchigia")
    assert problems() == set()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"tax_regime": "RF19"}, "billing.E004"),  # the flat-rate regime: stamp duty on each invoice
        ({"tax_regime": "RF03"}, "billing.E005"),
        ({"vat_number": "12345678901"}, "billing.E006"),
        ({"tax_code": "abc"}, "billing.E007"),
        ({"name": "S" * 81}, "billing.E008"),
        ({"postcode": "5210"}, "billing.E009"),
        ({"rea_office": "Arezzo"}, "billing.E011"),
        ({"share_capital": "10.000,00"}, "billing.E013"),
        ({"liquidation_status": "no"}, "billing.E015"),
    ],
)
def test_it_refuses_what_sdi_would(settings, changes, problem):
    issuer(settings, **changes)
    assert problems() == {problem}


def test_an_iban_with_spaces_is_normalised_and_a_wrong_one_refused(settings, monkeypatch):
    import importlib

    from conserva import settings as module

    monkeypatch.setenv("CONSERVA_BANK_IBAN", "it60 x054 2811 1010 0000 0123 456")
    assert importlib.reload(module).BANK_IBAN == "IT60X0542811101000000123456"
    monkeypatch.delenv("CONSERVA_BANK_IBAN")
    importlib.reload(module)
    settings.BANK_IBAN = "IT60X0542811101000000123457"
    assert problems() == {"billing.E016"}
