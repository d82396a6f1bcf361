"""Demo data covering every visual state of the customer area, dated from today."""

import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from reportlab.pdfgen import canvas

from accounts.models import Customer, User
from accounts.services import customer_sign_up
from api.services import api_key_create, api_key_revoke
from archive.services import deposit_submit
from audit.actors import DAILY_RUN
from billing.models import Invoice
from catalog.models import GB, Plan, SpaceStep
from lib import clock
from orders.models import Order
from orders.services import (
    order_cancel,
    order_choose_transfer,
    order_declare_transfer,
    order_place_first_purchase,
    order_place_renewal,
    order_place_space_increase,
)
from panel.services import panel_password_set
from payments.providers.base import CardDetails
from payments.services import card_save
from payments.transfers import transfer_register
from sandbox.models import VaultCard, new_checkout_token
from subscriptions.models import Service
from subscriptions.services import (
    service_cease,
    service_expire,
    service_set_auto_renew,
    service_set_used_bytes,
    service_suspend,
)

# A demo database only, made anew by every `make demo`.
DEMO_PASSWORD = "demo-conserva-2026"  # noqa: S105 # nosec B105
CUSTOMER_EMAIL = "demo@conserva.example"
OTHER_EMAIL = "bianchi@conserva.example"
OPERATOR_EMAIL = "operatore@conserva.example"
# Customers of every kind the invoices serve, each with a paid service and its invoice.
CUSTOMERS_OF_EVERY_KIND = [
    {
        "email": "gmbh@conserva.example",
        "company_name": "Müller Archiv GmbH",
        "country": "DE",
        "vat_number": "136695976",
        "address": "Unter den Linden 5",
        "postcode": "10117",
        "city": "Berlin",
    },
    {
        "email": "ag@conserva.example",
        "company_name": "Zürcher Dokumente AG",
        "country": "CH",
        "vat_number": "CHE116281710",
        "address": "Bahnhofstrasse 1",
        "postcode": "8001",
        "city": "Zürich",
    },
    {
        "email": "comune@conserva.example",
        "kind": "PA",
        "company_name": "Comune di Arezzo",
        "vat_number": "00176820512",
        "tax_code": "00176820512",
        "address": "Piazza della Libertà 1",
        "postcode": "52100",
        "city": "Arezzo",
        "province": "AR",
        "sdi_code": "UFABCD",
        "cig": "Z1A2B3C4D5",
    },
    {
        "email": "mario.rossi@conserva.example",
        "kind": "PRIVATO",
        "company_name": "Mario Rossi",
        "first_name": "Mario",
        "last_name": "Rossi",
        "tax_code": "RSSMRA85T10A562S",
        "address": "Via Roma 3",
        "postcode": "52100",
        "city": "Arezzo",
        "province": "AR",
    },
]

PLANS = [
    ("base", "Base", "Per il professionista e la piccola impresa.", 5, "120.00"),
    ("professional", "Professional", "Per lo studio che conserva per i propri clienti.", 20, "290.00"),
    ("business", "Business", "Per l'azienda con molti documenti ogni anno.", 100, "790.00"),
]
SPACE_STEPS = [(5, "40.00"), (10, "70.00"), (50, "250.00")]


