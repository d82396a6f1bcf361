from django.shortcuts import render

from accounts.access import customer_required
from catalog.models import Plan


@customer_required
def plans(request):
    return render(request, "catalog/plans.html", {"plans": Plan.objects.filter(is_active=True)})
