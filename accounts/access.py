from functools import wraps

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect

from accounts import revisions


def customer_required(view):
    """Gives the view request.customer; an operator without one goes to the back-office."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            request.customer = request.user.customer
        except ObjectDoesNotExist:
            if request.user.is_staff:
                return redirect("admin:index")
            raise Http404 from None
        return view(request, *args, **kwargs)

    return wrapper


def customer_scope(request) -> str:
    """lib.page_cache's scope for a page of request.customer's, seen by request.user."""
    return scope_of(request.user, request.customer)


def scope_of(user, customer) -> str:
    # The user's sign-up time tells apart a user given the id of one deleted before.
    revision = f"r{customer.revision}.{revisions.reference_revision(user)}"
    return f"u{user.pk}.{user.date_joined.timestamp()}.c{customer.pk}.{revision}"


def account_owner_required(view):
    """The account's own pages (password, email, two factors) are a customer's or an operator's.
    Whoever signed in with a panel's own login has neither, and finds no such page (404): the
    panel's account is the customer's to manage."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_staff or hasattr(request.user, "customer")):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
