from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin
from notifications.models import MailFailure


@admin.register(MailFailure)
class MailFailureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The mails a task could not send: read-only, for the operators to send them another way."""

    list_display = ["failed_at", "mail", "reference", "recipients", "subject", "error"]
    list_filter = ["mail"]
    search_fields = ["reference", "recipients", "subject"]
    date_hierarchy = "failed_at"
    fields = readonly_fields = ["failed_at", "mail", "reference", "recipients", "subject", "error"]
