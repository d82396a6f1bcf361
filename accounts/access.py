from functools import wraps

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect


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