class Command(BaseCommand):
    help = "Fills an empty database with plans, an operator and demo customers in every state."

    def handle(self, *args, **options):
        if User.objects.filter(email=CUSTOMER_EMAIL).exists():
            raise CommandError("The demo data is already there; `make demo` starts from a new database.")
        with transaction.atomic():
            plans = self._catalogue()
            User.objects.create_superuser(OPERATOR_EMAIL, DEMO_PASSWORD)
            waiting = self._demo_customer(plans)
            self._other_customer(plans)
            self._customers_of_every_kind(plans)
        statement = settings.VAR_DIR / "demo-camt053.xml"
        statement.write_bytes(demo_statement(waiting))
        self.stdout.write(
            self.style.SUCCESS(
                "\nConserva demo ready at http://127.0.0.1:8000\n"
                f"  customer area : {CUSTOMER_EMAIL} / {DEMO_PASSWORD}\n"
                f"  another one   : {OTHER_EMAIL} / {DEMO_PASSWORD}\n"
                f"  panel login   : http://127.0.0.1:8000/pannello/accedi/  {waiting['panel_username']}"
                f" / {DEMO_PASSWORD}\n"
                "  invoices of every kind: gmbh@, ag@, comune@, mario.rossi@conserva.example (same password)\n"
                f"  API           : http://127.0.0.1:8000/api/v1/docs/ (guide: docs/api.md), the demo service's key:\n"
                f"                  curl -H 'Authorization: Bearer {self.api_secret}' http://127.0.0.1:8000/api/v1/service\n"
                f"  back-office   : http://127.0.0.1:8000/admin/  {OPERATOR_EMAIL} / {DEMO_PASSWORD}\n"
                "                  two-step verification: the first sign-in mails a set-up link (see mail below);\n"
                "                  scan its QR code with any authenticator app\n"
                "  sandbox cards : 4242 4242 4242 4242 succeeds, 4000 0027 6000 3184 asks for 3-D Secure,\n"
                "                  4000 0000 0000 0002 is declined (any future expiry, any CVC)\n"
                f"  bank statement: {statement} (admin > Estratti conto > Importa camt.053)\n"
                f"  mail (orders, accounts, assistance…): {settings.EMAIL_FILE_PATH or 'this console'}\n"
            )
        )

    def _catalogue(self) -> dict[str, Plan]:
        for size, price in SPACE_STEPS:
            SpaceStep.objects.create(size_gb=size, yearly_price_net=Decimal(price))
        return {
            code: Plan.objects.create(
                code=code, name=name, description=text, storage_gb=gb, price_net=Decimal(price), position=index
            )
            for index, (code, name, text, gb, price) in enumerate(PLANS)
        }

    def _demo_customer(self, plans):
        customer = customer_sign_up(
            email=CUSTOMER_EMAIL,
            password=DEMO_PASSWORD,
            email_verified=True,
            company={
                "company_name": "Studio Rossi Commercialisti S.r.l.",
                "vat_number": "01234560512",
                "address": "Via Roma 12",
                "postcode": "52100",
                "city": "Arezzo",
                "province": "AR",
                "sdi_code": "M5UXCR1",
            },
        )
        today = clock.today()
        user = customer.user

        # Expiring in 30 days (red), automatic renewal off: "Rinnova" shows; documents deposited in its
        # panel (its S6 figure is theirs), and a panel password for the customer's accountant.
        near = self._active_service(customer, plans["professional"], expires_on=today + datetime.timedelta(days=30))
        renewal, _created = order_place_renewal(service_id=near.pk, actor=user)
        order_cancel(order_id=renewal.pk, actor=user)

        # 75% used (red), automatic renewal on, a space increase waiting for payment.
        full = self._active_service(customer, plans["business"], expires_on=today + datetime.timedelta(days=200))
        self._set_used(full, Decimal("0.75"))
        service_set_auto_renew(service_id=full.pk, enabled=True, actor=user)
        order_place_space_increase(service_id=full.pk, step=SpaceStep.objects.get(size_gb=10), actor=user)

        # Expired ten days ago, a renewal declared as paid by transfer, not yet registered.
        expired = self._active_service(customer, plans["base"], expires_on=today - datetime.timedelta(days=10))
        self._set_used(expired, Decimal("0.52"))
        service_expire(service_id=expired.pk, today=today, actor=DAILY_RUN)
        declared, _created = order_place_renewal(service_id=expired.pk, actor=user)
        order_choose_transfer(order_id=declared.pk, actor=user)
        order_declare_transfer(order_id=declared.pk, actor=user)

        # Suspended: not renewed in the grace period, SOSPESO long enough to be listed as due for
        # cessation in the admin; its panel is closed, its archive downloadable.
        suspended = self._active_service(customer, plans["base"], expires_on=today - datetime.timedelta(days=100))
        service_expire(service_id=suspended.pk, today=today, actor=DAILY_RUN)
        service_suspend(service_id=suspended.pk, today=today, actor=DAILY_RUN)

        # Ceased by an operator a while after its suspension: read-only history, archive downloadable.
        ceased = self._active_service(customer, plans["base"], expires_on=today - datetime.timedelta(days=200))
        service_expire(service_id=ceased.pk, today=today, actor=DAILY_RUN)
        service_suspend(service_id=ceased.pk, today=today, actor=DAILY_RUN)
        service_cease(service_id=ceased.pk, actor=User.objects.get(email=OPERATOR_EMAIL))

        # A first purchase not paid yet: the service waits for activation.
        unpaid = order_place_first_purchase(customer=customer, plan=plans["base"], actor=user)

        # A card kept by the sandbox for the automatic renewals.
        expiry_year = today.year + 3
        vaulted = VaultCard.objects.create(
            token=new_checkout_token(), card_number="4242424242424242", card_expiry=f"12/{expiry_year % 100:02d}"
        )
        card = CardDetails(token=vaulted.token, brand="Visa", last4="4242", exp_month=12, exp_year=expiry_year)
        card_save(customer=customer, provider="sandbox", card=card, actor=user)
        self._archive_documents(near, customer)
        panel_password_set(service_id=near.pk, password=DEMO_PASSWORD, actor=user)
        return {
            "declared": declared,
            "unpaid": unpaid,
            "panel_username": Service.objects.get(pk=near.pk).panel_username,
        }

    def _archive_documents(self, service: Service, customer: Customer):
        """The customer's own invoices (FatturaPA XML: their metadata come from themselves) and a
        minutes PDF, deposited in its panel as two packages."""
        invoices = [
            SimpleUploadedFile(f"fattura-{invoice.number.replace('/', '-')}.xml", invoice.xml.encode())
            for invoice in Invoice.objects.filter(customer=customer, kind=Invoice.Kind.INVOICE)
        ]
        deposit_submit(
            service_id=service.pk, document_class_code="fattura-passiva", files=invoices, actor=customer.user
        )
        minutes = SimpleUploadedFile("verbale-assemblea-2026.pdf", _minutes_pdf(customer.company_name))
        deposit_submit(
            service_id=service.pk,
            document_class_code="documento-generico",
            files=[minutes],
            metadata={minutes.name: {"oggetto": "Verbale di assemblea dei soci", "data": clock.today().isoformat()}},
            actor=customer.user,
        )
        self._api_keys(service, customer)

    def _api_keys(self, service: Service, customer: Customer):
        """A key the demo's ERP would use (printed, for trying the API), and one revoked."""
        _key, self.api_secret = api_key_create(
            service_id=service.pk, name="Gestionale", may_deposit=True, may_read=True, actor=customer.user
        )
        old, _secret = api_key_create(
            service_id=service.pk, name="Vecchio gestionale", may_deposit=False, may_read=True, actor=customer.user
        )
        api_key_revoke(service_id=service.pk, prefix=old.prefix, actor=customer.user)

    def _other_customer(self, plans):
        customer = customer_sign_up(
            email=OTHER_EMAIL,
            password=DEMO_PASSWORD,
            email_verified=True,
            company={
                "company_name": "Bianchi Logistica S.p.A.",
                "vat_number": "07654320519",
                "address": "Corso Italia 3",
                "postcode": "50123",
                "city": "Firenze",
                "province": "FI",
                "pec": "bianchi@pec.example.it",
            },
        )
        self._active_service(customer, plans["base"], expires_on=clock.today() + datetime.timedelta(days=150))
        # A transfer that arrived after the order was cancelled: the customer's credit, in the operators' queue.
        cancelled = order_place_first_purchase(customer=customer, plan=plans["professional"], actor=customer.user)
        order_cancel(order_id=cancelled.pk, actor=customer.user)
        transfer_register(order=cancelled, operator=User.objects.get(email=OPERATOR_EMAIL))

    def _customers_of_every_kind(self, plans):
        for details in CUSTOMERS_OF_EVERY_KIND:
            company = {key: value for key, value in details.items() if key != "email"}
            customer = customer_sign_up(
                email=details["email"], password=DEMO_PASSWORD, company=company, email_verified=True
            )
            self._active_service(customer, plans["base"], expires_on=clock.today() + datetime.timedelta(days=300))

    def _active_service(self, customer: Customer, plan: Plan, *, expires_on: datetime.date) -> Service:
        """A service bought, paid by transfer and then moved so that it expires on `expires_on`."""
        order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
        transfer_register(order=order, operator=User.objects.get(email=OPERATOR_EMAIL))
        started_on = expires_on - datetime.timedelta(days=365)
        created_at = datetime.datetime.combine(started_on, datetime.time(10, 0), tzinfo=datetime.UTC)
        Order.objects.filter(pk=order.pk).update(created_at=created_at, paid_at=created_at)
        Service.objects.filter(pk=order.service_id).update(term_started_on=started_on, expires_on=expires_on)
        return Service.objects.get(pk=order.service_id)

    def _set_used(self, service: Service, share: Decimal):
        used_bytes = int(service.plan.storage_gb * GB * share)
        service_set_used_bytes(
            service_id=service.pk, used_bytes=used_bytes, actor=User.objects.get(email=OPERATOR_EMAIL)
        )


