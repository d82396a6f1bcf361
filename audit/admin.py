from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline

from audit.models import AuditEntry

READ_ONLY_FIELDS = ["created_at", "action", "from_state", "to_state", "actor_label", "changes"]


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditEntryInline(ReadOnlyAdminMixin, GenericTabularInline):
    model = AuditEntry
    ct_fk_field = "object_id"
    fields = READ_ONLY_FIELDS
    readonly_fields = READ_ONLY_FIELDS
    extra = 0


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "object_repr", "action", "from_state", "to_state", "actor_label"]
    list_filter = ["content_type", "action"]
    search_fields = ["object_repr", "actor_label"]
    date_hierarchy = "created_at"
