from django.db import transaction

from accounts.models import Customer, User


@transaction.atomic
def customer_sign_up(*, email: str, password: str, company: dict) -> Customer:
    user = User.objects.create_user(email=email, password=password)
    return Customer.objects.create(user=user, **company)