def _minutes_pdf(company: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"{company} – Verbale di assemblea dei soci")
    page.save()
    return buffer.getvalue()


def demo_statement(orders: dict[str, Order]) -> bytes:
    """A camt.053 statement to try the import with: one credit pays the declared transfer, one is
    short of the unpaid order's total, one names no order."""
    declared, unpaid = orders["declared"], orders["unpaid"]
    credits = [
        ("DEMO-0001", declared.total, f"Ordine {declared.number} Studio Rossi"),
        ("DEMO-0002", unpaid.total - Decimal("10.00"), f"Saldo ordine {unpaid.number}"),
        ("DEMO-0003", Decimal("99.00"), "Canone annuale"),
    ]
    entries = "".join(
        f"""
      <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{clock.today().isoformat()}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        for ref, amount, text in credits
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
  <GrpHdr><MsgId>DEMO-{clock.today():%Y%m%d}</MsgId><CreDtTm>{clock.now():%Y-%m-%dT%H:%M:%S}</CreDtTm></GrpHdr>
  <Stmt><Id>DEMO-STMT-{clock.today():%Y%m%d}</Id><Acct><Id><IBAN>{settings.BANK_IBAN}</IBAN></Id></Acct>{entries}
  </Stmt>
</BkToCstmrStmt></Document>
""".encode()
