import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from audit import actors, trail
from audit.admin import AuditEntryInline
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(rossi):
    return trail.record(
        rossi,
        AuditEntry.Action.INVOICE_ISSUED,
        actor=actors.SYSTEM,
        total=Decimal("353.80"),
        expires_on=datetime.date(2027, 3, 10),
        auto_renew=True,
    )


def test_it_lists_the_entries_in_words(admin_client, entry):
    page = admin_client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert '<td class="field-action">fattura emessa</td>' in page
    assert '<td class="field-actor_label">sistema</td>' in page
    assert "auto_renew: sì · expires_on: 10/03/2027 · total: 353,80" in page


def test_it_lists_the_entries_in_english(admin_client, entry):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 200
    assert "auto_renew: yes · expires_on: 03/10/2027 · total: 353.80" in response.content.decode()


def test_it_shows_one_entry_in_words(admin_client, entry):
    page = admin_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
    assert "fattura emessa" in page and "total: 353,80" in page


def test_it_offers_no_way_to_change_or_delete_an_entry(admin_client, entry):
    response = admin_client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_its_inline_shows_the_trail_of_an_object_in_words(rf, admin_user, rossi, entry):
    class CustomerAdmin(admin.ModelAdmin):
        inlines = [AuditEntryInline]

    request = rf.get("/")
    request.user = admin_user
    response = CustomerAdmin(type(rossi), admin.AdminSite()).change_view(request, str(rossi.pk))
    page = response.render().content.decode()
    assert "fattura emessa" in page and "sistema" in page
    assert "auto_renew: sì · expires_on: 10/03/2027 · total: 353,80" in page


def test_an_orders_trail_names_its_states_fields_and_choices_in_words(admin_client, rossi, plan, today):
    from orders.services import order_place_first_purchase

    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "ATTESA PAGAMENTO" in page and "ATTESA_PAGAMENTO" not in page
    assert "tipo: Primo Acquisto · totale: 353,80" in page

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "AWAITING PAYMENT" in page and "type: First purchase · total: 353.80" in page


def test_an_operators_edit_of_a_price_or_a_permission_is_in_the_trail(admin_client, admin_user, plan, rossi):
    url = reverse("admin:catalog_plan_change", args=[plan.pk])
    data = {
        "code": plan.code,
        "name": plan.name,
        "description": "",
        "storage_gb": plan.storage_gb,
        "term_months": plan.term_months,
        "price_net": "310.00",
        "is_active": "on",
        "position": 0,
    }
    admin_client.post(url, data)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORD_CHANGED_IN_ADMIN)
    assert entry.values() == {"price_net": Decimal("310.00")} and entry.actor == admin_user
