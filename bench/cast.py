"""The benchmarks' customer and plan, made through the real services."""

from accounts.models import User
from accounts.services import customer_sign_up
from catalog.models import Plan


def customer(email: str, company_name: str):
    return customer_sign_up(
        email=email,
        password="bench-password-long-enough",  # noqa: S106 (a throw-away benchmark database)
        email_verified=True,
        company={
            "company_name": company_name,
            "vat_number": "01234560512",
            "address": "Via Roma 1",
            "postcode": "52100",
            "city": "Arezzo",
            "province": "AR",
            "sdi_code": "M5UXCR1",
        },
    )


def plan() -> Plan:
    return Plan.objects.get_or_create(code="bench", defaults={"name": "Bench", "storage_gb": 10, "price_net": 100})[0]


def operator() -> User:
    return User.objects.get_or_create(email="bench-operator@example.com", defaults={"is_staff": True})[0]
