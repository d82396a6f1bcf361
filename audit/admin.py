import datetime

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.template.defaultfilters import yesno
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.values import AuditValue

READ_ONLY_FIELDS = ["created_at", "action", "from_state", "to_state", "actor_label", "changes_text"]


def readable(value: AuditValue) -> str:
    """A recorded value as people read it in the active language: 353,80 · 10/03/2027 · sì."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return formats.localize(value)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadableEntryMixin:
    """The entry in words: `action` shows its label, `changes_text` the recorded values."""

    @admin.display(description=_("dettagli"))
    def changes_text(self, entry: AuditEntry) -> str:
        # Sorted: PostgreSQL's jsonb does not keep the order in which the changes were given.
        return " · ".join(f"{key}: {readable(value)}" for key, value in sorted(entry.values().items()))


class AuditEntryInline(ReadableEntryMixin, ReadOnlyAdminMixin, GenericTabularInline):
    model = AuditEntry
    ct_fk_field = "object_id"
    fields = READ_ONLY_FIELDS
    readonly_fields = READ_ONLY_FIELDS
    extra = 0


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadableEntryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "object_repr", "action", "from_state", "to_state", "actor_label", "changes_text"]
    list_filter = ["content_type", "action"]
    search_fields = ["object_repr", "actor_label"]
    date_hierarchy = "created_at"
    fields = ["created_at", "object_repr", *READ_ONLY_FIELDS[1:]]
    readonly_fields = fields
