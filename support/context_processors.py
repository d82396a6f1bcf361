from django.conf import settings

from support.guides import GUIDES


def contacts(request):
    """The provider's phone numbers and hours, from the configuration (S10)."""
    return {
        "support_contacts": settings.CONTACTS,
        "support_hours": (settings.CONTACT_HOURS_OPEN, settings.CONTACT_HOURS_CLOSE),
        "support_guides": GUIDES,
    }
