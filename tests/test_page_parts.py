"""The parts that make pages cheaper: {% fixed %} and lib.urls.link."""

import uuid

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from lib.urls import link


def test_a_link_is_what_reverse_gives():
    public_id = uuid.uuid4()
    assert link("orders:detail", "2026-000123") == reverse("orders:detail", args=["2026-000123"])
    assert link("billing:pdf", public_id) == reverse("billing:pdf", args=[public_id])
    two = (uuid.uuid4(), uuid.uuid4())
    assert link("panel:document", *two) == reverse("panel:document", args=two)
    # A value that needs quoting goes through reverse() itself.
    assert link("orders:detail", "a b+è") == reverse("orders:detail", args=["a b+è"])


def test_a_link_follows_the_script_prefix(settings):
    from django.urls import set_script_prefix

    set_script_prefix("/conserva/")
    try:
        assert link("orders:detail", "N1") == "/conserva/ordini/N1/" == reverse("orders:detail", args=["N1"])
    finally:
        set_script_prefix("/")
    assert link("orders:detail", "N1") == "/ordini/N1/"


def fixed_template():
    return engines["django"].from_string(
        '{% load i18n conserva_tags %}{% fixed %}{% translate "Ordini" %} {{ who }}{% endfixed %}|{{ who }}'
    )


def test_a_fixed_part_is_rendered_once_per_language():
    template = fixed_template()
    with translation.override("it"):
        assert template.render({"who": "primo"}) == "Ordini primo|primo"
        # The part was kept: what the context says now does not reach it (hence: nothing per request inside).
        assert template.render({"who": "secondo"}) == "Ordini primo|secondo"
    with translation.override("en"):
        assert template.render({"who": "terzo"}) == "Orders terzo|terzo"


@pytest.mark.django_db
def test_a_changed_setting_renders_it_again(settings):
    template = fixed_template()
    with translation.override("it"):
        template.render({"who": "primo"})
        settings.CONTACTS = []
        assert template.render({"who": "secondo"}) == "Ordini secondo|secondo"
