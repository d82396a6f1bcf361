"""Each operator role tries each admin action and custom admin page: the table says which it may take,
which it may only read and which it is refused (a 403, or the action not offered)."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import Customer, User
from archive.models import DocumentClass
from audit.actors import SYSTEM
from billing.models import Invoice
from catalog.models import Plan
from orders.models import Order
from orders.services import order_cancel, order_place_first_purchase
from payments.models import Payment, PaymentIssue
from payments.transfers import transfer_register
from subscriptions.models import Service
from subscriptions.services import service_expire
from support.models import AssistanceRequest
from tests import cast

pytestmark = pytest.mark.django_db

SUPPORT, ACCOUNTING, ADMINISTRATION = "Assistenza", "Contabilità", "Amministrazione"
ROLES = [SUPPORT, ACCOUNTING, ADMINISTRATION]
DONE, READ_ONLY, REFUSED = "done", "read-only", "refused"


def sign_in(client, role: str) -> User:
    """A staff user in just that group, signed in to the admin as operators are (second factor included)."""
    user = User.objects.create_user(email=f"{role.lower()}@conserva.example", password=cast.PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    cast.verified_operator_login(client, user)
    return user


# The change forms, filled in as a browser would from the page, then changed and posted.


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_form, self.fields, self.select, self.textarea = False, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self.in_form = True
        if not self.in_form or not attrs.get("name") and tag != "option":
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in {"submit", "button", "file"}:
            if kind not in {"checkbox", "radio"} or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields.append((self.textarea, ""))  # the text comes in handle_data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data if text else data.removeprefix("\n")))  # as browsers read it


def change(client, url: str, **changes) -> str:
    """Opens an admin change page and saves it with `changes`: DONE, READ_ONLY (no form to save) or
    REFUSED (a 403). Whether the change was kept is for the caller to look at."""
    page = client.get(url)
    if page.status_code == 403:
        return REFUSED
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.content.decode())
    if not page.context["has_change_permission"]:
        assert client.post(url, _data(parser.fields, changes)).status_code == 403
        return READ_ONLY
    response = client.post(url, _data(parser.fields, changes))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return DONE


def _data(fields: list[tuple[str, str]], changes: dict) -> dict:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data | {name: value if isinstance(value, list) else [value] for name, value in changes.items()}


def action(client, model: str, name: str, objects, **fields):
    """Runs an admin action on `objects` from the change list; None when the list is refused (403)."""
    url = reverse(f"admin:{model}_changelist")
    page = client.get(url)
    if page.status_code == 403:
        return None
    response = client.post(url, {"action": name, "_selected_action": [obj.pk for obj in objects], **fields})
    offered = f'value="{name}"' in page.content.decode()
    return offered, response


def paid_invoice(customer, plan) -> Invoice:
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
    return transfer_register(order=order, operator=SYSTEM).invoice


def outcome(tried, happened) -> str:
    if tried is None:
        return REFUSED
    offered, _response = tried
    done = happened()
    assert offered == done  # an action not offered does nothing when posted anyway
    return DONE if done else REFUSED


# The cases, each tried from a signed-in client.


def change_a_customer(client, rossi, plan):
    result = change(client, reverse("admin:accounts_customer_change", args=[rossi.pk]), city="Siena")
    assert (Customer.objects.get(pk=rossi.pk).city == "Siena") == (result == DONE)
    return result


def close_an_assistance_request(client, rossi, plan):
    request = AssistanceRequest.objects.create(customer=rossi, subject="Fattura", message="Dov'è?")
    result = change(client, reverse("admin:support_assistancerequest_change", args=[request.pk]), status="CHIUSA")
    request.refresh_from_db()
    assert (request.status == AssistanceRequest.Status.CLOSED) == (result == DONE)
    return result


def register_a_transfer(client, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    details = {"confirm": "yes", "booked_on": "10/03/2026", "amount": "353,80", "reference": "CRO-1"}
    tried = action(client, "orders_order", "register_transfer", [order], **details)
    return outcome(tried, lambda: Payment.objects.filter(order=order).exists())


def cancel_an_order(client, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    tried = action(client, "orders_order", "cancel", [order])
    return outcome(tried, lambda: Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED)


def cease_a_service(client, rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=datetime.date(2025, 3, 1))
    service_expire(service_id=service.pk, today=datetime.date(2026, 3, 2), actor=SYSTEM)
    tried = action(client, "subscriptions_service", "cease", [service], confirm="yes")
    return outcome(tried, lambda: Service.objects.get(pk=service.pk).status == Service.Status.CEASED)


def download_an_invoice(client, rossi, plan):
    invoice = paid_invoice(rossi, plan)
    tried = action(client, "billing_invoice", "download_xml", [invoice])
    return outcome(tried, lambda: tried[1]["Content-Type"] == "application/xml")


def issue_a_credit_note(client, rossi, plan):
    invoice = paid_invoice(rossi, plan)
    tried = action(client, "billing_invoice", "refund", [invoice], confirm="yes", reason="Recesso")
    return outcome(tried, lambda: Invoice.objects.filter(corrects=invoice).exists())


def import_a_bank_statement(client, rossi, plan):
    url = reverse("admin:payments_bankstatement_import")
    response = client.get(url)
    if response.status_code == 403:
        listed = client.get(reverse("admin:payments_bankstatement_changelist")).content.decode()
        assert url not in listed
        return REFUSED
    assert "Estratto conto camt.053" in response.content.decode()
    assert url in client.get(reverse("admin:payments_bankstatement_changelist")).content.decode()
    return DONE


def resolve_a_payment_issue(client, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_cancel(order_id=order.pk, actor=rossi.user)
    issue = transfer_register(order=order, operator=SYSTEM).issue  # money for a cancelled order: a credit
    url = reverse("admin:payments_paymentissue_change", args=[issue.pk])
    result = change(client, url, resolution="Rimborsato al cliente")
    assert (not PaymentIssue.objects.get(pk=issue.pk).is_open) == (result == DONE)
    return result


def change_a_plans_price(client, rossi, plan):
    result = change(client, reverse("admin:catalog_plan_change", args=[plan.pk]), price_net="300.00")
    assert (str(Plan.objects.get(pk=plan.pk).price_net) == "300.00") == (result == DONE)
    return result


def change_a_document_class(client, rossi, plan):
    document_class = DocumentClass.objects.first()
    url = reverse("admin:archive_documentclass_change", args=[document_class.pk])
    result = change(client, url, retention_years="11")
    assert (DocumentClass.objects.get(pk=document_class.pk).retention_years == 11) == (result == DONE)
    return result


def give_an_operator_a_role(client, rossi, plan):
    colleague = User.objects.create_user(email="collega@conserva.example", password=cast.PASSWORD)
    role = Group.objects.get(name=ACCOUNTING)
    url = reverse("admin:accounts_user_change", args=[colleague.pk])
    result = change(client, url, is_staff="on", groups=[str(role.pk)])
    colleague.refresh_from_db()
    assert (colleague.is_staff and colleague.groups.filter(pk=role.pk).exists()) == (result == DONE)
    return result


def change_what_a_role_may_do(client, rossi, plan):
    role = Group.objects.get(name=SUPPORT)
    permission = Permission.objects.get(codename="issue_credit_note")
    current = [str(pk) for pk in role.permissions.values_list("pk", flat=True)]
    result = change(client, reverse("admin:auth_group_change", args=[role.pk]), permissions=[*current, permission.pk])
    assert role.permissions.filter(pk=permission.pk).exists() == (result == DONE)
    return result


#                                         Assistenza  Contabilità  Amministrazione
CASES = {
    change_a_customer: (DONE, READ_ONLY, DONE),
    close_an_assistance_request: (DONE, REFUSED, DONE),
    register_a_transfer: (REFUSED, DONE, DONE),
    cancel_an_order: (REFUSED, DONE, DONE),
    cease_a_service: (REFUSED, REFUSED, DONE),
    download_an_invoice: (REFUSED, DONE, DONE),
    issue_a_credit_note: (REFUSED, DONE, DONE),
    import_a_bank_statement: (REFUSED, DONE, DONE),
    resolve_a_payment_issue: (REFUSED, DONE, DONE),
    change_a_plans_price: (READ_ONLY, READ_ONLY, DONE),
    change_a_document_class: (REFUSED, REFUSED, DONE),
    give_an_operator_a_role: (REFUSED, REFUSED, DONE),
    change_what_a_role_may_do: (REFUSED, REFUSED, DONE),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_each_role_takes_only_its_own_actions(client, rossi, plan, today, role, case):
    sign_in(client, role)
    assert case(client, rossi, plan) == CASES[case][ROLES.index(role)]


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (SUPPORT, "admin:orders_order_change"),
        (SUPPORT, "admin:subscriptions_service_change"),
        (ACCOUNTING, "admin:subscriptions_service_change"),
    ],
)
def test_orders_and_services_are_read_only_where_the_role_only_reads_them(client, rossi, plan, today, role, page):
    sign_in(client, role)
    service = cast.active_service(rossi, plan, activated_on=today)
    obj = service if "service" in page else service.orders.get()
    response = client.get(reverse(page, args=[obj.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]


def test_an_operator_without_a_role_sees_nothing(client, rossi, plan, today):
    user = User.objects.create_user(email="nuovo@conserva.example", password=cast.PASSWORD, is_staff=True)
    cast.verified_operator_login(client, user)
    assert client.get(reverse("admin:index")).context["app_list"] == []
    assert client.get(reverse("admin:orders_order_changelist")).status_code == 403


def test_administrators_hold_every_permission():
    """A later model's permissions must reach Amministrazione through its app's migration; those of
    django-otp's devices (secrets, codes that sign anyone in) never do."""
    otp = Permission.objects.filter(content_type__app_label__in=["otp_totp", "otp_static"])
    assert otp.exists()
    held = set(Group.objects.get(name=ADMINISTRATION).permissions.all())
    assert held == set(Permission.objects.exclude(pk__in=otp))
    assert not held & set(otp)


def test_only_a_superuser_makes_or_changes_a_superuser(client, admin_user, today):
    administrator = sign_in(client, ADMINISTRATION)
    assert change(client, reverse("admin:accounts_user_change", args=[admin_user.pk]), is_active="") == READ_ONLY
    password = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    assert client.post(password, {"password1": "x-nuova-123!", "password2": "x-nuova-123!"}).status_code == 403

    url = reverse("admin:accounts_user_change", args=[administrator.pk])
    assert change(client, url, is_superuser="on") == DONE  # saved, without the read-only flag
    administrator.refresh_from_db()
    assert not administrator.is_superuser and admin_user.is_active


def test_nobody_hands_a_customer_over_to_another_user_from_the_customer_page(client, rossi, bianchi, today):
    sign_in(client, SUPPORT)
    url = reverse("admin:accounts_customer_change", args=[rossi.pk])

    assert change(client, url, user=str(bianchi.user.pk), city="Siena") == DONE

    rossi.refresh_from_db()
    assert rossi.user_id != bianchi.user.pk and rossi.city == "Siena"
    assert 'name="user"' not in client.get(url).content.decode()
